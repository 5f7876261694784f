"""Baselines key findings on identity, not line numbers: they survive edits, and new findings show."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FUNCTION = "    Type: AWS::Serverless::Function\n    Properties:\n      Handler: app.handler\n      Runtime: python3.12\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "template.yaml").write_text("Resources:\n  Orders:\n" + FUNCTION + "  Reports:\n" + FUNCTION)
    return tmp_path


def test_write_then_only_new_findings(cli, project: Path) -> None:
    baseline = project / ".wa-lint-baseline.json"
    written = cli(str(project), "--isolated", "--write-baseline", str(baseline))
    assert written.exit_code == 0 and "recorded 2 findings" in written.output
    data = json.loads(baseline.read_text())
    assert [entry["context"] for entry in data["findings"]] == ["Orders", "Reports"]
    assert all("line" not in entry for entry in data["findings"])

    quiet = cli(str(project), "--isolated", "--baseline", str(baseline), "--output-format", "json")
    assert quiet.exit_code == 0 and json.loads(quiet.output)["findings"] == []

    # Lines inserted above move both findings down; a genuinely new function is the only new finding.
    text = (project / "template.yaml").read_text()
    (project / "template.yaml").write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\nDescription: moved down\n\n"
        + text.replace("Resources:\n", "Resources:\n  Billing:\n" + FUNCTION)
    )
    result = cli(str(project), "--isolated", "--baseline", str(baseline), "--output-format", "json")
    assert result.exit_code == 1
    document = json.loads(result.output)
    assert [(f["resource"], f["line"]) for f in document["findings"]] == [("Billing", 5)]
    assert "2 known findings in the baseline" in document["errors"][0]["message"]


def test_identities_are_counted(project: Path) -> None:
    from collections import Counter

    from wa_lint.config import Config
    from wa_lint.pipeline import run
    from wa_lint.report.baseline import new_findings
    from wa_lint.report.fingerprints import Fingerprinter

    result = run([project], Config(select=("PERF001",)))
    first = result.findings[0]
    known = Counter({Fingerprinter(result.project).identity(first): 1})
    assert new_findings([first, first], result.project, known) == [first], "one recorded, one new"
    assert new_findings([first], result.project, known + known) == []


@pytest.mark.parametrize("content", ["not json", '{"findings": []}', '{"wa-lint-baseline": 1, "findings": [{}]}'])
def test_a_bad_baseline_is_a_clear_error(cli, project: Path, content: str) -> None:
    baseline = project / "baseline.json"
    baseline.write_text(content)
    result = cli(str(project), "--isolated", "--baseline", str(baseline))
    assert result.exit_code == 2 and str(baseline) in result.output
    missing = cli(str(project), "--isolated", "--baseline", str(project / "nope.json"))
    assert missing.exit_code == 2 and "cannot read baseline" in missing.output
