"""What a command printed is printed again over an unchanged project, and never once anything changed."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, later

from wa_lint.cache_store import seal
from wa_lint.config import Config
from wa_lint.inputs import Inputs
from wa_lint.pipeline import Run
from wa_lint.printed_memo import PrintedMemo, mark_json_seconds, printed_options, with_took


def _project(tmp_path: Path) -> Path:
    """The demo app, and a template under tests/: findings, a note on standard error, exit code 1."""
    project = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", project)
    (project / ".git").mkdir()
    (project / "tests").mkdir()
    shutil.copy(project / "template.yaml", project / "tests" / "template.yaml")
    return project


def _subprocess(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wa_lint", str(project), "--isolated", *args],
                          capture_output=True, text=True, timeout=120, check=False)


def _masked(report: str) -> str:
    return re.sub(r'\(\d+\.\d\ds\)|"seconds": [\d.e-]+', "(<time>)", report)


@pytest.fixture
def unexecuted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs in this process may not execute the pipeline, nor replay the run memo."""
    def refused(self: Run) -> None:
        raise AssertionError("the run was executed")

    monkeypatch.setattr(Run, "execute", refused)


@pytest.mark.parametrize("options", [["--output-format", "full"], ["--output-format", "concise"],
                                     ["--output-format", "sarif"], ["--output-format", "gitlab"],
                                     ["--output-format", "json"],
                                     ["--color", "always"], ["-q"], ["-qq"], ["--exit-zero"]])
def test_a_command_over_an_unchanged_project_prints_again_what_it_printed(tmp_path, cli, unexecuted,
                                                                          options: list[str]) -> None:
    project = _project(tmp_path)
    cold = _subprocess(project, *options)
    warm = cli(str(project), "--isolated", *options)
    assert (warm.exit_code, _masked(warm.stdout), warm.stderr) == (cold.returncode, _masked(cold.stdout), cold.stderr)
    assert cold.returncode == (0 if "--exit-zero" in options else 1)
    if options in (["--output-format", "full"], ["--output-format", "concise"], ["--color", "always"],
                   ["--exit-zero"]):
        assert "note:" in warm.stderr and "under test folders" in warm.stderr, "the notes are printed again"
    if options in (["--output-format", "full"], ["-q"]):
        assert "\0" not in warm.stdout
    if options == ["--output-format", "full"]:
        assert re.search(r"Found \d+ findings .* \(\d+\.\d\ds\)\.\n$", warm.stdout), "this run's duration"


def test_a_json_report_printed_again_says_how_long_this_run_took(tmp_path, cli, unexecuted) -> None:
    project = _project(tmp_path)
    cold = json.loads(_subprocess(project, "--output-format", "json").stdout)
    warm = cli(str(project), "--isolated", "--output-format", "json")
    again = json.loads(warm.stdout)
    seconds = again["summary"].pop("seconds")
    assert isinstance(seconds, float) and 0 <= seconds < 60 and "\0" not in warm.stdout
    cold["summary"].pop("seconds")
    assert again == cold and warm.exit_code == 1


def test_a_json_report_laid_out_otherwise_is_not_marked() -> None:
    pieces = ['{\n  "summary": {\n    "seconds": 0.5\n  },\n  "extra": 1\n}\n']
    assert not mark_json_seconds(pieces, 0.5) and "\0" not in pieces[0]
    assert not mark_json_seconds(['{\n  "summary": {\n    "seconds": 0.4\n  }\n}\n'], 0.5), "another number"
    laid_out = ['{\n  "summary": {\n    "seconds": 0.5\n  }\n}\n']
    assert mark_json_seconds(laid_out, 0.5) and "".join(with_took(laid_out, 1.25)).endswith('"seconds": 1.25\n  }\n}\n')


def test_each_output_option_prints_its_own_report(tmp_path, cli) -> None:
    project = _project(tmp_path)
    _subprocess(project, "--output-format", "full")
    for options in (["--output-format", "concise"], ["--color", "always"], ["--exit-zero"], ["-q"]):
        warm = cli(str(project), "--isolated", *options)
        fresh = _subprocess(project, *options, "--no-cache")
        assert (warm.exit_code, _masked(warm.stdout), warm.stderr) == (
            fresh.returncode, _masked(fresh.stdout), fresh.stderr), options


def test_a_change_to_a_file_the_run_read_prints_the_new_report(tmp_path, cli) -> None:
    project = _project(tmp_path)
    before = _subprocess(project, "--output-format", "concise")
    handler = project / "src" / "orders" / "create_order.py"
    handler.write_text(handler.read_text().replace("    table.put_item(Item=order)\n",
                                                   "    boto3.client('sqs')\n    table.put_item(Item=order)\n"))
    later(handler)
    after = cli(str(project), "--isolated", "--output-format", "concise")
    fresh = cli(str(project), "--isolated", "--output-format", "concise", "--no-cache")
    assert after.stdout != before.stdout and _masked(after.stdout) == _masked(fresh.stdout)
    assert "create_order.py:20:5: PERF101" in after.stdout, "the new client is reported"


def test_after_an_edit_each_status_is_taken_once(tmp_path, cli, trusted, monkeypatch) -> None:
    # The run memo's entry is checked once, for the printed report and the run that follows; the
    # printed report holds only what the report alone read.
    project = _project(tmp_path)
    cli(str(project), "--isolated")
    handler = project / "src" / "orders" / "create_order.py"
    handler.write_text(handler.read_text().replace("    table.put_item(Item=order)\n",
                                                   "    boto3.client('sqs')\n    table.put_item(Item=order)\n"))
    later(handler)
    asked: list[str] = []  # statuses taken while a stored entry's inputs were checked
    checking = [False]
    real_stat, real_check = os.stat, Inputs.files_changed_now.__func__

    def stat(path, *args, **kwargs):
        if checking[0]:
            asked.append(os.fspath(path))
        return real_stat(path, *args, **kwargs)

    def check(cls, value, most, known=None):
        checking[0] = True
        try:
            return real_check(cls, value, most, known)
        finally:
            checking[0] = False

    monkeypatch.setattr(os, "stat", stat)
    monkeypatch.setattr(Inputs, "files_changed_now", classmethod(check))
    after = cli(str(project), "--isolated")
    twice = {path for path in asked if asked.count(path) > 1}
    assert str(handler) in asked and not twice, "each status was taken once"
    assert "create_order.py:20:5: PERF101" in after.stdout, "the new client is reported"
    assert _masked(after.stdout) == _masked(cli(str(project), "--isolated", "--no-cache").stdout)


def test_a_file_only_the_reports_read_is_vouched_for_too(tmp_path, trusted) -> None:
    project = _project(tmp_path)
    extra = project / "shown.txt"
    extra.write_text("a line a report quoted\n")
    run = Run([project], Config())
    run.execute()
    read_by_reports = Inputs()
    read_by_reports.note(extra)
    read_by_reports.note(project / "template.yaml")  # quoted by the report, and read by the run
    options = printed_options("full", False, 0, False)
    run.keep_printed(options, ["the report\n"], "a note\n", 1, read_by_reports)
    again = Run([project], Config()).printed(options)
    assert again is not None and (again.report, again.notes, again.exit_code) == (["the report\n"], "a note\n", 1)
    # Its own inputs are what only the report read: the run's are its run memo entry's.
    key = PrintedMemo.key(run.memo_key, options)
    stored = (Path(PrintedMemo(project / ".wa_lint_cache").entries_folder) / f"{key}.json").read_bytes()
    inputs = json.loads(stored.split(b"\n", 1)[1].partition(b',"result":')[0][len(b'{"inputs":'):])
    assert list(Inputs.decode(inputs).paths) == [str(extra)]
    extra.write_text("another line\n")
    later(extra)
    assert Run([project], Config()).printed(options) is None


def test_a_run_whose_result_is_not_kept_keeps_nothing_printed(tmp_path, trusted, monkeypatch) -> None:
    # A worker that overran: the next run analyses its file again (test_run_memo.py), and prints anew.
    from wa_lint.analyse.python import workers

    class Impatient(workers.AnalysisPool):
        def __init__(self, *args, **options) -> None:
            super().__init__(*args, **{**options, "timeout": 0.0})

    monkeypatch.setattr(workers, "AnalysisPool", Impatient)
    project = _project(tmp_path)
    options = printed_options("full", False, 0, False)
    overran = Run([project], Config())
    assert any("longer than" in finding.message for finding in overran.execute().findings)
    overran.keep_printed(options, ["the report\n"], "", 1, Inputs())
    assert Run([project], Config()).printed(options) is None


# An entry's result after its run memo seal (`"run":"<seal>",`), or with another seal in place of that.
@pytest.mark.parametrize("result", [
    b'"exit":"1","notes":"","report":[]}', b'"exit":1,"notes":null,"report":[]}',
    b'"exit":1,"notes":"","report":["a",2]}', b'"exit":1,"notes":"","report":"text"}', b'"exit":1,"notes":""}',
    # What no reporter prints: a terminal title, a screen erase, a lone NUL, an unpaired surrogate.
    b'"exit":1,"notes":"","report":["\\u001b]0;owned\\u0007"]}', b'"exit":1,"notes":"\\u001b[2J","report":[]}',
    b'"exit":1,"notes":"","report":["(\\u0000took)"]}', b'"exit":1,"notes":"","report":["\\ud800"]}',
    # A report rendered from another run memo entry, or naming none.
    b'{"run":"%s","exit":1,"notes":"","report":["the report\\n"]}' % (b"0" * 64),
    b'{"run":7,"exit":1,"notes":"","report":["the report\\n"]}', b'{"exit":1,"notes":"","report":["the report\\n"]}',
])
def test_a_misshapen_entry_is_a_miss(tmp_path, trusted, result: bytes) -> None:
    project = _project(tmp_path)
    run = Run([project], Config())
    run.execute()
    options = printed_options("full", False, 0, False)
    run.keep_printed(options, ["the report\n"], "", 1, Inputs())
    assert Run([project], Config()).printed(options) is not None
    memo = PrintedMemo(project / ".wa_lint_cache")
    key = PrintedMemo.key(run.memo_key, options)
    entry = Path(memo.entries_folder) / f"{key}.json"
    payload = entry.read_bytes().split(b"\n", 1)[1]
    head, _, stored = payload.partition(b',"result":')
    run_seal = json.loads(stored[:-1])["run"]
    if not result.startswith(b"{"):
        result = b'{"run":' + json.dumps(run_seal).encode() + b"," + result
    payload = head + b',"result":' + result + b"}"
    entry.write_bytes(seal(key, payload) + b"\n" + payload)
    assert Run([project], Config()).printed(options) is None


def test_a_store_forgets_the_seal_of_an_entry_it_failed_to_replace(tmp_path, monkeypatch) -> None:
    # A printed report names the run memo entry it was rendered from by the seal the store holds for
    # it: after a failed write, the entry on disk is not the result the report shows.
    import os

    from wa_lint.cache_store import SealedStore

    store = SealedStore(tmp_path / ".wa_lint_cache", "runs")
    store.write("key", b"first")
    assert store.seals["key"] == seal("key", b"first").decode()

    def refused(*args, **kwargs) -> None:
        raise OSError("no room")

    monkeypatch.setattr(os, "replace", refused)
    store.write("key", b"second")
    assert "key" not in store.seals and store.read("key") == b"first"


def test_an_entrys_head_is_read_without_its_result(tmp_path) -> None:
    # A printed report's look-up reads the run memo entry only as far as its inputs: the result may be
    # tens of MB, and its seal is checked by the run that decodes it.
    from wa_lint.cache_store import VouchedStore

    read = tmp_path / "read.txt"
    read.write_text("what the run read\n")
    inputs = Inputs()
    inputs.note(read)
    store = VouchedStore(tmp_path / ".wa_lint_cache", "runs")
    store._write_entry("key", inputs, {"findings": ["x" * 100]})
    head = store.head("key")
    assert head is not None and head.seal == store.seals["key"] and list(head.inputs.paths) == [str(read)]
    assert not head.changed and store.check("key", head=head) is not None
    entry = Path(store.entries_folder) / "key.json"
    damaged = entry.read_bytes().replace(b"x" * 100, b"y" * 100)
    entry.write_bytes(damaged)
    assert store.head("key") is not None, "the result is not read"
    assert store.check("key") is None, "the seal, checked with the result, no longer holds"
    entry.write_bytes(b"not a seal" + damaged[10:])
    assert store.head("key") is None


def test_a_run_memo_record_to_store_again_is_stored_again_and_its_report_printed(tmp_path, cli, monkeypatch) -> None:
    # Just written, the project's statuses are too recent to trust: the cold run's record keeps
    # digests, compared on every look-up until a run stores the record again without them.
    from wa_lint import inputs

    project = _project(tmp_path)
    cold = _subprocess(project)
    memo = Path(project / ".wa_lint_cache" / "runs")
    (entry,) = memo.iterdir()
    sealed_cold = entry.read_bytes()[:64]
    monkeypatch.setattr(inputs, "RACY_MARGIN_NS", 0)  # seconds later: every status is old enough
    monkeypatch.setattr(inputs, "STORE_AGAIN_AFTER", 1)  # the demo is small: every check by contents counts
    monkeypatch.setattr(Run, "execute", lambda self: pytest.fail("the report is printed, not rendered again"))
    printed = cli(str(project), "--isolated")
    (entry,) = memo.iterdir()
    stored = json.loads(entry.read_bytes().split(b"\n", 1)[1].partition(b',"result":')[0][len(b'{"inputs":'):])
    assert not any(digest for _, digest in Inputs.decode(stored).paths.values()), (
        "the run memo stored its record again, without digests")
    sealed_now = entry.read_bytes()[:64]
    assert sealed_now != sealed_cold
    (report,) = (project / ".wa_lint_cache" / "printed").iterdir()
    assert json.loads(report.read_bytes().split(b"\n", 1)[1])["result"]["run"] == sealed_now.decode(), \
        "the printed report names the entry as stored now"
    again = cli(str(project), "--isolated")
    assert _masked(again.stdout) == _masked(printed.stdout) == _masked(cold.stdout)
    assert (again.exit_code, again.stderr) == (printed.exit_code, printed.stderr) == (cold.returncode, cold.stderr)
    assert entry.read_bytes()[:64] == sealed_now, "trusted by its statuses: not stored again"
