"""Stable identities for findings, shared by SARIF, GitLab Code Quality and the baseline.

A finding's identity is (code, path relative to the project root, context, snippet hash): the context
is the template logical ID or the enclosing Python function's qualified name, and the snippet hash is
taken over the whitespace-normalised text of the reported lines. Line numbers are deliberately left
out, so inserting lines above a finding keeps its identity; editing the reported line changes it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from wa_lint.link.model import Project
from wa_lint.load.sources import LineIndex
from wa_lint.report.findings import Finding

# Hash at most this many lines of a multi-line span: enough to tell findings apart, and stable when
# the body of a long statement is edited below its first lines.
_SNIPPET_LINES = 3


@dataclass(frozen=True)
class Identity:
    code: str
    path: str
    context: str
    snippet: str  # hex digest of the normalised snippet

    def digest(self) -> str:
        text = f"{self.code}\x00{self.path}\x00{self.context}\x00{self.snippet}"
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def project_path(path: Path, root: Path) -> str:
    """The path relative to the project root (the git work tree), with forward slashes."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        return path.as_posix()


class Fingerprinter:
    def __init__(self, project: Project, in_project: Callable[[Path], str] | None = None) -> None:
        """`in_project`: how the report names a file relative to the project root (`project_path`)."""
        self.project = project
        self.in_project = in_project or (lambda path: project_path(path, project.root))
        self._lines: dict[Path, LineIndex] = {}

    def lines(self, path: Path) -> LineIndex:
        """The file's lines as the run read them (the source store), so a snippet is what was analysed."""
        if path not in self._lines:
            if self.project.sources is not None:
                self._lines[path] = self.project.sources.lines(path)
            else:
                try:
                    text = path.read_bytes().decode("utf-8", errors="replace")
                except OSError:
                    text = ""
                self._lines[path] = LineIndex(text)
        return self._lines[path]

    def context(self, finding: Finding) -> str:
        if finding.resource:
            return finding.resource
        return self.project.enclosing_function(finding.span.path, finding.span.line) or finding.function or ""

    def identity(self, finding: Finding) -> Identity:
        span = finding.span
        last = min(span.end_line, span.line + _SNIPPET_LINES - 1)
        snippet = " ".join(" ".join(text.split()) for text in self.lines(span.path).lines(span.line, last))
        return Identity(
            finding.code,
            self.in_project(span.path),
            self.context(finding),
            hashlib.sha256(snippet.encode("utf-8", "surrogatepass")).hexdigest()[:16],
        )


def fingerprints(findings: list[Finding], project: Project,
                 in_project: Callable[[Path], str] | None = None) -> list[str]:
    """One fingerprint per finding, in order; equal identities are told apart by their occurrence."""
    fingerprinter = Fingerprinter(project, in_project)
    seen: dict[str, int] = {}
    result = []
    for finding in findings:
        digest = fingerprinter.identity(finding).digest()
        seen[digest] = seen.get(digest, 0) + 1
        result.append(digest if seen[digest] == 1 else f"{digest}:{seen[digest]}")
    return result
