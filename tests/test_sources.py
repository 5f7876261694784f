"""The source store: every file read once, one text and one line index for every stage that needs it."""

from __future__ import annotations

import os
import pathlib
from pathlib import Path

import pytest
from conftest import SAM_FUNCTION

from wa_lint.config import Config
from wa_lint.load.sources import Limits, LineIndex, Skip, Source, SourceStore
from wa_lint.pipeline import run

LIMITS = Limits(template_bytes=1000, python_bytes=1000, python_lines=5)


def test_line_index_breaks_lines_where_the_parsers_do() -> None:
    # A form feed or U+2028 is not a line break for Python or YAML (str.splitlines would break there).
    index = LineIndex("a = 1\r\nb = '\x0c\u2028'\rc = 3\nlast")
    assert len(index) == 4
    assert [index.line(n) for n in range(1, 5)] == ["a = 1", "b = '\x0c\u2028'", "c = 3", "last"]
    assert index.position(0) == (1, 1)
    assert index.position(index.offset(3, 2)) == (3, 2)
    assert index.text[index.offset(4, 1):] == "last"
    assert index.line(0) == index.line(5) == ""
    assert len(LineIndex("")) == 0 and len(LineIndex("one\n")) == 1


def test_each_file_is_read_once_and_keeps_the_bytes_first_read(tmp_path: Path) -> None:
    path = tmp_path / "app.py"
    path.write_bytes(b"# -*- coding: latin-1 -*-\nname = '\xe9'\n")
    store = SourceStore(tmp_path, [tmp_path], LIMITS)
    first = store.read_python(path)
    path.write_text("changed = True\n")
    assert isinstance(first, Source) and store.read_python(path) is first
    # The text is decoded as Python decodes it (PEP 263), not as UTF-8 with replacement characters.
    assert first.text.splitlines()[1] == "name = 'é'" and store.text(path) == first.text


def test_the_read_policy_says_why_a_file_is_not_read(tmp_path: Path) -> None:
    inside, outside = tmp_path / "project", tmp_path / "elsewhere"
    inside.mkdir()
    outside.mkdir()
    (outside / "secret.py").write_text("x = 1\n")
    (inside / "link.py").symlink_to(outside / "secret.py")
    (inside / "long.py").write_text("x = 1\n" * 10)
    (inside / "big.yaml").write_text("a: 1\n" * 300)
    store = SourceStore(inside, [inside], LIMITS)
    notes = {name: store.read_python(inside / name) if name.endswith(".py") else store.read_template(inside / name)
             for name in ("link.py", "long.py", "big.yaml", "missing.py")}
    assert all(isinstance(note, Skip) for note in notes.values())
    messages = {name: note.diagnostic.message for name, note in notes.items()}
    assert "outside the project root" in messages["link.py"]
    assert "11 lines is over the 5-line limit" in messages["long.py"]
    assert "1,500 bytes is over the 1,000-byte limit" in messages["big.yaml"]
    assert messages["missing.py"].startswith("skipped: cannot read")
    assert isinstance(SourceStore(inside, [inside], LIMITS, allow_outside_root=True).read_python(inside / "link.py"), Source)


def test_a_folder_linked_out_of_the_project_is_outside_however_deep_the_file(tmp_path: Path) -> None:
    # Folders are judged from their parent's answer (one lstat each): a symlinked folder must still be
    # resolved, and so must everything below it.
    inside, outside = tmp_path / "project", tmp_path / "elsewhere"
    (inside / "src" / "app").mkdir(parents=True)
    (outside / "sub" / "deeper").mkdir(parents=True)
    for folder in (outside / "sub", outside / "sub" / "deeper", inside / "src" / "app"):
        (folder / "m.py").write_text("x = 1\n")
    (inside / "src" / "linked").symlink_to(outside)
    store = SourceStore(inside, [inside], LIMITS)
    assert isinstance(store.read_python(inside / "src" / "app" / "m.py"), Source)
    for path in (inside / "src" / "linked" / "sub" / "m.py", inside / "src" / "linked" / "sub" / "deeper" / "m.py"):
        skip = store.read_python(path)
        assert isinstance(skip, Skip) and "outside the project root" in skip.diagnostic.message, path


def test_a_run_reads_each_file_once_for_loading_analysis_suppressions_and_fingerprints(tmp_path: Path,
                                                                                       monkeypatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "template.yaml").write_text(SAM_FUNCTION.format(code_uri=".", handler="app.handler"))
    (tmp_path / "app.py").write_text("import boto3\n\ndef handler(event, context):\n"
                                     "    return boto3.client('s3')  # noqa: SEC101\n")
    opened: list[str] = []
    real_open, real_os_open = pathlib.Path.open, os.open

    def counting_open(self, *args, **kwargs):
        opened.append(self.name)
        return real_open(self, *args, **kwargs)

    def counting_os_open(path, *args, **kwargs):
        opened.append(os.path.basename(os.fspath(path)))
        return real_os_open(path, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", counting_open)
    monkeypatch.setattr(os, "open", counting_os_open)
    result = run([tmp_path], Config(extend_select=("WA003",)), use_cache=False)
    from wa_lint.report.fingerprints import fingerprints

    assert [f.code for f in result.findings] == ["PERF101", "WA003"]
    assert len(fingerprints(result.findings, result.project)) == 2
    assert opened.count("app.py") == 1 and opened.count("template.yaml") == 1


def test_fingerprints_hash_the_line_the_parser_reported(tmp_path: Path) -> None:
    """A form feed on an earlier line must not shift the snippet to a different line."""
    from wa_lint.report.fingerprints import Fingerprinter

    (tmp_path / ".git").mkdir()
    (tmp_path / "template.yaml").write_text(SAM_FUNCTION.format(code_uri=".", handler="app.handler"))
    (tmp_path / "app.py").write_text("import boto3\nnote = '\x0c'\n\ndef handler(event, context):\n"
                                     "    return boto3.client('s3')\n")
    result = run([tmp_path], Config(select=("PERF101",)), use_cache=False)
    (finding,) = result.findings
    lines = Fingerprinter(result.project).lines(finding.span.path)
    assert lines.line(finding.span.line).strip() == "return boto3.client('s3')"


@pytest.mark.parametrize("raw", [b"\xef\xbb\xbfResources: {}\n", b"Resources: {}\n"])
def test_template_text_drops_a_byte_order_mark(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "template.yaml"
    path.write_bytes(raw)
    source = SourceStore(tmp_path, [tmp_path], LIMITS).read_template(path)
    assert isinstance(source, Source) and source.text == "Resources: {}\n"


@pytest.mark.parametrize("cookie", [b"undefined", b"rot13", b"no-such-codec"])
def test_python_text_survives_a_cookie_naming_no_text_encoding(tmp_path: Path, cookie: bytes) -> None:
    path = tmp_path / "app.py"
    path.write_bytes(b"# -*- coding: " + cookie + b" -*-\nx = 1\n")
    source = SourceStore(tmp_path, [tmp_path], LIMITS).read_python(path)
    assert isinstance(source, Source) and source.lines.line(2) == "x = 1"
