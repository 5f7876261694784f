"""One run of wa-lint: the stages in order, each taking the previous stages' data and returning its own.

discover → load → link → evidence → analyse → check → report (the analysis of the code that needs no
template to be found begins in worker processes before the templates load). Every file is read once,
through one source store (load/sources.py), which also holds the read policy. A run over a project whose every
input is unchanged since a run with the same settings is replayed from the run memo (run_memo.py)
instead; when only the contents of some files changed, only their parts (run_parts.py) run.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wa_lint.cache_store import (
    CACHE_DIR_NAME,
    RUN_MEMO_CHANGED_FILES,
    UNFIT,
    Changed,
    Checked,
    Head,
    shipped_by_repository,
)
from wa_lint.config import Config
from wa_lint.discover.walk import find_cache_root, find_root
from wa_lint.files import CANNOT_LIST, CANNOT_READ
from wa_lint.inputs import Inputs, recording
from wa_lint.result import RunResult, Stats, relative
from wa_lint.run_memo import (
    RunMemo,
    StoredResult,
    decode_stored,
    memo_allowed,
    merge_parts,
    replayed,
    stored_parts,
)
from wa_lint.run_parts import Part, parts_of

if TYPE_CHECKING:
    from wa_lint.analyse.cache import FactsCache
    from wa_lint.check.registry import Rule
    from wa_lint.discover.snapshot import DiscoveryCache
    from wa_lint.launch_memo import Launch, Resolving, StaleRun
    from wa_lint.load.sources import Limits, SourceStore
    from wa_lint.load.template.cache import TemplateCache
    from wa_lint.printed_memo import Printed, PrintedMemo
    from wa_lint.report.findings import Diagnostic

# The stages are imported where they run: a replayed run (wa_lint/run_memo.py) needs none of them.

__all__ = ["Run", "RunResult", "Stats", "enabled_codes", "relative", "run"]


def enabled_codes(config: Config, rules: dict[str, Rule]) -> set[str]:
    from wa_lint.check.registry import enabled_codes as registry_enabled_codes

    return registry_enabled_codes(rules, config.select, config.extend_select, config.ignore, config.preview)


def _no_progress(phase: str, done: int, total: int) -> None:
    pass


@dataclasses.dataclass(frozen=True)
class PartRun:
    """What a run of some of the project's parts (run_parts.py) is given."""

    files: frozenset[str]  # the parts' files: only these are loaded and analysed
    elsewhere: frozenset[str]  # the flags of the other parts (`Project.elsewhere`)
    known: Inputs  # statuses the run has taken already (its memo's), not asked again by the walk


class Run:
    """A run's settings; `execute` runs the stages."""

    def __init__(self, paths: Sequence[Path], config: Config, force_exclude: bool = False, debug: bool = False,
                 jobs: int | None = None, use_cache: bool = True,
                 progress: Callable[[str, int, int], None] | None = None,
                 live_progress: Callable[[str], None] | None = None,
                 overlay: Mapping[Path, bytes] | None = None, use_memo: bool = True):
        self.paths = list(paths) or [Path(".")]
        self.config, self.force_exclude, self.debug = config, force_exclude, debug
        self.jobs, self.progress, self.live_progress = jobs, progress, live_progress
        # Fixed texts not written yet (`--diff`): read in place of the files at these paths.
        self.overlay = dict(overlay or {})
        self.root = find_root(self.paths)
        # The cache sits with the project linted, not in the folder the command runs from.
        folder = find_cache_root(self.paths) / CACHE_DIR_NAME if use_cache else None
        # A cache folder a repository ships is not ours: a run then uses no cache, and says why.
        refused = shipped_by_repository(folder) if folder else None
        self.cache_refusal: Diagnostic | None = None
        if refused:
            from wa_lint.report.findings import Diagnostic

            self.cache_refusal = Diagnostic(folder, refused, kind="warning")
        self.cache_folder = None if refused else folder
        self.memo = (RunMemo(self.cache_folder) if self.cache_folder and use_memo and not debug
                     and memo_allowed(config, bool(self.overlay)) else None)
        # What the executed run's result was computed from, when it may be kept (printed_memo.py).
        self.vouched_inputs: Inputs | None = None
        # The run memo entry's seal and inputs as read for the printed report, for the run that may follow.
        self._memo_head: Head | None = None

    @functools.cached_property
    def memo_key(self) -> str:
        assert self.memo is not None
        return self.memo.key(self.paths, self.root, self.config, self.force_exclude)

    def printed(self, options: str, looked_up: StaleRun | None = None) -> Printed | None:
        """What this command printed last time, when nothing it depended on has changed since.
        `looked_up`: the run memo entry as `wa-lint` found it before the command was parsed, stale
        (launch_memo.py), taken rather than read again when it is this run's."""
        entry = self._printed_entry(options)
        if entry is None:
            return None
        assert self.memo is not None
        if looked_up is not None and (looked_up.cache, looked_up.key) == (str(self.cache_folder), self.memo_key):
            head: Head | None = looked_up.head
        else:
            head = self.memo.head(self.memo_key, RUN_MEMO_CHANGED_FILES)
        self._memo_head = head
        if head is None or head.changed:
            return None  # no printed report stands for a run memo entry that is gone or stale
        return entry[0].printed(entry[1], self.memo, self.memo_key, head)

    def keep_printed(self, options: str, report: Iterable[str], notes: str, exit_code: int,
                     read_by_reports: Inputs, launched: tuple[Launch, Resolving] | None = None) -> None:
        """Keep what the executed run printed, if its result may be kept; `read_by_reports`: what the
        reports read (beyond the run's own inputs, which its run memo entry holds). `launched`: the command
        as launched, kept as printing it too (`keep_launch`)."""
        entry = self._printed_entry(options)
        if entry is None or self.vouched_inputs is None or self.memo is None:
            return
        run_seal = self.memo.seals.get(self.memo_key)
        if run_seal is None:
            return  # the run memo entry could not be written: a report kept now would name none
        entry[0].keep(entry[1], report, notes, exit_code, run_seal, read_by_reports.without(self.vouched_inputs))
        if launched is not None:
            self.keep_launch(options, *launched)

    def keep_launch(self, options: str, launch: Launch, noted: Resolving) -> None:
        """Keep the command `launch` as printing this run's report (launch_memo.py); `noted`: what
        resolving its words read, noted before it did."""
        if self.memo is None or self.cache_folder is None:
            return
        from wa_lint.launch_memo import LaunchMemo
        from wa_lint.printed_memo import PrintedMemo

        LaunchMemo(self.cache_folder).keep(launch, noted, PrintedMemo.key(self.memo_key, options), self.memo_key)

    def _printed_entry(self, options: str) -> tuple[PrintedMemo, str] | None:
        """The store of printed reports and this command's key in it (None: the run keeps none)."""
        if self.memo is None or self.cache_folder is None:
            return None
        from wa_lint.printed_memo import PrintedMemo

        return PrintedMemo(self.cache_folder), PrintedMemo.key(self.memo_key, options)

    @functools.cached_property
    def cache(self) -> FactsCache | None:
        """Facts of Python files (made when first needed: a replayed run never reads one)."""
        from wa_lint.analyse.stage import facts_cache

        return facts_cache(self.cache_folder.parent, self.config, True) if self.cache_folder else None

    @functools.cached_property
    def template_cache(self) -> TemplateCache | None:
        from wa_lint.load.stage import template_cache

        return template_cache(self.cache_folder)

    @functools.cached_property
    def discovery_cache(self) -> DiscoveryCache | None:
        from wa_lint.discover.snapshot import DiscoveryCache

        return DiscoveryCache(self.cache_folder) if self.cache_folder else None

    def execute(self) -> RunResult:
        started = time.perf_counter()
        if self.memo is None:
            return self._execute(started)[0]
        key = self.memo_key
        # The statuses the printed report's look-up took are not taken again (it is forgotten now:
        # another `execute` takes them anew).
        checked = self.memo.check(key, RUN_MEMO_CHANGED_FILES, head=self._memo_head)
        self._memo_head = None
        recalled = self.memo.recall_checked(checked, decode_stored) if isinstance(checked, Checked) else checked
        if isinstance(recalled, Changed):
            recalled = self._partial(key, started, recalled)
        if recalled is not None:
            stored, inputs = recalled
            result = replayed(stored, self.root, self._sources(), self._without_memo, time.perf_counter() - started)
        else:
            inputs = Inputs()
            with recording(inputs):
                result, durable = self._execute(started, inputs)
            if not durable:
                return result
            self.memo.keep(key, result, inputs)
        self.vouched_inputs = inputs
        result.remember = self.memo.keep_built_fixes(key, result, inputs)
        return result

    def _partial(self, key: str, started: float, recalled: Changed) -> tuple[StoredResult, Inputs] | None:
        """The stored result with the parts whose files changed run again (run_parts.py), kept as the
        new entry; None when the changes reach beyond the contents of files the parts hold, or the
        parts run again no longer keep apart from the others (the whole run is then needed)."""
        assert self.memo is not None
        unchanged, changed = recalled.unchanged, recalled.files
        try:
            parts, rest_at = stored_parts(recalled.stored)
            if parts is None:
                return None  # the run kept none
            owner = {file: index for index, part in enumerate(parts.parts) for file in part.files}
        except UNFIT:
            return None
        changed_parts = {owner.get(path, -1) for path in changed}
        if -1 in changed_parts:
            return None  # a file no part holds: a .gitignore, a requirements list, an include
        kept = [part for index, part in enumerate(parts.parts) if index not in changed_parts]
        rerun = [parts.parts[index] for index in changed_parts]
        part_run = PartRun(frozenset().union(*(part.files for part in rerun)),
                           frozenset().union(*(part.flags for part in kept)), unchanged)
        inputs = Inputs()
        with recording(inputs):
            fresh, durable = self._execute(started, inputs, part_run)
        if not durable or fresh.parts is None or not _keeps_apart(fresh.parts.parts, rerun, kept):
            return None
        try:
            merged = merge_parts(recalled.stored, parts, rest_at, changed_parts, fresh)
            decoded = None if merged is None else decode_stored(merged[0])
        except UNFIT:
            return None  # a damaged entry whose seal holds is a miss like any other
        if merged is None or decoded is None:
            return None
        inputs.update(unchanged)
        self.memo.keep_stored(key, merged[1], inputs)
        return decoded, inputs

    def _sources(self) -> SourceStore:
        from wa_lint.load.sources import SourceStore

        return SourceStore(self.root, self.paths, self._limits(), self.config.allow_outside_root)

    def _without_memo(self) -> RunResult:
        """This run again, through the pipeline (a replayed result's model, when a report asks for it)."""
        run = Run(self.paths, self.config, self.force_exclude, self.debug, self.jobs, self.cache_folder is not None,
                  use_memo=False)
        return run.execute()

    def _limits(self) -> Limits:
        from wa_lint.load.sources import Limits

        config = self.config
        return Limits(config.max_template_bytes, config.max_python_bytes, config.max_python_lines)

    def _execute(self, started: float, inputs: Inputs | None = None,
                 part_run: PartRun | None = None) -> tuple[RunResult, bool]:
        """The stages; with whether the result may be kept (a worker that crashed or overran, a read the
        operating system refused, or a path that changed while a check's child read it, may go otherwise
        next time). `part_run`: the parts to run (None: the whole project)."""
        from wa_lint.analyse.stage import CodeAnalysis, analyse_stage
        from wa_lint.check.registry import catalogue
        from wa_lint.check.stage import check_notes, check_stage
        from wa_lint.discover.stage import discover_stage
        from wa_lint.evidence.stage import evidence_stage
        from wa_lint.link.model import Project
        from wa_lint.link.stage import link_stage
        from wa_lint.load.sources import SourceStore
        from wa_lint.load.stage import load_stage
        from wa_lint.report.findings import Diagnostic
        from wa_lint.report.stage import report_stage, reported_diagnostics

        config = self.config
        # `progress(phase, done, total)`: the CLI's progress line (wa_lint.progress names the phases).
        phase = self.progress or _no_progress
        with CodeAnalysis(self.cache, self.jobs, lambda done, total: phase("analysing", done, total)) as analysis:
            if part_run is None:
                analysis.start_early(folders=any(os.path.isdir(path) for path in self.paths))
            phase("discovering", 0, 0)
            found = discover_stage(self.paths, self.root, config, self.force_exclude,
                                   lambda files: phase("discovering", files, 0), self.discovery_cache,
                                   part_run.known if part_run else None)
            if inputs is not None:
                for walked in found.inputs:
                    inputs.update(walked)
            cache_notes = [Diagnostic(self.cache.folder, self.cache.problem)] if self.cache and self.cache.problem else []
            if self.cache_refusal:
                cache_notes.append(self.cache_refusal)
            store = SourceStore(found.root, self.paths, self._limits(), config.allow_outside_root, self.overlay)
            # A run of some parts loads and analyses their files only; the link stage still reads the whole
            # list of Python files (a layer may be any `python/` folder of the project).
            loading = found
            if part_run is not None:
                only = part_run.files
                kept = dataclasses.replace(found.files, templates=[p for p in found.files.templates if os.fspath(p) in only],
                                           python=[p for p in found.files.python if os.fspath(p) in only])
                loading = dataclasses.replace(found, files=kept)
            # Handler-looking files are analysed whatever the templates say: by workers, while the templates load.
            analysis.begin(loading.files.python, found.root, store, config)

            def loading_progress(done: int, total: int) -> None:
                phase("loading", done, total)
                analysis.pump()

            loading_progress(0, 0)
            loaded = load_stage(loading, store, loading_progress, self.template_cache)
            linked = link_stage(loaded.templates, store, found.reported_paths, found.files.python)
            templates_half = Project(found.root, loaded.templates, linked.functions, linked.tables, linked.resources)
            evidence = evidence_stage(templates_half, config, store, self.live_progress)
            analysed = analyse_stage(linked.functions, linked.handler_functions, linked.inline_functions,
                                     loading.files.python, found.root, store, config, analysis)
        project = Project(
            found.root, loaded.templates, analysed.functions, linked.tables, linked.resources,
            modules=analysed.modules, inline_modules=analysed.inline_modules, entries=analysed.entries,
            imports=analysed.imports, reported_paths=found.reported_paths, power_tuning=evidence.power_tuning,
            live=evidence.live, problems=[*loaded.problems, *analysed.problems], sources=store,
            cache_folder=self.cache.folder if self.cache else None,
            elsewhere=part_run.elsewhere if part_run else frozenset(),
        )
        rules = catalogue()
        enabled = enabled_codes(config, rules)
        phase("checking", 0, len(enabled))
        violations = check_stage(project, rules, enabled, config, self.debug, self.jobs or os.cpu_count() or 1)
        findings = report_stage(violations, project, rules, enabled, config)
        del violations  # the findings say it all now: the reports that follow get its room
        run_notes = [*found.diagnostics, *cache_notes]
        # The stages' notes file by file (in stage order within a file): a run of some parts then lists
        # them as the whole run does (run_parts.py).
        stage_notes = sorted([*loaded.diagnostics, *linked.diagnostics, *evidence.diagnostics, *analysed.diagnostics,
                              *check_notes(project)], key=_note_order)
        diagnostics = [*run_notes, *stage_notes]
        if part_run is None and not (loaded.templates or analysed.entries or project.problems or found.files.explicit
                                 or found.diagnostics):
            # ruff's "No Python files found": a run that saw nothing must not read as a clean bill of health.
            # Files named one by one (pre-commit's staged files) are not a project: a YAML file that is
            # not a template is ordinary there.
            diagnostics.append(Diagnostic(None, (
                "no template, serverless.yml or handler found under the given path(s): nothing was checked "
                "(handlers are found by name: handler-patterns in the configuration)"), kind="warning"))
        templates = sum(1 for template in loaded.templates if template.framework is None)
        with_code = sum(1 for function in project.functions
                        if function.handler is not None and function.handler.file is not None)
        stats = Stats(templates, len(analysed.modules), time.perf_counter() - started, dict(loaded.frameworks),
                      len(project.functions), with_code)
        result = RunResult(findings, reported_diagnostics(diagnostics, project), project, stats, rules,
                           frozenset(enabled))
        if self.memo is not None:
            parts = parts_of(loading, loaded, linked, project, findings, stage_notes, len(dict.fromkeys(run_notes)))
            # A whole run that checked nothing says so in a note of its own, which no part holds.
            if part_run is not None or (parts is not None and any(part.checked for part in parts.parts)):
                result.parts = parts
        refused = any(CANNOT_READ in d.message or CANNOT_LIST in d.message for d in diagnostics)
        if self.template_cache is not None:
            self.template_cache.finish_writers()  # (storing the loaded templates' entries behind the stages)
        if self.cache_folder is not None:
            # After the stages (whose reads marked the entries they used), before this run's memo is written.
            from wa_lint.cache_sweep import sweep_when_due

            sweep_when_due(self.cache_folder, config.cache_max_mb * 1024 * 1024)
        return result, not (refused or analysed.worker_failures or (inputs is not None and inputs.doubtful))



def _keeps_apart(fresh: Sequence[Part], rerun: Sequence[Part], kept: Sequence[Part]) -> bool:
    """Whether the parts run again still see nothing of the parts kept: they share no file, neither
    provides what the other asks for, and they hold the flags the others were told about."""
    kept_files = frozenset().union(*(part.files for part in kept))
    kept_provides = frozenset().union(*(part.provides for part in kept))
    kept_asks = frozenset().union(*(part.asks for part in kept))
    if any(part.files & kept_files or part.provides & kept_asks or part.asks & kept_provides for part in fresh):
        return False
    return frozenset().union(*(part.flags for part in fresh)) == frozenset().union(*(part.flags for part in rerun))


def _note_order(note: Diagnostic) -> str:
    return "" if note.path is None else note.path.as_posix()


def run(paths: Sequence[Path | str], config: Config | None = None, **options: Any) -> RunResult:
    return Run([Path(p) for p in paths], config or Config(), **options).execute()
