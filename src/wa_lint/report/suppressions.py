"""Everything that keeps a finding from being reported, applied in one place by the engine.

Checks never look at suppressions: they report what they see, and `Suppressor.apply` drops what the
user silenced:

- `per-file-ignores` from the configuration;
- comments, read cheaply from the raw text (Python: `tokenize` comments, never a second libcst parse;
  YAML: `#` comments): `# wa-lint: ignore[CODE, ...] reason` on the reported line or alone on the line
  before, `# noqa: CODE` the same way, `# wa-lint: file-ignore[CODE]` anywhere for the whole file. In a
  template the comment may also sit on or above the resource's logical-ID key, covering every finding
  about that resource (its handler code's too, as Metadata does);
- template Metadata, `Metadata: {wa-lint: {ignore: [{code: PERF001, reason: ...}]}}` (or a plain list
  of codes) on a resource, covering findings about it (and its handler code), or at the template
  root, covering the whole template: the only way in JSON.

What the suppressions themselves get wrong is reported here too: WA003 for a suppression that silenced
nothing (off by default), WA004 for a blanket `# wa-lint: ignore` without codes, which is not honoured.
"""

from __future__ import annotations

import io
import os
import re
import tokenize
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wa_lint.check.registry import select
from wa_lint.config import Config
from wa_lint.discover.gitignore import GitIgnore
from wa_lint.link.model import PartLink, Project
from wa_lint.load.template.document import Template
from wa_lint.load.template.nodes import DictNode, pos_of
from wa_lint.report.findings import Finding, Span, Violation

UNUSED = "WA003"
BLANKET = "WA004"
_DIRECTIVE = re.compile(r"#\s*wa-lint\s*:\s*(?P<kind>file-ignore|ignore)\b(?:\[(?P<codes>[^\]]*)\])?",
                        re.IGNORECASE)
_NOQA = re.compile(r"#\s*noqa\s*:\s*(?P<codes>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*)", re.IGNORECASE)
# Text neither comment form can match in (the same letters, folded the same way).
_MAY_SUPPRESS = re.compile("wa-lint|noqa", re.IGNORECASE)
# A YAML comment starts at a `#` at the start of a line or after whitespace.
_YAML_COMMENT = re.compile(r"(?:^|(?<=\s))#.*$")
_CODE_LIKE = re.compile(r"^[A-Z]+[0-9]*$")


@dataclass
class Suppression:
    path: Path
    span: Span  # of the comment or Metadata entry, for WA003/WA004
    codes: tuple[str, ...]
    kind: str  # "line" | "file" | "noqa" | "metadata"
    text: str
    lines: frozenset[int] = frozenset()  # lines covered ("line", "noqa")
    resource: str | None = None  # logical ID ("metadata" on a resource; comments on/above its key)
    used: set[str] = field(default_factory=set)

    def covers(self, finding: Finding) -> bool:
        """Whether the finding is where this suppression reaches (its codes are matched by the caller)."""
        if self.kind == "metadata":
            if self.resource is None:
                return finding.span.path == self.path
            return self.resource in (finding.resource, finding.function)
        if finding.span.path != self.path:
            # A comment on (or above) a function's logical-ID key covers its handler code, as its
            # Metadata does: both say "this resource".
            return self.resource is not None and self.resource == finding.function
        if self.kind == "file" or (self.resource is not None and finding.resource == self.resource):
            return True
        return any(line in self.lines for line in range(finding.span.line, max(finding.span.end_line,
                                                                                finding.span.line) + 1))


def _comments_python(text: str) -> list[tuple[int, int, str, bool]]:
    """(line, column, comment, alone on its line) for every comment; the raw lines if tokenize gives up."""
    try:
        return [
            (token.start[0], token.start[1] + 1, token.string, not token.line[:token.start[1]].strip())
            for token in tokenize.generate_tokens(io.StringIO(text).readline)
            if token.type == tokenize.COMMENT
        ]
    except (tokenize.TokenError, SyntaxError, ValueError):
        # A file that does not tokenise (it gets a WA001) still has comments that may suppress it.
        return list(_comments_yaml(text))


def _comments_yaml(text: str) -> Iterator[tuple[int, int, str, bool]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if "#" not in line:
            continue
        match = _YAML_COMMENT.search(line)
        if match:
            yield number, match.start() + 1, match.group(), not line[:match.start()].strip()


def _may_suppress(text: str) -> bool:
    """Whether a comment form can match in `text` (a case-blind regex scan is slow: ASCII text, most of
    it, is searched lowercased)."""
    if text.isascii():
        lowered = text.lower()
        return "wa-lint" in lowered or "noqa" in lowered
    return _MAY_SUPPRESS.search(text) is not None


def part_links(project: Project) -> Iterator[PartLink]:
    """What relates the project's parts here (run_parts.py): a template's Metadata, or a comment on a
    function's key, covers the handler code of every function with that logical ID (`_candidates`), in
    any template. (file, key, whether the file holds a suppression that may cover it.)"""
    suppressing = {id(template) for template in project.templates if _may_suppress(template.text)}
    for function in project.functions:
        name = f"function:{function.logical_id}"
        yield function.template.path, name, False
        if id(function.template) in suppressing:
            yield function.template.path, name, True
    for entry in project.entries:
        if entry.function is None:
            yield entry.facts.path, f"function:{entry.label}", False


def _split(codes: str) -> tuple[str, ...]:
    return tuple(code.upper() for code in re.split(r"[\s,]+", codes.strip()) if code)


class Suppressor:
    def __init__(self, config: Config, project: Project, enabled: set[str], catalogue_codes: Iterable[str]):
        self.project = project
        self.enabled = enabled
        self.codes = list(catalogue_codes)
        # per-file-ignores patterns are relative to the folder of the file that declares them.
        self.base = Path(os.path.abspath(config.base or project.root))
        self.per_file = [
            (GitIgnore([pattern]), select(selectors, self.codes))
            for pattern, selectors in config.per_file_ignores
        ]
        self.templates = {template.path: template for template in project.templates}
        # Where each function is defined (a logical ID may recur across templates).
        self.function_templates: dict[str, list[Path]] = {}
        for function in project.functions:
            self.function_templates.setdefault(function.logical_id, []).append(function.template.path)
        self.by_path: dict[Path, list[Suppression]] = {}
        self.blanket: list[Violation] = []

    # -- reading ----------------------------------------------------------------------------------
    def suppressions(self, path: Path) -> list[Suppression]:
        if path not in self.by_path:
            self.by_path[path] = self._read(path)
        return self.by_path[path]

    def _read(self, path: Path) -> list[Suppression]:
        template = self.templates.get(path)
        text = template.text if template is not None else self._text(path)
        if not _may_suppress(text) or not self._may_name_ours(text):
            # Most files carry no suppression comment: skip reading their comments (Metadata still counts).
            return list(self._metadata(template)) if template is not None else []
        if template is not None:
            comments = _comments_yaml(text) if not text.lstrip().startswith("{") else iter(())
        else:
            comments = iter(_comments_python(text)) if path.suffix == ".py" else iter(())
        keys = self._resource_keys(template) if template else {}
        found = []
        for line, column, comment, alone in comments:
            span = Span(path, line, column, line, column + len(comment))
            covered = frozenset({line, line + 1} if alone else {line})
            for match in _DIRECTIVE.finditer(comment):
                codes = _split(match.group("codes") or "")
                if not codes:
                    self.blanket.append(Violation(BLANKET, span, {"comment": match.group().strip()}))
                    continue
                kind = "file" if match.group("kind").lower() == "file-ignore" else "line"
                resource = next((keys[key] for key in covered if key in keys), None)
                found.append(Suppression(path, span, codes, kind, match.group(), covered, resource))
            for match in _NOQA.finditer(comment):
                ours = tuple(code for code in _split(match.group("codes")) if code in self.codes)
                if ours:
                    resource = next((keys[key] for key in covered if key in keys), None)
                    found.append(Suppression(path, span, ours, "noqa", match.group(), covered, resource))
        if template is not None:
            found.extend(self._metadata(template))
        return found

    def _may_name_ours(self, text: str) -> bool:
        """Whether the text holds a directive, or a `noqa` naming one of our codes (another linter's
        `# noqa: E501` is not): a comment's matches are matches in the whole text too."""
        if _DIRECTIVE.search(text):
            return True
        known = set(self.codes)
        return any(code in known for match in _NOQA.finditer(text) for code in _split(match.group("codes")))

    def _text(self, path: Path) -> str:
        """The file's text as the run read and analysed it (the source store), or as it is now."""
        if self.project.sources is not None:
            return self.project.sources.text(path)
        try:
            return path.read_bytes().decode("utf-8", errors="replace")
        except OSError:
            return ""

    @staticmethod
    def _resource_keys(template: Template) -> dict[int, str]:
        resources = template.resources
        return {resources.key_pos(logical_id).line: logical_id for logical_id in resources}

    def _metadata(self, template: Template) -> Iterator[Suppression]:
        holders: list[tuple[str | None, Any]] = [(None, template.data)]
        holders += [(logical_id, body) for logical_id, body in template.resources.items()]
        for resource, holder in holders:
            if not isinstance(holder, DictNode):
                continue
            metadata = holder.get("Metadata")
            ours = metadata.get("wa-lint") if isinstance(metadata, DictNode) else None
            if not isinstance(ours, DictNode) or ours.get("ignore") is None:
                continue
            entries = ours["ignore"]
            fallback = ours.key_pos("ignore")
            for entry in entries if isinstance(entries, list) else [entries]:
                code = entry.get("code") if isinstance(entry, dict) else entry
                if not isinstance(code, str):
                    continue
                pos = pos_of(entry, fallback)
                span = Span(template.path, pos.line, pos.column, pos.end_line, pos.end_column)
                yield Suppression(template.path, span, (code.strip().upper(),), "metadata", code, resource=resource)

    # -- applying ---------------------------------------------------------------------------------
    def _per_file_ignored(self, finding: Finding) -> bool:
        if not self.per_file:
            return False
        try:
            relative = Path(os.path.abspath(finding.span.path)).relative_to(self.base).as_posix()
        except ValueError:
            return False
        return any(finding.code in codes and spec.match_within(relative) for spec, codes in self.per_file)

    def _candidates(self, finding: Finding) -> Iterator[Suppression]:
        yield from self.suppressions(finding.span.path)
        if finding.function and finding.span.path.suffix == ".py":
            # a resource's Metadata, and a comment on its key, also cover findings in its handler code
            for template_path in self.function_templates.get(finding.function, ()):
                if template_path != finding.span.path:
                    yield from (s for s in self.suppressions(template_path)
                                if s.kind == "metadata" or s.resource == finding.function)

    def apply(self, findings: Iterable[Finding]) -> tuple[list[Finding], list[Violation]]:
        kept = []
        for finding in findings:
            if self._per_file_ignored(finding):
                continue
            suppressed = False
            for suppression in self._candidates(finding):
                matched = {code for code in suppression.codes if finding.code.startswith(code)}
                if matched and suppression.covers(finding):
                    suppression.used |= matched
                    suppressed = True
            if not suppressed:
                kept.append(finding)
        return kept, self._problems()

    def _problems(self) -> list[Violation]:
        if not {UNUSED, BLANKET} & self.enabled:
            return []
        files = [template.path for template in self.project.templates] + list(self.project.modules)
        reported = [path for path in dict.fromkeys(files) if self.project.is_reported(path)]
        for path in reported:
            self.suppressions(path)  # reading finds the blanket ones too
        problems = list(self.blanket)
        if UNUSED not in self.enabled:
            return problems
        for path in reported:
            for suppression in self.suppressions(path):
                for code in suppression.codes:
                    if code in suppression.used:
                        continue
                    known = select([code], self.codes) if _CODE_LIKE.match(code) else set()
                    what = (f"the Metadata entry ignoring {code}" if suppression.kind == "metadata"
                            else f"`{suppression.text.strip()}`")
                    if not known:
                        problem = f"{what} names {code}, which is no wa-lint rule"
                        fix = "correct the code (`wa-lint rules` lists them) or remove it"
                    elif known & self.enabled:
                        problem = f"{what}: no {code} finding here to suppress"
                        fix = f"remove {code} from the suppression, or the whole suppression"
                    else:
                        continue  # the rule did not run, so there is nothing to judge
                    problems.append(Violation(UNUSED, suppression.span, {"problem": problem, "fix": fix}))
        return problems
