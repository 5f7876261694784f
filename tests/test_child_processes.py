"""The run's own child processes: forked, with pickled messages over a socket pair or a pipe.

The workers, the checks' shares and the template writer are tested through their users (test_workers,
test_check_processes, test_templates_written_behind, test_signals); these pin what those rely on: whole
messages of any size both ways, the end of the file when a child dies, exit codes as multiprocessing
gives them, and a child that leaves nothing in the parent's output.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from wa_lint import child_processes
from wa_lint.child_processes import pipe, start, wait

forking = pytest.mark.skipif(not child_processes.can_fork(), reason="children are spawned by multiprocessing here")

# Larger than a socket's or a pipe's buffer: neither end can write it in one go.
LARGE = bytes(range(256)) * 20_000


def _echo(end, parent: int) -> None:
    child_processes.quiet_signals(parent)
    while (message := end.recv()) != "stop":
        end.send(("echo", message))


def _send_and_leave(end, message: object) -> None:
    end.send(message)


def _leave_silently(end) -> None:
    pass


@forking
def test_messages_of_any_size_go_both_ways_whole() -> None:
    mine, theirs = pipe()
    child = start(_echo, (theirs, os.getpid()))
    theirs.close()
    for message in (None, 1, "x" * 70_000, LARGE, {"nested": [LARGE, (1, 2)]}):
        mine.send(message)
        assert mine.recv() == ("echo", message)
    mine.send("stop")
    child.join(timeout=10)
    assert child.exitcode == 0


@forking
def test_a_one_way_pipe_carries_a_message_larger_than_it_holds() -> None:
    reader, writer = pipe(duplex=False)
    child = start(_send_and_leave, (writer, [LARGE, LARGE]))
    writer.close()
    assert reader.poll(10)
    assert reader.recv() == [LARGE, LARGE]
    child.join(timeout=10)
    assert child.exitcode == 0


@forking
def test_a_child_that_leaves_without_answering_is_the_end_of_the_file() -> None:
    reader, writer = pipe(duplex=False)
    child = start(_leave_silently, (writer,))
    writer.close()
    assert wait([reader], 10) == [reader], "the end of the file is something to read"
    with pytest.raises(EOFError):
        reader.recv()
    child.join()
    assert not child.is_alive() and child.exitcode == 0


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def _fail() -> None:
    raise RuntimeError("a bug in the child")


@forking
def test_exit_codes_are_multiprocessing_s() -> None:
    failing = start(_fail, ())
    failing.join(timeout=10)
    assert failing.exitcode == 1
    sleeping = start(_sleep, (60,))
    began = time.monotonic()
    sleeping.join(timeout=0.2)
    assert 0.15 < time.monotonic() - began < 5, "join waits as long as it is asked, not longer"
    assert sleeping.is_alive() and sleeping.exitcode is None
    sleeping.kill()
    sleeping.join(timeout=10)
    assert sleeping.exitcode == -signal.SIGKILL
    sleeping.kill()  # reaped already: nothing to signal, and no error


@forking
def test_wait_names_only_the_ends_with_something_to_read() -> None:
    quiet_reader, quiet_writer = pipe(duplex=False)
    busy_reader, busy_writer = pipe(duplex=False)
    busy = start(_send_and_leave, (busy_writer, "done"))
    busy_writer.close()
    assert wait([quiet_reader, busy_reader], 10) == [busy_reader]
    assert busy_reader.recv() == "done"
    began = time.monotonic()
    assert wait([quiet_reader], 0.1) == []
    assert time.monotonic() - began >= 0.1
    busy.join()
    quiet_writer.close()


# A parent with output it has not flushed, and a child that fails: what reaches the parent's streams.
PARENT = """\
import sys
from wa_lint.child_processes import start

def fail():
    raise RuntimeError("a bug in the child")

sys.stdout.write("once")
child = start(fail, ())
child.join(timeout=10)
sys.stdout.write(f" exit {child.exitcode}")
"""


@forking
def test_a_child_adds_nothing_to_the_parent_s_output() -> None:
    done = subprocess.run([sys.executable, "-c", PARENT], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert (done.stdout, done.stderr) == ("once exit 1", ""), "no traceback, and the unflushed text written once"


def test_without_fork_the_workers_are_spawned_by_multiprocessing(monkeypatch) -> None:
    # (Windows has no fork: the same pool, over multiprocessing's pipes and processes.)
    from pathlib import Path

    from wa_lint.analyse.python.workers import AnalysisPool, Task

    monkeypatch.setattr(child_processes, "can_fork", lambda: False)
    tasks = [Task(Path("a.py"), b"def handler(event, context):\n    return 1\n"), Task(Path("b.py"), b"def (:\n")]
    with AnalysisPool(jobs=1) as pool:
        outcomes = pool.analyse(tasks)
        assert [type(worker.process).__module__ for worker in pool.workers.values()] == ["multiprocessing.context"]
    assert [outcome.kind for outcome in outcomes] == ["ok", "parse"]
    assert list(outcomes[0].facts.functions) == ["handler"]
