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
    # Enough files for three workers (workers_for): one per FILES_PER_WORKER files.
    tasks = [(Path(f"m{i}.py"), f"def f{i}(event, context):\n    return {i}\n".encode()) for i in range(70)]
    outcomes = analyse_all(tasks, jobs=3)
    assert [list(o.facts.functions) for o in outcomes] == [[f"f{i}"] for i in range(70)]
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


def test_workers_are_sized_to_the_pending_work_and_the_jobs() -> None:
    per = workers.FILES_PER_WORKER
    assert [workers.workers_for(n, 4) for n in (0, 1, per, per + 1, 2 * per + 1, 100 * per)] == [0, 1, 1, 2, 3, 4]
    assert workers.workers_for(100 * per, 2) == 2 and workers.workers_for(5, 1) == 1 and workers.workers_for(5, 0) == 1


def test_the_pool_adds_workers_as_pending_work_grows() -> None:
    with workers.AnalysisPool(4) as pool:
        pool.reserve(3)
        assert len(pool.workers) == 1, "a handful of files: one worker"
        pool.reserve(workers.FILES_PER_WORKER + 1)
        assert len(pool.workers) == 2
        pool.reserve(1)
        assert len(pool.workers) == 2, "workers once started are kept for the run"
        tasks = [workers.Task(Path(f"{i}.py"), GOOD, (0, 0)) for i in range(3)]
        assert all(outcome.kind == "ok" for outcome in pool.analyse(tasks))


@pytest.mark.parametrize(("jobs", "expected"), [(None, 2), (1, 1)])
def test_a_run_asks_for_a_worker_per_cpu_unless_jobs_are_given(tmp_path: Path, monkeypatch, jobs, expected) -> None:
    from wa_lint.config import Config
    from wa_lint.pipeline import run

    for index in range(workers.FILES_PER_WORKER + 8):
        (tmp_path / f"fn_{index}.py").write_text(f"def lambda_handler(event, context):\n    return {index}\n")
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    started = []
    real_start = workers.AnalysisPool._start

    def counting(self):
        started.append(self)
        return real_start(self)

    monkeypatch.setattr(workers.AnalysisPool, "_start", counting)
    result = run([tmp_path], Config(), use_cache=False, jobs=jobs)
    assert len(result.project.modules) == workers.FILES_PER_WORKER + 8
    assert len(started) == expected


RICH = '''\
import os
import boto3
from functools import lru_cache
table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
CACHE = {}
@lru_cache(maxsize=2)
def handler(event, context):
    client = boto3.client("s3", region_name="eu-west-1")
    CACHE[event["id"]] = client.get_object(Bucket=event["b"], Key="k")
    return {"batchItemFailures": table.get_item(Key={"userId": event["sub"]})}
'''


def test_a_worker_with_the_collector_off_gives_the_facts_analysed_in_process_and_caches_them(tmp_path: Path) -> None:
    from wa_lint.analyse.cache import FactsCache, analysis_fingerprint
    from wa_lint.analyse.python.workers import AnalysisPool, Task

    # A table name with a lone surrogate (a string literal's escape) is not strict UTF-8.
    lone = b'import boto3\nT = boto3.resource("dynamodb").Table("\\ud800")\ndef h(e, c):\n    return T.scan()\n'
    sources = [(Path("rich.py"), RICH.encode()), (Path("lone.py"), lone), (Path("bad.py"), b"def (:\n")]
    expected = [workers.analyse_bytes(path, raw) for path, raw in sources]
    assert expected[1].facts is not None and expected[1].facts.dynamodb.reads[0].table.value == "\ud800"
    cache = FactsCache(tmp_path, analysis_fingerprint())
    with AnalysisPool(1, cache=cache) as pool:
        got = pool.analyse([Task(path, raw, (0, 0), path) for path, raw in sources])
    assert got == expected
    assert got[0].facts is not None and got[0].facts.dynamodb.reads, "the facts are not trivial"
    for (path, raw), outcome in zip(sources, expected):
        assert cache.get(path, raw) == outcome


def test_a_files_analysis_leaves_no_cyclic_garbage_for_the_collector_workers_keep_off() -> None:
    import gc

    outcome = workers.analyse_bytes(Path("rich.py"), RICH.encode())
    assert outcome.facts is not None and outcome.facts.bodies["handler"].calls
    gc.collect()
    gc.disable()
    try:
        for _ in range(3):
            workers.analyse_bytes(Path("rich.py"), RICH.encode())
        assert gc.collect() == 0, "the analysis made cyclic garbage: workers would keep it until they collect"
    finally:
        gc.enable()


def test_a_worker_collects_the_cyclic_garbage_files_leave_once_enough_has_built_up(monkeypatch) -> None:
    import gc

    def littering(path: Path, raw: bytes, offsets=(0, 0)) -> Outcome:
        for _ in range(1000):
            loop: list[object] = []
            loop.append(loop)
        return Outcome(kind="parse", message=f"{gc.isenabled()} {gc.get_count()[0]}")

    monkeypatch.setattr(workers, "analyse_bytes", littering)
    monkeypatch.setattr(workers, "GARBAGE_LIMIT", 3000)
    outcomes = analyse_all([(Path(f"m{i}.py"), GOOD) for i in range(12)], jobs=1)
    states = [outcome.message.split() for outcome in outcomes]
    assert {enabled for enabled, _ in states} == {"False"}
    assert max(int(count) for _, count in states) < 3000 + 1100
