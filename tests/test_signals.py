"""Interrupting a run: Ctrl-C, SIGTERM and kill -9 leave no worker behind, and print no traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process groups from /proc")

HANDLER = "import boto3\n\n\ndef handler(event, context):\n    client = boto3.client('s3')\n" + "".join(
    f"    value_{index} = client.get_object(Bucket='b', Key=str(event['k{index}']))\n" for index in range(150)
)


def _group(pgid: int) -> list[int]:
    """The live processes of a process group (zombies excluded: they are dead, only not yet reaped)."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry))
    return members


def _with_handlers(root: Path, count: int) -> Path:
    """`root` as a git work tree holding `count` handler modules that take a while to analyse."""
    (root / ".git").mkdir()
    for index in range(count):
        (root / f"h{index}.py").write_text(HANDLER)
    return root


@pytest.fixture(scope="module")
def slow_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _with_handlers(tmp_path_factory.mktemp("slow"), 600)


@pytest.fixture(scope="module")
def slow_to_load(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Templates that take seconds to load, and handlers the workers analyse meanwhile."""
    root = _with_handlers(tmp_path_factory.mktemp("loading"), 300)
    queues = "".join(f"  Queue{index}:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: q{index}\n"
                     for index in range(60))
    for index in range(1000):
        (root / f"stack{index}.yaml").write_text(f"AWSTemplateFormatVersion: '2010-09-09'\nResources:\n{queues}")
    return root


def _as_a_terminal_job() -> None:
    # A shell without job control (a CI step's `cmd &`, nohup) starts its jobs with SIGINT ignored, and
    # Python keeps an inherited SIG_IGN: wa-lint would then rightly ignore Ctrl-C. A terminal's foreground
    # job has SIGINT at its default, which is the case these tests are about, wherever pytest runs.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(root: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, "-m", "wa_lint", ".", "--isolated", "--no-cache", "-j", "2"],
                               cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               # The test process starts no threads before this: preexec_fn is safe here.
                               start_new_session=True, preexec_fn=_as_a_terminal_job)  # noqa: PLW1509
    deadline = time.monotonic() + 60
    while len(_group(process.pid)) < 3:  # the command and its two workers, analysing
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the workers never started"
        time.sleep(0.05)
    time.sleep(0.5)
    return process


def _no_process_left(pgid: int) -> None:
    deadline = time.monotonic() + 10
    while _group(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = _group(pgid)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f"{len(left)} process(es) outlived the run"


def _interrupt(root: Path) -> tuple[int, str]:
    process = _start(root)
    os.killpg(process.pid, signal.SIGINT)  # what a terminal does: the whole foreground group
    _, stderr = process.communicate(timeout=30)
    _no_process_left(process.pid)
    return process.returncode, stderr


def test_ctrl_c_ends_every_process_quietly(slow_project: Path) -> None:
    _, stderr = _interrupt(slow_project)
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr


# The command's own exit code on Ctrl-C is the CLI branch's work (click's "Aborted!" exits 1 until then).
def test_ctrl_c_exits_130(slow_project: Path) -> None:
    code, _ = _interrupt(slow_project)
    assert code == 130


def test_sigterm_ends_every_process_with_exit_143(slow_project: Path) -> None:
    process = _start(slow_project)
    process.send_signal(signal.SIGTERM)  # to the command only, as `kill` or a CI runner does
    _, stderr = process.communicate(timeout=30)
    _no_process_left(process.pid)
    assert "Traceback" not in stderr, stderr
    assert process.returncode == 143


def test_workers_die_with_a_killed_parent(slow_project: Path) -> None:
    process = _start(slow_project)
    process.kill()
    process.communicate(timeout=30)
    _no_process_left(process.pid)


def test_ctrl_c_while_the_templates_load_ends_the_workers_analysing_ahead(slow_to_load: Path) -> None:
    # The workers start before the templates load (analysis begun ahead): the interrupt reaches the
    # run in the load stage, with both workers busy.
    started = time.monotonic()
    code, stderr = _interrupt(slow_to_load)
    assert code == 130 and "Traceback" not in stderr, stderr
    assert time.monotonic() - started < 30
