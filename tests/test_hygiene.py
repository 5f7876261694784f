"""The source is ruff-clean (the rule set configured in pyproject.toml) and mypy --strict-clean, and the tests
and the benchmark are ruff-clean too: checked on every run of the suite, so CI enforces all three."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=REPO, capture_output=True, text=True, check=False,
                          timeout=600)


def test_ruff_finds_nothing_in_src() -> None:
    done = _run("ruff", "check", "--no-cache", "src")
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_finds_nothing_in_the_tests_and_the_benchmark() -> None:
    done = _run("ruff", "check", "--no-cache", "tests", "bench")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_strict_finds_nothing_in_src() -> None:
    done = _run("mypy", "src")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "strict = true" in (REPO / "pyproject.toml").read_text()
