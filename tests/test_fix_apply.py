"""`--fix`, `--diff`, `--fix-only`: applying the fixes findings carry, safely and to a fixed point."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest
from conftest import FIXTURES

from wa_lint.fix.apply import FixOutcome, choose, fix_files, read_source, summary, write_atomically
from wa_lint.report.findings import Applicability, Edit, Fix

TUNING = FIXTURES / "PERF001-power-tuning" / "bad"


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "app"
    shutil.copytree(TUNING, target)
    return target


def _edit(start: int, end: int, text: str = "x") -> Edit:
    return Edit(Path("f"), start, end, text, 1, start + 1, 1, end + 1)


def test_choose_skips_fixes_that_overlap_a_chosen_one() -> None:
    first = Fix("a", (_edit(0, 3),), Applicability.SAFE)
    overlapping = Fix("b", (_edit(2, 5),), Applicability.SAFE)
    touching = Fix("c", (_edit(3, 4),), Applicability.SAFE)
    same_insertion = Fix("d", (_edit(10, 10), ), Applicability.SAFE)
    again = Fix("e", (_edit(10, 10),), Applicability.SAFE)
    assert choose([first, overlapping, touching, same_insertion, again]) == [first, touching, same_insertion]


def test_fix_rewrites_only_safe_values_and_a_second_run_changes_nothing(cli, tmp_path: Path, monkeypatch) -> None:
    app = _copy(tmp_path)
    monkeypatch.chdir(app)
    before = (app / "template.yaml").read_text()
    result = cli(".", "--fix", "--no-cache")
    after = (app / "template.yaml").read_text()
    assert "3 fixed, 2 remaining; 1 more with --unsafe-fixes" in result.output
    assert "MemorySize: 1024\n" in after and "Default: 1024\n" in after  # the parameter default is unsafe
    assert after != before
    again = cli(".", "--fix", "--no-cache")
    assert "0 fixed" in again.output
    assert (app / "template.yaml").read_text() == after
    unsafe = cli(".", "--fix", "--unsafe-fixes", "--no-cache")
    assert "1 fixed, 1 remaining" in unsafe.output
    assert "Default: 2048\n" in (app / "template.yaml").read_text()


def test_diff_writes_nothing_and_exits_1_only_when_there_is_a_diff(cli, tmp_path: Path, monkeypatch) -> None:
    app = _copy(tmp_path)
    monkeypatch.chdir(app)
    before = (app / "template.yaml").read_bytes()
    result = cli(".", "--diff", "--no-cache")
    assert result.exit_code == 1
    assert "-      MemorySize: 256\n+      MemorySize: 1024\n" in result.output
    assert "--- a/template.yaml" in result.output
    assert (app / "template.yaml").read_bytes() == before
    cli(".", "--fix", "--no-cache")
    assert cli(".", "--diff", "--no-cache").exit_code == 0


def test_diff_shows_the_whole_fixed_point_that_fix_writes(cli, tmp_path: Path, monkeypatch) -> None:
    """Two clients hoisted to one place take two rounds (their insertions overlap): --diff must show both,
    exactly what --fix then writes, and still write nothing."""
    import difflib

    source = ('import boto3\n\n\ndef lambda_handler(event, context):\n    s3 = boto3.client("s3")\n'
              '    sqs = boto3.client("sqs")\n    return s3.list_buckets(), sqs.list_queues()\n')
    (tmp_path / "app.py").write_text(source)
    monkeypatch.chdir(tmp_path)
    shown = cli(".", "--diff", "--no-cache", "--isolated", "--select", "PERF101")
    assert shown.exit_code == 1
    assert (tmp_path / "app.py").read_text() == source
    assert "2 fixes in 1 file would be applied" in shown.output
    fixed = cli(".", "--fix", "--no-cache", "--isolated", "--select", "PERF101")
    assert "2 fixed, 0 remaining" in fixed.output
    written = (tmp_path / "app.py").read_text()
    expected = "".join(difflib.unified_diff(source.splitlines(keepends=True), written.splitlines(keepends=True),
                                            "a/app.py", "b/app.py"))
    assert expected in shown.output


def test_fix_only_reports_no_findings_and_exits_0(cli, tmp_path: Path, monkeypatch) -> None:
    app = _copy(tmp_path)
    monkeypatch.chdir(app)
    result = cli(".", "--fix-only", "--no-cache")
    assert result.exit_code == 0
    assert "PERF001 [untuned-memory]" not in result.output
    assert "3 fixed" in result.output


def test_crlf_bom_and_mode_are_kept(cli, tmp_path: Path, monkeypatch) -> None:
    app = _copy(tmp_path)
    template = app / "template.yaml"
    template.write_bytes(b"\xef\xbb\xbf" + template.read_bytes().replace(b"\n", b"\r\n"))
    template.chmod(0o640)
    monkeypatch.chdir(app)
    cli(".", "--fix", "--no-cache")
    data = template.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"MemorySize: 1024\r\n" in data
    assert data.count(b"\n") == data.count(b"\r\n")
    assert stat.S_IMODE(os.stat(template).st_mode) == 0o640
    assert not [p for p in app.iterdir() if p.name.endswith(".wa-lint-fix")]


def test_a_fix_that_breaks_the_file_leaves_it_byte_identical(tmp_path: Path) -> None:
    from wa_lint.pipeline import RunResult

    target = tmp_path / "app.py"
    target.write_bytes(b"x = 1\n")
    text = read_source(target).text
    broken = Fix("break it", (Edit.at(target, text, 0, 1, "def"),), Applicability.SAFE)

    class Stub:
        fixes = (broken,)

    result = RunResult([Stub()], [], None, None)  # type: ignore[list-item,arg-type]
    outcome = fix_files(lambda: result)
    assert target.read_bytes() == b"x = 1\n"
    assert "does not parse" in outcome.failures[target]
    assert outcome.fixed == 0


def test_write_atomically_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "t.yaml"
    target.write_text("a: 1\n")
    write_atomically(target, b"a: 2\n")
    assert target.read_bytes() == b"a: 2\n"
    assert [p.name for p in tmp_path.iterdir()] == ["t.yaml"]


def test_summary_counts_what_unsafe_fixes_would_add() -> None:
    unsafe = Fix("u", (Edit.at(Path("t.yaml"), "a: 1\n", 3, 4, "2"),), Applicability.UNSAFE)
    refused = Fix("r", (), Applicability.UNSAFE)  # a template fix refused when it was built

    class Finding:
        fixes = (unsafe,)

    class Refused:
        fixes = (refused,)

    class Result:
        findings = (Finding(), Finding(), Refused())

    outcome = FixOutcome(Result(), fixed=3)  # type: ignore[arg-type]
    assert summary(outcome, unsafe=False) == "3 fixed, 3 remaining; 2 more with --unsafe-fixes"
    assert summary(outcome, unsafe=True) == "3 fixed, 3 remaining"


@pytest.mark.parametrize("content", [b"def broken(:\n", b"Resources: [\n"])
def test_a_file_that_does_not_parse_is_never_touched(cli, tmp_path: Path, monkeypatch, content: bytes) -> None:
    app = _copy(tmp_path)
    bad = app / ("src/app.py" if content.startswith(b"def") else "other.yaml")
    bad.write_bytes(content)
    monkeypatch.chdir(app)
    cli(".", "--fix", "--no-cache")
    assert bad.read_bytes() == content


def test_fixable_rules_document_their_fix_safety_and_rules_lists_them(cli) -> None:
    import json as json_module

    from wa_lint.check.registry import catalogue

    rules = catalogue()
    fixable = {code for code, rule in rules.items() if rule.fixable != "never"}
    assert {"PERF001", "PERF101", "PERF102"} <= fixable
    for code in fixable:
        doc = rules[code].doc
        assert "## Fix safety" in doc and doc.index("## Fix safety") < doc.index("## References"), code
    listed = {row["code"]: row["fixable"] for row in json_module.loads(cli("rules", "--output-format", "json").output)}
    assert listed["PERF101"] == "sometimes" and listed["SEC101"] == "never"
    text = cli("rules").output
    assert any(line.startswith("PERF101") and line.endswith("fix (sometimes)") for line in text.splitlines())
