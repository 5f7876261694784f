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


@pytest.fixture
def started(monkeypatch) -> list[object]:
    """The pools' worker starts, in order."""
    starts: list[object] = []
    real_start = workers.AnalysisPool._start

    def counting(self):
        starts.append(self)
        return real_start(self)

    monkeypatch.setattr(workers.AnalysisPool, "_start", counting)
    return starts


@pytest.mark.parametrize(("jobs", "expected"), [(None, 2), (1, 1)])
def test_a_run_asks_for_a_worker_per_cpu_unless_jobs_are_given(tmp_path: Path, monkeypatch, started, jobs,
                                                                 expected) -> None:
    from wa_lint.config import Config
    from wa_lint.pipeline import run

    for index in range(workers.FILES_PER_WORKER + 8):
        (tmp_path / f"fn_{index}.py").write_text(f"def lambda_handler(event, context):\n    return {index}\n")
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
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


@pytest.mark.usefixtures("misbehaving")
def test_files_submitted_ahead_are_analysed_while_the_parent_works_and_collected_in_any_order() -> None:
    # The pipeline submits handler-looking files before it loads the templates and collects them later,
    # with files submitted after them; a crash among the early ones still costs that file alone.
    early = [workers.Task(Path(name), GOOD) for name in ("a.py", "crash.py", "b.py")]
    seen = []
    with workers.AnalysisPool(2, progress=lambda d, t: seen.append((d, t))) as pool:
        first = pool.submit(early)
        answered: list[int] = []
        deadline = time.monotonic() + 10
        while len(answered) < len(early) and time.monotonic() < deadline:
            answered.extend(pool.pump())  # what the loader calls between templates: it never blocks
        assert sorted(answered) == list(first), "files are analysed ahead, without anyone collecting them"
        later = pool.submit([workers.Task(Path("c.py"), GOOD)])
        outcomes = pool.collect([later[0], first[2], first[0], first[1]])
    assert [(o.kind, o.facts.path.name if o.facts else o.message[:25]) for o in outcomes] == [
        ("ok", "c.py"), ("ok", "b.py"), ("ok", "a.py"), ("parse", "the Python parser crashed")]
    assert seen[0] == (3, 4) and seen[-1] == (4, 4), "progress counts the files collected, answered or not"


@pytest.mark.usefixtures("misbehaving")
def test_servicing_the_workers_between_other_work_never_waits_for_them() -> None:
    with workers.AnalysisPool(1) as pool:
        pool.submit([workers.Task(Path("hang.py"), GOOD)])
        started = time.monotonic()
        assert pool.pump() == [] and pool.pump() == []
        assert time.monotonic() - started < 0.5
        pool.close(kill=True)


def test_a_runs_handler_looking_files_are_sent_to_the_workers_before_its_templates_are_loaded(
        tmp_path: Path, monkeypatch) -> None:
    from wa_lint.config import Config
    from wa_lint.load import stage as load
    from wa_lint.pipeline import run

    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      Runtime: python3.12\n      CodeUri: src/\n      Handler: app.main\n")
    (tmp_path / "src").mkdir()
    # app.main is no handler-looking name: its file is analysed once the template says so.
    (tmp_path / "src" / "app.py").write_text("import boto3\nfrom helpers import save\n\ndef main(event, context):\n"
                                             "    return save(event)\n")
    (tmp_path / "src" / "helpers.py").write_text("import boto3\n\ndef save(item):\n"
                                                 "    return boto3.client('s3').put_object(Body=item)\n")
    (tmp_path / "src" / "worker.py").write_text("import boto3\n\ndef lambda_handler(event, context):\n"
                                                "    return boto3.client('sqs').send_message(**event)\n")
    (tmp_path / "src" / "other.py").write_text("def handler(event, context):\n    return event\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_app.py").write_text("def lambda_handler(event, context):\n    return 1\n")
    events: list[object] = []
    real_submit, real_load = workers.AnalysisPool.submit, load.load_stage

    def submit(self, tasks):
        events.append(sorted(task.path.name for task in tasks))
        return real_submit(self, tasks)

    def load_stage(*args, **kwargs):
        events.append("load")
        return real_load(*args, **kwargs)

    def pump(self, timeout=0.0):
        if events[-1] != "pump":
            events.append("pump")
        return real_pump(self, timeout)

    real_pump = workers.AnalysisPool.pump
    monkeypatch.setattr(workers.AnalysisPool, "submit", submit)
    monkeypatch.setattr(workers.AnalysisPool, "pump", pump)
    monkeypatch.setattr(load, "load_stage", load_stage)
    result = run([tmp_path], Config(select=("PERF101",)), use_cache=False, jobs=2)
    assert events[:3] == [["other.py", "worker.py"], "pump", "load"]
    assert events[3] == "pump", "the loader services the workers between templates"
    assert "app.py" in events[4] and "helpers.py" in events[-2]
    assert {path.name for path in result.project.modules} == {"app.py", "helpers.py", "worker.py", "other.py"}
    assert all(facts.path == path for path, facts in result.project.modules.items())
    assert sorted((f.span.path.name, f.code) for f in result.findings) == [("helpers.py", "PERF101"),
                                                                      ("worker.py", "PERF101")]


def test_files_whose_facts_are_cached_start_no_worker_and_give_the_same_findings(tmp_path: Path, started) -> None:
    from wa_lint.config import Config
    from wa_lint.pipeline import run

    for index in range(3):
        (tmp_path / f"fn_{index}.py").write_text(
            f"import boto3\n\ndef lambda_handler(event, context):\n    return boto3.client('s3').get_object({index})\n")
    first = run([tmp_path], Config(), use_memo=False)
    assert started, "the first run parses the files"
    started.clear()
    again = run([tmp_path], Config(), use_memo=False)
    assert not started, "every file's facts came from the cache"
    assert [f.sort_key() for f in again.findings] == [f.sort_key() for f in first.findings]
    assert {f.span.path.name for f in again.findings if f.code == "PERF101"} == {"fn_0.py", "fn_1.py", "fn_2.py"}


def test_analysis_begun_on_other_bytes_than_the_stage_reads_is_not_taken() -> None:
    from wa_lint.analyse.stage import CodeAnalysis

    analysis = CodeAnalysis()
    analysis._begun[Path("a.py")] = (GOOD, Outcome(kind="parse", message="old"))
    assert analysis.take(Path("a.py"), GOOD + b"# edited\n") is None
    analysis._begun[Path("a.py")] = (GOOD, 7)
    assert analysis.take(Path("a.py"), GOOD) == 7
    assert analysis.take(Path("a.py"), GOOD) is None, "taken once"


def test_files_larger_than_a_pipe_holds_never_leave_the_run_waiting(tmp_path: Path) -> None:
    # Within the default limits (1 MB, 10,000 lines): each file's facts pickle to about 1.9 MB. A file
    # queued behind another filled the worker's pipe while the worker sent its answer the other way,
    # and the run waited for ever.
    import subprocess
    import sys

    pad = "x" * 60
    body = "".join(f"def f{i}(event, context):\n    return boto3.client('s3').get_object("
                   f"Bucket=event['{pad}{i}'], Key='{pad}')\n\n" for i in range(3300))
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}_handler.py").write_text(f"import boto3\n\n\ndef lambda_handler(event, context):\n"
                                                    f"    return 1\n\n\n{body}")
    assert (tmp_path / "a_handler.py").stat().st_size > 700_000
    done = subprocess.run([sys.executable, "-m", "wa_lint", str(tmp_path), "--isolated", "--no-cache", "-j", "1"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 Python files" in done.stdout + done.stderr


def test_a_file_waits_behind_another_only_when_the_pipe_holds_it() -> None:
    with workers.AnalysisPool(1) as pool:
        small, large = GOOD, GOOD + b"#" * (1 << 20)
        pool.submit([workers.Task(Path("a.py"), small), workers.Task(Path("b.py"), large),
                     workers.Task(Path("c.py"), small)])
        (worker,) = pool.workers.values()
        assert 0 < worker.queueable < len(large)
        assert len(worker.tasks) == 1, "the large file is sent once the worker is idle"
        outcomes = pool.collect(range(3))
    assert [o.kind for o in outcomes] == ["ok", "ok", "ok"]


def test_a_worker_never_sent_a_file_is_ended_and_one_that_was_leaves_by_itself() -> None:
    pool = workers.AnalysisPool(2)
    pool.reserve(1)
    (early,) = pool.workers.values()
    assert pool.analyse([workers.Task(Path("a.py"), GOOD)])[0].kind == "ok"
    pool.reserve(workers.FILES_PER_WORKER + 1)
    idle = next(worker for worker in pool.workers.values() if worker is not early)
    began = time.monotonic()
    pool.close()
    assert time.monotonic() - began < 2, "the idle worker was not waited for"
    assert early.process.exitcode == 0, "sent a file: told to stop, and waited for"
    assert idle.process.exitcode == -signal.SIGKILL, "never sent one: ended (it may still be importing)"


def test_only_a_run_with_no_facts_cached_starts_a_worker_before_discovery(tmp_path: Path, monkeypatch) -> None:
    from wa_lint.analyse.cache import FactsCache
    from wa_lint.analyse.stage import CodeAnalysis
    from wa_lint.config import Config
    from wa_lint.discover import stage as discover
    from wa_lint.pipeline import run

    def workers_when_started(cache: FactsCache | None, folders: bool = False, jobs: int = 2) -> int:
        with CodeAnalysis(cache, jobs=jobs) as analysis:
            analysis.start_early(folders)
            return len(analysis.pool.workers)

    cache = FactsCache(tmp_path / "cache", "fingerprint")
    assert workers_when_started(None) == 1, "no cache: every file is parsed"
    assert workers_when_started(cache) == 1, "an empty cache"
    assert workers_when_started(cache, folders=True) == 2, "a folder holds files to parse for two"
    assert workers_when_started(cache, folders=True, jobs=1) == 1, "as the jobs allow"
    cache.put(Path("a.py"), GOOD, Outcome())
    assert workers_when_started(cache, folders=True) == 0, "facts cached: the files found may need no parsing"

    # Through the pipeline: a worker already runs when discovery begins, and one a project without
    # Python code never needed is ended with the run.
    project = tmp_path / "project"
    project.mkdir()
    (project / "template.yaml").write_text("Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n")
    children: list[object] = []
    real_start, real_discover = workers.start, discover.discover_stage
    monkeypatch.setattr(workers, "start", lambda *args: children.append(real_start(*args)) or children[-1])
    at_discovery: list[int] = []
    monkeypatch.setattr(discover, "discover_stage", lambda *a, **k: at_discovery.append(len(children)) or real_discover(*a, **k))
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    result = run([project / "template.yaml"], Config(), use_cache=False)
    assert at_discovery == [1] and result.stats.templates == 1
    result = run([project], Config(), use_cache=False)
    assert at_discovery == [1, 3] and result.stats.templates == 1
    assert [child.exitcode for child in children] == [-signal.SIGKILL] * 3
