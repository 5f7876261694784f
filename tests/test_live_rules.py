"""Rules that read `--aws` evidence, proved against a moto server: OPS008 on its fixtures, PERF001 measured
memory, PERF201 measured reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES, expected_markers, finding_keys
from live_aws import REGION, Moto

from wa_lint.config import Config
from wa_lint.evidence.live.target import LiveOptions
from wa_lint.pipeline import RunResult, run

LIVE_FIXTURES = sorted(folder for folder in FIXTURES.iterdir() if (folder / "deployed.json").is_file())


def lint(root: Path, *codes: str, stack: str = "app", rules: dict[str, dict[str, object]] | None = None) -> RunResult:
    config = Config(live=LiveOptions(stack=stack, region=REGION), select=codes, rules=rules or {})
    return run([root], config, use_cache=False, jobs=1)


def deploy_fixture(aws: Moto, folder: Path) -> None:
    resources = json.loads((folder / "deployed.json").read_text())["Resources"]
    for resource in resources.values():
        if resource["Type"] == "AWS::Lambda::Function":
            resource["Properties"]["Role"] = aws.role()
    aws.deploy("app", resources)


@pytest.mark.parametrize("variant", ["bad", "good"])
@pytest.mark.parametrize("folder", LIVE_FIXTURES, ids=lambda folder: folder.name)
def test_live_rule_fixture(aws: Moto, folder: Path, variant: str) -> None:
    code = folder.name.split("-", 1)[0]
    deploy_fixture(aws, folder)
    root = folder / variant
    result = lint(root, code)
    expected = expected_markers(root, {code})
    assert bool(expected) == (variant == "bad")
    assert finding_keys(result, root) == expected, [f.message for f in result.findings]


def test_drift_needs_the_account(tmp_path: Path) -> None:
    """Without --aws the rule has nothing to compare and reports nothing."""
    root = FIXTURES / "OPS008-deployed-config-drift" / "bad"
    assert run([root], Config(select=("OPS008",)), use_cache=False, jobs=1).findings == []


def test_drift_message_names_both_values(aws: Moto) -> None:
    folder = FIXTURES / "OPS008-deployed-config-drift"
    deploy_fixture(aws, folder)
    messages = [f.message for f in lint(folder / "bad", "OPS008").findings]
    assert any("GetOrder's MemorySize is 512 in the template but 1024 in the deployed function app-GetOrder-" in m
               for m in messages), messages
    assert any(m.startswith("ListOrders's Timeout is 3 in the template (the default) but 6") for m in messages)


# -- PERF001: measured memory -------------------------------------------------------------------------
def memory_app(aws: Moto, tmp_path: Path, memory: int, peak: int, invocations: float, duration: float) -> Path:
    from test_live import app, function_resource

    root = app(tmp_path, memory=memory)
    aws.deploy("app", {"GetOrder": function_resource(aws, memory=memory)})
    name = aws.physical("app", "GetOrder")
    aws.metric("AWS/Lambda", "Invocations", "FunctionName", name, [invocations], "Count")
    aws.metric("AWS/Lambda", "Duration", "FunctionName", name, [duration], "Milliseconds")
    aws.report_lines(name, [peak // 2, peak], memory)
    return root


def perf001(root: Path) -> list[str]:
    return [f.message + " | fix: " + f.fix for f in lint(root, "PERF001").findings]


def test_memory_over_provisioned_by_measurement(aws: Moto, tmp_path: Path) -> None:
    [message] = perf001(memory_app(aws, tmp_path, memory=1024, peak=90, invocations=5000, duration=40))
    assert "GetOrder is configured with 1024 MB" in message
    assert "measured over 14 days: peak 90 MB used of 1,024 MB (9%, REPORT Max Memory Used)" in message
    assert "5,000 invocations: over-provisioned" in message
    assert "wa-lint tune --function GetOrder" in message and "would likely pick a smaller size" in message


def test_memory_under_provisioned_by_measurement(aws: Moto, tmp_path: Path) -> None:
    [message] = perf001(memory_app(aws, tmp_path, memory=1024, peak=1000, invocations=5000, duration=40))
    assert "(98%, REPORT Max Memory Used)" in message and "under-provisioned" in message
    assert "would likely pick a larger size" in message


def test_cpu_bound_duration_below_one_vcpu(aws: Moto, tmp_path: Path) -> None:
    [message] = perf001(memory_app(aws, tmp_path, memory=512, peak=300, invocations=5000, duration=2500))
    assert "average duration 2,500 ms" in message and "likely CPU-bound" in message


def test_memory_measured_in_the_middle_is_no_finding(aws: Moto, tmp_path: Path) -> None:
    assert perf001(memory_app(aws, tmp_path, memory=1024, peak=700, invocations=5000, duration=40)) == []


def test_too_few_invocations_judge_nothing(aws: Moto, tmp_path: Path) -> None:
    assert perf001(memory_app(aws, tmp_path, memory=1024, peak=90, invocations=20, duration=40)) == []


def test_static_finding_carries_the_measurements(aws: Moto, tmp_path: Path) -> None:
    from test_live import app, function_resource

    root = app(tmp_path, memory=None)  # no MemorySize: the 128 MB default runs
    aws.deploy("app", {"GetOrder": function_resource(aws, memory=128)})
    name = aws.physical("app", "GetOrder")
    aws.metric("AWS/Lambda", "Invocations", "FunctionName", name, [5000], "Count")
    aws.report_lines(name, [126], 128)
    [message] = perf001(root)
    assert message.startswith("GetOrder sets no MemorySize, so it runs with the Lambda default of 128 MB; "
                              "measured over 14 days: peak 126 MB used of 128 MB (98%")
    assert "would likely pick a larger size" in message


# -- PERF201: measured reads --------------------------------------------------------------------------
def table_app(aws: Moto, tmp_path: Path, read_units: int | None, reads_per_second: float,
              writes_per_second: float) -> Path:
    from test_live import TABLE_RESOURCE, app

    root = app(tmp_path)
    if read_units is not None:
        text = (root / "template.yaml").read_text().replace(
            "      BillingMode: PAY_PER_REQUEST\n",
            f"      ProvisionedThroughput: {{ReadCapacityUnits: {read_units}, WriteCapacityUnits: 5}}\n")
        (root / "template.yaml").write_text(text)
    aws.deploy("app", {"Orders": TABLE_RESOURCE})
    name = aws.physical("app", "Orders")
    seconds = 14 * 86_400
    aws.metric("AWS/DynamoDB", "ConsumedReadCapacityUnits", "TableName", name, [reads_per_second * seconds])
    aws.metric("AWS/DynamoDB", "ConsumedWriteCapacityUnits", "TableName", name, [writes_per_second * seconds])
    return root


def test_table_hot_by_measurement_alone(aws: Moto, tmp_path: Path) -> None:
    [finding] = lint(table_app(aws, tmp_path, None, 250.0, 5.0), "PERF201").findings
    assert "measured over 14 days: 250.0 RCU/s consumed on average, 5.0 WCU/s (50:1 reads to writes)" \
        in finding.message
    assert str(finding.severity) == "info"


def test_reads_without_the_ratio_are_not_hot(aws: Moto, tmp_path: Path) -> None:
    assert lint(table_app(aws, tmp_path, None, 250.0, 100.0), "PERF201").findings == []


def test_table_hot_by_template_but_cold_by_measurement_is_info_with_the_numbers(aws: Moto, tmp_path: Path) -> None:
    root = table_app(aws, tmp_path, 5000, 2.0, 1.0)
    config = Config(live=LiveOptions(stack="app", region=REGION), select=("PERF201",),
                    severity={"PERF201": "warning"})
    [finding] = run([root], config, use_cache=False, jobs=1).findings
    assert "ReadCapacityUnits 5000 on the table; but measured over 14 days: 2.0 RCU/s" in finding.message
    assert str(finding.severity) == "info"
    # Without the account, the configured severity stands.
    [static] = run([root], Config(select=("PERF201",), severity={"PERF201": "warning"}), use_cache=False).findings
    assert str(static.severity) == "warning"


def test_default_timeout_carries_the_deployed_value_and_durations(aws: Moto, tmp_path: Path) -> None:
    from test_live import app, function_resource

    root = app(tmp_path)
    (root / "template.yaml").write_text((root / "template.yaml").read_text().replace("      Timeout: 10\n", ""))
    aws.deploy("app", {"GetOrder": function_resource(aws, timeout=3)})
    aws.metric("AWS/Lambda", "Duration", "FunctionName", aws.physical("app", "GetOrder"), [2400.0], "Milliseconds")
    [finding] = lint(root, "PERF002").findings
    assert "; deployed: Timeout 3 s; measured over 14 days: average duration 2,400 ms" in finding.message


def test_enriched_findings_carry_evidence_in_json_sarif_and_text(aws: Moto, tmp_path: Path, cli) -> None:
    root = memory_app(aws, tmp_path, memory=1024, peak=90, invocations=5000, duration=40)
    [finding] = lint(root, "PERF001").findings
    peak = {"source": "cloudwatch-logs", "statistic": "Maximum", "value": 90, "unit": "MB",
            "metric": "REPORT Max Memory Used", "path": None, "window": "14 days"}
    args = [str(root), "--aws", "--stack", "app", "--region", REGION, "--isolated", "--select", "PERF001",
            "--no-cache"]
    text = cli(*args).output
    assert "  evidence: REPORT Max Memory Used Maximum 90 MB over 14 days (cloudwatch-logs); " in text
    [as_json] = json.loads(cli(*args, "--output-format", "json").stdout)["findings"]
    assert peak in as_json["evidence"]
    assert {"source": "cloudwatch", "metric": "AWS/Lambda Invocations", "statistic": "Sum", "value": 5000,
            "unit": "invocations", "path": None, "window": "14 days"} in as_json["evidence"]
    [result] = json.loads(cli(*args, "--output-format", "sarif").stdout)["runs"][0]["results"]
    assert peak in result["properties"]["evidence"]
    assert len(finding.evidence) == len(as_json["evidence"])


def test_measured_table_and_drift_findings_carry_evidence(aws: Moto, tmp_path: Path) -> None:
    [table] = lint(table_app(aws, tmp_path, None, 250.0, 5.0), "PERF201").findings
    assert [(e.metric, e.statistic, e.unit) for e in table.evidence] == [
        ("AWS/DynamoDB ConsumedReadCapacityUnits", "Sum per second", "units/s"),
        ("AWS/DynamoDB ConsumedWriteCapacityUnits", "Sum per second", "units/s")]
    assert table.evidence[0].value == 250


def test_drift_evidence_is_the_deployed_value(aws: Moto) -> None:
    folder = FIXTURES / "OPS008-deployed-config-drift"
    deploy_fixture(aws, folder)
    evidence = {e.metric: e.value for f in lint(folder / "bad", "OPS008").findings for e in f.evidence}
    assert evidence["GetFunctionConfiguration MemorySize"] == 1024
    assert evidence["GetFunctionConfiguration Runtime"] == "python3.11"
