"""One run of wa-lint: discover → load → link → check, returning findings for the reporters."""

from __future__ import annotations

import json
import os
import stat
import string
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from wa_lint.analyse.cache import CACHE_DIR_NAME, FactsCache, analysis_fingerprint
from wa_lint.config import Config
from wa_lint.discover.walk import Discovered, discover, find_root
from wa_lint.files import is_dir, is_file
from wa_lint.report.findings import Diagnostic, Finding, Severity, Span, Violation
from wa_lint.link.model import Entry, Function, Project
from wa_lint.link.handlers import (
    ImportResolver,
    candidate_functions,
    entry_qualname,
    is_test_file,
    may_define_handler,
    package_roots,
    resolve_handler,
)
from wa_lint.analyse.python.source import SourceError, decode_python
from wa_lint.analyse.python.workers import AnalysisPool, Outcome, Task
from wa_lint.check.registry import Rule, catalogue
from wa_lint.check.registry import enabled_codes as registry_enabled_codes
from wa_lint.report.suppressions import Suppressor
from wa_lint.load.template.document import (
    JinjaSource,
    NotATemplate,
    Template,
    decode,
    is_jinja_source,
    parse_template,
)
from wa_lint.load.template.errors import TemplateError
from wa_lint.load.frameworks.cdk import in_cdk_out, source_of_asset
from wa_lint.load.frameworks import cdk_note, framework_of, load_framework_file
from wa_lint.link.linker import layer_root, link_template

PARSE_ERROR = "WA001"
INTERNAL_ERROR = "WA002"
HANDLER_NOT_FOUND = "WA005"
_OUTSIDE = "outside the project root and the paths given; not read (allow-outside-root = true reads it)"


@dataclass
class Stats:
    templates: int = 0
    python_files: int = 0
    # Framework files read, by framework ("serverless": serverless.yml files translated to templates).
    frameworks: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class RunResult:
    findings: list[Finding]
    diagnostics: list[Diagnostic]
    project: Project
    stats: Stats
    rules: dict[str, Rule] = field(default_factory=dict)
    enabled: frozenset[str] = frozenset()


def enabled_codes(config: Config, rules: dict[str, Rule]) -> set[str]:
    return registry_enabled_codes(rules, config.select, config.extend_select, config.ignore, config.preview)


def _real(path: Path) -> Path | None:
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):  # RuntimeError: a symlink loop (3.11); ValueError: a NUL
        return None


class _Formatter(string.Formatter):
    """Message templates never fail: a missing value shows as its placeholder."""

    def get_value(self, key: int | str, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
        if isinstance(key, str):
            return kwargs.get(key, "{" + key + "}")
        return super().get_value(key, args, kwargs)


_FORMATTER = _Formatter()


class Run:
    def __init__(
        self,
        paths: Sequence[Path],
        config: Config,
        force_exclude: bool = False,
        debug: bool = False,
        jobs: int | None = None,
        use_cache: bool = True,
        progress: Callable[[int, int], None] | None = None,
        live_progress: Callable[[str], None] | None = None,
    ):
        self.paths = list(paths) or [Path(".")]
        self.config = config
        self.force_exclude = force_exclude
        self.debug = debug
        self.root = find_root(self.paths)
        # Rule options may shape what analysis records, so they are part of every cache key.
        salt = json.dumps(config.rules, sort_keys=True, default=str)
        self.cache = FactsCache(self.root / CACHE_DIR_NAME, analysis_fingerprint(salt)) if use_cache else None
        self.live_progress = live_progress
        self.pool = AnalysisPool(jobs or os.cpu_count() or 1, progress=progress, cache=self.cache)
        self.unreadable: set[Path] = set()
        self.project = Project(self.root)
        self.violations: list[Violation] = []
        self.diagnostics: list[Diagnostic] = []
        self.stats = Stats()
        self.rules = catalogue()
        # Reads stay under the project root and the paths given (symlinks resolved), unless configured.
        self.readable = [real for real in map(_real, [self.root, *self.paths]) if real]
        self._inside_folders: dict[Path, bool] = {}

    def inside(self, path: Path) -> bool:
        if self.config.allow_outside_root:
            return True
        try:
            mode = os.lstat(path).st_mode
        except (OSError, ValueError):
            mode = 0  # not there (yet), or not a path at all: where its folder is decides
        if stat.S_ISLNK(mode):
            return self._resolves_inside(path)
        # Resolving a path costs a system call per component: one answer per folder is enough.
        folder = path if stat.S_ISDIR(mode) else path.parent
        known = self._inside_folders.get(folder)
        if known is None:
            known = self._inside_folders[folder] = self._resolves_inside(folder)
        return known or (folder is not path and self._resolves_inside(path))  # a file named on its own

    def _resolves_inside(self, path: Path) -> bool:
        real = _real(path)
        return real is not None and any(real.is_relative_to(base) for base in self.readable)

    # -- load -------------------------------------------------------------------------------------
    def _read(self, path: Path, limit: int) -> bytes | None:
        try:
            status = path.stat()
            if not stat.S_ISREG(status.st_mode):
                self.diagnostics.append(Diagnostic(path, "skipped: not a regular file"))
                return None
            if not self.inside(path):
                self.diagnostics.append(Diagnostic(path, f"skipped: {_OUTSIDE}"))
                return None
            size = status.st_size
            if size > limit:
                self.diagnostics.append(
                    Diagnostic(path, f"skipped: {size:,} bytes is over the {limit:,}-byte limit (configurable)")
                )
                return None
            with path.open("rb") as handle:
                return handle.read(limit + 1)
        except OSError as error:
            self.diagnostics.append(Diagnostic(path, f"skipped: cannot read ({error.strerror or error})"))
            return None

    def _too_many_lines(self, path: Path, raw: bytes) -> bool:
        # Analysis time grows with statements, not bytes: 100,000 short lines take over a minute.
        lines = raw.count(b"\n") + 1
        if lines <= self.config.max_python_lines:
            return False
        limit = self.config.max_python_lines
        message = f"skipped: {lines:,} lines is over the {limit:,}-line limit (configurable)"
        self.diagnostics.append(Diagnostic(path, message))
        return True

    def parse_error(self, path: Path, line: int, column: int, reason: str, fix: str) -> None:
        self.violations.append(Violation(PARSE_ERROR, Span.point(path, max(line, 1), max(column, 1)),
                                         {"reason": reason, "fix": fix}))

    def load_templates(self, candidates: Iterable[Path]) -> None:
        for path in candidates:
            raw = self._read(path, self.config.max_template_bytes)
            if raw is None:
                continue
            try:
                text = decode(raw)
                framework = framework_of(path)
                if framework is None:
                    template = parse_template(path, text)
                else:
                    loaded = load_framework_file(path, text, self._read_text)
                    self.stats.frameworks[framework] = self.stats.frameworks.get(framework, 0) + 1
                    if loaded is None:
                        note = cdk_note(path) if framework == "cdk" else None
                        if note:
                            self.diagnostics.append(Diagnostic(path, note, kind="warning"))
                        continue
                    template = loaded
            except NotATemplate:
                continue
            except JinjaSource:
                self.diagnostics.append(Diagnostic(path, "skipped: unrendered cookiecutter/Jinja template"))
                continue
            except TemplateError as error:
                self.parse_error(path, error.line, error.column, error.message,
                                 "fix the template so it loads; nothing in it was checked")
                continue
            if template.framework is None:
                self.stats.templates += 1
            self.project.templates.append(template)
            for problem in template.problems:
                self.parse_error(path, problem.pos.line, problem.pos.column, problem.message,
                                 "remove or rename one of the duplicate keys")

    def _read_text(self, path: Path) -> str | None:
        """A project file a framework file points at (`${file(...)}`), under the same limits as templates."""
        # An absent file (`${file(secrets.yml)}`, kept out of git) is a deploy-time value, not a skip to note.
        raw = self._read(path, self.config.max_template_bytes) if is_file(path) else None
        if raw is None:
            return None
        try:
            return decode(raw)
        except TemplateError:
            return None

    def _templates_around(self, found: Discovered, excludes: list[str]) -> list[Path]:
        """Templates elsewhere in the project when a Python file is named (pre-commit passes only staged files).

        A staged handler is linked only through the template that points at it, so the project root
        (the git work tree) is searched for templates; a named template brings its own handlers.
        """
        named = [path for path in found.explicit if path.suffix == ".py"]
        if not named:
            return []
        known = set(found.templates)
        # Only templates that can point at a named file are worth loading: those in a folder above it
        # (the usual SAM layout, which also covers a named helper module the handler imports), and
        # those that mention its module name (`CodeUri: ../src` from an infra/ folder).
        names = {path.parent.name if path.stem == "__init__" else path.stem for path in named}
        around = []
        for path in discover([self.root], self.root, excludes).templates:
            if path in known:
                continue
            if any(file.is_relative_to(path.parent) for file in named) or self._mentions(path, names):
                around.append(path)
        return around

    def _mentions(self, path: Path, names: set[str]) -> bool:
        raw = self._read(path, self.config.max_template_bytes)
        text = raw.decode("utf-8", errors="replace") if raw is not None else ""
        return any(name in text for name in names)

    def _worth_linking(self, function: Function) -> bool:
        """When files are named, only functions whose template or code folder holds a named file."""
        if self.project.reported_paths is None or self.project.is_reported(function.template.path):
            return True
        roots = [Path(os.path.normpath(root)) for root in function.import_roots]  # CodeUri: ../src
        return any(path.is_relative_to(root) for path in self.project.reported_paths for root in roots)

    # -- link -------------------------------------------------------------------------------------
    def link_templates(self) -> None:
        for template in self.project.templates:
            functions, tables, resources = link_template(template)
            self.project.functions.extend(functions)
            self.project.tables.extend(tables)
            self.project.resources.extend(resources)
            for function in functions:
                function.import_roots = self._import_roots(template, function)

    def _import_roots(self, template: Template, function: Function) -> list[Path]:
        roots = [function.code.root] if function.code.kind == "local" and function.code.root else []
        for layer in function.layers:
            root = layer_root(template, layer)
            if root:
                roots.append(root)
        # `CodeUri: ../src` must name the same files as the folder walk does, or one file is analysed
        # (and reported) twice under two spellings.
        return [Path(os.path.normpath(root)) for root in roots if self.inside(root)]

    def load_power_tuning(self) -> None:
        """Read the Power Tuning results once and attach each to the function it measured."""
        from wa_lint.evidence.power_tuning import PowerTuningError, functions_for, parse_result, result_files

        sources: dict[tuple[Path, str], Path] = {}
        # A file named in the mapping is a result too, even when no listed folder holds it. A listed
        # folder leading out of the project (`tuning -> /`) is not walked: the file system is not ours.
        listed = []
        for path in [*self.config.power_tuning, *self.config.power_tuning_functions]:
            if self.inside(path):
                listed.append(path)
            else:
                self.diagnostics.append(Diagnostic(path, f"power tuning results {_OUTSIDE}"))
        for path in result_files(listed):
            raw = self._read(path, self.config.max_template_bytes)
            if raw is None:
                continue
            try:
                result = parse_result(path, raw.decode("utf-8-sig"))
            except (UnicodeDecodeError, PowerTuningError) as error:
                reason = "not UTF-8 text" if isinstance(error, UnicodeDecodeError) else str(error)
                # The user named this file: an unusable one is an error, not a silent skip.
                self.diagnostics.append(Diagnostic(path, f"power tuning result not used: {reason}", kind="error"))
                continue
            functions, how = functions_for(result, self.project.functions, self.config.power_tuning_functions)
            if not functions:
                self.diagnostics.append(Diagnostic(
                    path, f"power tuning result matches no function in the templates ({how}); "
                          "link it with power-tuning-functions in the configuration"))
            for function in functions:
                key = (function.template.path, function.logical_id)
                if key in sources:
                    self.diagnostics.append(Diagnostic(
                        path, f"second power tuning result for {function.logical_id} (also {sources[key]}); "
                              "using this one"))
                sources[key] = path
                self.project.power_tuning[key] = result

    def load_live(self) -> None:
        """`--aws`: join the deployed stack and its measurements to the model (boto3 is imported only here)."""
        options = self.config.live
        if options is None:
            return
        from wa_lint.evidence.live.target import TargetError, resolve_target

        folders = [self.root, *(template.path.parent for template in self.project.templates)]
        try:
            target = resolve_target(options, folders)
        except TargetError as error:
            self.diagnostics.append(Diagnostic(None, f"--aws: {error}; only static findings are reported",
                                               kind="live"))
            return
        try:
            from wa_lint.evidence.live.collect import collect
        except ImportError as error:
            self.diagnostics.append(Diagnostic(None, f"--aws needs boto3 ({error.name} is missing): "
                                                     "pip install 'wa-lint[live]'", kind="error"))
            return
        live = collect(self.project, target, options, self.live_progress)
        self.project.live = live
        where = f"stack {live.stack}" + (f" in {live.region}" if live.region else "")
        for problem in live.problems:
            self.diagnostics.append(Diagnostic(None, f"--aws ({where}): {problem.message}", kind="live"))
        if live.resources:
            self.diagnostics.append(Diagnostic(None, (
                f"--aws: {where} ({target.source}): {len(live.functions)} functions and {len(live.tables)} "
                f"tables read, CloudWatch over {live.window_days} days"), kind="live"))

    def analyse(self, paths: Iterable[Path], inline: Sequence[Function] = (),
                read: dict[Path, bytes] | None = None) -> list[Outcome]:
        """Facts for files not analysed yet (and for inline code): from the cache, else from the workers.

        Returns the outcomes of the inline code, in order; files' facts go to `project.modules`.
        `read` holds bytes already read (the handler candidates), so no file is read twice.
        """
        sources: list[tuple[Path, Path, bytes, tuple[int, int]]] = []  # (cache key path, path, bytes, offsets)
        for path in dict.fromkeys(paths):
            if path in self.project.modules or path in self.unreadable:
                continue
            raw = read.get(path) if read else None
            raw = raw if raw is not None else self._read(path, self.config.max_python_bytes)
            if raw is None or self._too_many_lines(path, raw):
                self.unreadable.add(path)
                continue
            sources.append((path, path, raw, (0, 0)))
        for function in inline:
            code = function.code
            offsets = (code.inline_line - 1, code.inline_column)
            raw = (code.inline or "").encode("utf-8", "surrogatepass")
            key = Path(f"{function.template.path}#{function.logical_id}@{offsets}")
            sources.append((key, function.template.path, raw, offsets))
        outcomes: dict[Path, Outcome] = {}
        pending = []
        for source in sources:
            cached = self.cache.get(source[0], source[2]) if self.cache else None
            if isinstance(cached, Outcome):
                outcomes[source[0]] = cached
            else:
                pending.append(source)
                # Workers start importing the parser while the remaining cache entries are read.
                self.pool.reserve(len(pending))
        tasks = [Task(path, raw, offsets, key if self.cache else None) for key, path, raw, offsets in pending]
        for (key, *_), outcome in zip(pending, self.pool.analyse(tasks), strict=True):
            outcomes[key] = outcome
        for key, path, raw, _ in sources[: len(sources) - len(inline)]:
            self._record(path, outcomes[key], raw)
        return [outcomes[source[0]] for source in sources[len(sources) - len(inline):]]

    def _record(self, path: Path, outcome: Outcome, raw: bytes) -> None:
        if outcome.facts is not None:
            self.project.modules[path] = outcome.facts
            self.stats.python_files += 1
            return
        self.unreadable.add(path)
        if outcome.kind == "internal":
            self.violations.append(Violation(INTERNAL_ERROR, Span.point(path),
                                             {"rule": "python-analysis", "error": outcome.message}))
        elif is_jinja_source(raw.decode("utf-8", "replace")):
            # A cookiecutter project's code is a template too: its Jinja is not a syntax error.
            self.diagnostics.append(Diagnostic(path, "skipped: unrendered cookiecutter/Jinja template"))
        else:
            self.parse_error(path, outcome.line, outcome.column, outcome.message,
                             "fix the file so it parses; its handler code was not checked")

    def follow_imports(self, starts: Iterable[tuple[Path, list[Path]]]) -> None:
        """Analyse the local modules that handler modules import, transitively, a wave at a time."""
        graph = self.project.imports
        resolver = ImportResolver()
        frontier = list(starts)
        while frontier:
            self.analyse(path for path, _ in frontier)
            following = []
            for path, roots in frontier:
                key = (path, tuple(roots))
                facts = self.project.modules.get(path)
                if key in graph or facts is None:
                    continue
                graph[key] = resolver.local_imports(facts, roots)
                following.extend((imported, roots) for imported in graph[key])
            frontier = [(path, roots) for path, roots in following if (path, tuple(roots)) not in graph]

    def link_handlers(self, found: Discovered) -> None:
        """Resolve each template's handlers and the handler-looking files nobody references, then analyse."""
        linked: list[Function] = []
        inline: list[Function] = []
        for function in self.project.functions:
            handler = function.handler
            if function.code.kind == "unusable":
                note = f"{function.logical_id}: its code folder is not a usable path ({function.code.problem}); not read"
                self.diagnostics.append(Diagnostic(function.template.path, note))
                continue
            if handler is None or function.code.kind not in ("local", "inline"):
                continue
            if function.runtime and not function.runtime.startswith("python"):
                continue
            if not self._worth_linking(function):
                continue
            if function.code.kind == "inline":
                inline.append(function)
                continue
            if function.code.root and not self.inside(function.code.root):
                handler.problem = f"its code folder {relative(function.code.root)} is {_OUTSIDE}"
                note = f"{function.logical_id}: {handler.problem}"
                self.diagnostics.append(Diagnostic(function.template.path, note))
                continue
            resolve_handler(handler, function.import_roots)
            if handler.file is not None and function.code.root and in_cdk_out(function.code.root):
                self._to_asset_source(function, found)
            if handler.file is not None and handler.file.suffix == ".py":
                linked.append(function)
            else:
                self._handler_not_found(function)
        candidates = self._candidate_files(found, {f.handler.file for f in linked if f.handler})
        inline_outcomes = self.analyse([*(f.handler.file for f in linked if f.handler and f.handler.file), *candidates],
                                       inline, candidates)
        for function, outcome in zip(inline, inline_outcomes, strict=True):
            self._link_inline(function, outcome)

        starts: list[tuple[Path, list[Path]]] = []
        for function in linked:
            assert function.handler is not None and function.handler.file is not None
            facts = self.project.modules.get(function.handler.file)
            if facts is None:
                continue
            qualname = entry_qualname(facts, function.handler.qualname or "")
            if qualname is None:
                function.handler.problem = f"no function '{function.handler.qualname}' in {facts.path.name}"
                function.handler.missing = True
                self._handler_not_found(function)
                continue
            self.project.entries.append(Entry(facts, qualname, function.import_roots, function))
            starts.append((facts.path, function.import_roots))
        for path in candidates:
            facts = self.project.modules.get(path)
            functions = candidate_functions(facts, self.config.handler_patterns) if facts else []
            if facts and functions:
                roots = package_roots(path)
                self.project.entries.extend(Entry(facts, f.qualname, roots) for f in functions)
                starts.append((path, roots))
        self.follow_imports(starts)

    def _to_asset_source(self, function: Function, found: Discovered) -> None:
        """A CDK asset handler linked to the folder it was copied from, when that folder is in the project."""
        code, handler = function.code, function.handler
        assert code.root is not None and handler is not None and handler.file is not None
        source = source_of_asset(code.root, handler.file, found.python)
        if source is None or not self.inside(source):
            return
        code.root = source
        function.import_roots = [source, *function.import_roots[1:]]
        resolve_handler(handler, function.import_roots)

    def _handler_not_found(self, function: Function) -> None:
        handler, code = function.handler, function.code
        # Only what was searched and not found: a code folder that does not exist yet or holds no
        # Python at all (built or fetched by a script) says nothing about the handler, nor does a
        # runtime that is not known to be Python.
        if handler is None or not handler.missing or code.root is None or not is_dir(code.root):
            return
        if not (function.runtime or "").startswith("python") or next(code.root.rglob("*.py"), None) is None:
            return
        # A wrapper (Lambda Web Adapter's `Handler: run.sh`) starts something other than a Python module.
        if "AWS_LAMBDA_EXEC_WRAPPER" in function.environment or is_file(code.root / handler.text.strip()):
            return
        pos = function.properties.key_pos("Handler")
        where = Span(function.template.path, pos.line, pos.column, pos.end_line, pos.end_column)
        args = {"problem": f"{function.logical_id}: {handler.problem}"}
        self.violations.append(Violation(HANDLER_NOT_FOUND, where, args,
                                         resource=function.logical_id, function=function.logical_id))

    def _link_inline(self, function: Function, outcome: Outcome) -> None:
        code, handler = function.code, function.handler
        assert code.inline is not None and handler is not None
        template_path = function.template.path
        if outcome.kind != "ok" and function.runtime is None:
            # Nothing says this is Python (no Runtime, or one from a parameter without a default).
            note = (f"{function.logical_id}: inline code not analysed: no known runtime and it is not "
                    f"Python ({outcome.message})")
            self.diagnostics.append(Diagnostic(template_path, note))
            return
        if outcome.kind != "ok":
            self.parse_error(template_path, outcome.line + code.inline_line - 1, outcome.column + code.inline_column,
                             f"inline code of {function.logical_id}: {outcome.message}",
                             "fix the inline code so it parses")
            return
        facts = outcome.facts
        assert facts is not None
        self.project.inline_modules[(function.template.path, function.logical_id)] = facts
        # Inline code is saved as index.py by Lambda.
        handler.module, handler.file = "index", template_path
        handler.qualname = handler.text.rpartition(".")[2]
        qualname = entry_qualname(facts, handler.qualname)
        if qualname:
            self.project.entries.append(Entry(facts, qualname, [], function))

    def _candidate_files(self, found: Discovered, referenced: set[Path | None]) -> dict[Path, bytes]:
        """Files no template references that define a handler-looking function (by a cheap text test),
        with their bytes."""
        patterns = self.config.handler_patterns
        candidates: dict[Path, bytes] = {}
        for path in found.python:
            relative_path = path.relative_to(self.root) if path.is_relative_to(self.root) else path
            # cdk.out holds copies (and CDK's own helpers' code): only what its templates link is read there.
            if path in referenced or is_test_file(relative_path) or in_cdk_out(relative_path):
                continue
            raw = self._read(path, self.config.max_python_bytes)
            if raw is None:
                continue
            try:
                text = decode_python(raw)
            except SourceError:
                continue  # not known to be handler code: binary junk named .py is harmless
            if may_define_handler(text, patterns):
                candidates[path] = raw
        return candidates

    # -- check ------------------------------------------------------------------------------------
    def subjects(self, target: str) -> list[Any]:
        return {
            "function": self.project.functions,
            "table": self.project.tables,
            "entry": self.project.entries,
            "project": [self.project],
        }[target]

    def run_checks(self, enabled: set[str]) -> None:
        for code in sorted(enabled):
            rule = self.rules[code]
            check = rule.check
            if check is None:
                continue
            options = {**rule.default_options(), **self.config.rules.get(code, {})}
            subject_kind = getattr(check, "subject", "project")
            for subject in self.subjects(subject_kind):
                try:
                    self.violations.extend(check(subject, self.project, options))
                except Exception as error:  # one failing rule never stops the run
                    self._internal_error(code, subject, error)

    def _internal_error(self, code: str, subject: Any, error: Exception) -> None:
        span = getattr(subject, "span", None)
        if span is None and hasattr(subject, "facts"):
            span = Span.point(subject.facts.path)
        if span is None:
            span = Span.point(self.project.templates[0].path if self.project.templates else self.root)
        detail = f"{type(error).__name__}: {error}"
        if self.debug:
            detail += "\n" + "".join(traceback.format_exception(error))
        self.violations.append(Violation(INTERNAL_ERROR, span, {"rule": code, "error": detail},
                                         resource=getattr(subject, "logical_id", None)))

    # -- report -----------------------------------------------------------------------------------
    def finding(self, violation: Violation) -> Finding:
        rule = self.rules[violation.code]
        args = {"function": violation.function, "resource": violation.resource, **violation.args}
        message = _FORMATTER.format(rule.message, **args)
        if violation.detail:
            message += violation.detail
        severity = self.config.severity.get(rule.code)
        fix = _FORMATTER.format(rule.fix, **args)
        return Finding(
            code=rule.code,
            name=rule.name,
            severity=violation.severity or (Severity.parse(severity) if severity else rule.severity),
            span=violation.span,
            message=message,
            fix=fix,
            lens=rule.lens,
            resource=violation.resource,
            function=violation.function,
            fixes=(replace(violation.fix, title=fix),) if violation.fix else (),
            evidence=violation.evidence,
        )

    def _findings(self, violations: Iterable[Violation], enabled: set[str]) -> list[Finding]:
        return [self.finding(violation) for violation in violations
                if violation.code in enabled and self.project.is_reported(violation.span.path)]

    def execute(self) -> RunResult:
        started = time.perf_counter()
        excludes = [*(self.config.exclude or ()), *self.config.extend_exclude]
        found = discover(self.paths, self.root, excludes, self.force_exclude)
        for missing in found.missing:
            self.diagnostics.append(Diagnostic(missing, "no such file or directory", kind="error"))
        self.diagnostics.extend(Diagnostic(path, note) for path, note in found.notes)
        if self.cache is not None and self.cache.problem is not None:
            self.diagnostics.append(Diagnostic(self.cache.folder, self.cache.problem))
        if found.explicit:
            # Files were named: report findings in them (and in folders named with them), nowhere else.
            given = (Path(os.path.abspath(path)) for path in self.paths)
            self.project.reported_paths = frozenset([*found.explicit, *(path for path in given if path.is_dir())])
        self.load_templates([*found.templates, *self._templates_around(found, excludes)])
        self.link_templates()
        self.load_power_tuning()
        self.load_live()
        with self.pool:
            self.link_handlers(found)
        saw_nothing = not self.project.templates and not self.project.entries and not self.violations
        if saw_nothing and not found.missing and not found.explicit:
            # ruff's "No Python files found": a run that saw nothing must not read as a clean bill of health.
            # Files named one by one (pre-commit's staged files) are not a project: a YAML file that is
            # not a template is ordinary there.
            self.diagnostics.append(Diagnostic(None, (
                "no template, serverless.yml or handler found under the given path(s): nothing was checked "
                "(handlers are found by name: handler-patterns in the configuration)"), kind="warning"))
        enabled = enabled_codes(self.config, self.rules)
        self.run_checks(enabled)
        # Bounds the checks' call-graph walks reached (callgraph.note_bound): the findings may be incomplete.
        bounds = self.project.lookups.get("bound-notes")
        for path, message in bounds if isinstance(bounds, dict) else ():
            self.diagnostics.append(Diagnostic(path, message))
        suppressor = Suppressor(self.config, self.project, enabled, self.rules)
        kept, problems = suppressor.apply(self._findings(self.violations, enabled))
        findings = {(f.code, f.span, f.message): f for f in [*kept, *self._findings(problems, enabled)]}
        self.stats.seconds = time.perf_counter() - started
        # A file skipped as a handler is met again as a handler candidate: one note is enough.
        diagnostics = [d for d in dict.fromkeys(self.diagnostics) if d.path is None or d.kind == "error"
                       or self.project.is_reported(d.path)]
        return RunResult(
            sorted(findings.values(), key=Finding.sort_key), diagnostics, self.project, self.stats, self.rules,
            frozenset(enabled),
        )


def run(paths: Sequence[Path | str], config: Config | None = None, **options: Any) -> RunResult:
    return Run([Path(p) for p in paths], config or Config(), **options).execute()


def relative(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)
