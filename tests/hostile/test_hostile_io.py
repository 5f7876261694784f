"""Hostile input at the edges of a run: names every output format must carry, the streams and files a
report goes to, baselines and configuration from the repository. Each case: the expected exit code and
message, never a traceback, never a hang, never a special file replaced."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hostile_corpus import CORPUS

FORMATS = ("text", "json", "sarif", "github", "gitlab", "junit")
FORGED = "nl\n::error::forged.py"


def _wa_lint(cwd: Path, *args: str, **options) -> subprocess.CompletedProcess[str]:
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **options}
    return subprocess.run([sys.executable, "-m", "wa_lint", *args], cwd=cwd, text=True, timeout=60, check=False,
                          **streams)


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """The corpus' good app, a template whose logical ID is a lone surrogate, and a file named to forge
    a CI annotation."""
    root = tmp_path / "project"
    shutil.copytree(CORPUS / "good", root)
    (root / ".git").mkdir()
    shutil.copy(CORPUS / "templates/lone-surrogate.json", root / "lone-surrogate.json")
    (root / FORGED).write_text("import boto3\n\n\ndef handler(event, context):\n    return boto3.client('s3')\n")
    return root


@pytest.mark.parametrize("output_format", FORMATS)
def test_every_format_carries_hostile_names(project: Path, output_format: str) -> None:
    done = _wa_lint(project, ".", "--isolated", "--output-format", output_format)
    assert (done.returncode, done.stderr) == (1, ""), done.stderr
    assert "Fn" in done.stdout and "sets no MemorySize" in done.stdout
    lines = [line.lstrip() for line in done.stdout.splitlines()]
    assert not [line for line in lines if line.startswith("::error::forged")]
    if output_format != "github":  # the github format's own lines are workflow commands; no other may be
        assert not [line for line in lines if line.startswith("::")]
    if output_format in ("json", "sarif", "gitlab"):
        json.loads(done.stdout)
    if output_format == "junit":
        ET.fromstring(done.stdout.encode())


def test_a_closed_or_full_standard_output_is_an_error_with_a_message(project: Path) -> None:
    closed = subprocess.run(f"{sys.executable} -m wa_lint . --isolated >&-", shell=True, cwd=project,
                            capture_output=True, text=True, timeout=60, check=False)
    assert closed.returncode == 2 and "standard output is closed" in closed.stderr, closed.stderr
    if os.path.exists("/dev/full"):
        with open("/dev/full", "w") as full:
            done = _wa_lint(project, ".", "--isolated", stdout=full, stderr=subprocess.PIPE)
        assert done.returncode == 2 and "No space left on device" in done.stderr, done.stderr
    for done in (closed,):
        assert "Traceback" not in done.stderr


def test_reports_go_through_fifos_and_symlinks_and_replace_neither(project: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    done = _wa_lint(project, ".", "--isolated", "--output-format", "json", "-o", str(fifo))
    reader.join(timeout=30)
    assert done.returncode == 1 and done.stderr == "", done.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO is still a FIFO"
    assert json.loads(received[0])["findings"]

    target, link = tmp_path / "real-baseline.json", tmp_path / "baseline.json"
    link.symlink_to(target)
    done = _wa_lint(project, ".", "--isolated", "--write-baseline", str(link))
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and json.loads(target.read_text())["findings"], "the link is followed, and kept"


def test_a_new_report_gets_the_umask_mode_and_an_existing_one_keeps_its_own(project: Path, tmp_path: Path) -> None:
    new, existing = tmp_path / "new.json", tmp_path / "existing.json"
    existing.write_text("{}")
    existing.chmod(0o604)
    previous = os.umask(0o027)
    try:
        for report in (new, existing):
            done = _wa_lint(project, ".", "--isolated", "--output-format", "json", "-o", str(report))
            assert done.returncode == 1, done.stderr
    finally:
        os.umask(previous)
    assert stat.S_IMODE(os.stat(new).st_mode) == 0o640, "0666 less the umask 027, as a shell redirect gives"
    assert stat.S_IMODE(os.stat(existing).st_mode) == 0o604
    assert json.loads(new.read_text())["findings"]


@pytest.mark.parametrize("kind", ["deep", "fifo", "dev-zero"])
def test_a_hostile_baseline_is_an_error_not_a_crash_or_a_hang(project: Path, tmp_path: Path, kind: str) -> None:
    baseline = tmp_path / "baseline.json"
    if kind == "deep":
        baseline.write_text("[" * 100_000 + "]" * 100_000)
    elif kind == "fifo":
        os.mkfifo(baseline)
    else:
        baseline.symlink_to("/dev/zero")
    done = _wa_lint(project, ".", "--isolated", "--baseline", str(baseline))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "baseline" in done.stderr, done.stderr


def test_configuration_errors_are_escaped(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.wa-lint]\n"bad\\u001b[31m\\n::warning::forged" = 1\n')
    done = _wa_lint(project, ".")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "\x1b" not in done.stderr and len(done.stderr.splitlines()) == 1, done.stderr
    (project / "pyproject.toml").write_text('[tool.wa-lint]\npower-tuning = ["a\\u0000b"]\n')
    done = _wa_lint(project, ".")
    assert done.returncode == 2 and "\x00" not in done.stderr and "a\\x00b" in done.stderr, done.stderr


def test_a_repository_config_cannot_walk_outside_the_project(project: Path) -> None:
    (project / "tuning").symlink_to("/")
    (project / "pyproject.toml").write_text('[tool.wa-lint]\npower-tuning = ["tuning"]\n')
    done = _wa_lint(project, ".", "--output-format", "json")
    assert done.returncode == 1 and done.stderr == "", done.stderr
    report = json.loads(done.stdout)
    assert any(e["path"] == "tuning" and "outside the project root" in e["message"] for e in report["errors"])
    assert any(f["code"] == "PERF001" and f["path"] == "template.yaml" for f in report["findings"])
