"""`--aws` against a moto server: stack resolution, samconfig, Lambda/CloudWatch/DynamoDB reads, failures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from live_aws import REGION, Moto

from wa_lint.config import Config
from wa_lint.evidence.live.target import LiveOptions
from wa_lint.pipeline import RunResult, run

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  GetOrder:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      MemorySize: {memory}
      Timeout: 10
      Tracing: Active
      Architectures: [arm64]
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{{AttributeName: pk, AttributeType: S}}]
      KeySchema: [{{AttributeName: pk, KeyType: HASH}}]
"""
HANDLER = "def handler(event, context):\n    return {'statusCode': 200}\n"


def app(tmp_path: Path, memory: int | None = 1024, samconfig: str | None = None) -> Path:
    """The SAM app; `memory=None` leaves MemorySize out (a static PERF001 finding)."""
    (tmp_path / "app" / "src").mkdir(parents=True)
    text = TEMPLATE.format(memory=memory)
    (tmp_path / "app" / "template.yaml").write_text(
        text if memory is not None else text.replace("      MemorySize: None\n", ""))
    (tmp_path / "app" / "src" / "app.py").write_text(HANDLER)
    if samconfig is not None:
        (tmp_path / "app" / "samconfig.toml").write_text(samconfig)
    return tmp_path / "app"


def function_resource(aws: Moto, memory: int = 1024, timeout: int = 10) -> dict[str, Any]:
    return {"Type": "AWS::Lambda::Function", "Properties": {
        "Runtime": "python3.12", "Handler": "app.handler", "Role": aws.role(), "MemorySize": memory,
        "Timeout": timeout, "Code": {"ZipFile": HANDLER}}}


TABLE_RESOURCE = {"Type": "AWS::DynamoDB::Table", "Properties": {
    "BillingMode": "PAY_PER_REQUEST", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}}


def lint(root: Path, **options: Any) -> RunResult:
    live = LiveOptions(**{"stack": "orders-app", "region": REGION, **options})
    return run([root], Config(live=live), use_cache=False, jobs=1)


def problems(live: Any) -> list[str]:
    """The problems of a run, less moto's own limit: it cannot compute percentiles (GetMetricData p99)."""
    return [p.message for p in live.problems if "percentile statistics" not in p.message]


def live_notes(result: RunResult) -> list[str]:
    return [d.message for d in result.diagnostics if d.kind == "live"]


def test_stack_functions_tables_and_metrics_are_read(aws: Moto, tmp_path: Path) -> None:
    aws.deploy("orders-app", {"GetOrder": function_resource(aws), "Orders": TABLE_RESOURCE})
    function, table = aws.physical("orders-app", "GetOrder"), aws.physical("orders-app", "Orders")
    aws.metric("AWS/Lambda", "Invocations", "FunctionName", function, [400, 600], "Count")
    aws.metric("AWS/Lambda", "Duration", "FunctionName", function, [100, 300], "Milliseconds")
    aws.metric("AWS/Lambda", "ConcurrentExecutions", "FunctionName", function, [3, 7])
    aws.metric("AWS/DynamoDB", "ConsumedReadCapacityUnits", "TableName", table, [86_400.0, 86_400.0])
    aws.report_lines(function, [70, 90, 80], 1024)

    result = lint(app(tmp_path))

    live = result.project.live
    assert live is not None and problems(live) == [], live_notes(result)
    template = tmp_path / "app" / "template.yaml"
    assert live.deployed[(template, "GetOrder")].physical_id == function
    deployed = live.functions[function]
    assert (deployed.memory, deployed.timeout, deployed.runtime) == (1024, 10, "python3.12")
    metrics = live.function_metrics[function]
    assert metrics.invocations is not None and metrics.invocations.value == 1000
    assert metrics.duration_average is not None and metrics.duration_average.value == 200
    assert metrics.concurrency_max is not None and metrics.concurrency_max.value == 7
    # No Lambda Insights: the peak comes from the REPORT lines, and so does the init duration.
    assert metrics.max_memory_used is not None and metrics.max_memory_used.value == 90
    assert metrics.max_memory_used.metric == "REPORT Max Memory Used"
    assert metrics.init_duration_average is not None and metrics.init_duration_average.value == 250
    orders = live.tables[table]
    assert orders.billing_mode == "PAY_PER_REQUEST"
    # 172,800 units over 14 days.
    assert orders.reads_per_second is not None
    assert orders.reads_per_second.value == pytest.approx(172_800 / (14 * 86_400))
    assert orders.writes_per_second is None  # no data is no measurement, not zero
    assert any("1 functions and 1 tables read" in note for note in live_notes(result))


def test_lambda_insights_memory_wins_over_report_lines(aws: Moto, tmp_path: Path) -> None:
    aws.deploy("orders-app", {"GetOrder": function_resource(aws)})
    function = aws.physical("orders-app", "GetOrder")
    aws.metric("LambdaInsights", "used_memory_max", "function_name", function, [300, 512], "Megabytes")
    aws.report_lines(function, [90], 1024)

    live = lint(app(tmp_path)).project.live

    assert live is not None
    used = live.function_metrics[function].max_memory_used
    assert used is not None and (used.value, used.metric) == (512, "LambdaInsights used_memory_max")


def test_nested_stack_resources_are_joined_to_their_template(aws: Moto, tmp_path: Path) -> None:
    root = app(tmp_path)
    (root / "tables").mkdir()
    (root / "tables" / "template.yaml").write_text(
        "Resources:\n  Customers:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      BillingMode: PAY_PER_REQUEST\n"
        "      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]\n"
        "      KeySchema: [{AttributeName: pk, KeyType: HASH}]\n")
    aws.deploy("orders-app", {"GetOrder": function_resource(aws), "Orders": TABLE_RESOURCE},
               nested={"TablesStack": {"Customers": TABLE_RESOURCE}})

    live = lint(root).project.live

    assert live is not None and problems(live) == []
    customers = live.deployed[(root / "tables" / "template.yaml", "Customers")]
    assert customers.nested_path == ("TablesStack",)
    assert customers.physical_id in live.tables
    assert live.deployed[(root / "template.yaml", "Orders")].nested_path == ()


def test_samconfig_names_the_stack_and_region(aws: Moto, tmp_path: Path) -> None:
    aws.deploy("from-samconfig", {"GetOrder": function_resource(aws)})
    samconfig = (f'version = 0.1\n[default.deploy.parameters]\nstack_name = "from-samconfig"\nregion = "{REGION}"\n'
                 '[prod.deploy.parameters]\nstack_name = "prod-stack"\n')

    live = lint(app(tmp_path, samconfig=samconfig), stack=None, region=None).project.live

    assert live is not None and live.stack == "from-samconfig" and live.region == REGION
    assert live.functions and problems(live) == []
    prod = lint(tmp_path / "app", stack=None, region=REGION, config_env="prod")
    assert prod.project.live is not None and prod.project.live.stack == "prod-stack"
    assert any("stack 'prod-stack' does not exist" in note for note in live_notes(prod))


def test_samconfig_yaml_is_read(aws: Moto, tmp_path: Path) -> None:
    aws.deploy("yaml-stack", {"GetOrder": function_resource(aws)})
    root = app(tmp_path)
    (root / "samconfig.yaml").write_text("version: 0.1\ndefault:\n  global:\n    parameters:\n"
                                         "      stack_name: yaml-stack\n")
    live = lint(root, stack=None).project.live
    assert live is not None and live.stack == "yaml-stack" and live.functions


def test_no_stack_anywhere_says_how_to_name_one(aws: Moto, tmp_path: Path) -> None:
    result = lint(app(tmp_path, memory=None), stack=None)
    assert result.project.live is None
    assert any("pass --stack NAME" in note and "no samconfig.toml" in note for note in live_notes(result))
    assert {f.code for f in result.findings} == {"PERF001"}  # the static findings are still there


def test_unknown_stack_is_named_and_static_findings_remain(aws: Moto, tmp_path: Path) -> None:
    result = lint(app(tmp_path, memory=None), stack="no-such-stack")
    assert {f.code for f in result.findings} == {"PERF001"}
    assert any("stack 'no-such-stack' does not exist in eu-west-1" in n for n in live_notes(result))
    assert result.project.live is not None and not result.project.live.functions


def test_no_credentials_is_a_clear_message(aws: Moto, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    result = lint(app(tmp_path))
    assert any("no AWS credentials found" in note for note in live_notes(result)), live_notes(result)


def test_access_denied_on_one_call_names_the_action_and_the_rest_is_read(
        aws: Moto, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Only a table: with IAM enforced, moto's Lambda endpoint rejects every signature (SignatureDoesNotMatch),
    # whatever the policy, so the function reads cannot be part of this test.
    aws.deploy("orders-app", {"Orders": TABLE_RESOURCE})
    table = aws.physical("orders-app", "Orders")
    aws.metric("AWS/DynamoDB", "ConsumedReadCapacityUnits", "TableName", table, [1000.0])
    for name, value in aws.user_without("dynamodb:DescribeTable").items():
        monkeypatch.setenv(name, value)

    result = lint(app(tmp_path, memory=None))

    live = result.project.live
    assert live is not None
    assert [p.action for p in live.problems] == ["dynamodb:DescribeTable"], live.problems
    assert any("access denied to dynamodb:DescribeTable" in note for note in live_notes(result))
    # What the denied call would have said is unknown; the table's consumption was still read.
    assert live.tables[table].billing_mode is None
    assert live.tables[table].reads_per_second is not None
    assert {f.code for f in result.findings} == {"PERF001"}


def test_rejected_credentials_stop_the_reads_with_one_message(
        aws: Moto, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    aws.deploy("orders-app", {"Orders": TABLE_RESOURCE})
    keys = aws.user_without("dax:*")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", keys["AWS_ACCESS_KEY_ID"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    result = lint(app(tmp_path))
    assert any("AWS rejected the credentials" in note for note in live_notes(result)), live_notes(result)


def test_the_command_line_reports_live_notes_and_static_findings(aws: Moto, tmp_path: Path, cli) -> None:
    aws.deploy("orders-app", {"GetOrder": function_resource(aws, memory=128)})
    root = app(tmp_path, memory=None)
    done = cli(str(root), "--aws", "--stack", "orders-app", "--region", REGION, "--isolated", "--no-cache")
    assert done.exit_code == 1, done.output
    assert "PERF001" in done.output
    assert "note: --aws: stack orders-app in eu-west-1 (--stack): 1 functions and 0 tables read" in done.output
    as_json = cli(str(root), "--aws", "--stack", "orders-app", "--region", REGION, "--isolated", "--no-cache",
                  "--output-format", "json")
    notes = [e for e in json.loads(as_json.stdout)["errors"] if e["kind"] == "live"]
    assert notes and all(note["path"] is None for note in notes)


def test_stack_without_aws_is_a_usage_error(cli, tmp_path: Path) -> None:
    done = cli(str(tmp_path), "--stack", "orders-app")
    assert done.exit_code == 2 and "--stack only apply with --aws" in done.output


def test_an_endpoint_that_never_answers_times_out_with_a_note(
        aws: Moto, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # connections complete in the backlog; nothing ever answers
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{silent.getsockname()[1]}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    try:
        result = lint(app(tmp_path, memory=None), timeout=1.0)
    finally:
        silent.close()
    assert any("cloudformation:ListStackResources timed out" in note for note in live_notes(result)), \
        live_notes(result)
    assert {f.code for f in result.findings} == {"PERF001"}


def test_throttling_after_retries_names_the_call() -> None:
    import botocore.exceptions

    from wa_lint.evidence.live.aws import _translate

    error = botocore.exceptions.ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"},
                                             "ResponseMetadata": {"HTTPStatusCode": 400}}, "GetMetricData")
    translated = _translate(error, "cloudwatch", "get_metric_data")
    assert translated.message == "cloudwatch:GetMetricData was throttled even after retries; try again later"
    assert not translated.fatal and translated.action is None


def test_show_model_lists_what_was_read(aws: Moto, tmp_path: Path, cli) -> None:
    aws.deploy("orders-app", {"GetOrder": function_resource(aws), "Orders": TABLE_RESOURCE})
    function = aws.physical("orders-app", "GetOrder")
    aws.metric("AWS/Lambda", "Invocations", "FunctionName", function, [1234], "Count")
    root = app(tmp_path)
    done = cli(str(root), "--aws", "--stack", "orders-app", "--region", REGION, "--isolated", "--show-model")
    assert f"template.yaml#GetOrder  {function}: 1024 MB, 10 s, x86_64, python3.12" in done.output
    assert "measured: invocations 1,234 invocations" in done.output
    model = json.loads(cli(str(root), "--aws", "--stack", "orders-app", "--region", REGION, "--isolated",
                           "--show-model", "--output-format", "json").stdout)
    assert model["live"]["functions"]["template.yaml#GetOrder"]["deployed"]["memory"] == 1024
    assert model["live"]["tables"]["template.yaml#Orders"]["billing_mode"] == "PAY_PER_REQUEST"


def test_dax_clusters_are_described(aws: Moto) -> None:
    # moto's CloudFormation cannot create AWS::DAX::Cluster, so the read is tested on its own.
    from wa_lint.evidence.live.aws import Account
    from wa_lint.evidence.live.tables import dax_clusters

    aws.client("dax").create_cluster(ClusterName="orders-cache", NodeType="dax.t3.small", ReplicationFactor=3,
                                     IamRoleArn=aws.role())
    clusters = dax_clusters(Account(REGION), ["orders-cache"])
    assert clusters["orders-cache"].nodes == 3
