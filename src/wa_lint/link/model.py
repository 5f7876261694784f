"""The linked project model: what wa-lint understood of the templates and the code.

Checks read only this model. The pipeline assembles it once per run from the stages' outputs
(discover → load → link → analyse → evidence) and nothing changes it afterwards: checks share their
memo tables through the check stage's `Index`, never through the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wa_lint.report.findings import Span

if TYPE_CHECKING:
    from wa_lint.analyse.python.facts_model import ModuleFacts
    from wa_lint.evidence.live.measurements import LiveEvidence
    from wa_lint.evidence.power_tuning import TuningResult
    from wa_lint.load.sources import SourceStore
    from wa_lint.load.template.document import Template
    from wa_lint.load.template.nodes import DictNode
    from wa_lint.problems import Problem


@dataclass(frozen=True)
class Setting:
    """A configured value and where it came from: the resource, SAM Globals, or a parameter default."""

    value: Any
    source: str  # "resource" | "globals" | "parameter-default" | "parameter" | "condition"
    span: Span
    parameter: str | None = None


@dataclass(frozen=True)
class EnvVar:
    name: str
    value: Any
    # Logical ID that `!Ref X` / `!GetAtt X.Attr` / `${X}` in `!Sub` points at, when it is a resource.
    target: str | None
    span: Span
    # The template parameter `!Ref` names (a nested stack's parent may pass a table through it).
    parameter: str | None = None


@dataclass(frozen=True)
class Trigger:
    name: str
    type: str  # SAM event type (Api, HttpApi, SQS, ...) or FunctionUrl / EventSourceMapping kinds
    span: Span
    target: str | None = None  # logical ID of the source resource (queue, table, stream...), when known

    @property
    def synchronous_api(self) -> bool:
        # Front doors whose caller waits for the answer: API Gateway (REST, HTTP, WebSocket routes),
        # function URLs, Application Load Balancer targets and AppSync resolvers.
        return self.type in ("Api", "HttpApi", "WebSocket", "FunctionUrl", "ALB", "AppSync", "ApiIntegration")


@dataclass
class Code:
    """Where a function's code lives."""

    kind: str  # "local" | "inline" | "s3" | "image" | "asset" | "unusable" | "unknown"
    root: Path | None = None  # folder for "local"
    inline: str | None = None  # source for "inline"
    # Where inline source line 1 sits in the template (1-based line, 0-based column offset).
    inline_line: int = 1
    inline_column: int = 0
    span: Span | None = None
    # Why a local code location cannot be a path ("unusable": a NUL, a part over 255 bytes).
    problem: str | None = None


@dataclass(frozen=True)
class Handler:
    """The resolved entry point: file + dotted name inside it, or why it could not be resolved."""

    text: str
    module: str | None = None  # dotted module name relative to the code root
    file: Path | None = None
    qualname: str | None = None  # "lambda_handler" or "Handler.handle"
    problem: str | None = None
    # The code folder was searched and the module or function named is not there (or the text is malformed).
    missing: bool = False


@dataclass
class Function:
    template: Template
    logical_id: str
    type: str
    span: Span  # the logical ID's key in the template
    properties: DictNode
    runtime: str | None
    handler: Handler | None
    code: Code
    memory: Setting | None
    timeout: Setting | None
    environment: dict[str, EnvVar] = field(default_factory=dict)
    triggers: list[Trigger] = field(default_factory=list)
    layers: list[str] = field(default_factory=list)  # logical IDs of local layers
    import_roots: list[Path] = field(default_factory=list)
    policies: Any = None

    @property
    def is_python(self) -> bool:
        if self.runtime:
            return self.runtime.startswith("python")
        return self.handler is not None and self.handler.file is not None and self.handler.file.suffix == ".py"

    @property
    def has_synchronous_api_trigger(self) -> bool:
        return any(trigger.synchronous_api for trigger in self.triggers)


@dataclass
class Table:
    template: Template
    logical_id: str
    type: str
    span: Span
    properties: DictNode
    table_name: str | None
    billing_mode: str | None


@dataclass
class Resource:
    """Any other resource the checks may need (DAX clusters, scalable targets, layers)."""

    template: Template
    logical_id: str
    type: str
    span: Span
    properties: DictNode


@dataclass
class Entry:
    """A handler entry point whose code wa-lint analyses: from a template, or found by its signature."""

    facts: ModuleFacts
    qualname: str  # the function that runs: "lambda_handler", "Handler.handle", "Handler.__call__"
    roots: list[Path]  # import roots for local modules (code folder, layers)
    function: Function | None = None  # None for handler candidates no template references

    @property
    def label(self) -> str:
        return self.function.logical_id if self.function else self.qualname


# What the run's parts (run_parts.py) are joined by: (a file, a key naming what it holds or reads,
# whether it holds it). "table:Orders", True in the template that defines a table named Orders;
# "table:Orders", False in the code that reads one by that name.
PartLink = tuple[Path, str, bool]
# The flag a part run on its own is told when another part has DAX (`Project.elsewhere`).
DAX_ELSEWHERE = "dax"


@dataclass
class Project:
    root: Path
    templates: list[Template] = field(default_factory=list)
    functions: list[Function] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    # Facts of every Python file analysed (handler modules and the local modules they import).
    modules: dict[Path, ModuleFacts] = field(default_factory=dict)
    # Inline code (`InlineCode`, `Code.ZipFile`) by (template path, the function's logical ID).
    inline_modules: dict[tuple[Path, str], ModuleFacts] = field(default_factory=dict)
    entries: list[Entry] = field(default_factory=list)
    # The local modules each analysed module imports, under the import roots it was followed with
    # (module path, roots) → module paths: the import graph the engine followed, for checks to reuse.
    imports: dict[tuple[Path, tuple[Path, ...]], list[Path]] = field(default_factory=dict)
    # Files (and folders) the user named when any file was named (pre-commit passes only staged files):
    # findings elsewhere are not reported. None means everything found is reported.
    reported_paths: frozenset[Path] | None = None
    # The call graph's (analyse/python/callgraph.py) own memo tables, built on first use; checks use the
    # check stage's `Index` instead.
    lookups: dict[str, object] = field(default_factory=dict)
    # AWS Lambda Power Tuning results by (template path, function logical ID), read once per run.
    power_tuning: dict[tuple[Path, str], TuningResult] = field(default_factory=dict)
    # What `--aws` read from the deployed stack and CloudWatch; None without `--aws`.
    live: LiveEvidence | None = None
    # Files (and inline code) a stage could not read as what they are: the tool rules report them.
    problems: list[Problem] = field(default_factory=list)
    # Every file the run read, with its text and line index (suppressions and fingerprints read it here).
    sources: SourceStore | None = None
    # The run's cache folder (None: no cache), where checks keep what they work out per file (fixes).
    cache_folder: Path | None = None
    # What the rest of the project holds when this run checks only some of its parts (run_parts.py's
    # flags, such as a DAX cluster in another app); empty for a whole run.
    elsewhere: frozenset[str] = frozenset()

    def is_reported(self, path: Path) -> bool:
        reported = self.reported_paths
        return reported is None or path in reported or any(parent in reported for parent in path.parents)

    def enclosing_function(self, path: Path, line: int) -> str | None:
        """The qualified name of the innermost analysed function around `line` of `path` (None: none)."""
        facts = self.modules.get(path)
        if facts is None:
            return None
        enclosing = [f for f in facts.functions.values() if f.location.line <= line <= f.location.end_line]
        return max(enclosing, key=lambda f: f.location.line).qualname if enclosing else None

    def resources_of_type(self, *types: str) -> list[Resource]:
        return [resource for resource in self.resources if resource.type in types]

    def entry_of(self, function: Function) -> Entry | None:
        """The entry whose handler `function` runs, when its code was analysed."""
        # Asked once per function by several checks: a scan of every entry each time made large apps
        # quadratic (12 s of a 10,000-function run). The table is rebuilt if entries were added since.
        table = self.lookups.get("entry-of-function")
        if not (isinstance(table, _EntriesByFunction) and table.size == len(self.entries)):
            table = self.lookups["entry-of-function"] = _EntriesByFunction(self.entries)
        return table.by_function.get(id(function))


class _EntriesByFunction:
    """Each function's first entry, by the function's identity (functions are not hashable)."""

    __slots__ = ("by_function", "size")

    def __init__(self, entries: list[Entry]) -> None:
        self.size = len(entries)
        self.by_function: dict[int, Entry] = {}
        for entry in entries:
            if entry.function is not None:
                self.by_function.setdefault(id(entry.function), entry)
