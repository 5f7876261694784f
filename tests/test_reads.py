"""wa-lint reads only inside the project root and the paths given, and only regular files."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from conftest import SAM_FUNCTION

from wa_lint.config import Config, load_config
from wa_lint.pipeline import run

HANDLER = "def handler(event, context):\n    return None\n"


def project(tmp_path: Path, code_uri: str) -> tuple[Path, Path]:
    root, outside = tmp_path / "project", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "app.py").write_text(HANDLER)
    (root / "template.yaml").write_text(SAM_FUNCTION.format(code_uri=code_uri, handler="app.handler"))
    return root, outside


def read_files(result) -> set[str]:
    return {path.name for path in result.project.modules}


@pytest.mark.parametrize("code_uri", ["../outside/", "{outside}"], ids=["relative", "absolute"])
def test_code_uri_outside_the_root_is_not_followed(tmp_path: Path, code_uri: str) -> None:
    root, _ = project(tmp_path, code_uri.format(outside=tmp_path / "outside"))
    result = run([root], Config())
    assert read_files(result) == set()
    assert not [f for f in result.findings if f.code in ("WA001", "WA005")]
    notes = [d.message for d in result.diagnostics]
    assert any("Fn: its code folder" in n and "outside the project root" in n for n in notes), notes

    allowed = run([root], Config(allow_outside_root=True))
    assert read_files(allowed) == {"app.py"}


def test_allow_outside_root_is_a_config_key(tmp_path: Path) -> None:
    (tmp_path / "wa-lint.toml").write_text("allow-outside-root = true\n")
    assert load_config(tmp_path / "wa-lint.toml").allow_outside_root is True


def test_a_handler_symlinked_out_of_the_root_is_not_read(tmp_path: Path) -> None:
    root, outside = project(tmp_path, ".")
    (root / "app.py").symlink_to(outside / "app.py")
    result = run([root], Config())
    assert read_files(result) == set()
    assert any("outside the project root" in d.message for d in result.diagnostics)


def test_a_relative_import_climbing_out_of_the_root_is_not_read(tmp_path: Path) -> None:
    root, outside = project(tmp_path, ".")
    (outside / "secrets.py").write_text("def handler(event, context):\n    return None\n")
    (root / "app.py").write_text("from ... import secrets\nfrom .. import outside\n" + HANDLER)
    (root / "__init__.py").write_text("")
    result = run([root], Config())
    assert read_files(result) == {"app.py"}


def test_paths_given_explicitly_are_readable_even_outside_the_root(tmp_path: Path) -> None:
    root, outside = project(tmp_path, ".")
    (root / "app.py").write_text(HANDLER)
    (root / ".git").mkdir()
    handler = outside / "lambda_function.py"
    handler.write_text(HANDLER)
    result = run([root, handler], Config())
    assert {"app.py", "lambda_function.py"} <= read_files(result)


def test_fifo_socket_and_symlink_loop_named_like_code_are_harmless(tmp_path: Path) -> None:
    root, _ = project(tmp_path, ".")
    (root / "app.py").write_text(HANDLER)
    os.mkfifo(root / "fifo.py")
    os.mkfifo(root / "fifo.yaml")
    (root / "loop.py").symlink_to(root / "loop.py")
    (root / "a").symlink_to(root / "b")
    (root / "b").symlink_to(root / "a")
    (root / "loopdir").mkdir()
    (root / "loopdir" / "self").symlink_to(root / "loopdir")
    listener = socket.socket(socket.AF_UNIX)
    try:
        listener.bind(str(root / "sock.py"))
        # Named explicitly too: a FIFO opened for reading would block forever.
        result = run([root, root / "fifo.py", root / "sock.py", root / "loop.py", root / "a"], Config())
    finally:
        listener.close()
    assert read_files(result) == {"app.py"}
    assert result.stats.templates == 1


def test_files_vanishing_during_the_run_are_a_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from wa_lint.discover import stage as engine  # the discover stage's walk

    root, _ = project(tmp_path, ".")
    (root / "app.py").write_text(HANDLER)
    (root / "other.yaml").write_text((root / "template.yaml").read_text())
    (root / "lambda_function.py").write_text(HANDLER)
    real_discover = engine.discover

    def discover_then_delete(*args, **kwargs):
        found = real_discover(*args, **kwargs)
        for name in ("template.yaml", "app.py", "lambda_function.py"):
            (root / name).unlink()
        return found

    monkeypatch.setattr(engine, "discover", discover_then_delete)
    result = run([root], Config())
    assert result.stats.templates == 1  # other.yaml, still there
    vanished = {d.path.name for d in result.diagnostics if "No such file" in d.message}
    assert vanished == {"template.yaml", "app.py", "lambda_function.py"}


def test_size_and_line_limits_are_configurable(tmp_path: Path) -> None:
    (tmp_path / "wa-lint.toml").write_text("max-python-lines = 5\nmax-python-bytes = 100\nmax-template-bytes = 10\n")
    config = load_config(tmp_path / "wa-lint.toml")
    assert (config.max_python_lines, config.max_python_bytes, config.max_template_bytes) == (5, 100, 10)
    root, _ = project(tmp_path, ".")
    (root / "app.py").write_text(HANDLER + "\n" * 10)
    result = run([root], Config(max_python_lines=5))
    assert any("lines is over the 5-line limit" in d.message for d in result.diagnostics)
    result = run([root], Config(max_template_bytes=10))
    assert result.stats.templates == 0
    assert any("over the 10-byte limit" in d.message for d in result.diagnostics)
