"""Handler-code analysis (PERF101, PERF102, SEC101): facts, call graph, and behaviour on odd input."""

from __future__ import annotations

import pickle
import textwrap
import time
from pathlib import Path

from wa_lint.analyse.python.facts import module_facts
from wa_lint.analyse.python.facts_model import Origin
from wa_lint.config import Config, load_config
from wa_lint.pipeline import run

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
{functions}
"""
FUNCTION = """\
  {name}:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      MemorySize: 256
      CodeUri: src/
      Handler: {handler}
"""


def make_app(root: Path, handlers: dict[str, str], files: dict[str, str]) -> Path:
    functions = "".join(FUNCTION.format(name=name, handler=handler) for name, handler in handlers.items())
    (root / "template.yaml").write_text(TEMPLATE.format(functions=functions))
    for name, text in files.items():
        path = root / "src" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def findings(root: Path, *codes: str, config: Config | None = None) -> list[tuple[str, int, str, str]]:
    config = (config or Config()).with_overrides(select=codes)
    result = run([root], config)
    return [(f.span.path.name, f.span.line, f.code, f.message) for f in result.findings]


def test_facts_are_plain_picklable_data() -> None:
    text = "import boto3 as b3\nCACHE = {}\ndef h(event, context):\n    CACHE['k'] = event\n    return b3.client('s3')\n"
    facts = module_facts(text, Path("app.py"))
    again = pickle.loads(pickle.dumps(facts))
    assert again.bodies == facts.bodies
    call = facts.bodies["h"].calls[0]
    assert (call.callee, call.qualified, call.line) == ("b3.client", "boto3.client", 5)
    assert facts.bodies["h"].writes[0].origins == (Origin.param("event"),)


def test_path_names_each_step_and_a_shared_helper_is_reported_once(tmp_path: Path) -> None:
    app = make_app(
        tmp_path,
        {"A": "a.lambda_handler", "B": "b.handle_it"},
        {
            "a.py": "from shared import load\ndef lambda_handler(event, context):\n    return load(event)\n",
            "b.py": "import shared as s\ndef handle_it(event, context):\n    return s.helper(event)\n",
            "shared.py": """\
                import boto3
                def load(key):
                    return boto3.client("s3").get_object(Bucket="b", Key=key)
                def helper(event):
                    return load(event["key"])
            """,
        },
    )
    assert findings(app, "PERF101") == [
        ("shared.py", 3, "PERF101",
         "boto3.client is called on every invocation (lambda_handler → load → boto3.client)"),
    ]


def test_extend_constructors_option_from_config(tmp_path: Path) -> None:
    app = make_app(
        tmp_path,
        {"Fn": "app.lambda_handler"},
        {"app.py": "import acme_db\ndef lambda_handler(event, context):\n    return acme_db.open_connection('x')\n"},
    )
    assert findings(app, "PERF102") == []
    (app / "wa-lint.toml").write_text('[rules.PERF102]\nextend-constructors = ["acme_db.open_connection"]\n')
    config = load_config(app / "wa-lint.toml")
    assert [(name, line) for name, line, *_ in findings(app, "PERF102", config=config)] == [("app.py", 3)]


def test_perf101_extend_constructors_reports_third_party_clients(tmp_path: Path) -> None:
    app = make_app(
        tmp_path,
        {"Fn": "app.lambda_handler"},
        {"app.py": "from pydynox import DynamoDBClient\ndef lambda_handler(event, context):\n"
                   "    return DynamoDBClient(region='eu-west-1')\n"},
    )
    assert findings(app, "PERF101") == []
    (app / "wa-lint.toml").write_text('[rules.PERF101]\nextend-constructors = ["pydynox.DynamoDBClient"]\n')
    config = load_config(app / "wa-lint.toml")
    assert [(name, line) for name, line, *_ in findings(app, "PERF101", config=config)] == [("app.py", 3)]


def test_handler_with_a_syntax_error_yields_only_wa001(tmp_path: Path) -> None:
    app = make_app(tmp_path, {"Fn": "app.lambda_handler"},
                   {"app.py": "import boto3\ndef lambda_handler(event, context)\n    return boto3.client('s3')\n"})
    result = run([app], Config(select=("PERF101", "PERF102", "SEC101", "WA")))
    assert [f.code for f in result.findings] == ["WA001"]


def test_deep_and_cyclic_code_does_not_break_the_analysis(tmp_path: Path) -> None:
    chain = "".join(f"def f{i}(event):\n    return f{i + 1}(event)\n" for i in range(3000))
    deep_expression = "x = " + "(" * 90 + "event" + ")" * 90 + "\n"
    app = make_app(
        tmp_path,
        {"Fn": "app.lambda_handler"},
        {"app.py": "import boto3\nSTATE = {}\n" + chain
         + "def f3000(event):\n    STATE['e'] = event\n    return boto3.client('s3')\n"
         + "def ping(e):\n    return pong(e)\ndef pong(e):\n    return ping(e)\n"
         + "def lambda_handler(event, context):\n    " + deep_expression + "    ping(x)\n    return f0(x)\n"},
    )
    got = findings(app, "PERF101", "SEC101")
    assert [(code, line) for _, line, code, _ in got] == [("SEC101", 6004), ("PERF101", 6005)]
    assert all(code in ("PERF101", "SEC101") for _, _, code, _ in got)


def test_a_client_configured_from_the_event_gets_per_key_advice(tmp_path: Path) -> None:
    app = make_app(
        tmp_path,
        {"Fn": "app.lambda_handler"},
        {"app.py": "import boto3\ndef lambda_handler(event, context):\n"
                   "    return boto3.client('s3', region_name=event['region'])\n"},
    )
    result = run([app], Config(select=("PERF101",)))
    assert [f.span.line for f in result.findings] == [3]
    assert "module-level dict" in result.findings[0].fix


def test_code_root_spelled_with_dot_dot_is_analysed_once(tmp_path: Path) -> None:
    (tmp_path / "infra").mkdir()
    make_app(tmp_path, {}, {"app.py": "import boto3\ndef lambda_handler(event, context):\n    return boto3.client('s3')\n"})
    (tmp_path / "template.yaml").unlink()
    (tmp_path / "infra" / "template.yaml").write_text(
        TEMPLATE.format(functions=FUNCTION.format(name="Fn", handler="app.lambda_handler").replace("src/", "../src/"))
    )
    assert [(name, line) for name, line, *_ in findings(tmp_path, "PERF101")] == [("app.py", 3)]


def test_decorator_arguments_and_defaults_run_at_definition_time(tmp_path: Path) -> None:
    app = make_app(
        tmp_path,
        {"Fn": "app.lambda_handler"},
        {"app.py": """\
            import boto3
            def with_client(client):
                return lambda function: function
            @with_client(boto3.client("sts"))
            def lambda_handler(event, context, s3=boto3.client("s3")):
                return boto3.client("sqs")
        """},
    )
    assert [(name, line) for name, line, *_ in findings(app, "PERF101")] == [("app.py", 6)]


def test_many_handlers_sharing_one_factory_module_stay_fast_and_report_each_caller(tmp_path: Path) -> None:
    count = 120
    helpers = "import boto3\n" + "".join(f"def helper{j}(e):\n    return boto3.client('s{j}')\n" for j in range(20))
    files = {"shared.py": helpers}
    for i in range(count):
        files[f"h{i}.py"] = "import shared\ndef lambda_handler(event, context):\n" + "".join(
            f"    shared.helper{j}(event)\n" for j in range(20))
    app = make_app(tmp_path, {f"F{i}": f"h{i}.lambda_handler" for i in range(count)}, files)
    started = time.perf_counter()
    got = findings(app, "PERF101")
    assert time.perf_counter() - started < 60
    # The helpers return the clients they build: the fix belongs at each per-invocation caller.
    assert len(got) == 20 * count and {name for name, *_ in got} == {f"h{i}.py" for i in range(count)}
    assert got[0][3] == "boto3.client is called on every invocation (lambda_handler → helper0 → boto3.client)"


def test_boto3_imported_inside_the_handler_is_still_boto3(tmp_path: Path) -> None:
    app = make_app(
        tmp_path,
        {"Fn": "app.lambda_handler"},
        {"app.py": """\
            def lambda_handler(event, context):
                import boto3
                from boto3 import resource as make_resource
                s3 = boto3.client("s3")
                make_resource("dynamodb")
                return s3.list_buckets()
        """},
    )
    assert [(name, line) for name, line, *_ in findings(app, "PERF101")] == [("app.py", 4), ("app.py", 5)]


def test_clients_built_with_this_invocations_credentials_are_exempt(tmp_path: Path) -> None:
    app = make_app(
        tmp_path,
        {"Fn": "app.lambda_handler"},
        {"app.py": """\
            import boto3
            def lambda_handler(event, context):
                role = boto3.client("sts").assume_role(RoleArn=event["role"], RoleSessionName="t")["Credentials"]
                creds = {"aws_access_key_id": role["AccessKeyId"], "aws_secret_access_key": role["SecretAccessKey"],
                         "aws_session_token": role["SessionToken"]}
                tenant_s3 = boto3.client("s3", **creds)
                tenant_sqs = boto3.client("sqs", aws_access_key_id=role["AccessKeyId"],
                                          aws_secret_access_key=role["SecretAccessKey"])
                session = boto3.Session(**creds)
                return tenant_s3, tenant_sqs, session.client("sns")
        """},
    )
    # Only the STS client, built the same way on every call, is reported.
    assert [(name, line) for name, line, *_ in findings(app, "PERF101")] == [("app.py", 3)]


def test_a_try_except_keyerror_cache_is_built_once_per_environment(tmp_path: Path) -> None:
    app = make_app(
        tmp_path,
        {"Fn": "app.lambda_handler"},
        {"app.py": """\
            import boto3
            _clients = {}
            def client_for(region):
                try:
                    return _clients[region]
                except KeyError:
                    _clients[region] = boto3.client("s3", region_name=region)
                    return _clients[region]
            def uncached(region):
                try:
                    return {}[region]
                except KeyError:
                    return boto3.client("sqs", region_name=region)
            def lambda_handler(event, context):
                client_for(event["region"]).list_buckets()
                return uncached(event["region"])
        """},
    )
    assert [(name, line) for name, line, *_ in findings(app, "PERF101")] == [("app.py", 13)]


OCCASIONAL = """AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    CodeUri: src/
    Handler: app.lambda_handler
Resources:
  Nightly:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Every: {Type: Schedule, Properties: {Schedule: rate(1 day)}}
  Rotator:
    Type: AWS::Serverless::Function
  Rotation:
    Type: AWS::SecretsManager::RotationSchedule
    Properties:
      SecretId: secret
      RotationLambdaARN: !GetAtt Rotator.Arn
  Watched:
    Type: AWS::Serverless::Function
  Rule:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: rate(5 minutes)
      Targets: [{Id: a, Arn: !GetAtt Watched.Arn}]
  Patterned:
    Type: AWS::Events::Rule
    Properties:
      EventPattern: {source: [orders]}
      Targets: [{Id: a, Arn: !GetAtt Watched.Arn}]
  Api:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Every: {Type: Schedule, Properties: {Schedule: rate(1 day)}}
        Get: {Type: HttpApi}
"""


def test_functions_that_run_on_a_schedule_or_rotation_report_waste_as_info(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(OCCASIONAL)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("import boto3\ndef lambda_handler(event, context):\n    return boto3.client('s3')\n")
    result = run([tmp_path], Config(select=("PERF001",)))
    by_function = {f.function: f for f in result.findings}
    assert {name: str(f.severity) for name, f in by_function.items()} == {
        "Nightly": "info", "Rotator": "info", "Watched": "warning", "Api": "warning"}
    assert by_function["Rotator"].message.endswith(
        "(reported as info: it runs only to rotate a secret, so its cost is per run, not per request)")
    # One code folder, four functions: the client is reported once, for the first function that serves
    # requests (Nightly comes first in the template, but only runs on a schedule).
    perf101 = run([tmp_path], Config(select=("PERF101",))).findings
    assert [(f.function, str(f.severity)) for f in perf101] == [("Watched", "warning")]
    # A configured severity applies to the others; the finding's own (info) stays.
    configured = run([tmp_path], Config(select=("PERF001",), severity={"PERF001": "error"})).findings
    assert {f.function: str(f.severity) for f in configured}["Api"] == "error"


def test_a_client_only_scheduled_functions_reach_is_info(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(OCCASIONAL.split("  Watched:")[0])
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("import boto3\ndef lambda_handler(event, context):\n    return boto3.client('s3')\n")
    [finding] = run([tmp_path], Config(select=("PERF101",))).findings
    assert (finding.function, str(finding.severity)) == ("Nightly", "info")
    assert finding.message.endswith("(reported as info: it runs only on a schedule, so its cost is per run, not per request)")


ROTATION_CODE = """\
import boto3
def lambda_handler(event, context):
    client = boto3.client("secretsmanager")
    if event["Step"] == "createSecret":
        return client.get_random_password()
    if event["Step"] == "finishSecret":
        return None
"""


def test_code_that_dispatches_on_rotation_steps_is_info_unless_a_request_trigger_says_otherwise(tmp_path: Path) -> None:
    app = make_app(tmp_path, {"Rotator": "rotation.lambda_handler"}, {"rotation.py": ROTATION_CODE})
    [finding] = run([app], Config(select=("PERF101",))).findings
    assert str(finding.severity) == "info"
    assert finding.message.endswith("(reported as info: it runs only to rotate a secret, as its dispatch on the "
                                    "rotation steps shows, so its cost is per run, not per request)")
    # One step named is not the dispatch (a function that only mentions createSecret).
    (app / "src" / "rotation.py").write_text(ROTATION_CODE.replace('"finishSecret"', '"other"'))
    assert [str(f.severity) for f in run([app], Config(select=("PERF101",))).findings] == ["warning"]
    # A function an API triggers serves requests, whatever its code names.
    (app / "src" / "rotation.py").write_text(ROTATION_CODE)
    template = app / "template.yaml"
    template.write_text(template.read_text() + "      Events:\n        Get: {Type: HttpApi}\n")
    assert [str(f.severity) for f in run([app], Config(select=("PERF101",))).findings] == ["warning"]
