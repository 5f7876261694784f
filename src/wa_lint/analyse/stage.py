"""The analyse stage: code facts for every handler module, the modules they import, inline code and
handler-looking files no template references; and the entries (the functions that run) found in them.

Facts come from the cache when it has them, else from worker processes, which are given the
handler-looking files before the templates are loaded (`CodeAnalysis`). The stage reads files only
through the source store, so the bytes analysed are the bytes suppressions and fingerprints see.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Self

from wa_lint.analyse.python.source import SourceError, decode_python
from wa_lint.config import Config
from wa_lint.link.handlers import (
    ImportResolver,
    candidate_functions,
    entry_qualname,
    is_test_file,
    may_define_handler,
    package_roots,
)
from wa_lint.link.model import Entry, Function
from wa_lint.load.frameworks.cdk import in_cdk_out
from wa_lint.load.sources import Skip, Source, SourceStore
from wa_lint.load.template.document import is_jinja_source
from wa_lint.problems import Problem
from wa_lint.report.findings import Diagnostic

if TYPE_CHECKING:
    from wa_lint.analyse.cache import FactsCache
    from wa_lint.analyse.python.facts_model import ModuleFacts
    from wa_lint.analyse.python.workers import AnalysisPool, Outcome

Progress = Callable[[int, int], None]


@dataclass
class Analysed:
    # The functions, with a handler whose module holds no such function marked missing.
    functions: list[Function]
    modules: dict[Path, ModuleFacts] = field(default_factory=dict)
    inline_modules: dict[tuple[Path, str], ModuleFacts] = field(default_factory=dict)
    entries: list[Entry] = field(default_factory=list)
    # (module path, import roots) → the local modules it imports, as followed.
    imports: dict[tuple[Path, tuple[Path, ...]], list[Path]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Files a worker crashed or overran on (possibly the machine's doing, not the file's).
    worker_failures: int = 0


def facts_cache(root: Path, config: Config, use_cache: bool) -> FactsCache | None:
    if not use_cache:
        return None
    from wa_lint.analyse.cache import CACHE_DIR_NAME, FactsCache, analysis_fingerprint

    # Rule options may shape what analysis records, so they are part of every cache key.
    salt = json.dumps(config.rules, sort_keys=True, default=str)
    return FactsCache(root / CACHE_DIR_NAME, analysis_fingerprint(salt))


class CodeAnalysis:
    """The analysis workers of a run and what they were given before the analyse stage.

    Most of the files the analyse stage parses do not depend on the templates: every handler-looking
    file is analysed, referenced or not. Sent to the workers before the templates are loaded (`begin`),
    they are analysed while the parent loads, as long as the loader services the workers now and then
    (`pump`). The workers start only once a file needs parsing (a run whose facts are all cached forks
    none).
    """

    def __init__(self, cache: FactsCache | None = None, jobs: int | None = None,
                 progress: Progress | None = None) -> None:
        # Up to the jobs the user chose, by default one per CPU, as the pending work is worth (workers_for).
        self.jobs = jobs or os.cpu_count() or 1
        self.cache, self.progress = cache, progress
        self._pool: AnalysisPool | None = None
        # path → (the bytes analysed, their outcome, or their number in the pool while it analyses them)
        self._begun: dict[Path, tuple[bytes, Outcome | int]] = {}

    @property
    def pool(self) -> AnalysisPool:
        if self._pool is None:
            from wa_lint.analyse.python.workers import AnalysisPool

            self._pool = AnalysisPool(self.jobs, progress=self.progress, cache=self.cache)
        return self._pool

    @property
    def failures(self) -> int:
        return self._pool.failures if self._pool else 0

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: object, *exc_info: object) -> None:
        if self._pool is not None:
            self._pool.__exit__(exc_type)

    def start_early(self, folders: bool) -> None:
        """On a run with no facts cached at all (a first run, one without a cache, CI), workers are
        started before discovery: the files found will need parsing, and the workers' import of the
        analysis (0.2 s) then overlaps the walk instead of following it. One for files named one by one
        (pre-commit's), two over `folders` (as the jobs allow): a second forked later, from the larger
        parent, imported while the templates loaded (serverless-patterns cold 2.10 -> 2.00 s, ten pairs;
        on one named handler it cost 8 ms)."""
        if self.cache is None or self.cache.holds_nothing():
            self.pool.start_workers(2 if folders else 1)

    def begin(self, python_files: Iterable[Path], root: Path, store: SourceStore, config: Config) -> None:
        """Facts of the handler-looking files among `python_files` asked for now: read from the cache,
        else sent to the workers, as many as the files are worth up to one per CPU (the parent's loading
        shares a CPU with them, and the run as a whole ends sooner than with one CPU left to it). The
        notes a file's read makes are the analyse stage's to make."""
        from wa_lint.analyse.python.workers import Outcome, Task

        pending: list[tuple[Path, bytes]] = []
        for path, source in _handler_looking(python_files, root, store, config.handler_patterns):
            cached = self.cache.get(path, source.raw) if self.cache else None
            if isinstance(cached, Outcome):
                self._begun[path] = (source.raw, cached)
            else:
                pending.append((path, source.raw))
        if not pending:
            return
        tasks = [Task(path, raw, (0, 0), path if self.cache else None) for path, raw in pending]
        for (path, raw), number in zip(pending, self.pool.submit(tasks), strict=True):
            self._begun[path] = (raw, number)

    def pump(self) -> None:
        """Takes what the workers have finished and gives them more (call it often while the run does
        other work: a worker waits once its two files are done)."""
        if self._pool is not None:
            self._pool.pump()

    def take(self, path: Path, raw: bytes) -> Outcome | int | None:
        """The outcome of `path`'s analysis as begun, or its number in the pool (None: not begun on
        these bytes)."""
        begun = self._begun.pop(path, None)
        return begun[1] if begun is not None and begun[0] == raw else None


def analyse_stage(functions: list[Function], handler_functions: Sequence[Function], inline: Sequence[Function],
                  python_files: Iterable[Path], root: Path, store: SourceStore, config: Config,
                  analysis: CodeAnalysis) -> Analysed:
    analysed = _Analysis(functions, root, store, config, analysis).run(handler_functions, inline, python_files)
    analysed.worker_failures = analysis.failures
    return analysed


def _handler_looking(paths: Iterable[Path], root: Path, store: SourceStore, patterns: Sequence[str],
                     skipped: Callable[[Diagnostic], None] | None = None) -> Iterator[tuple[Path, Source]]:
    """The files among `paths` that may define a handler (by a cheap text test), with their sources;
    `skipped` is told why a file could not be read."""
    for path in paths:
        relative_path = path.relative_to(root) if path.is_relative_to(root) else path
        # cdk.out holds copies (and CDK's own helpers' code): only what its templates link is read there.
        if is_test_file(relative_path) or in_cdk_out(relative_path):
            continue
        source = store.read_python(path)
        if isinstance(source, Skip):
            if skipped is not None:
                skipped(source.diagnostic)
            continue
        try:
            text = decode_python(source.raw)
        except SourceError:
            continue  # not known to be handler code: binary junk named .py is harmless
        if may_define_handler(text, patterns):
            yield path, source


class _Analysis:
    def __init__(self, functions: list[Function], root: Path, store: SourceStore, config: Config,
                 analysis: CodeAnalysis) -> None:
        self.root, self.store, self.config, self.analysis = root, store, config, analysis
        self.cache = analysis.cache
        self.result = Analysed(list(functions))
        self.unreadable: set[Path] = set()

    def run(self, handler_functions: Sequence[Function], inline: Sequence[Function],
            python_files: Iterable[Path]) -> Analysed:
        result = self.result
        handler_files = [f.handler.file for f in handler_functions if f.handler and f.handler.file]
        candidates = self._candidate_files(python_files, set(handler_files))
        inline_outcomes = self.analyse([*handler_files, *candidates], inline)
        for function, outcome in zip(inline, inline_outcomes, strict=True):
            self._link_inline(function, outcome)
        starts: list[tuple[Path, list[Path]]] = []
        for function in handler_functions:
            assert function.handler is not None and function.handler.file is not None
            facts = result.modules.get(function.handler.file)
            if facts is None:
                continue
            qualname = entry_qualname(facts, function.handler.qualname or "")
            if qualname is None:
                missing = replace(function.handler, problem=f"no function '{function.handler.qualname}' in "
                                                            f"{facts.path.name}", missing=True)
                index = next(i for i, f in enumerate(result.functions) if f is function)
                result.functions[index] = replace(function, handler=missing)
                continue
            result.entries.append(Entry(facts, qualname, function.import_roots, function))
            starts.append((facts.path, function.import_roots))
        for path in candidates:
            facts = result.modules.get(path)
            found = candidate_functions(facts, self.config.handler_patterns) if facts else []
            if facts and found:
                roots = package_roots(path)
                result.entries.extend(Entry(facts, f.qualname, roots) for f in found)
                starts.append((path, roots))
        self.follow_imports(starts)
        return result

    def _read(self, path: Path) -> Source | None:
        source = self.store.read_python(path)
        if isinstance(source, Skip):
            self.result.diagnostics.append(source.diagnostic)
            return None
        return source

    def _candidate_files(self, python_files: Iterable[Path], referenced: set[Path]) -> list[Path]:
        """Files no template references that define a handler-looking function (by a cheap text test)."""
        unreferenced = (path for path in python_files if path not in referenced)
        return [path for path, _ in _handler_looking(unreferenced, self.root, self.store, self.config.handler_patterns,
                                                     self.result.diagnostics.append)]

    def analyse(self, paths: Iterable[Path], inline: Sequence[Function] = ()) -> list[Outcome]:
        """Facts for files not analysed yet (and for inline code): from the cache, else from the workers.

        Returns the outcomes of the inline code, in order; files' facts go to `modules`.
        """
        from wa_lint.analyse.python.workers import Outcome, Task

        sources: list[tuple[Path, Path, bytes, tuple[int, int]]] = []  # (cache key path, path, bytes, offsets)
        for path in dict.fromkeys(paths):
            if path in self.result.modules or path in self.unreadable:
                continue
            source = self._read(path)
            if source is None:
                self.unreadable.add(path)
                continue
            sources.append((path, path, source.raw, (0, 0)))
        for function in inline:
            code = function.code
            offsets = (code.inline_line - 1, code.inline_column)
            raw = (code.inline or "").encode("utf-8", "surrogatepass")
            key = Path(f"{function.template.path}#{function.logical_id}@{offsets}")
            sources.append((key, function.template.path, raw, offsets))
        outcomes: dict[Path, Outcome] = {}
        begun: list[tuple[Path, int]] = []  # (cache key path, number in the pool)
        pending = []
        for index, item in enumerate(sources):
            # (A file's analysis may have begun before the stage: CodeAnalysis.begin.)
            early = self.analysis.take(item[1], item[2]) if index < len(sources) - len(inline) else None
            if isinstance(early, int):
                begun.append((item[0], early))
                continue
            cached = early if early is not None else self.cache.get(item[0], item[2]) if self.cache else None
            if isinstance(cached, Outcome):
                outcomes[item[0]] = cached
            else:
                pending.append(item)
                # Workers start importing the parser while the remaining cache entries are read.
                self.analysis.pool.reserve(len(pending))
        if begun or pending:
            pool = self.analysis.pool
            tasks = [Task(path, raw, offsets, key if self.cache else None) for key, path, raw, offsets in pending]
            keys = [key for key, _ in begun] + [key for key, *_ in pending]
            numbers = [number for _, number in begun] + list(pool.submit(tasks))
            outcomes.update(zip(keys, pool.collect(numbers), strict=True))
        for key, path, raw, _ in sources[: len(sources) - len(inline)]:
            self._record(path, outcomes[key], raw)
        return [outcomes[item[0]] for item in sources[len(sources) - len(inline):]]

    def _record(self, path: Path, outcome: Outcome, raw: bytes) -> None:
        if outcome.facts is not None:
            self.result.modules[path] = outcome.facts
            return
        self.unreadable.add(path)
        if outcome.kind == "internal":
            self.result.problems.append(Problem(path, 1, 1, outcome.message, "", internal=True))
        elif is_jinja_source(raw.decode("utf-8", "replace")):
            # A cookiecutter project's code is a template too: its Jinja is not a syntax error.
            self.result.diagnostics.append(Diagnostic(path, "skipped: unrendered cookiecutter/Jinja template"))
        else:
            self.result.problems.append(Problem(path, max(outcome.line, 1), max(outcome.column, 1), outcome.message,
                                                "fix the file so it parses; its handler code was not checked"))

    def follow_imports(self, starts: Iterable[tuple[Path, list[Path]]]) -> None:
        """Analyse the local modules that handler modules import, transitively, a wave at a time."""
        graph = self.result.imports
        resolver = ImportResolver()
        frontier = list(starts)
        while frontier:
            self.analyse(path for path, _ in frontier)
            following: list[tuple[Path, list[Path]]] = []
            for path, roots in frontier:
                key = (path, tuple(roots))
                facts = self.result.modules.get(path)
                if key in graph or facts is None:
                    continue
                graph[key] = resolver.local_imports(facts, roots)
                following.extend((imported, roots) for imported in graph[key])
            frontier = [(path, roots) for path, roots in following if (path, tuple(roots)) not in graph]

    def _link_inline(self, function: Function, outcome: Outcome) -> None:
        code, handler = function.code, function.handler
        assert code.inline is not None and handler is not None and handler.qualname is not None
        template_path = function.template.path
        if outcome.kind != "ok" and function.runtime is None:
            # Nothing says this is Python (no Runtime, or one from a parameter without a default).
            note = (f"{function.logical_id}: inline code not analysed: no known runtime and it is not "
                    f"Python ({outcome.message})")
            self.result.diagnostics.append(Diagnostic(template_path, note))
            return
        if outcome.kind != "ok":
            line, column = outcome.line + code.inline_line - 1, outcome.column + code.inline_column
            self.result.problems.append(Problem(template_path, max(line, 1), max(column, 1),
                                                f"inline code of {function.logical_id}: {outcome.message}",
                                                "fix the inline code so it parses"))
            return
        facts = outcome.facts
        assert facts is not None
        self.result.inline_modules[(template_path, function.logical_id)] = facts
        qualname = entry_qualname(facts, handler.qualname)
        if qualname:
            self.result.entries.append(Entry(facts, qualname, [], function))
