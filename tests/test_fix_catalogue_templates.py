"""The catalogue's template fixes (OPS001, COST002, PERF002, COST001, REL003) on fixture pairs
(`template.yaml` → `template.fixed.yaml`, `template.json` → `template.fixed.json`): exact output, line
endings kept, idempotence, the finding gone on the re-lint, unsafe only, and the cases that are not
fixed say why."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, copy_pair_inputs, crlf

from wa_lint.config import Config
from wa_lint.fix.apply import fix_files
from wa_lint.load.template.document import parse_template
from wa_lint.pipeline import run

CASES = FIXTURES / "template-fixes"
NAMES = sorted(path.name for path in CASES.iterdir())


def _code(case: str) -> str:
    return case.split("-", 1)[0]


def _config(case: str) -> Config:
    return Config().with_overrides(select=(_code(case),))


def _copy(case: str, tmp_path: Path, transform=lambda data: data) -> Path:
    return copy_pair_inputs(CASES / case, tmp_path / case, transform)


def _expected(case: str, name: str, transform=lambda data: data) -> bytes:
    stem, suffix = name.rsplit(".", 1)
    fixed = CASES / case / f"{stem}.fixed.{suffix}"
    return transform((fixed if fixed.is_file() else CASES / case / name).read_bytes())


def _fix(root: Path, case: str, unsafe: bool = True):
    return fix_files(lambda: run([root], _config(case), use_cache=False), unsafe=unsafe)


def test_every_rule_with_a_template_fix_has_a_yaml_and_a_json_pair() -> None:
    pairs = {(_code(case), path.suffix) for case in NAMES for path in (CASES / case).glob("*.fixed.*")}
    for code in ("OPS001", "COST002", "PERF002", "COST001", "REL003"):
        assert {(code, ".yaml"), (code, ".json")} <= pairs, code


@pytest.mark.parametrize("transform", [lambda d: d, crlf], ids=["lf", "crlf"])
@pytest.mark.parametrize("case", NAMES)
def test_fixture_pair_exact_output_and_second_run_is_a_no_op(case: str, transform, tmp_path: Path) -> None:
    root = _copy(case, tmp_path, transform)
    outcome = _fix(root, case)
    assert not outcome.failures
    for path in sorted(root.iterdir()):
        text = path.read_bytes()
        assert text == _expected(case, path.name, transform), path.name
        parse_template(path, text.decode("utf-8"))  # still a template (raises otherwise)
    remaining = [f for f in outcome.result.findings if f.code == _code(case)]
    if any(".fixed." in p.name for p in (CASES / case).iterdir()):
        assert outcome.fixed and not remaining
    else:
        assert remaining and outcome.fixed == 0
    again = _fix(root, case)
    assert again.fixed == 0 and not again.changes


@pytest.mark.parametrize("case", [case for case in NAMES if any((CASES / case).glob("*.fixed.*"))])
def test_the_fixes_are_unsafe_and_wait_for_unsafe_fixes(case: str, tmp_path: Path) -> None:
    root = _copy(case, tmp_path)
    outcome = _fix(root, case, unsafe=False)
    assert outcome.fixed == 0 and not outcome.changes
    assert outcome.more_with_unsafe() == len([f for f in outcome.result.findings if f.code == _code(case)])


@pytest.mark.parametrize("case", [case for case in NAMES if case.endswith("-not-fixed")])
def test_values_decided_at_deploy_time_are_not_fixed_and_the_finding_says_why(case: str, tmp_path: Path) -> None:
    result = run([_copy(case, tmp_path)], _config(case), use_cache=False)
    findings = [f for f in result.findings if f.code == _code(case)]
    assert findings
    for finding in findings:
        assert not finding.fixes
        assert "(not fixed automatically: " in finding.message, finding.message


def test_the_timeout_fix_keeps_six_times_within_the_queue_visibility(tmp_path: Path) -> None:
    """REL008 does not fire on what the PERF002 fix wrote: 5 s for the 30 s default visibility."""
    root = _copy("PERF002-yaml", tmp_path)
    _fix(root, "PERF002-yaml")
    result = run([root], Config().with_overrides(select=("REL008",)), use_cache=False)
    assert not result.findings
    assert "      Timeout: 5\n" in (root / "template.yaml").read_text()


@pytest.mark.parametrize(("visibility", "timeout"), [
    ("12", 3),  # 12 // 6 is 2 s: the fix never goes below the 3 s the function runs with now
    ("!Ref Visibility", 10),  # not literal: nothing to keep within, the rule doc's 10 s
])
def test_the_timeout_fix_has_a_floor_and_ignores_a_visibility_it_cannot_read(tmp_path: Path, visibility: str,
                                                                              timeout: int) -> None:
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nParameters:\n  Visibility:\n    Type: Number\n    Default: 60\n"
        "Resources:\n  Worker:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: app.handler\n"
        "      Runtime: python3.12\n      CodeUri: src/\n      Events:\n        Queue:\n          Type: SQS\n"
        "          Properties:\n            Queue: !GetAtt Jobs.Arn\n"
        f"  Jobs:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout: {visibility}\n")
    outcome = fix_files(lambda: run([tmp_path], _config("PERF002"), use_cache=False), unsafe=True)
    assert outcome.fixed == 1
    assert f"      Timeout: {timeout}\n" in (tmp_path / "template.yaml").read_text()


def test_a_taken_logical_id_is_not_reused_for_the_new_log_group(tmp_path: Path) -> None:
    root = _copy("COST001-json", tmp_path)
    _fix(root, "COST001-json")
    text = (root / "template.json").read_text()
    assert '"PlainLogs": {' in text and '"PlainLogGroup": {\n      "Type": "AWS::SNS::Topic"' in text


def test_the_rules_declare_the_fix_so_the_catalogue_lists_it(cli) -> None:
    import json

    listed = {row["code"]: row["fixable"] for row in json.loads(cli("rules", "--output-format", "json").output)}
    for code in ("OPS001", "COST002", "PERF002", "COST001", "REL003"):
        assert listed[code] == "sometimes", code


def test_template_fixes_are_built_only_when_read_and_together(tmp_path: Path, monkeypatch) -> None:
    """A run that prints messages does not load any edited template again; the first fix read (`--fix`, a
    JSON report) checks every reported fix to its template with one load, and nothing is loaded again."""
    from wa_lint.load.template import edit

    loads: list[int] = []  # the number of edits each load of an edited template checked
    hold = edit._hold
    monkeypatch.setattr(edit, "_hold", lambda template, proposals: loads.append(len(proposals)) or hold(template, proposals))
    root = _copy("OPS001-yaml", tmp_path)
    result = run([root], _config("OPS001-yaml"), use_cache=False)
    fixes = [finding.fixes[0] for finding in result.findings]
    assert len(fixes) > 1 and not loads
    assert fixes[-1].edits and loads == [len(fixes)]
    assert all(fix.edits for fix in fixes) and loads == [len(fixes)]
    assert [fix.titled("again").edits for fix in fixes] == [fix.edits for fix in fixes] and loads == [len(fixes)]


def test_a_template_fix_read_outside_a_run_is_built_alone_with_the_same_edits(tmp_path: Path) -> None:
    from wa_lint.check.template._fixes import TemplateFix

    root = _copy("OPS001-yaml", tmp_path)
    fixes = [finding.fixes[0] for finding in run([root], _config("OPS001-yaml"), use_cache=False).findings]
    assert all(isinstance(fix, TemplateFix) for fix in fixes)
    alone = [TemplateFix(fix.template, fix.builds, fix.applicability) for fix in fixes]
    assert [fix.edits for fix in alone] == [fix.edits for fix in fixes] and all(fix.edits for fix in alone)


def test_a_fix_the_template_refuses_is_not_counted_as_one_more_with_unsafe_fixes(tmp_path: Path) -> None:
    # A flow-style mapping cannot take an inserted key: the OPS001 fix is refused when it is built.
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {Handler: app.handler, Runtime: python3.12, InlineCode: 'def handler(e, c): pass'}\n")
    outcome = fix_files(lambda: run([tmp_path], Config().with_overrides(select=("OPS001",)), use_cache=False),
                        unsafe=False)
    assert [f.code for f in outcome.result.findings] == ["OPS001"]
    assert outcome.more_with_unsafe() == 0
