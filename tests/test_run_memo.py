"""The run memo: a run over an unchanged project is replayed, and no change to anything it read is missed."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import pytest
from conftest import FIXTURES, later

from wa_lint import cache_store, inputs
from wa_lint.cache_store import VouchedStore, json_bytes, seal
from wa_lint.config import Config
from wa_lint.evidence.live.target import LiveOptions
from wa_lint.files import read_regular
from wa_lint.pipeline import Run
from wa_lint.result import RunResult


def _demo(tmp_path: Path) -> Path:
    project = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", project)
    (project / ".git").mkdir()
    return project






@pytest.fixture
def executions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the pipeline itself ran (a replayed run does not run it)."""
    calls: list[int] = []
    real = Run._execute

    def counting(self, *args, **kwargs):
        calls.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Run, "_execute", counting)
    return calls


def _seen(result: RunResult) -> list[tuple]:
    """Everything a report shows of a run's findings, fixes' edits included."""
    return [(f.code, f.name, f.severity, f.span, f.message, f.fix, f.lens, f.resource, f.function, f.evidence,
             [(fix.title, fix.applicability, fix.edits) for fix in f.fixes]) for f in result.findings]


def _run(project: Path, config: Config | None = None, **options) -> RunResult:
    return Run([project], config or Config(), **options).execute()


def test_an_unchanged_project_is_replayed_with_the_same_result(tmp_path, trusted, executions) -> None:
    project = _demo(tmp_path)
    catalogue = Config(extend_select=("OPS", "COST"))  # rules whose template fixes are built when read
    cold = _run(project, catalogue)
    warm = _run(project, catalogue)
    assert executions == [1], "the second run is replayed"
    assert _seen(warm) == _seen(cold) and len(cold.findings) > 3
    assert any(fix for finding in cold.findings for fix in finding.fixes), "the demo has fixes to replay"
    assert warm.diagnostics == cold.diagnostics and warm.enabled == cold.enabled
    assert (warm.stats.templates, warm.stats.python_files, warm.stats.functions, warm.stats.functions_with_code) == (
        cold.stats.templates, cold.stats.python_files, cold.stats.functions, cold.stats.functions_with_code)
    assert executions == [1, 1], "template fixes not built before are built by the pipeline when read"


def test_a_memo_written_in_chunks_replays_every_finding(tmp_path, trusted, executions, monkeypatch) -> None:
    from wa_lint import run_memo

    # Four findings a chunk: the demo's findings span several chunks and end in a partial one.
    monkeypatch.setattr(run_memo, "_FINDINGS_PER_CHUNK", 4)
    project = _demo(tmp_path)
    cold = _run(project)
    assert len(cold.findings) > 4 and len(cold.findings) % 4, "several chunks, the last one partial"
    warm = _run(project)
    assert executions == [1], "the entry written chunk by chunk is read back"
    assert _seen(warm) == _seen(cold) and warm.diagnostics == cold.diagnostics
    (entry,) = (project / ".wa_lint_cache" / "runs").iterdir()
    stored = json.loads(entry.read_bytes().split(b"\n", 1)[1])
    assert len(stored["result"]["findings"]) == len(cold.findings)
    assert set(stored) == {"inputs", "result"} and set(stored["result"]) == {
        "findings", "diagnostics", "stats", "enabled", "reported", "parts"}


def test_fixes_a_report_built_are_stored_so_a_replay_need_not_build_them(tmp_path, trusted, executions) -> None:
    project = _demo(tmp_path)
    catalogue = Config(extend_select=("OPS", "COST"))
    cold = _run(project, catalogue)
    seen = _seen(cold)  # what a JSON report reads: every fix's edits
    assert cold.remember is not None
    cold.remember()
    assert _seen(_run(project, catalogue)) == seen
    assert executions == [1]


def test_fixes_a_replayed_report_built_are_stored_too(tmp_path, trusted, executions) -> None:
    project = _demo(tmp_path)
    catalogue = Config(extend_select=("OPS", "COST"))
    _run(project, catalogue)  # a text report: its template fixes stay unbuilt
    replayed = _run(project, catalogue)
    seen = _seen(replayed)  # a JSON report of the replay: the pipeline builds them
    assert executions == [1, 1] and replayed.remember is not None
    replayed.remember()
    assert _seen(_run(project, catalogue)) == seen
    assert executions == [1, 1]


def _changes(project: Path) -> dict[str, object]:
    handler = project / "src" / "orders" / "get_order.py"
    template = project / "template.yaml"

    def handler_edited() -> None:
        handler.write_text(handler.read_text() + "\n\ndef extra(event, context):\n    return 1\n")

    def template_edited() -> None:
        template.write_text(template.read_text().replace("MemorySize: 512", "MemorySize: 128"))

    def module_added() -> None:
        (project / "src" / "reports" / "handler.py").write_text(
            "import boto3\n\ndef handler(event, context):\n    return boto3.client('s3').list_buckets()\n")
        later(project / "src" / "reports")

    def module_removed() -> None:
        (project / "src" / "shared" / "responses.py").unlink()
        later(project / "src" / "shared")

    def requirements_added() -> None:
        # Read by import resolution (what is installed in the code folder), not by the walk.
        (project / "src" / "requirements.txt").write_text("shared\n")
        later(project / "src")

    def gitignore_added() -> None:
        (project / ".gitignore").write_text("src/reports/\n")
        later(project)

    return {"handler edited": handler_edited, "template edited": template_edited, "module added": module_added,
            "module removed": module_removed, "requirements added": requirements_added,
            "gitignore added": gitignore_added}


@pytest.mark.parametrize("change", sorted(_changes(Path())))
def test_a_change_to_anything_the_run_read_runs_the_pipeline(tmp_path, trusted, executions, change: str) -> None:
    project = _demo(tmp_path)
    _run(project)
    _changes(project)[change]()  # type: ignore[operator]
    executions.clear()
    after = _run(project)
    assert executions == [1], f"{change}: the run was replayed"
    assert _seen(after) == _seen(_run(project, use_cache=False))


def test_a_run_in_which_a_worker_overran_is_not_kept(tmp_path, trusted, executions, monkeypatch) -> None:
    # A loaded machine or a killed worker is no property of the file: the next run analyses it again.
    from wa_lint.analyse.python import workers

    patient = workers.AnalysisPool

    class Impatient(patient):
        def __init__(self, *args, **options) -> None:
            super().__init__(*args, **{**options, "timeout": 0.0})

    project = _demo(tmp_path)
    monkeypatch.setattr(workers, "AnalysisPool", Impatient)
    overran = _run(project, use_cache=True)
    assert any(f.code == "WA001" and "longer than" in f.message for f in overran.findings)
    monkeypatch.setattr(workers, "AnalysisPool", patient)
    executions.clear()
    assert _seen(_run(project)) == _seen(_run(project, use_cache=False))
    assert executions[:1] == [1], "the overrun was not replayed"


def test_a_file_read_in_an_ignored_folder_is_vouched_for_by_its_own_status(tmp_path, trusted, executions) -> None:
    # The walk never lists build/ (ignored), but the template's code lives there: its reads are inputs too.
    project = tmp_path / "app"
    (project / ".git").mkdir(parents=True)
    (project / ".gitignore").write_text("build/\n")
    (project / "build").mkdir()
    handler = project / "build" / "app.py"
    handler.write_text("def handler(event, context):\n    return 1\n")
    (project / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      Runtime: python3.12\n      CodeUri: build/\n      Handler: app.handler\n"
        "      MemorySize: 1024\n")
    before = _run(project, Config(select=("PERF101",)))
    assert not before.findings
    handler.write_text("import boto3\n\ndef handler(event, context):\n    return boto3.client('s3').list_buckets()\n")
    later(handler)
    after = _run(project, Config(select=("PERF101",)))
    assert [finding.code for finding in after.findings] == ["PERF101"]


def _app_in_ignored_build(tmp_path: Path, import_line: str, call: str) -> Path:
    """A SAM app whose code sits in build/, which .gitignore hides from the walk, beside a package lib/."""
    project = tmp_path / "app"
    (project / ".git").mkdir(parents=True)
    (project / ".gitignore").write_text("build/\n")
    (project / "build" / "lib").mkdir(parents=True)
    (project / "build" / "lib" / "__init__.py").write_text("")
    (project / "build" / "app.py").write_text(f"{import_line}\n\n\ndef handler(event, context):\n    return {call}\n")
    (project / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      Runtime: python3.12\n      CodeUri: build/\n      Handler: app.handler\n"
        "      MemorySize: 1024\n")
    return project


def test_a_module_created_in_a_folder_no_status_covers_is_seen(tmp_path, trusted, executions) -> None:
    # build/ is ignored, so the walk never lists it, and nothing lists build/lib/ either: the module the
    # handler imports from there, absent at first, is vouched for by its own status (an absent path is
    # left unasked only when its folder's status is recorded, and covers it).
    project = _app_in_ignored_build(tmp_path, "from lib import helpers", "helpers.make()")
    assert not _run(project, Config(select=("PERF101",))).findings
    helpers = project / "build" / "lib" / "helpers.py"
    helpers.write_text("import boto3\n\n\ndef make():\n    return boto3.client('s3')\n")
    later(helpers)
    later(helpers.parent)
    assert [finding.code for finding in _run(project, Config(select=("PERF101",))).findings] == ["PERF101"]


def test_a_package_created_where_no_folder_was_is_seen(tmp_path, trusted, executions) -> None:
    # The lookup of `lib.sub` (`import lib.sub`) records lib/sub.py and the folder lib/sub/ as absent, not lib/sub/__init__.py
    # (the folder's absence vouches for everything under it), and not lib/ either (an existing package
    # folder's status changes with every file made in it): only lib/sub/'s absence tells of the new package.
    project = _app_in_ignored_build(tmp_path, "import lib.sub", "lib.sub.make()")
    assert not _run(project, Config(select=("PERF101",))).findings
    package = project / "build" / "lib" / "sub"
    package.mkdir()
    (package / "__init__.py").write_text("import boto3\n\n\ndef make():\n    return boto3.client('s3')\n")
    for path in (package / "__init__.py", package, package.parent):
        later(path)
    assert [finding.code for finding in _run(project, Config(select=("PERF101",))).findings] == ["PERF101"]
    assert executions == [1, 1]


def test_a_file_rewritten_within_its_recorded_clock_tick_is_read_again(tmp_path, monkeypatch, executions) -> None:
    # Just written, the demo's statuses are too recent to trust: the memo keeps digests of what was
    # read, and a rewrite that left a file's status as it was is still seen.
    project = _demo(tmp_path)
    _run(project)
    handler = project / "src" / "orders" / "get_order.py"
    recorded = {str(handler): inputs.current_stamp(str(handler))}
    handler.write_text(handler.read_text().replace("def ", "def _", 1))
    real = inputs.current_stamp
    monkeypatch.setattr(inputs, "current_stamp", lambda path: recorded.get(path) or real(path))
    executions.clear()
    _run(project)
    assert executions == [1]


def test_a_replayed_entry_with_digests_is_stored_again_with_statuses_only_and_its_result_unchanged(
        tmp_path, monkeypatch, executions) -> None:
    # Just written, the demo's statuses are too recent to trust: the first run keeps digests.
    project = _demo(tmp_path)
    cold = _run(project)
    first = _entry_file(project).read_bytes().split(b"\n", 1)[1]
    assert json.loads(first)["inputs"][3], "the first entry keeps digests"
    monkeypatch.setattr(inputs, "RACY_MARGIN_NS", 0)  # seconds later: every status is old enough
    monkeypatch.setattr(inputs, "STORE_AGAIN_AFTER", 1)  # the demo is small: every check by contents counts
    executions.clear()
    assert _seen(_run(project)) == _seen(cold) and executions == [], "replayed, digests compared"
    again = _entry_file(project).read_bytes().split(b"\n", 1)[1]
    stored = json.loads(again)
    assert stored["inputs"][3] == [], "stored again without digests"
    assert again[again.index(b',"result":'):] == first[first.index(b',"result":'):], "the result as it was"
    assert _seen(_run(project)) == _seen(cold) and executions == [], "and replayed from statuses alone"


def test_settings_and_the_folder_run_from_are_part_of_the_key(tmp_path, trusted, executions, monkeypatch) -> None:
    project = _demo(tmp_path)
    everything = _run(project)
    only_perf = _run(project, Config(select=("PERF",)))
    assert executions == [1, 1] and {f.code[:4] for f in only_perf.findings} == {"PERF"} != {
        f.code[:4] for f in everything.findings}
    monkeypatch.chdir(project)  # relative paths given mean other files from another folder
    _run(project)
    assert executions == [1, 1, 1]


@pytest.mark.parametrize("options", [
    {"use_cache": False}, {"debug": True}, {"overlay": {Path("x.py"): b""}}, {"use_memo": False}])
def test_runs_whose_inputs_no_status_vouches_for_never_use_the_memo(tmp_path, options) -> None:
    assert Run([_demo(tmp_path)], Config(), **options).memo is None


@pytest.mark.parametrize("config", [
    Config(power_tuning=(Path("tuning.json"),)), Config(power_tuning_functions={Path("t.json"): "Fn"}),
    Config(live=LiveOptions(stack="orders"))])
def test_power_tuning_results_and_live_mode_never_use_the_memo(tmp_path, config) -> None:
    assert Run([_demo(tmp_path)], config).memo is None
    assert Run([_demo(tmp_path / "again")], Config()).memo is not None


def _entry_file(project: Path) -> Path:
    (entry,) = (project / ".wa_lint_cache" / "runs").rglob("*.json")
    return entry


def _first_edit(entry: dict) -> list:
    return next(edit for finding in entry["result"]["findings"] for _, _, edits in finding[9] for edit in edits or ())


@pytest.mark.parametrize("damage", [
    lambda entry: entry["result"]["findings"][0].__setitem__(2, "error"),
    lambda entry: entry["result"]["findings"][0][3].__setitem__(1, 1.0),
    lambda entry: entry["result"]["findings"][0].pop(),
    lambda entry: entry["result"]["findings"][0].__setitem__(2, 7),  # no such severity
    lambda entry: entry["result"]["findings"][0].__setitem__(7, 3),  # a resource that is no text
    lambda entry: entry["result"]["findings"][0][6].__setitem__(0, 1),  # a lens's pillar
    lambda entry: _first_edit(entry).__setitem__(1, "0"),  # an edit's offset
    lambda entry: entry["result"].__setitem__("stats", [1, 2, {"cdk": "x"}, 3, 4]),
    lambda entry: entry["inputs"][2].pop(),  # a status of four numbers
    lambda entry: entry.pop("inputs"),
])
def test_a_misshapen_entry_is_a_miss_and_the_pipeline_runs(tmp_path, trusted, executions, damage) -> None:
    project = _demo(tmp_path)
    expected = _seen(_run(project))
    entry_file = _entry_file(project)
    entry = json.loads(entry_file.read_bytes().split(b"\n", 1)[1])
    damage(entry)
    payload = json_bytes(entry)  # as the store writes it, so the damage reaches the decoder
    entry_file.write_bytes(seal(entry_file.stem, payload) + b"\n" + payload)
    executions.clear()
    assert _seen(_run(project)) == expected
    assert executions == [1]


def _cli(project: Path, *args: str) -> str:
    command = [sys.executable, "-m", "wa_lint", str(project), "--isolated", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1, done.stderr
    return _masked(done.stdout)


def _masked(report: str) -> str:
    """The report without the run's own duration, the one thing that differs between runs."""
    return re.sub(r'\d+\.\d+ ?s\b|"seconds": [\d.]+|time="[\d.]+"', "<time>", report)


@pytest.mark.parametrize("output_format", ["full", "concise", "json", "sarif", "github", "junit", "gitlab", "html"])
def test_a_replayed_run_reports_exactly_what_the_pipeline_reports(tmp_path, executions, cli, output_format: str) -> None:
    # Reports that need the model (HTML's graph, JUnit's file list) get it from the pipeline.
    project = _demo(tmp_path)
    cold = _cli(project, "--output-format", output_format)
    warm = cli(str(project), "--isolated", "--output-format", output_format)  # in this process: runs are counted
    assert warm.exit_code == 1 and executions == ([1] if output_format in _NEED_THE_MODEL else [])
    assert _masked(warm.stdout) == cold == _cli(project, "--output-format", output_format, "--no-cache")


_NEED_THE_MODEL = {"junit", "html"}


@pytest.mark.parametrize("output_format", ["sarif", "gitlab"])
def test_fingerprints_of_code_outside_any_resource_are_replayed_without_the_model(
        tmp_path, executions, cli, output_format: str) -> None:
    # A handler-looking file no template references: its findings name no resource, so their fingerprints
    # take the function around them (`_client`, not the handler the walk started from) from the model.
    # (A function's facts locate its name, so the call is on the `def` line.)
    project = tmp_path / "orphan"
    project.mkdir()
    (project / ".git").mkdir()
    (project / "handler.py").write_text(
        "import boto3\n\n\ndef _client(): return boto3.client('s3')\n\n\n"
        "def lambda_handler(event, context):\n    return _client().list_buckets()\n")
    cold = _cli(project, "--output-format", output_format)
    assert "handler.py" in cold
    warm = cli(str(project), "--isolated", "--output-format", output_format)
    assert warm.exit_code == 1 and executions == [], "replayed: no pipeline run for the fingerprints"
    assert _masked(warm.stdout) == cold == _cli(project, "--output-format", output_format, "--no-cache")


def _vouched_entry(tmp_path: Path) -> tuple[VouchedStore, Path, Path]:
    """A store holding one result computed from one file's bytes; the file and the entry's path."""
    source = tmp_path / "app.py"
    source.write_text("x = 1\n")
    recorded = inputs.Inputs()
    with inputs.recording(recorded):
        read_regular(source, 100)
    store = VouchedStore(tmp_path / ".wa_lint_cache", "runs")
    store._write_entry("k" * 64, recorded, {"findings": ["a" * 10_000]})
    return store, source, Path(store._path("k" * 64))


def test_a_miss_reads_the_inputs_and_parses_nothing_of_the_result(tmp_path, trusted, monkeypatch) -> None:
    store, source, _ = _vouched_entry(tmp_path)
    assert store.recall("k" * 64, lambda result: result) == ({"findings": ["a" * 10_000]}, mock.ANY)
    parsed: list[str | bytes] = []
    real_loads = json.loads
    monkeypatch.setattr(json, "loads", lambda text, *a, **k: parsed.append(text) or real_loads(text, *a, **k))
    sealed: list[str] = []
    real_seal = cache_store.seal
    monkeypatch.setattr(cache_store, "seal", lambda key, payload: sealed.append(key) or real_seal(key, payload))
    source.write_text("x = 2\n")
    later(source)
    assert store.recall("k" * 64, lambda result: result) is None
    assert parsed and all("aaaa" not in str(text) for text in parsed), "only the inputs were parsed"
    assert not sealed, "nor was the seal checked"


def test_an_entry_damaged_after_its_inputs_is_a_miss_even_when_they_read_the_same(tmp_path, trusted) -> None:
    store, _, entry = _vouched_entry(tmp_path)
    data = entry.read_bytes()
    entry.write_bytes(data.replace(b"aaaa", b"aaab", 1))  # the seal no longer matches
    assert store.recall("k" * 64, lambda result: result) is None
    entry.write_bytes(data[:-1])  # cut short: no closing brace
    assert store.recall("k" * 64, lambda result: result) is None
    payload = data.split(b"\n", 1)[1].replace(b'{"inputs":', b'{ "inputs":', 1)
    entry.write_bytes(seal("k" * 64, payload) + b"\n" + payload)  # sealed, but not as the store writes
    assert store.recall("k" * 64, lambda result: result) is None
    entry.write_bytes(data)
    assert store.recall("k" * 64, lambda result: result) is not None


def test_a_recalled_entry_is_marked_used_once_a_day(tmp_path, trusted) -> None:
    store, _, entry = _vouched_entry(tmp_path)
    two_days_ago = time.time_ns() - 2 * 24 * 3600 * 10**9
    os.utime(entry, ns=(two_days_ago, two_days_ago))
    assert store.recall("k" * 64, lambda result: result) is not None
    assert time.time_ns() - entry.stat().st_mtime_ns < 3600 * 10**9
