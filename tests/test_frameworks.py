"""Serverless Framework and CDK apps linked like SAM apps, and runs that say what they did not see."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES

from wa_lint.config import Config
from wa_lint.link.model import Function
from wa_lint.pipeline import RunResult, run

SLS = FIXTURES / "frameworks" / "serverless-app"


def _run(root: Path, *codes: str) -> RunResult:
    return run([root], Config().with_overrides(select=codes or ("PERF001",), preview=True), use_cache=False)


def _functions(result: RunResult) -> dict[str, Function]:
    return {function.logical_id: function for function in result.project.functions}


def test_serverless_functions_link_to_their_handler_code() -> None:
    functions = _functions(_run(SLS))
    assert sorted(functions) == ["api", "reports", "worker"]
    api = functions["api"]
    assert api.handler is not None and api.handler.file == SLS / "src" / "orders" / "api.py"
    assert api.handler.qualname == "handle"
    assert api.template.path == SLS / "serverless.yml"


def test_memory_and_timeout_come_from_the_function_the_provider_or_the_framework_default() -> None:
    functions = _functions(_run(SLS))
    memory = {name: (f.memory.value, f.memory.source, f.memory.span.line) for name, f in functions.items() if f.memory}
    assert memory == {"api": (1024, "framework-default", 21), "worker": (512, "function", 30),
                      "reports": (2048, "function", 52)}
    timeout = {name: (f.timeout.value, f.timeout.source) for name, f in functions.items() if f.timeout}
    # worker's timeout comes through ${self:custom.settings...} from ${file(./settings.yml)}.
    assert timeout == {"api": (20, "provider"), "worker": (60, "function"), "reports": (20, "provider")}


def test_variables_resolve_from_the_project_and_deploy_time_values_stay_unresolved() -> None:
    api = _functions(_run(SLS))["api"]
    values = {name: var.value for name, var in api.environment.items()}
    assert values == {"TABLE_NAME": "orders-dev", "API_KEY": "${ssm:/orders/api-key}", "REGION": "eu-west-1"}
    assert api.environment["TABLE_NAME"].span.line == 16
    assert [text for text, _ in api.template.unresolved] == ["${ssm:/orders/api-key}"]


def test_events_become_triggers_of_their_kind() -> None:
    worker = _functions(_run(SLS))["worker"]
    kinds = [(trigger.type, trigger.target) for trigger in worker.triggers]
    assert kinds == [("SQS", "Jobs"), ("DynamoDB", "Orders"), ("S3", None), ("SNS", None), ("Schedule", None),
                     ("EventBridgeRule", None), ("ALB", None), ("WebSocket", None)]
    api = _functions(_run(SLS))["api"]
    assert [trigger.type for trigger in api.triggers] == ["Api", "HttpApi"]
    assert api.has_synchronous_api_trigger


def test_resources_are_linked_as_cloudformation() -> None:
    result = _run(SLS)
    assert [(table.logical_id, table.table_name) for table in result.project.tables] == [("Orders", "orders-dev")]


def test_untuned_memory_names_the_framework_default_at_the_yaml_line() -> None:
    result = _run(SLS, "PERF001")
    found = [(f.span.path.name, f.span.line, f.function) for f in result.findings]
    assert found == [("serverless.yml", 21, "api")]
    assert "Serverless Framework default of 1024 MB" in result.findings[0].message
    assert "128" not in result.findings[0].message
    assert not result.findings[0].fixes  # serverless.yml is not edited through template paths


def test_default_timeout_names_the_framework_default(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(
        "service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  hello:\n    handler: h.main\n"
    )
    (tmp_path / "h.py").write_text("def main(event, context):\n    return 1\n")
    result = _run(tmp_path, "PERF002")
    assert [(f.span.line, f.function) for f in result.findings] == [(6, "hello")]
    assert "default of 6 seconds" in result.findings[0].message


def _text(result: RunResult) -> str:
    import io

    from wa_lint.report.formats.text import report

    out = io.StringIO()
    report(result, out, colour=False)
    return out.getvalue()


def test_an_empty_folder_says_nothing_was_checked(tmp_path: Path) -> None:
    result = _run(tmp_path)
    assert [d.kind for d in result.diagnostics] == ["warning"]
    text = _text(result)
    assert "All checks passed" not in text
    assert "Nothing checked" in text


def test_a_folder_with_a_handler_is_not_reported_as_empty(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 1\n")
    result = _run(tmp_path)
    assert not [d for d in result.diagnostics if d.kind == "warning"]
    assert "All checks passed" in _text(result)


def test_cdk_json_without_cdk_out_suggests_synth_and_still_checks_handlers() -> None:
    root = FIXTURES / "frameworks" / "cdk-without-synth"
    result = _run(root)
    warnings = [d for d in result.diagnostics if d.kind == "warning"]
    assert [d.path.name for d in warnings if d.path] == ["cdk.json"]
    assert "cdk synth" in warnings[0].message
    assert [entry.qualname for entry in result.project.entries] == ["handler"]


def test_many_cdk_apps_without_cdk_out_get_one_warning_that_counts_them(tmp_path: Path) -> None:
    for count in range(5):
        (tmp_path / f"app{count}").mkdir()
        (tmp_path / f"app{count}" / "cdk.json").write_text('{"app": "python3 app.py"}')
    (tmp_path / "app4" / "cdk.out").mkdir()  # synthesized: nothing to say about it
    warnings = [d for d in _run(tmp_path).diagnostics if d.kind == "warning" and "cdk" in d.message]
    assert len(warnings) == 1 and warnings[0].message.startswith("4 CDK apps have no cdk.out ("), warnings
    assert "app0" in warnings[0].message and "and 1 more): " in warnings[0].message
    assert "cdk synth" in warnings[0].message


def test_a_staged_handler_hears_nothing_of_cdk_apps_elsewhere(tmp_path: Path) -> None:
    # pre-commit names one file; CDK apps elsewhere in the repository are read only because their
    # cdk.json mentions `app`, and their never being synthesised says nothing about the file named (it
    # was one warning for all of them, which also made the summary read "Nothing checked").
    (tmp_path / ".git").mkdir()
    for count in range(4):
        (tmp_path / f"cdk{count}").mkdir()
        (tmp_path / f"cdk{count}" / "cdk.json").write_text('{"app": "python3 app.py"}')
    (tmp_path / "sam" / "src").mkdir(parents=True)
    (tmp_path / "sam" / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      Runtime: python3.12\n      CodeUri: src/\n      Handler: app.handler\n"
        "      MemorySize: 1024\n")
    handler = tmp_path / "sam" / "src" / "app.py"
    handler.write_text("def handler(event, context):\n    return 1\n")
    staged = run([handler], Config(), use_cache=False)
    assert not [d for d in staged.diagnostics if d.kind == "warning"], staged.diagnostics
    assert "All checks passed" in _text(staged) and staged.stats.functions_with_code == 1
    whole = run([tmp_path], Config(), use_cache=False)
    assert [d.message[:28] for d in whole.diagnostics if "cdk" in d.message] == ["4 CDK apps have no cdk.out ("]


def test_the_summary_counts_framework_files_and_linked_functions() -> None:
    text = _text(_run(SLS))
    assert "0 templates, 1 serverless.yml and 3 Python files; 3 functions, 3 with local code" in text


CDK = FIXTURES / "frameworks" / "cdk-app"


def test_cdk_asset_functions_link_to_the_source_folder_and_helpers_are_not_functions() -> None:
    result = _run(CDK, "PERF001", "PERF101", "COST001")
    functions = _functions(result)
    assert list(functions) == ["ListBucketsFn1A2B3C4D"]  # CDK's log-retention and bucket-deployment helpers are not
    function = functions["ListBucketsFn1A2B3C4D"]
    assert function.handler is not None and function.handler.file == CDK / "lambda" / "index.py"
    found = sorted((f.code, f.span.path.relative_to(CDK).as_posix()) for f in result.findings)
    # The helpers' code in cdk.out is never reported, nor the copy of the user's code; Custom::LogRetention
    # counts as a retention setting.
    assert found == [("PERF001", "cdk.out/OrdersStack.template.json"), ("PERF101", "lambda/index.py")]


def test_variables_that_fan_out_or_refer_to_themselves_stay_unresolved_and_fast(tmp_path: Path) -> None:
    import time

    from wa_lint.load.frameworks.serverless import translate

    lines = ["service: s", "custom:", "  a0: x"]
    lines += [f"  a{i}: ${{self:custom.a{i - 1}}}${{self:custom.a{i - 1}}}" for i in range(1, 40)]
    lines += ["  loop: ${self:custom.loop}", "functions:", "  f:", "    handler: h.main", "    environment:",
              "      A: ${self:custom.a39}", "      L: ${self:custom.loop}", "      S: ${self:custom.a3}"]
    started = time.perf_counter()
    template = translate(tmp_path / "serverless.yml", "\n".join(lines) + "\n", lambda path: None)
    assert time.perf_counter() - started < 5
    variables = template.resources["f"]["Properties"]["Environment"]["Variables"]
    assert variables["A"] == "${self:custom.a39}" and variables["L"] == "${self:custom.loop}"
    assert variables["S"] == "x" * 8


def test_other_providers_and_plugin_handlers_are_not_lambda_code(tmp_path: Path) -> None:
    (tmp_path / "gcp").mkdir()
    (tmp_path / "gcp" / "serverless.yml").write_text(
        "service: g\nprovider:\n  name: google\n  runtime: python37\nfunctions:\n  first:\n    handler: http\n")
    (tmp_path / "serverless.yml").write_text(
        "service: w\nprovider:\n  name: aws\n  runtime: python3.12\n  memorySize: 256\n"
        "  environment: ${file(./secrets.yml)}\nfunctions:\n  api:\n    handler: wsgi_handler.handler\n")
    result = _run(tmp_path, "PERF001", "WA005")
    assert [f.template.path.parent for f in result.project.functions] == [tmp_path]
    assert result.findings == []
    assert result.diagnostics == []  # the absent secrets file is a deploy-time value, not a skip


def test_the_framework_log_group_takes_its_retention_from_log_retention_in_days(tmp_path: Path) -> None:
    body = "service: s\nprovider:\n  name: aws\n  runtime: python3.12\n{}functions:\n  hello:\n    handler: h.main\n"
    (tmp_path / "h.py").write_text("def main(event, context):\n    return 1\n")
    (tmp_path / "serverless.yml").write_text(body.format(""))
    unset = _run(tmp_path, "COST001")
    assert [(f.span.line, f.resource) for f in unset.findings] == [(6, "HelloLogGroup")]
    assert _functions(unset)["hello"].properties["FunctionName"] == "s-dev-hello"
    (tmp_path / "serverless.yml").write_text(body.format("  logRetentionInDays: 14\n"))
    assert _run(tmp_path, "COST001").findings == []


@pytest.mark.parametrize(("setting", "reported"), [("true", False), ("false", True)])
def test_provider_api_gateway_tracing_counts_for_the_framework_api(tmp_path: Path, setting: str, reported: bool) -> None:
    (tmp_path / "serverless.yml").write_text(
        "service: api\nprovider:\n  name: aws\n  runtime: python3.12\n  tracing:\n"
        f"    apiGateway: {setting}\n    lambda: true\nfunctions:\n  hello:\n    handler: handler.hello\n"
        "    events:\n      - http:\n          path: hello\n          method: get\n")
    (tmp_path / "handler.py").write_text("def hello(event, context):\n    return {}\n")
    result = run([tmp_path], Config(select=("OPS001", "OPS002")), use_cache=False)
    assert [f.code for f in result.findings] == (["OPS002"] if reported else [])


@pytest.mark.parametrize(("handling", "reported"), [
    ("", True),
    ("    destinations:\n      onSuccess: other\n", True),  # success alone catches no failure
    ("    destinations:\n      onFailure: arn:aws:sqs:eu-west-1:123456789012:failed\n", False),
    ("    destinations:\n      onFailure:\n        type: sqs\n        arn:\n          Fn::GetAtt: [Failed, Arn]\n", False),
    ("    onError: arn:aws:sns:eu-west-1:123456789012:failed\n", False),
])
def test_function_destinations_and_on_error_count_as_failure_handling(tmp_path: Path, handling: str,
                                                                      reported: bool) -> None:
    text = ("service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  worker:\n"
            f"    handler: h.main\n{handling}    events:\n      - sns: orders\n")
    (tmp_path / "serverless.yml").write_text(text)
    (tmp_path / "h.py").write_text("def main(event, context):\n    return 1\n")
    result = _run(tmp_path, "REL001")
    trigger_line = text.splitlines().index("      - sns: orders") + 1
    assert [(f.code, f.span.line) for f in result.findings] == ([("REL001", trigger_line)] if reported else [])


@pytest.mark.parametrize("reference", ["!Ref GetDashorderLambdaFunction", "Ref: GetDashorderLambdaFunction",
                                       "!GetAtt GetDashorderLambdaFunction.Arn"])
def test_resources_name_a_function_by_the_framework_logical_id(tmp_path: Path, reference: str) -> None:
    (tmp_path / "serverless.yml").write_text(
        "service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  get-order:\n"
        "    handler: h.main\n    events:\n      - sns: orders\n"
        "resources:\n  Resources:\n    GetOrderFailures:\n      Type: AWS::Lambda::EventInvokeConfig\n"
        f"      Properties:\n        FunctionName:\n          {reference}\n        Qualifier: $LATEST\n"
        "        DestinationConfig:\n          OnFailure:\n            Destination: !GetAtt Failed.Arn\n"
        "    GetDashorderLogGroup:\n      Type: AWS::Logs::LogGroup\n      Properties:\n"
        "        RetentionInDays: 7\n")
    (tmp_path / "h.py").write_text("def main(event, context):\n    return 1\n")
    result = _run(tmp_path, "REL001", "COST001")
    assert result.findings == [], "the invoke config and the log group are the function's"


def test_framework_logical_ids_in_resources_become_function_keys_where_they_are_written(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(
        "service: s\nprovider:\n  name: aws\nfunctions:\n  hello_v2:\n    handler: h.main\n"
        "resources:\n  Resources:\n    Alarm:\n      Type: AWS::CloudWatch::Alarm\n      DependsOn: [HelloUnderscorev2LambdaFunction]\n"
        "      Properties:\n        AlarmDescription: !Sub 'errors of ${HelloUnderscorev2LambdaFunction} in ${AWS::Region}'\n"
        "        Dimensions:\n          - Name: FunctionName\n            Value: !Ref HelloUnderscorev2LambdaFunction\n"
        "          - Name: Other\n            Value: HelloUnderscorev2LambdaFunction\n")
    alarm = _run(tmp_path).project.templates[0].resources["Alarm"]
    assert alarm["DependsOn"] == ["hello_v2"]
    assert alarm["Properties"]["AlarmDescription"]["Fn::Sub"] == "errors of ${hello_v2} in ${AWS::Region}"
    reference = alarm["Properties"]["Dimensions"][0]["Value"]["Ref"]
    assert reference == "hello_v2" and reference.pos.line == 16, "renamed where it is written"
    assert alarm["Properties"]["Dimensions"][1]["Value"] == "HelloUnderscorev2LambdaFunction", "a plain string stays"


def test_a_stage_that_names_its_own_option_takes_its_fallback_and_leaves_the_budget_alone(tmp_path: Path) -> None:
    # `stage: ${opt:stage, "prod"}` names itself through `${opt:stage}`: resolving it again at every level
    # spent the file's whole variable budget, so `${self:custom.memory}` below was left unresolved and
    # the function name said "dev".
    (tmp_path / "handler.py").write_text("def main(event, context):\n    return 1\n")
    (tmp_path / "serverless.yml").write_text(
        "service: svc\nprovider:\n  name: aws\n  runtime: python3.12\n  stage: ${opt:stage, \"prod\"}\n"
        "custom:\n  memory: 512\n" + "".join(f"  v{i}: ${{sls:stage}}-{i}\n" for i in range(30)) +
        "functions:\n  worker:\n    handler: handler.main\n    memorySize: ${self:custom.memory}\n"
        "    environment:\n      STAGE: ${opt:stage}\n      NAME: ${self:service}-${sls:stage}\n")
    result = _run(tmp_path)
    worker = _functions(result)["worker"]
    assert worker.memory is not None and (worker.memory.value, worker.memory.source) == (512, "function")
    assert {name: var.value for name, var in worker.environment.items()} == {"STAGE": "prod", "NAME": "svc-prod"}
    assert worker.template.unresolved == []
