"""Code analysis in worker processes: a crash or a hang costs one file, never the run."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from wa_lint.analyse.python import workers
from wa_lint.analyse.python.workers import Outcome, analyse_all

GOOD = b"def handler(event, context):\n    return 1\n"


def test_outcomes_keep_task_order_across_workers() -> None:
    tasks = [(Path(f"m{i}.py"), f"def f{i}(event, context):\n    return {i}\n".encode()) for i in range(7)]
    outcomes = analyse_all(tasks, jobs=3)
    assert [list(o.facts.functions) for o in outcomes] == [[f"f{i}"] for i in range(7)]
    assert [o.facts.path for o in outcomes] == [path for path, _ in tasks]


def test_a_parser_that_dies_in_native_code_is_one_parse_error(monkeypatch) -> None:
    # The interpreter's parser refuses what killed libcst (HAZARDS.md); isolation still holds if a parser
    # dies in native code: here a real segmentation fault, raised from inside the parse.
    from wa_lint.analyse.python import facts

    real = facts.parse

    def segfaulting(text: str):
        if "deep" in text:
            import ctypes
            ctypes.string_at(0)  # reads address 0: SIGSEGV
        return real(text)

    monkeypatch.setattr(facts, "parse", segfaulting)
    deep = b"def handler(event, context):\n    return deep\n"
    outcomes = analyse_all([(Path("a.py"), GOOD), (Path("deep.py"), deep), (Path("b.py"), GOOD)], jobs=2)
    assert [o.kind for o in outcomes] == ["ok", "parse", "ok"]
    assert "crashed" in outcomes[1].message


@pytest.fixture
def misbehaving(monkeypatch) -> None:
    """Workers die on a file named crash.py and hang on one named hang.py."""
    real = workers.analyse_bytes

    def analyse(path: Path, raw: bytes, offsets=(0, 0)) -> Outcome:
        if path.name == "crash.py":
            os.kill(os.getpid(), signal.SIGKILL)
        if path.name == "hang.py":
            time.sleep(60)
        return real(path, raw, offsets)

    monkeypatch.setattr(workers, "analyse_bytes", analyse)


@pytest.mark.usefixtures("misbehaving")
def test_a_worker_killed_mid_file_and_a_hang_are_reported_and_others_finish() -> None:
    tasks = [(Path(name), GOOD) for name in ("a.py", "crash.py", "b.py", "hang.py", "c.py")]
    started = time.monotonic()
    outcomes = analyse_all(tasks, jobs=2, timeout=1.0)
    assert time.monotonic() - started < 10
    assert [o.kind for o in outcomes] == ["ok", "parse", "ok", "parse", "ok"]
    assert "crashed" in outcomes[1].message and "longer than 1 s" in outcomes[3].message


@pytest.mark.usefixtures("misbehaving")
def test_files_queued_behind_a_crash_or_a_hang_are_analysed_by_the_next_worker() -> None:
    # One worker, so the file after each culprit is always queued in the same worker behind it.
    tasks = [(Path(name), GOOD) for name in ("crash.py", "a.py", "hang.py", "b.py")]
    outcomes = analyse_all(tasks, jobs=1, timeout=1.0)
    assert [o.kind for o in outcomes] == ["parse", "ok", "parse", "ok"]
    assert [o.facts.path.name for o in outcomes if o.kind == "ok"] == ["a.py", "b.py"]


def test_a_bug_in_the_analysis_is_an_internal_outcome(monkeypatch) -> None:
    from wa_lint.analyse.python import facts

    def broken(*args, **kwargs):
        raise ValueError("boom")

    monkeypatch.setattr(facts, "module_facts", broken)
    (outcome,) = analyse_all([(Path("a.py"), GOOD)], jobs=1)
    assert (outcome.kind, outcome.message) == ("internal", "ValueError: boom")


@pytest.mark.parametrize("jobs", [1, 4])
def test_progress_is_reported_per_file(jobs: int) -> None:
    seen = []
    analyse_all([(Path(f"{i}.py"), GOOD) for i in range(5)], jobs=jobs, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(i, 5) for i in range(1, 6)]
