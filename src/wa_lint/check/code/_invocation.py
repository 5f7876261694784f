"""What the linked rules share: the calls that run on every invocation of an entry, and which AWS service
a call's client is for.

Per-invocation reach is the call graph's (callgraph.taint_walk, as PERF101 uses it): the handler, its
callees across local modules and layers, Powertools routes and class handlers; lazily initialised code
and functools-cached functions are not on it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from wa_lint.analyse.python.callgraph import Step, custom_resource_handler, describe, entry_order, taint_walk
from wa_lint.analyse.python.construction import constructed_at, receiver
from wa_lint.analyse.python.facts_model import Body, Call, Construction, ModuleFacts
from wa_lint.link.model import Entry, Function, Project
from wa_lint.report.findings import Span

_DAX = "amazondax."
_BOTO3 = ("boto3.", "aioboto3.")
_CLIENTS = ("boto3.client", "boto3.Session().client", "boto3.session.Session().client", "aioboto3.client",
            "aioboto3.Session().client")


SiteKey = tuple[int, int, int, int, int]


@dataclass(frozen=True)
class Site:
    facts: ModuleFacts
    qualname: str  # the enclosing function
    body: Body
    call: Call
    path: tuple[Step, ...]

    @property
    def key(self) -> SiteKey:
        # `requests.get(url).json()` and its receiver call start at the same place: the span tells them apart.
        call = self.call
        return (id(self.facts), call.line, call.column, call.end_line, call.end_column)

    @property
    def span(self) -> Span:
        """Where a finding about the call points: the call itself."""
        call = self.call
        return Span(self.facts.path, call.line, call.column, call.end_line, call.end_column)

    def route(self, last: str) -> str:
        """` (lambda_handler → load → ssm.get_parameter)` when the call is not in the handler itself."""
        return f" ({describe(self.path, last)})" if len(self.path) > 1 else ""

    @property
    def writes_module_state(self) -> bool:
        """The function stores into module-level state: the memo a cached fetch is written to."""
        return bool(self.body.writes)


def entries(project: Project) -> list[Entry]:
    """The entries in a stable order, so that a site reached by several is reported for the same one."""
    return sorted(project.entries, key=entry_order)


def function_entries(project: Project) -> Iterator[tuple[Entry, Function]]:
    """The first entry (in `entries` order) of each template function: the rules that judge a function by
    its code and its template together report once per function, not once per handler entry."""
    seen: set[tuple[int, str]] = set()
    for entry in entries(project):
        function = entry.function
        if function is None or (id(function.template), function.logical_id) in seen:
            continue
        seen.add((id(function.template), function.logical_id))
        yield entry, function


def invocation_calls(project: Project, entry: Entry, deployments: bool = False,
                     methods: frozenset[str] | None = None) -> Iterator[Site]:
    """Every unguarded call on the entry's per-invocation path, once per call site; with `methods`,
    only the calls of a method by one of those names (`s3.get_object`: "get_object").

    Functions that only back custom resources run once per deployment and are skipped unless asked for."""
    if not deployments and custom_resource_handler(project, entry):
        return
    seen: set[SiteKey] = set()
    for graph, node, _live, path in taint_walk(project, entry):
        body = graph.body(node)
        if body is None:
            continue
        facts = graph.facts(node)
        module = id(facts)
        for call in body.calls:
            # A rule asks about a few methods among the thousands of calls a large app makes per
            # invocation: the others are skipped before a Site is made for them.
            if call.guarded or (methods is not None and method(call) not in methods):
                continue
            key = (module, call.line, call.column, call.end_line, call.end_column)  # Site.key
            if key not in seen:
                seen.add(key)
                yield Site(facts, node.qualname, body, call, path)


def service(site: Site) -> str | None:
    """The AWS service of the boto3 client a method call is made on: a module-level client
    (`ssm = boto3.client("ssm")`), one bound in the same function, one a method stored on `self`
    (`self.ssm = boto3.client("ssm")` in `__init__`), or `boto3.client("ssm").get_parameter`."""
    call = site.call
    made = receiver(site.facts, call) or _self_attribute(site)
    if made is not None:
        # `client = session.client("ssm")` keeps the session's local name: any `.client(...)` will do.
        return made.service if made.callee in _CLIENTS or made.callee.endswith(".client") else None
    head, dot, _ = call.callee.partition(".")
    if not dot:
        return None
    for other in site.body.calls:
        if other.qualified not in _CLIENTS:
            continue
        bound = other.assigned_to == head
        chained = "(" in call.callee and other.receiver_of_call and other.line == call.line \
            and other.column == call.column
        if bound or chained:
            built = constructed_at(site.facts, site.qualname, other)
            return built.service if built else None
    return None


def _made_by(facts: ModuleFacts, made: Construction | None, depth: int = 0) -> str | None:
    """"dax" or "boto3": what built a module-level object, following a Table taken from one
    (`orders = dax.Table("orders")` after `dax = AmazonDaxClient.resource(...)`)."""
    if made is None or depth > 3:
        return None
    if (kind := _kind(made.callee)) is not None:
        return kind
    head, dot, _ = made.callee.partition(".")
    return _made_by(facts, facts.objects.get(head), depth + 1) if dot else None


def _kind(qualified: str | None) -> str | None:
    """"dax" or "boto3" when the dotted callee is the package's own, else None."""
    if (qualified or "").startswith(_DAX):
        return "dax"
    if (qualified or "").startswith(_BOTO3):
        return "boto3"
    return None


def dynamodb_client(site: Site) -> str | None:
    """"dax" when a DynamoDB call is sent through an `amazondax` client or resource, "boto3" when through
    boto3's, None when the receiver is unknown (a parameter, `self.table`, a client chosen at run time).

    The receiver is a module-level object (or a Table taken from one), an object made in the same
    function (`table = boto3.resource("dynamodb").Table(...)`), or a chain written in the call itself."""
    call = site.call
    head, dot, _ = call.callee.partition(".")
    if not dot:
        return None
    if (kind := _kind(call.qualified)) is not None:
        return kind
    # An object made in the same function: one kind, or unknown when branches make different ones.
    kinds = {_kind(other.qualified) for other in site.body.calls if other.assigned_to == head}
    if kinds - {None}:
        return kinds.pop() if len(kinds) == 1 else None
    if call.qualified != call.callee:
        return None  # the name is bound in the function or by an import: not the module-level object
    facts = site.facts
    if len({_kind(callee) for callee in facts.rebound.get(head, ())}) > 1:
        return None  # `client = AmazonDaxClient(...) if endpoint else boto3.client(...)`, in branches
    return _made_by(facts, facts.objects.get(head))


def _self_attribute(site: Site) -> Construction | None:
    """What `__init__` (or another method) stored on `self` for `self.ssm.get_parameter(...)` in a method."""
    parts = site.call.callee.split(".")
    if len(parts) != 3 or parts[0] != "self" or "(" in site.call.callee or "." not in site.qualname:
        return None
    return site.facts.attributes.get(f"{site.qualname.rpartition('.')[0]}.{parts[1]}")


def method(call: Call) -> str:
    return call.callee.rpartition(".")[2]


def place(project: Project, facts: ModuleFacts, line: int) -> str:
    """`src/app.py:14` for messages: relative to the project when it can be."""
    try:
        path = facts.path.relative_to(project.root).as_posix()
    except ValueError:
        path = facts.path.name
    return f"{path}:{line}"
