"""One run of wa-lint: discover → load → link → check, returning findings for the reporters."""

from __future__ import annotations

import os
import stat
import string
import time
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wa_lint.config import Config
from wa_lint.discovery import Discovered, discover, find_root
from wa_lint.findings import Diagnostic, Finding, Severity, Span, Violation
from wa_lint.model import Entry, Function, Project
from wa_lint.python.facts import ModuleFacts, module_facts
from wa_lint.python.handlers import (
    candidate_functions,
    entry_qualname,
    is_test_file,
    local_imports,
    may_define_handler,
    package_roots,
    resolve_handler,
)
from wa_lint.python.parse import ParseFailure
from wa_lint.python.source import SourceError, decode_python
from wa_lint.registry import Rule, catalogue, select
from wa_lint.template.document import (
    JinjaSource,
    NotATemplate,
    Template,
    decode,
    is_jinja_source,
    parse_template,
)
from wa_lint.template.errors import TemplateError
from wa_lint.template.linker import layer_root, link_template

PARSE_ERROR = "WA001"
INTERNAL_ERROR = "WA002"
HANDLER_NOT_FOUND = "WA004"
_OUTSIDE = "outside the project root and the paths given; not read (allow-outside-root = true reads it)"


@dataclass
class Stats:
    templates: int = 0
    python_files: int = 0
    seconds: float = 0.0


@dataclass
class RunResult:
    findings: list[Finding]
    diagnostics: list[Diagnostic]
    project: Project
    stats: Stats
    rules: dict[str, Rule] = field(default_factory=dict)


def enabled_codes(config: Config, rules: dict[str, Rule]) -> set[str]:
    codes = list(rules)
    if config.select is not None:
        chosen = select(config.select, codes)
    else:
        chosen = {code for code, rule in rules.items() if rule.enabled_by_default}
    chosen |= select(config.extend_select, codes)
    chosen -= select(config.ignore, codes)
    return chosen


def _real(path: Path) -> Path | None:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python 3.11)
        return None


class _Formatter(string.Formatter):
    """Message templates never fail: a missing value shows as its placeholder."""

    def get_value(self, key: int | str, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
        if isinstance(key, str):
            return kwargs.get(key, "{" + key + "}")
        return super().get_value(key, args, kwargs)


_FORMATTER = _Formatter()


class Run:
    def __init__(self, paths: Sequence[Path], config: Config, force_exclude: bool = False, debug: bool = False):
        self.paths = list(paths) or [Path(".")]
        self.config = config
        self.force_exclude = force_exclude
        self.debug = debug
        self.root = find_root(self.paths)
        self.project = Project(self.root)
        self.violations: list[Violation] = []
        self.diagnostics: list[Diagnostic] = []
        self.stats = Stats()
        self.rules = catalogue()
        # Reads stay under the project root and the paths given (symlinks resolved), unless configured.
        self.readable = [real for real in map(_real, [self.root, *self.paths]) if real]

    def inside(self, path: Path) -> bool:
        if self.config.allow_outside_root:
            return True
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

    def _too_many_lines(self, path: Path, text: str) -> bool:
        # Analysis time grows with statements, not bytes: 100,000 short lines take over a minute.
        lines = text.count("\n") + 1
        if lines <= self.config.max_python_lines:
            return False
        limit = self.config.max_python_lines
        message = f"skipped: {lines:,} lines is over the {limit:,}-line limit (configurable)"
        self.diagnostics.append(Diagnostic(path, message))
        return True

    def _python_failure(self, path: Path, text: str, error: SourceError | ParseFailure) -> None:
        if is_jinja_source(text):
            # A cookiecutter project's code is a template too: its Jinja is not a syntax error.
            self.diagnostics.append(Diagnostic(path, "skipped: unrendered cookiecutter/Jinja template"))
            return
        self.parse_error(path, error.line, error.column, error.message,
                         "fix the file so it parses; its handler code was not checked")

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
                template = parse_template(path, text)
            except NotATemplate:
                continue
            except JinjaSource:
                self.diagnostics.append(Diagnostic(path, "skipped: unrendered cookiecutter/Jinja template"))
                continue
            except TemplateError as error:
                self.parse_error(path, error.line, error.column, error.message,
                                 "fix the template so it loads; nothing in it was checked")
                continue
            self.stats.templates += 1
            self.project.templates.append(template)
            for problem in template.problems:
                self.parse_error(path, problem.pos.line, problem.pos.column, problem.message,
                                 "remove or rename one of the duplicate keys")

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
        return [root for root in roots if self.inside(root)]

    def analyse_file(self, path: Path) -> ModuleFacts | None:
        if path in self.project.modules:
            return self.project.modules[path]
        raw = self._read(path, self.config.max_python_bytes)
        if raw is None:
            return None
        try:
            text = decode_python(raw)
            if self._too_many_lines(path, text):
                return None
            facts = module_facts(text, path)
        except (SourceError, ParseFailure) as error:
            self._python_failure(path, raw.decode("utf-8", "replace"), error)
            return None
        self.project.modules[path] = facts
        self.stats.python_files += 1
        return facts

    def reach(self, facts: ModuleFacts, roots: list[Path]) -> None:
        """Analyse the local modules a handler module imports, transitively."""
        pending = local_imports(facts, roots)
        seen = {facts.path}
        while pending:
            path = pending.pop()
            if path in seen:
                continue
            seen.add(path)
            imported = self.analyse_file(path)
            if imported:
                pending.extend(local_imports(imported, roots))

    def link_handlers(self) -> None:
        for function in self.project.functions:
            handler = function.handler
            if handler is None or function.code.kind not in ("local", "inline"):
                continue
            if function.runtime and not function.runtime.startswith("python"):
                continue
            if function.code.kind == "inline":
                self._link_inline(function)
                continue
            if function.code.root and not self.inside(function.code.root):
                handler.problem = f"its code folder {relative(function.code.root)} is {_OUTSIDE}"
                note = f"{function.logical_id}: {handler.problem}"
                self.diagnostics.append(Diagnostic(function.template.path, note))
                continue
            resolve_handler(handler, function.import_roots)
            if handler.file is None or handler.file.suffix != ".py":
                self._handler_not_found(function)
                continue
            facts = self.analyse_file(handler.file)
            if facts is None:
                continue
            self.reach(facts, function.import_roots)
            qualname = entry_qualname(facts, handler.qualname or "")
            if qualname is None:
                handler.problem = f"no function '{handler.qualname}' in {handler.file.name}"
                handler.missing = True
                self._handler_not_found(function)
                continue
            self.project.entries.append(Entry(facts, qualname, function.import_roots, function))

    def _handler_not_found(self, function: Function) -> None:
        handler, code = function.handler, function.code
        # Only what was searched and not found: a code folder that does not exist yet or holds no
        # Python at all (built or fetched by a script) says nothing about the handler, nor does a
        # runtime that is not known to be Python.
        if handler is None or not handler.missing or code.root is None or not code.root.is_dir():
            return
        if not (function.runtime or "").startswith("python") or next(code.root.rglob("*.py"), None) is None:
            return
        # A wrapper (Lambda Web Adapter's `Handler: run.sh`) starts something other than a Python module.
        if "AWS_LAMBDA_EXEC_WRAPPER" in function.environment or (code.root / handler.text.strip()).is_file():
            return
        pos = function.properties.key_pos("Handler")
        where = Span(function.template.path, pos.line, pos.column, pos.end_line, pos.end_column)
        args = {"problem": f"{function.logical_id}: {handler.problem}"}
        self.violations.append(Violation(HANDLER_NOT_FOUND, where, args,
                                         resource=function.logical_id, function=function.logical_id))

    def _link_inline(self, function: Function) -> None:
        code, handler = function.code, function.handler
        assert code.inline is not None and handler is not None
        template_path = function.template.path
        try:
            facts = module_facts(code.inline, template_path, code.inline_line - 1, code.inline_column)
        except ParseFailure as error:
            if function.runtime is None:
                # Nothing says this is Python (no Runtime, or one from a parameter without a default).
                note = (f"{function.logical_id}: inline code not analysed: no known runtime and it is not "
                        f"Python ({error.message})")
                self.diagnostics.append(Diagnostic(template_path, note))
                return
            self.parse_error(template_path, error.line + code.inline_line - 1, error.column + code.inline_column,
                             f"inline code of {function.logical_id}: {error.message}",
                             "fix the inline code so it parses")
            return
        self.project.inline_modules[function.logical_id] = facts
        # Inline code is saved as index.py by Lambda.
        handler.module, handler.file = "index", template_path
        handler.qualname = handler.text.rpartition(".")[2]
        qualname = entry_qualname(facts, handler.qualname)
        if qualname:
            self.project.entries.append(Entry(facts, qualname, [], function))

    def find_candidates(self, found: Discovered) -> None:
        """Handler-looking functions in files no template references (Terraform, CDK, Serverless Framework)."""
        referenced = {entry.facts.path for entry in self.project.entries}
        patterns = self.config.handler_patterns
        for path in found.python:
            if path in referenced or is_test_file(path.relative_to(self.root) if path.is_relative_to(self.root) else path):
                continue
            raw = self._read(path, self.config.max_python_bytes)
            if raw is None:
                continue
            try:
                text = decode_python(raw)
            except SourceError:
                continue  # not known to be handler code: binary junk named .py is harmless
            if not may_define_handler(text, patterns):
                continue
            facts = self.project.modules.get(path)
            if facts is None and self._too_many_lines(path, text):
                continue
            if facts is None:
                try:
                    facts = module_facts(text, path)
                except ParseFailure as error:
                    self._python_failure(path, text, error)
                    continue
                self.project.modules[path] = facts
                self.stats.python_files += 1
            functions = candidate_functions(facts, patterns)
            if functions:
                roots = package_roots(path)
                self.reach(facts, roots)
                for function in functions:
                    self.project.entries.append(Entry(facts, function.qualname, roots))

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
        return Finding(
            code=rule.code,
            name=rule.name,
            severity=Severity.parse(severity) if severity else rule.severity,
            span=violation.span,
            message=message,
            fix=_FORMATTER.format(rule.fix, **args),
            lens=rule.lens,
            resource=violation.resource,
            function=violation.function,
        )

    def execute(self) -> RunResult:
        started = time.perf_counter()
        excludes = [*(self.config.exclude or ()), *self.config.extend_exclude]
        found = discover(self.paths, self.root, excludes, self.force_exclude)
        for missing in found.missing:
            self.diagnostics.append(Diagnostic(missing, "no such file or directory", kind="error"))
        self.load_templates(found.templates)
        self.link_templates()
        self.link_handlers()
        self.find_candidates(found)
        enabled = enabled_codes(self.config, self.rules)
        self.run_checks(enabled)
        findings = {}
        for violation in self.violations:
            if violation.code not in enabled:
                continue
            finding = self.finding(violation)
            findings[(finding.code, finding.span, finding.message)] = finding
        self.stats.seconds = time.perf_counter() - started
        # A file skipped as a handler is met again as a handler candidate: one note is enough.
        diagnostics = list(dict.fromkeys(self.diagnostics))
        return RunResult(
            sorted(findings.values(), key=Finding.sort_key), diagnostics, self.project, self.stats, self.rules
        )


def run(paths: Sequence[Path | str], config: Config | None = None, **options: Any) -> RunResult:
    return Run([Path(p) for p in paths], config or Config(), **options).execute()


def relative(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)
