"""A plain run (no `--aws`) opens no socket, resolves no name and imports no AWS SDK: an audit hook in
the child records any attempt."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES, REPO

HOOK = """\
import sys

def _no_network(event, args):
    # The analysis workers talk to the parent over a local socket pair (AF_UNIX): not a network.
    if event == "socket.__new__" and args[1] == 1:
        return
    if event.split(".")[0] == "socket":
        with open({log!r}, "a") as log:
            log.write(f"{{event}} {{args!r}}\\n")
        raise RuntimeError(f"network use during a plain run: {{event}}")
    if event == "import" and args[0].split(".")[0] in ("boto3", "botocore"):
        with open({log!r}, "a") as log:
            log.write(f"import {{args[0]}}\\n")

sys.addaudithook(_no_network)
"""


def _run_with_hook(tmp_path: Path, *command: str) -> tuple[subprocess.CompletedProcess[str], str]:
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    log = tmp_path / "network.log"
    (site / "sitecustomize.py").write_text(HOOK.format(log=str(log)))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(REPO / "src")])}
    done = subprocess.run([sys.executable, *command], capture_output=True, text=True, env=env, timeout=120,
                          check=False)
    return done, log.read_text() if log.exists() else ""


def test_the_hook_sees_socket_use(tmp_path: Path) -> None:
    _, log = _run_with_hook(tmp_path, "-c", "import socket; socket.getaddrinfo('localhost', 80)")
    assert "socket.getaddrinfo" in log


def test_the_hook_sees_an_internet_socket_but_not_a_local_pair(tmp_path: Path) -> None:
    _, log = _run_with_hook(tmp_path, "-c", "import socket; socket.socketpair(); socket.socket()")
    assert log.count("socket.__new__") == 1 and ", 2, 1, 0)" in log  # AF_INET, SOCK_STREAM


def test_the_hook_sees_an_sdk_import(tmp_path: Path) -> None:
    _, log = _run_with_hook(tmp_path, "-c", "import botocore")
    assert "import botocore" in log


def test_a_plain_run_opens_no_socket(tmp_path: Path) -> None:
    for args in (["--output-format", "json"], ["--show-model"], ["--select", "ALL"]):
        done, log = _run_with_hook(tmp_path, "-m", "wa_lint", str(FIXTURES / "demo"), "--isolated", *args)
        assert log == "", log
        assert done.returncode in (0, 1), done.stderr
        assert "Traceback" not in done.stderr
