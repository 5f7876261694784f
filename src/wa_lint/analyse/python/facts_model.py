"""The per-file facts as plain data, free of any parser.

Kept apart from the collectors (facts.py) so that reading facts back from the cache, and linking them,
never imports the analysis: a warm run does not pay for what it does not use.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

# Strings recorded in ModuleFacts.mentions besides batchItemFailures: a custom resource handler reads
# `RequestType` and names the request types it dispatches on; a secret rotation handler names the
# rotation steps (link/deploy_time.py and link/cadence.py read them).
REQUEST_TYPE_MARKERS = frozenset({"Create", "Update", "Delete", "CREATE", "UPDATE", "DELETE", "create", "update", "delete"})
ROTATION_STEP_MARKERS = frozenset({"createSecret", "setSecret", "testSecret", "finishSecret"})


_Frozen = TypeVar("_Frozen")


def _pickled_by_fields(cls: type[_Frozen]) -> type[_Frozen]:
    """Pickle a frozen, slotted dataclass as its constructor and field values.

    Workers send every file's facts to the parent by pickle. For a frozen dataclass with slots the
    dataclasses module restores each object through a Python-level `__setstate__` that lists the
    fields again for every object (a third of the parent's unpickling); the constructor with the
    values read by one C-level getter costs less on both sides."""
    names = tuple(item.name for item in dataclasses.fields(cls))  # type: ignore[arg-type]
    getter = operator.attrgetter(*names)
    values: Callable[[Any], tuple[Any, ...]] = getter if len(names) > 1 else (lambda item: (getter(item),))

    def __reduce__(self: Any) -> tuple[type[_Frozen], tuple[Any, ...]]:
        return cls, values(self)

    cls.__reduce__ = __reduce__  # type: ignore[method-assign]
    return cls


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Location:
    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(slots=True)
class FunctionFacts:
    qualname: str
    params: list[str]
    location: Location
    decorators: list[str] = field(default_factory=list)
    class_name: str | None = None
    is_async: bool = False
    module_level: bool = False
    in_main_guard: bool = False


@dataclass(slots=True)
class ImportFacts:
    module: str  # as written, without leading dots
    level: int  # number of leading dots of a relative import
    names: list[tuple[str, str]]  # (imported name, local alias); empty for `import x`
    alias: str | None  # `import x.y as z` -> "z"
    line: int
    function: str | None  # qualname of the enclosing function, None at module level


@dataclass(slots=True)
class ModuleFacts:
    path: Path
    functions: dict[str, FunctionFacts] = field(default_factory=dict)
    classes: dict[str, Location] = field(default_factory=dict)
    imports: list[ImportFacts] = field(default_factory=list)
    # Module-level names bound to an instance of a class defined here: `handler = Handler()`.
    instances: dict[str, str] = field(default_factory=dict)
    # What each function calls and writes (see calls.py), by qualified name.
    bodies: dict[str, Body] = field(default_factory=dict)
    # Module-level import aliases (local name -> dotted name, relative ones with leading dots).
    aliases: dict[str, str] = field(default_factory=dict)
    # Module-level assigned names -> "container" | "call:<qualified callee>" | "value".
    module_names: dict[str, str] = field(default_factory=dict)
    # Base classes by class qualname, resolved through imports like calls.
    bases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Where line 1 of this source sits in its file (inline code in templates starts further down).
    line_offset: int = 0
    column_offset: int = 0
    # DynamoDB reads and their table names (PERF201), from wa_lint.analyse.python.dynamodb.
    dynamodb: DynamoFacts = field(default_factory=lambda: DynamoFacts())
    # Module-level names bound to a call, with what the call was: `ssm = boto3.client("ssm")`.
    objects: dict[str, Construction] = field(default_factory=dict)
    # Module-level names bound to calls of different callees (`client = AmazonDaxClient(...)` in one
    # branch, `client = boto3.client("dynamodb")` in the other), with every callee; `objects` keeps the last.
    rebound: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Constructor calls inside functions (SDK clients, connections), by "<qualname>:<line>:<column>".
    constructions: dict[str, Construction] = field(default_factory=dict)
    # Known constructor calls stored on `self` in a method (`self.ssm = boto3.client("ssm")` in `__init__`),
    # by "<Class>.<attribute>"; an attribute given two different constructors is left out.
    attributes: dict[str, Construction] = field(default_factory=dict)
    # Each function's decorators, by qualified name (functions without any are absent).
    decorators: dict[str, tuple[Decorator, ...]] = field(default_factory=dict)
    # Keys of the dict literals each function returns (`return {"batchItemFailures": [...]}`), by qualname.
    returned_keys: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # What each function returns when it returns a call, as written (`return cls(...)` → "cls",
    # `return Model(...)` → "Model"): the call graph follows methods on objects a factory returns.
    returned_calls: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Literal keywords and whole names passed, by call site (see arguments.py; calls without either are absent).
    arguments: dict[str, Arguments] = field(default_factory=dict)
    # Marker strings ("batchItemFailures") each function mentions, by qualname ("" for module level).
    mentions: dict[str, tuple[str, ...]] = field(default_factory=dict)


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class TableName:
    kind: str  # "env": the name of an environment variable | "literal": the table name itself
    value: str


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class DynamoRead:
    operation: str
    table: TableName
    consistent: bool  # ConsistentRead=True, literally
    line: int
    function: str | None  # qualname of the enclosing function, None at module level
    # Keyed by the caller: its partition key is the caller's identity (authorizer claims, a user id).
    per_user: bool = False


@dataclass(slots=True)
class DynamoFacts:
    reads: list[DynamoRead] = field(default_factory=list)


# -- where a value comes from (taint origins) ---------------------------------------------------------

class OriginKind(str, Enum):
    PARAM = "param"  # a parameter of the function (`name`)
    CONTEXT_USER = "context-user"  # `<name>.identity` / `<name>.client_context`: the caller, from a context
    CURRENT_EVENT = "current-event"  # Powertools' `*.current_event`


@_pickled_by_fields
@dataclass(frozen=True, order=True, slots=True)
class Origin:
    """One input a value may come from; the check decides which origins carry invocation data."""

    kind: OriginKind
    name: str = ""

    @staticmethod
    def param(name: str) -> Origin:
        return Origin(OriginKind.PARAM, name)

    @staticmethod
    def context_user(name: str) -> Origin:
        return Origin(OriginKind.CONTEXT_USER, name)


Origins = tuple[Origin, ...]
# The origin of values read from Powertools' `*.current_event`.
EVENT_ORIGIN = Origin(OriginKind.CURRENT_EVENT)


# -- what constructed an object -------------------------------------------------------------------------

@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Construction:
    """A constructor call with its literal arguments: `boto3.client("ssm", region_name="eu-west-1")`."""

    callee: str  # qualified through imports: "boto3.client", "boto3.Session().client", "redis.Redis"
    line: int
    service: str | None = None  # the first positional or `service_name=` string (boto3 clients, resources)
    region: str | None = None  # `region_name=` as a string literal
    endpoint_url: str | None = None  # `endpoint_url=` as a string literal
    # Credential keywords given (`aws_access_key_id`, ...), "**" for unpacked keyword arguments.
    credentials: tuple[str, ...] = ()


# -- decorators and returns -----------------------------------------------------------------------------

@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Decorator:
    name: str  # as written: "logger.inject_lambda_context", "lru_cache"
    qualified: str  # through the module's imports: "functools.lru_cache"
    called: bool  # `@lru_cache()` / `@app.get("/")` rather than `@lru_cache`
    # Keyword arguments whose values are literals, as their source text: (("log_event", "True"),).
    keywords: tuple[tuple[str, str], ...] = ()


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Arguments:
    """A call's literal keyword arguments (as `repr` text) and the names it is passed whole."""

    literals: tuple[tuple[str, str], ...] = ()
    whole: tuple[str, ...] = ()  # `f(event)`, `f(json.dumps(event))`, `f(f"{event}")`
    unpacked: bool = False  # `**kwargs`: keywords we cannot see
    # Arguments constant for the environment (literal, environment variable, module constant): keyword
    # names, and positions as "0", "1".
    constants: tuple[str, ...] = ()
    # (argument, environment variable) for arguments read from the environment; ("receiver", VAR) when the
    # object called was made from one.
    environment: tuple[tuple[str, str], ...] = ()
    # The keyword names given (recorded for module-level calls only).
    keywords: tuple[str, ...] = ()


# -- what a function calls and writes (collected in calls.py and writes.py) ----------------------------

@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Call:
    callee: str  # as written: "load_order", "b3.client", "self.repo.get", "boto3.Session().client"
    qualified: str | None  # through imports and local variables; None when the receiver is unknown
    line: int
    column: int
    end_line: int
    end_column: int
    args: tuple[Origins, ...] = ()
    keywords: tuple[tuple[str, Origins], ...] = ()
    guarded: bool = False  # runs only while a module-level sentinel is unset (lazy initialisation)
    credentials: bool = False  # explicit credentials (or `**kwargs` we cannot see into)
    receiver_of_call: bool = False  # `X()` in `X().y(...)`: the outer call is the one that matters
    text: str = ""  # the call's source, for the fix suggestion (empty when long or multi-line)
    assigned_to: str | None = None  # `name = <call>`
    references: tuple[str, ...] = ()  # bare names/attributes passed as arguments (possible callbacks)
    # Arguments that are objects of a known constructor, qualified like `qualified` ("Worker()"), by
    # position ("0") or keyword name: the callee's methods on that parameter can be followed.
    arg_types: tuple[tuple[str, str], ...] = ()


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Write:
    kind: str  # "global" | "item" | "method" | "attribute" | "append_keys"
    root: str  # the non-local name written through ("CACHE", "self", "Config", "logger")
    target: str  # for messages: "CACHE[...]", "seen.add(...)", "Config.user", "CURRENT_USER"
    line: int
    column: int
    end_line: int
    end_column: int
    origins: Origins = ()  # what flows into the stored value
    key_origins: Origins = ()  # what flows into a subscript key
    value: str | None = None  # qualified callee when the stored value is a call (lazy client init)
    guarded: bool = False
    declared_global: bool = False  # the function says `global <root>`


@dataclass(slots=True)
class Body:
    calls: list[Call] = field(default_factory=list)
    writes: list[Write] = field(default_factory=list)
