"""The editor server end to end: a real LSP client (pytest-lsp) talks to `wa-lint server` over stdio."""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

import pytest
import pytest_lsp
from conftest import FIXTURES, PINNED_RULES, REPO
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

pytestmark = pytest.mark.asyncio(loop_scope="module")

SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "wa_lint", "server"],
                            server_env={"PYTHONPATH": str(REPO / "src")})


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("workspace") / "demo"
    shutil.copytree(FIXTURES / "demo", root)
    (root / ".git").mkdir()  # the project root the server lints
    # The server lints with the project's configuration: pin the rule set there, as the other tests do.
    (root / "wa-lint.toml").write_text(f"select = {list(PINNED_RULES)!r}\n")
    return root


@pytest_lsp.fixture(config=SERVER, scope="module")
async def client(lsp_client: LanguageClient, demo: Path):
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
        root_uri=demo.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=demo.as_uri(), name="demo")],
    ))
    yield
    await lsp_client.shutdown_session()


# A whole-project lint of the demo takes well under a second; a minute means the server lost the run.
WAIT = 60.0


async def diagnostics_for(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    """The next diagnostics published for `uri` (the caller forgets the old ones first).

    The client records the latest diagnostics per document as they arrive; waiting for "the next
    notification" instead would lose one of two notifications that arrive together (one per open file).
    """
    async def published() -> list[types.Diagnostic]:
        while uri not in client.diagnostics:
            await asyncio.sleep(0.05)
        return list(client.diagnostics[uri])
    try:
        return await asyncio.wait_for(published(), WAIT)
    except TimeoutError:
        pytest.fail(f"no diagnostics for {uri} within {WAIT:.0f} s; server messages: {client.messages}")


async def open_and_wait(client: LanguageClient, path: Path, language: str) -> list[types.Diagnostic]:
    uri = path.as_uri()
    client.diagnostics.pop(uri, None)
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=uri, language_id=language, version=1, text=path.read_text())))
    return await diagnostics_for(client, uri)


async def test_open_handler_gets_its_code_findings_with_ranges(client: LanguageClient, demo: Path) -> None:
    handler = demo / "src/orders/get_order.py"
    diagnostics = await open_and_wait(client, handler, "python")
    assert [(d.code, d.source) for d in diagnostics] == [("PERF101", "wa-lint")]
    (only,) = diagnostics
    line = handler.read_text().splitlines()[only.range.start.line]
    # The range covers the constructor call the finding is about, 0-based as LSP counts.
    assert line[only.range.start.character:only.range.end.character].startswith("boto3.resource(")
    assert only.severity == types.DiagnosticSeverity.Warning
    assert only.code_description and only.code_description.href.startswith("https://docs.aws.amazon.com/")


async def test_open_template_gets_template_findings(client: LanguageClient, demo: Path) -> None:
    diagnostics = await open_and_wait(client, demo / "template.yaml", "yaml")
    codes = sorted(d.code for d in diagnostics)
    assert codes == ["PERF001", "PERF201"]
    perf001 = next(d for d in diagnostics if d.code == "PERF001")
    assert (demo / "template.yaml").read_text().splitlines()[perf001.range.start.line].startswith("  GetOrderFunction:")


async def test_hover_shows_the_rules_documentation(client: LanguageClient, demo: Path) -> None:
    handler = demo / "src/orders/get_order.py"
    line = next(i for i, text in enumerate(handler.read_text().splitlines()) if "boto3.resource(" in text)
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(handler.as_uri()), position=types.Position(line, 20)))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "PERF101 sdk-client-in-handler" in hover.contents.value and "## Why is this bad?" in hover.contents.value
    nothing = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(handler.as_uri()), position=types.Position(0, 0)))
    assert nothing is None


async def test_code_action_suppresses_the_finding_on_its_line(client: LanguageClient, demo: Path) -> None:
    handler = demo / "src/orders/get_order.py"
    uri = handler.as_uri()
    line = next(i for i, text in enumerate(handler.read_text().splitlines()) if "boto3.resource(" in text)
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri),
        range=types.Range(types.Position(line, 0), types.Position(line, 0)),
        context=types.CodeActionContext(diagnostics=[])))
    titles = [action.title for action in actions or [] if isinstance(action, types.CodeAction)]
    assert "Suppress PERF101 on this line" in titles
    action = next(a for a in actions if isinstance(a, types.CodeAction) and a.title.startswith("Suppress"))
    (edit,) = action.edit.changes[uri]
    # Alone on the line above, indented like the reported line (which ends in a comment already).
    assert edit.new_text == "    # wa-lint: ignore[PERF101] reason\n"
    assert edit.range.start == edit.range.end == types.Position(line, 0)


async def test_saving_a_fixed_file_clears_its_diagnostic(client: LanguageClient, demo: Path) -> None:
    handler = demo / "src/orders/get_order.py"
    uri = handler.as_uri()
    # Opened here too: run alone, no earlier test has opened it, and a file nobody opened gets nothing.
    assert any(d.code == "PERF101" for d in await open_and_wait(client, handler, "python"))
    text = handler.read_text()
    line = next(i for i, t in enumerate(text.splitlines()) if "boto3.resource(" in t)
    fixed = text.splitlines()
    fixed[line] += "  # wa-lint: ignore[PERF101] measured: one call per cold start"
    handler.write_text("\n".join(fixed) + "\n")
    client.diagnostics.pop(uri, None)
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri)))
    assert await diagnostics_for(client, uri) == []


@pytest.fixture(scope="module")
def tuned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An app whose Power Tuning results disagree with its MemorySize: PERF001 findings carry fixes."""
    root = tmp_path_factory.mktemp("tuned") / "app"
    shutil.copytree(FIXTURES / "PERF001-power-tuning/bad", root)
    (root / ".git").mkdir()
    config = root / "wa-lint.toml"
    config.write_text(f"select = {list(PINNED_RULES)!r}\n" + config.read_text())  # top-level keys before tables
    return root


async def test_code_action_applies_the_findings_own_fix(client: LanguageClient, tuned: Path) -> None:
    template = tuned / "template.yaml"
    uri = template.as_uri()
    diagnostics = await open_and_wait(client, template, "yaml")
    lines = template.read_text().splitlines()
    fixed_any = False
    for diagnostic in diagnostics:
        actions = await client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri), range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic])))
        fixes = [a for a in actions or [] if isinstance(a, types.CodeAction) and not a.title.startswith("Suppress")]
        for action in fixes:
            (edit,) = action.edit.changes[uri]
            old = lines[edit.range.start.line][edit.range.start.character:edit.range.end.character]
            if edit.range.start == edit.range.end:
                # No MemorySize of its own: one is inserted.
                assert "MemorySize: " in edit.new_text, edit.new_text
            else:
                # Only the value's characters change, to the measured optimum.
                assert old.isdigit() and edit.new_text.isdigit() and old != edit.new_text, (old, edit.new_text)
                assert edit.new_text in diagnostic.message
            fixed_any = True
    assert fixed_any, "the tuned app's PERF001 findings offer their MemorySize fix"


async def test_no_fix_action_once_the_buffer_differs_from_what_was_linted(client: LanguageClient, tuned: Path) -> None:
    template = tuned / "template.yaml"
    uri = template.as_uri()
    diagnostics = client.diagnostics.get(uri) or await open_and_wait(client, template, "yaml")
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text="# edited\n" + template.read_text())]))
    for diagnostic in diagnostics:
        actions = await client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri), range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic])))
        assert all(a.title.startswith("Suppress") for a in actions or [] if isinstance(a, types.CodeAction))
