"""The parts of a run that see nothing of each other, so a run after a few files changed checks only theirs.

A monorepo of many apps is many independent lints: a template, the templates it nests and the Python
files its functions' handlers reach (with the local modules they import or call into) are one part; a
Python file no template references, or a file that turned out not to be a template, is a part of its
own. Parts that share a file are one part. A part's findings and its notes from the stages are those in
its files, and they depend on nothing outside it, so when only the contents of some files changed
(`Inputs.files_changed_now`), the run memo's entry (run_memo.py) gives every other part's findings as
they were and only the changed parts go through the stages again (`Run._partial` in pipeline.py).

Where the model relates what one part holds to another's, the parts are joined by what they hold in
common (`Link`: each module that relates them says what a file provides and asks for, in `part_links`):
a table read by its literal name from another template's code, a custom resource whose ServiceToken
imports another template's export, a template that may suppress findings in the handler code of any
function with a logical ID it defines. A DAX cluster or client anywhere silences PERF201 for every
table, which would join every part with a table: that is a flag instead, handed to a part run on its own
as what the rest of the project holds (`Project.elsewhere`).

A CDK app's template joins the files its asset handlers were compared with (`source_of_asset` looks
for the source among same-named files anywhere), and the apps without cdk.out are one part (one note
names them all when there are many).

`parts_of` refuses (None: the next run after a change runs whole) where parts cannot be told apart:
files named one by one (pre-commit reads the templates around them by what they mention), a finding or
a stage's note outside every part's files, and an internal error (WA002 of a project-level check is
reported at the first template).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from wa_lint.discover.stage import Found
    from wa_lint.link.model import PartLink, Project
    from wa_lint.link.stage import Linked
    from wa_lint.load.stage import Loaded
    from wa_lint.report.findings import Diagnostic, Finding


class PartStats(NamedTuple):
    """The run's figures for one part (`Stats` without the duration)."""

    templates: int
    python_files: int
    frameworks: dict[str, int]
    functions: int
    functions_with_code: int


@dataclass(frozen=True)
class Part:
    files: frozenset[str]
    stats: PartStats
    provides: frozenset[str] = frozenset()
    asks: frozenset[str] = frozenset()
    flags: frozenset[str] = frozenset()
    # Whether anything in it was checked (a template, an entry or a file that failed to load): a run
    # with nothing checked says so.
    checked: bool = False


class Parts:
    """A run's parts, and how many of its first notes are the whole run's (the walk's, the cache's),
    not a part's. Read back from the run memo, the parts are decoded only when asked for: a replay
    stores them again as they were read."""

    def __init__(self, parts: tuple[Part, ...], run_notes: int) -> None:
        self._parts: tuple[Part, ...] | None = parts
        self._stored: list[Any] | None = None
        self.run_notes = run_notes

    @classmethod
    def stored(cls, value: Any) -> Parts:
        """`encode`'s value, decoded when first asked; raises TypeError or ValueError on any other
        (on its shape now, on its parts when they are decoded)."""
        if type(value) is not list or len(value) != 2 or type(value[0]) is not int or type(value[1]) is not list:
            raise TypeError("parts are a count of notes and a list")
        parts = cls((), value[0])
        parts._parts, parts._stored = None, value[1]
        return parts

    @property
    def parts(self) -> tuple[Part, ...]:
        if self._parts is None:
            assert self._stored is not None
            self._parts = tuple(_decode_part(item) for item in self._stored)
        return self._parts

    def encode(self) -> list[Any]:
        if self._stored is None:
            self._stored = [[sorted(part.files), list(part.stats), sorted(part.provides), sorted(part.asks),
                             sorted(part.flags), part.checked] for part in self.parts]
        return [self.run_notes, self._stored]


def _decode_part(value: Any) -> Part:
    files, stats, provides, asks, flags, checked = value
    templates, modules, frameworks, functions, with_code = stats
    if not all(type(count) is int for count in (templates, modules, functions, with_code)) or type(
            frameworks) is not dict or not all(type(count) is int for count in frameworks.values()):
        raise TypeError("a part's figures are counts")
    if type(checked) is not bool:
        raise TypeError("checked is true or false")
    return Part(_texts(files), PartStats(templates, modules, dict(frameworks), functions, with_code),
                _texts(provides), _texts(asks), _texts(flags), checked)


def _texts(value: Any) -> frozenset[str]:
    if type(value) is not list or not all(type(item) is str for item in value):
        raise TypeError("expected a list of texts")
    return frozenset(value)


def total_stats(parts: Iterable[Part]) -> PartStats:
    templates = python_files = functions = with_code = 0
    frameworks: dict[str, int] = {}
    for part in parts:
        stats = part.stats
        templates += stats.templates
        python_files += stats.python_files
        for name, count in stats.frameworks.items():
            frameworks[name] = frameworks.get(name, 0) + count
        functions += stats.functions
        with_code += stats.functions_with_code
    return PartStats(templates, python_files, frameworks, functions, with_code)


class _Joined:
    """Union-find over file paths."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def add(self, path: str) -> str:
        root = self.parent.setdefault(path, path)
        if root == path:
            return path
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[path] != root:  # every path on the way now points at the root
            self.parent[path], path = root, self.parent[path]
        return root

    def join(self, first: str, second: str) -> None:
        a, b = self.add(first), self.add(second)
        if a != b:
            self.parent[b] = a

    def groups(self) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for path in self.parent:
            found.setdefault(self.add(path), set()).add(path)
        return found


def parts_of(found: Found, loaded: Loaded, linked: Linked, project: Project, findings: Iterable[Finding],
             stage_notes: Iterable[Diagnostic], run_notes: int) -> Parts | None:
    """The run's parts, or None when they cannot be told apart (see the module's docs). `found`: the
    files the run loaded and analysed; `stage_notes`: the notes of the stages after discovery;
    `run_notes`: how many of the run's notes come first and are the whole run's."""
    from wa_lint.check.project.hot_read_table import dax_holders
    from wa_lint.check.tool import INTERNAL_ERROR
    from wa_lint.link.model import DAX_ELSEWHERE
    from wa_lint.link.nested import nested_stacks, normal_path

    if found.files.explicit or found.templates_around:
        return None
    joined = _Joined()
    key = os.fspath
    for path in [*found.files.templates, *found.files.python]:
        joined.add(key(path))
    for framework_file, included in loaded.included:
        joined.join(key(framework_file), key(included))
    # One note names every CDK app without cdk.out when there are many.
    for app in loaded.unsynthesised[1:]:
        joined.join(key(loaded.unsynthesised[0]), key(app))
    for template_path, compared in linked.asset_sources:
        for source in compared:
            joined.join(key(template_path), key(source))
    candidates_by_real_path: dict[str, str] | None = None
    for template in project.templates:
        for child, _properties in nested_stacks(template):
            # Nested stacks name their children by the real path, which is the walk's unless a
            # symbolic link is on the way (then every candidate's real path is worked out, once).
            if child not in joined.parent:
                if candidates_by_real_path is None:
                    candidates_by_real_path = {normal_path(path): key(path) for path in found.files.templates}
                child = candidates_by_real_path.get(child, child)
            joined.join(key(template.path), child)
    for function in project.functions:
        joined.add(key(function.template.path))
        if function.handler is not None and function.handler.file is not None:
            joined.join(key(function.template.path), key(function.handler.file))
    for path in project.modules:
        joined.add(key(path))
    for (importer, _roots), imported in project.imports.items():
        for module in imported:
            joined.join(key(importer), key(module))
    for related in _lookups(project):
        for other in related[1:]:
            joined.join(related[0], other)
    links = list(part_links(project))
    holders: dict[str, tuple[set[str], set[str]]] = {}
    for holder, name, provides in links:
        holders.setdefault(name, (set(), set()))[0 if provides else 1].add(key(holder))
    for providers, askers in holders.values():
        if providers and askers:
            first, *rest = [*providers, *askers]
            for other in rest:
                joined.join(first, other)
    groups = joined.groups()
    part_of = {path: root for root, paths in groups.items() for path in paths}
    for finding in findings:
        if finding.code == INTERNAL_ERROR or key(finding.span.path) not in part_of:
            return None
    for note in stage_notes:
        about = note.path or note.about
        if about is None or key(about) not in part_of:
            return None
    try:
        provided: dict[str, set[str]] = {}
        asked: dict[str, set[str]] = {}
        for holder, name, provides in links:
            (provided if provides else asked).setdefault(part_of[key(holder)], set()).add(name)
        flagged = {part_of[key(path)] for path in dax_holders(project)}
        checked = {part_of[key(path)] for path in [*(t.path for t in project.templates),
                                                   *(e.facts.path for e in project.entries),
                                                   *(problem.path for problem in project.problems)]}
        stats = _stats_by_part(part_of, loaded, project)
    except KeyError:
        return None  # a file outside every part (a module reached outside the walk that failed to load)
    nothing = PartStats(0, 0, {}, 0, 0)
    parts = tuple(Part(frozenset(paths), stats.get(root, nothing), frozenset(provided.get(root, ())),
                       frozenset(asked.get(root, ())), frozenset([DAX_ELSEWHERE] if root in flagged else ()), root in checked)
                  for root, paths in groups.items())
    return Parts(parts, run_notes)


def part_links(project: Project) -> Iterator[PartLink]:
    """What the rules and the linker relate across templates (each kept in step with its module)."""
    from wa_lint.check.project import hot_read_table
    from wa_lint.link import deploy_time
    from wa_lint.report import suppressions

    yield from hot_read_table.part_links(project)
    yield from deploy_time.part_links(project)
    yield from suppressions.part_links(project)


def _lookups(project: Project) -> Iterator[list[str]]:
    """For each module look-up of the call graph: the modules that asked it and every file it looked
    at. A call resolves only into analysed modules (`pkg.sub.f()` after `import pkg` reaches
    `pkg/sub.py` when another entry had it analysed), so those files' parts decide its answer."""
    from wa_lint.analyse.python.callgraph import ModuleIndex

    index = project.lookups.get("module-index")
    if isinstance(index, ModuleIndex):
        for key, askers in index.askers.items():
            yield [*askers, *index.looked_at[key]]


def _stats_by_part(part_of: dict[str, str], loaded: Loaded, project: Project) -> dict[str, PartStats]:
    """Each part's figures, by its root (one pass over the model: parts are many)."""
    key = os.fspath
    counts: dict[str, list[Any]] = {}

    def of(path: Path) -> list[Any]:
        root = part_of[key(path)]
        found = counts.get(root)
        if found is None:
            found = counts[root] = [0, 0, {}, 0, 0]
        return found

    for template in project.templates:
        if template.framework is None:
            of(template.path)[0] += 1
    for path in project.modules:
        of(path)[1] += 1
    for path, framework in loaded.framework_files.items():
        frameworks = of(path)[2]
        frameworks[framework] = frameworks.get(framework, 0) + 1
    for function in project.functions:
        figures = of(function.template.path)
        figures[3] += 1
        if function.handler is not None and function.handler.file is not None:
            figures[4] += 1
    return {root: PartStats(*found) for root, found in counts.items()}
