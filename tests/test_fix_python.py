"""PERF101/PERF102 fixes on fixture pairs (`x.py` → `x.fixed.py`): exact output, idempotence, safety."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES

from wa_lint.config import Config
from wa_lint.fix.apply import fix_files
from wa_lint.pipeline import run

CASES = FIXTURES / "autofix"
# Cases whose fix is unsafe: applied only with --unsafe-fixes.
UNSAFE = {"with-block", "connection-lazy"}
SELECT = Config().with_overrides(select=("PERF101", "PERF102"))


def _copy(case: str, tmp_path: Path, transform=lambda data: data) -> Path:
    target = tmp_path / case
    target.mkdir()
    for source in (CASES / case).iterdir():
        if ".fixed." not in source.name:
            (target / source.name).write_bytes(transform(source.read_bytes()))
    return target


def _fix(root: Path, unsafe: bool):
    return fix_files(lambda: run([root], SELECT, use_cache=False), unsafe=unsafe)


def _expected(case: str, name: str, transform=lambda data: data) -> bytes:
    fixed = CASES / case / name.replace(".py", ".fixed.py")
    return transform((fixed if fixed.is_file() else CASES / case / name).read_bytes())


def _crlf(data: bytes) -> bytes:
    return data.replace(b"\n", b"\r\n")


def _bom(data: bytes) -> bytes:
    return b"\xef\xbb\xbf" + data


@pytest.mark.parametrize("transform", [lambda d: d, _crlf, _bom], ids=["lf", "crlf", "bom"])
@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir()))
def test_fixture_pair_exact_output_and_second_run_is_a_no_op(case: str, transform, tmp_path: Path) -> None:
    root = _copy(case, tmp_path, transform)
    outcome = _fix(root, unsafe=True)
    assert not outcome.failures
    for path in sorted(root.iterdir()):
        assert path.read_bytes() == _expected(case, path.name, transform), path.name
    fixed_here = any(".fixed." in p.name for p in (CASES / case).iterdir())
    if fixed_here:
        assert outcome.fixed and not [f for f in outcome.result.findings if f.code in ("PERF101", "PERF102")]
    again = _fix(root, unsafe=True)
    assert again.fixed == 0 and not again.changes


@pytest.mark.parametrize("case", sorted(UNSAFE))
def test_unsafe_fixes_wait_for_unsafe_fixes(case: str, tmp_path: Path) -> None:
    root = _copy(case, tmp_path)
    outcome = _fix(root, unsafe=False)
    assert outcome.fixed == 0
    assert outcome.more_with_unsafe() == 1
    assert (root / "app.py").read_bytes() == (CASES / case / "app.py").read_bytes()


def test_event_and_invocation_arguments_are_not_fixed_and_the_finding_says_why(tmp_path: Path) -> None:
    root = _copy("event-argument", tmp_path)
    result = run([root], SELECT, use_cache=False)
    by_line = {finding.span.line: finding for finding in result.findings}
    assert not by_line[7].fixes and "configured from the event" in by_line[7].fix
    assert not by_line[9].fixes
    assert "not fixed automatically: an argument depends on `stage`" in by_line[9].message


def test_json_report_carries_the_hoisting_edits(cli, tmp_path: Path, monkeypatch) -> None:
    root = _copy("aliases", tmp_path)
    monkeypatch.chdir(root)
    report = json.loads(cli(".", "--isolated", "--no-cache", "--output-format", "json").output)
    findings = report["findings"] if isinstance(report, dict) else report
    fixes = [fix for finding in findings for fix in finding["fixes"]]
    assert len(fixes) == 2 and all(fix["applicability"] == "safe" for fix in fixes)
    assert any(edit["replacement"].startswith("\nkinesis = b3.client") for fix in fixes for edit in fix["edits"])


def test_a_name_taken_at_module_scope_is_not_reused(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import boto3\n\ns3 = 'bucket'\n\n\ndef handler(event, context):\n"
        "    s3 = boto3.client('s3')\n    return s3.list_objects(Bucket='b')\n")
    _fix(tmp_path, unsafe=False)
    text = (tmp_path / "app.py").read_text()
    assert "s3_client = boto3.client('s3')\n" in text
    assert "    s3 = s3_client\n" in text and "s3 = 'bucket'" in text


def test_a_closed_client_is_not_fixed(tmp_path: Path) -> None:
    source = ("import requests\n\n\ndef handler(event, context):\n    http = requests.Session()\n"
              "    try:\n        return http.get('https://example.com').status_code\n    finally:\n"
              "        http.close()\n")
    (tmp_path / "app.py").write_text(source)
    outcome = _fix(tmp_path, unsafe=True)
    assert (tmp_path / "app.py").read_text() == source
    assert "http.close()` ends it" in outcome.result.findings[0].message
