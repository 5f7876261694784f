"""The per-file facts as plain data, free of libcst.

Kept apart from the collector (facts.py) so that reading facts back from the cache, and linking them,
never imports libcst: a warm run does not pay for the parser it does not use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Location:
    line: int
    column: int
    end_line: int
    end_column: int


@dataclass
class FunctionFacts:
    qualname: str
    params: list[str]
    location: Location
    decorators: list[str] = field(default_factory=list)
    class_name: str | None = None
    is_async: bool = False
    module_level: bool = False
    in_main_guard: bool = False


@dataclass
class ImportFacts:
    module: str  # as written, without leading dots
    level: int  # number of leading dots of a relative import
    names: list[tuple[str, str]]  # (imported name, local alias); empty for `import x`
    alias: str | None  # `import x.y as z` -> "z"
    line: int
    function: str | None  # qualname of the enclosing function, None at module level


@dataclass
class ModuleFacts:
    path: Path
    functions: dict[str, FunctionFacts] = field(default_factory=dict)
    classes: dict[str, Location] = field(default_factory=dict)
    imports: list[ImportFacts] = field(default_factory=list)
    # Module-level names bound to an instance of a class defined here: `handler = Handler()`.
    instances: dict[str, str] = field(default_factory=dict)
    # Where line 1 of this source sits in its file (inline code in templates starts further down).
    line_offset: int = 0
    column_offset: int = 0
    # DynamoDB reads and their table names (PERF201), from wa_lint.python.dynamodb.
    dynamodb: DynamoFacts | None = None


@dataclass(frozen=True)
class TableName:
    kind: str  # "env": the name of an environment variable | "literal": the table name itself
    value: str


@dataclass(frozen=True)
class DynamoRead:
    operation: str
    table: TableName
    consistent: bool  # ConsistentRead=True, literally
    line: int
    function: str | None  # qualname of the enclosing function, None at module level


@dataclass
class DynamoFacts:
    reads: list[DynamoRead] = field(default_factory=list)
