"""`wa-lint tune`: Power Tuning execution inputs (golden JSON) and `--start` against moto's Step Functions."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import REPO
from live_aws import REGION, Moto
from test_live import TABLE_RESOURCE, app, function_resource

from wa_lint.evidence.power_tuning import parse_result

GOLDEN = REPO / "tests" / "golden" / "tune" / "GetOrder.json"
EVENT = {"pathParameters": {"id": "42"}, "httpMethod": "GET"}
# A stand-in for the Power Tuning state machine: its analyzer's output, with the input's lambdaARN.
STATE_MACHINE = json.dumps({"StartAt": "Analyzer", "States": {"Analyzer": {"Type": "Pass", "End": True, "Parameters": {
    "power": 512, "cost": "COST", "duration": 9.8, "stateMachine": {}, "lambdaARN.$": "$.lambdaARN"}}}}
).replace('"COST"', "0.00000021")  # moto's definition parser does not take 2.1e-07


def deployed_app(aws: Moto, tmp_path: Path, memory: int | None = None, event: bool = True) -> tuple[Path, str]:
    root = app(tmp_path, memory=memory)
    if event:
        (root / "events").mkdir()
        (root / "events" / "event.json").write_text(json.dumps(EVENT))
    aws.deploy("orders-app", {"GetOrder": function_resource(aws), "Orders": TABLE_RESOURCE})
    arn = aws.client("lambda").get_function_configuration(
        FunctionName=aws.physical("orders-app", "GetOrder"))["FunctionArn"]
    return root, arn


def test_inputs_for_functions_perf001_flags(aws: Moto, tmp_path: Path, cli) -> None:
    root, arn = deployed_app(aws, tmp_path)  # no MemorySize: PERF001 flags GetOrder
    done = cli("tune", str(root), "--stack", "orders-app", "--region", REGION, "--isolated")
    assert done.exit_code == 0, done.output
    written = root / "power-tuning" / "inputs" / "GetOrder.json"
    assert written.read_text() == GOLDEN.read_text().replace("{ARN}", arn)
    assert "payload from" in done.output and "events/event.json" in done.output


def test_options_and_configured_payloads(aws: Moto, tmp_path: Path, cli) -> None:
    root, arn = deployed_app(aws, tmp_path, memory=1024, event=False)
    (root / "samples").mkdir()
    (root / "samples" / "get.json").write_text('{"id": 7}')
    (root / "wa-lint.toml").write_text('[tune]\nnum = 50\npayloads = { GetOrder = "samples/get.json" }\n'
                                       'power-values = [256, 512]\n')
    (root / "samconfig.toml").write_text(f'[default.deploy.parameters]\nstack_name = "orders-app"\n'
                                         f'region = "{REGION}"\n')
    done = cli("tune", str(root), "--function", "GetOrder", "--strategy", "balanced", "--balanced-weight", "0.3",
               "--power-values", "128,1024", "--output-dir", str(tmp_path / "out"))
    assert done.exit_code == 0, done.output
    document = json.loads((tmp_path / "out" / "inputs" / "GetOrder.json").read_text())
    assert document == {"lambdaARN": arn, "powerValues": [128, 1024], "num": 50, "payload": {"id": 7},
                        "strategy": "balanced", "balancedWeight": 0.3}


def test_no_sample_event_writes_a_placeholder_and_says_so(aws: Moto, tmp_path: Path, cli) -> None:
    root, _ = deployed_app(aws, tmp_path, event=False)
    (root / "events").mkdir()
    (root / "events" / "other.json").write_text("{}")
    (root / "template.yaml").write_text((root / "template.yaml").read_text() + (
        "  Second:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/\n"
        "      Handler: app.handler\n      Runtime: python3.12\n      MemorySize: 256\n"))
    done = cli("tune", str(root), "--stack", "orders-app", "--region", REGION, "--isolated")
    assert done.exit_code == 0, done.output
    assert "PLACEHOLDER" in done.output
    payload = json.loads((root / "power-tuning" / "inputs" / "GetOrder.json").read_text())["payload"]
    assert "replace this object with a sample event for GetOrder" in json.dumps(payload)


def test_without_a_stack_the_error_names_what_is_needed(aws: Moto, tmp_path: Path, cli) -> None:
    root, _ = deployed_app(aws, tmp_path)
    done = cli("tune", str(root), "--isolated")
    assert done.exit_code == 2
    assert "GetOrder: its lambdaARN needs the deployed stack: pass --stack NAME" in done.output
    assert not (root / "power-tuning").exists()


def test_unknown_function_is_named(aws: Moto, tmp_path: Path, cli) -> None:
    root, _ = deployed_app(aws, tmp_path)
    done = cli("tune", str(root), "--function", "Nope", "--stack", "orders-app", "--region", REGION, "--isolated")
    assert done.exit_code == 2 and "no function Nope in the templates (known: GetOrder)" in done.output


def test_start_runs_the_executions_and_the_next_lint_uses_the_result(aws: Moto, tmp_path: Path, cli) -> None:
    root, arn = deployed_app(aws, tmp_path, memory=1024)
    aws.execute_state_machines(True)
    machine = aws.client("stepfunctions").create_state_machine(
        name="powerTuningStateMachine", definition=STATE_MACHINE,
        roleArn="arn:aws:iam::123456789012:role/power-tuning")["stateMachineArn"]

    done = cli("tune", str(root), "--function", "GetOrder", "--stack", "orders-app", "--region", REGION,
               "--isolated", "--start", "--state-machine", machine, "--poll", "0.2", "--wait", "1")

    assert done.exit_code == 0, done.output
    result_file = root / "power-tuning" / "results" / "GetOrder.json"
    result = parse_result(result_file, result_file.read_text())
    assert (result.power, result.function_name) == (512, arn.rsplit(":", 1)[1])
    assert "512 MB as optimal" in done.output
    lint = cli(str(root), "--isolated", "--select", "PERF001", "--power-tuning", str(root / "power-tuning" / "results"),
               "--no-cache")
    assert lint.exit_code == 1
    assert "GetOrder is configured with 1024 MB" in lint.output and "measured 512 MB as optimal" in lint.output


def test_start_refuses_a_placeholder_payload(aws: Moto, tmp_path: Path, cli) -> None:
    root, _ = deployed_app(aws, tmp_path, event=False)
    done = cli("tune", str(root), "--stack", "orders-app", "--region", REGION, "--isolated", "--start",
               "--state-machine", "arn:aws:states:eu-west-1:123456789012:stateMachine:pt")
    assert done.exit_code == 2
    assert "GetOrder: not started, its payload is still the placeholder" in done.output
    assert not (root / "power-tuning" / "results").exists()


def test_start_needs_the_state_machine(cli, tmp_path: Path) -> None:
    done = cli("tune", str(tmp_path), "--start")
    assert done.exit_code == 2 and "--start and --state-machine ARN go together" in done.output
