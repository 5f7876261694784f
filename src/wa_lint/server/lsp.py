"""`wa-lint server`: diagnostics, hover and code actions for editors, over the Language Server Protocol.

A code finding needs the template that links the handler, so the server lints the whole project a
document belongs to (the workspace folder around it, else its git work tree) and publishes the findings
of every open document. Each lint is a `wa-lint --output-format json` child process: a hostile file that
crashes the analysis takes down that run, never the editor's server, and the event loop never waits.
The project's facts cache makes a re-run after an edit re-analyse only the files that changed; the
server keeps each project's last report for hover and code actions. Runs are debounced per project; a
run that fails is reported to the editor as a message.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from wa_lint import __version__

if TYPE_CHECKING:
    from pygls.workspace import TextDocument

LINTED_SUFFIXES = (".py", ".yaml", ".yml", ".json", ".template")
# Keystrokes arrive tens of milliseconds apart: wait for a pause before linting the project again.
CHANGE_DELAY = 0.4
# A whole-project run on a large monorepo takes tens of seconds cold; past this it is abandoned.
RUN_TIMEOUT = 300.0
Finding = dict[str, Any]  # one entry of the JSON report's `findings` (its documented contract)
_SEVERITY = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning,
             "info": types.DiagnosticSeverity.Information}
_LOG = logging.getLogger(__name__)


def path_of(uri: str) -> Path | None:
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    return Path(os.path.abspath(unquote(parsed.path)))


@dataclass
class ProjectState:
    """The last lint of one project, and the run that is waiting to replace it."""

    root: Path
    pending: asyncio.Task[None] | None = None
    findings_by_path: dict[Path, list[Finding]] = field(default_factory=dict)


class WaLintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("wa-lint", __version__)
        self.projects: dict[Path, ProjectState] = {}

    # -- which project a document belongs to ------------------------------------------------------
    def project_for(self, path: Path) -> ProjectState:
        folders = [p for p in (path_of(f.uri) for f in self.workspace.folders.values()) if p]
        if self.workspace.root_path:
            folders.append(Path(os.path.abspath(self.workspace.root_path)))
        inside = [folder for folder in folders if path.is_relative_to(folder)]
        if inside:
            root = max(inside, key=lambda folder: len(folder.parts))  # the innermost workspace folder
        else:
            from wa_lint.discover.walk import find_root

            root = find_root([path])
        return self.projects.setdefault(root, ProjectState(root))

    # -- linting ----------------------------------------------------------------------------------
    def schedule(self, document_uri: str, delay: float) -> None:
        path = path_of(document_uri)
        if path is None or path.suffix not in LINTED_SUFFIXES:
            return
        state = self.project_for(path)
        if state.pending and not state.pending.done():
            state.pending.cancel()
        state.pending = asyncio.get_running_loop().create_task(self._lint_later(state, delay))

    async def _lint_later(self, state: ProjectState, delay: float) -> None:
        await asyncio.sleep(delay)
        try:
            report = await lint_project(state.root)
        except LintFailed as error:
            self.window_show_message(types.ShowMessageParams(types.MessageType.Error, str(error)))
            return
        state.findings_by_path = {}
        for finding in report.get("findings", []):
            path = Path(os.path.abspath(state.root / finding["path"]))
            state.findings_by_path.setdefault(path, []).append(finding)
        self.publish_open_documents(state)

    def publish_open_documents(self, state: ProjectState) -> None:
        for uri, document in list(self.workspace.text_documents.items()):
            path = path_of(uri)
            if path is None or not path.is_relative_to(state.root):
                continue
            diagnostics = [diagnostic(finding, document) for finding in state.findings_by_path.get(path, [])]
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=document.version))

    def findings_at(self, uri: str, line: int) -> list[Finding]:
        """Findings of the document whose range covers the 0-based `line`."""
        path = path_of(uri)
        if path is None:
            return []
        state = self.projects.get(self.project_for(path).root)
        found = state.findings_by_path.get(path, []) if state else []
        return [finding for finding in found if finding["line"] - 1 <= line <= finding["end_line"] - 1]


class LintFailed(Exception):
    pass


async def lint_project(root: Path) -> dict[str, Any]:
    """One whole-project run with the project's own configuration, as the command line would do it.

    Paths in the report are relative to the child's working folder, which is the project root.
    """
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "wa_lint", "check", "--output-format", "json", "--exit-zero", ".",
        cwd=root, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(process.communicate(), RUN_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise LintFailed(f"wa-lint: linting {root} took over {RUN_TIMEOUT:.0f} s and was stopped") from None
    except asyncio.CancelledError:
        # A newer edit replaced this run: its child must not linger and compete with the next one.
        process.kill()
        raise
    try:
        report = json.loads(out.decode("utf-8", "replace"))
    except ValueError:
        reason = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit code {process.returncode}"]
        raise LintFailed(f"wa-lint could not lint {root}: {reason[0]}") from None
    if not isinstance(report, dict):
        raise LintFailed(f"wa-lint could not lint {root}: unexpected report")
    return report


def _position(document: TextDocument, line: int, column: int) -> types.Position:
    """A finding's 1-based line and character column as the client counts (UTF-16 units by default)."""
    position = types.Position(line=max(line - 1, 0), character=max(column - 1, 0))
    lines = document.lines
    if position.line < len(lines):
        return document.position_codec.position_to_client_units(lines, position)
    return position


def diagnostic(finding: Finding, document: TextDocument) -> types.Diagnostic:
    start = _position(document, finding["line"], finding["column"])
    end = _position(document, finding["end_line"], finding["end_column"])
    if (end.line, end.character) <= (start.line, start.character):
        # A point finding (a whole resource, a file): underline to the end of its line.
        line_text = document.lines[start.line] if start.line < len(document.lines) else ""
        end = types.Position(start.line, max(start.character + 1, len(line_text.rstrip("\r\n").encode("utf-16-le")) // 2))
    return types.Diagnostic(
        range=types.Range(start=start, end=end),
        message=finding["message"],
        severity=_SEVERITY.get(finding["severity"], types.DiagnosticSeverity.Warning),
        code=finding["code"],
        code_description=types.CodeDescription(href=finding["lens"]["url"]),
        source="wa-lint",
        data={"name": finding["name"]},
    )


def hover_text(findings: list[Finding]) -> str:
    from wa_lint.check.registry import catalogue

    rules = catalogue()
    parts = []
    for finding in findings:
        lens = finding["lens"]
        parts.append(f"**{finding['code']} {finding['name']}**: {finding['message']}\n\n"
                     f"{lens['question']} · {lens['best_practice']} ({lens['pillar']})\n\nfix: {finding['fix']}")
        rule = rules.get(finding["code"])
        if rule:
            parts.append(rule.doc)
    return "\n\n---\n\n".join(parts)


def suppress_action(finding: Finding, document: TextDocument, uri: str) -> types.CodeAction | None:
    """A `# wa-lint: ignore[CODE] reason` comment alone on the line above the reported one.

    The line above is honoured in Python and YAML alike and never touches the reported line itself (which
    may end in a string, a comment or a line continuation). JSON has no comments: no action there.
    """
    line = finding["line"] - 1
    if line >= len(document.lines) or document.uri.endswith(".json"):
        return None
    text = document.lines[line]
    indent = text[: len(text) - len(text.lstrip(" \t"))]
    start = types.Position(line, 0)
    edit = types.TextEdit(types.Range(start, start), f"{indent}# wa-lint: ignore[{finding['code']}] reason\n")
    return types.CodeAction(
        title=f"Suppress {finding['code']} on this line",
        kind=types.CodeActionKind.QuickFix,
        edit=types.WorkspaceEdit(changes={uri: [edit]}),
    )


def fix_actions(finding: Finding, document: TextDocument, root: Path, uri: str) -> list[types.CodeAction]:
    """The finding's own fixes, when the editor's text is still the text the run analysed.

    An edit's lines and columns describe the file on disk when it was linted; applied to a buffer that
    has changed since, it would land on the wrong characters, so a stale buffer gets no fix action.
    """
    path = path_of(uri)
    try:
        on_disk = path.read_text(encoding="utf-8-sig") if path else None
    except (OSError, UnicodeDecodeError):
        on_disk = None
    if on_disk is None or on_disk != document.source.removeprefix("\ufeff"):
        return []
    actions = []
    for fix in finding.get("fixes", []):
        edits = fix.get("edits", [])
        if not edits or any(Path(os.path.abspath(root / edit["path"])) != path for edit in edits):
            continue  # an edit in another file: the command line's --fix applies it
        text_edits = [
            types.TextEdit(types.Range(_position(document, edit["line"], edit["column"]),
                                       _position(document, edit["end_line"], edit["end_column"])),
                           edit["replacement"])
            for edit in edits
        ]
        title = fix["title"] if fix.get("applicability") == "safe" else f"{fix['title']} (unsafe: review it)"
        actions.append(types.CodeAction(
            title=title, kind=types.CodeActionKind.QuickFix, edit=types.WorkspaceEdit(changes={uri: text_edits}),
            is_preferred=fix.get("applicability") == "safe"))
    return actions


def build_server() -> WaLintServer:
    server = WaLintServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: WaLintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: WaLintServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: WaLintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, CHANGE_DELAY)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: WaLintServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: WaLintServer, params: types.HoverParams) -> types.Hover | None:
        findings = ls.findings_at(params.text_document.uri, params.position.line)
        if not findings:
            return None
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown,
                                                        value=hover_text(findings)))

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    def code_action(ls: WaLintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        document = ls.workspace.get_text_document(uri)
        actions: list[types.CodeAction] = []
        for line in range(params.range.start.line, params.range.end.line + 1):
            for finding in ls.findings_at(uri, line):
                actions.extend(fix_actions(finding, document, ls.project_for(path_of(uri) or Path()).root, uri))
                suppress = suppress_action(finding, document, uri)
                if suppress:
                    actions.append(suppress)
        return actions

    return server


def serve() -> None:
    """Serve one editor over standard input and output until it shuts the server down."""
    logging.basicConfig(level=logging.WARNING)
    build_server().start_io()
