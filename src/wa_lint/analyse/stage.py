"""The analyse stage: code facts for every handler module, the modules they import, inline code and
handler-looking files no template references; and the entries (the functions that run) found in them.

Facts come from the cache when it has them, else from worker processes. The stage reads files only
through the source store, so the bytes analysed are the bytes suppressions and fingerprints see.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

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


def analyse_stage(functions: list[Function], handler_functions: Sequence[Function], inline: Sequence[Function],
                  python_files: Iterable[Path], root: Path, store: SourceStore, config: Config,
                  cache: FactsCache | None = None, jobs: int | None = None,
                  progress: Progress | None = None) -> Analysed:
    from wa_lint.analyse.python.workers import AnalysisPool

    # Up to the jobs the user chose, by default one per CPU, as the pending work is worth (workers_for).
    with AnalysisPool(jobs or os.cpu_count() or 1, progress=progress, cache=cache) as pool:
        analysed = _Analysis(functions, root, store, config, pool, cache).run(handler_functions, inline, python_files)
        analysed.worker_failures = pool.failures
        return analysed


class _Analysis:
    def __init__(self, functions: list[Function], root: Path, store: SourceStore, config: Config,
                 pool: AnalysisPool, cache: FactsCache | None) -> None:
        self.root, self.store, self.config, self.pool, self.cache = root, store, config, pool, cache
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
        patterns = self.config.handler_patterns
        candidates = []
        for path in python_files:
            relative_path = path.relative_to(self.root) if path.is_relative_to(self.root) else path
            # cdk.out holds copies (and CDK's own helpers' code): only what its templates link is read there.
            if path in referenced or is_test_file(relative_path) or in_cdk_out(relative_path):
                continue
            source = self._read(path)
            if source is None:
                continue
            try:
                text = decode_python(source.raw)
            except SourceError:
                continue  # not known to be handler code: binary junk named .py is harmless
            if may_define_handler(text, patterns):
                candidates.append(path)
        return candidates

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
        pending = []
        for item in sources:
            cached = self.cache.get(item[0], item[2]) if self.cache else None
            if isinstance(cached, Outcome):
                outcomes[item[0]] = cached
            else:
                pending.append(item)
                # Workers start importing the parser while the remaining cache entries are read.
                self.pool.reserve(len(pending))
        tasks = [Task(path, raw, offsets, key if self.cache else None) for key, path, raw, offsets in pending]
        for (key, *_), outcome in zip(pending, self.pool.analyse(tasks), strict=True):
            outcomes[key] = outcome
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
