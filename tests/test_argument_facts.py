"""The argument facts the linked rules read (analyse/python/arguments.py)."""

from __future__ import annotations

from pathlib import Path

from wa_lint.analyse.python.arguments import arguments_of, literal, mentions, module_call_keywords, variable
from wa_lint.analyse.python.facts import module_facts
from wa_lint.analyse.python.facts_model import Arguments, Call, ModuleFacts

SOURCE = '''
import json, os
import boto3
from aws_lambda_powertools import Metrics

QUEUE = os.environ["QUEUE_URL"]
KEY = "rules.json"
metrics = Metrics(namespace="Orders")
table = boto3.resource("dynamodb").Table(os.getenv("TABLE"))

def handler(event, context):
    print(event)
    print(event["id"])
    print(f"got {json.dumps(event)}")
    bucket = os.environ.get("BUCKET")
    s3.get_object(Bucket=bucket, Key=KEY)
    s3.get_object(Bucket=bucket, Key=event["key"])
    sqs.send_message(QueueUrl=QUEUE, MessageBody="x")
    table.put_item(Item={})
    boto3.client("lambda").invoke(FunctionName="f", InvocationType="Event")
    response = {"batchItemFailures": []}
    return response
'''


def _facts() -> ModuleFacts:
    return module_facts(SOURCE, Path("app.py"))


def _calls(facts: ModuleFacts, callee: str) -> list[Call]:
    return [call for call in facts.bodies["handler"].calls if call.callee == callee]


def _arguments(facts: ModuleFacts, callee: str, index: int = 0) -> Arguments:
    return arguments_of(facts, "handler", _calls(facts, callee)[index])


def test_whole_names_are_the_value_itself_or_wrapped_whole() -> None:
    facts = _facts()
    assert [_arguments(facts, "print", i).whole for i in range(3)] == [("event",), (), ("event",)]


def test_constant_arguments_come_from_literals_environment_and_module_constants() -> None:
    facts = _facts()
    assert set(_arguments(facts, "s3.get_object").constants) == {"Bucket", "Key"}
    assert _arguments(facts, "s3.get_object", 1).constants == ("Bucket",)  # the key is from the event


def test_environment_variables_behind_arguments_and_receivers() -> None:
    facts = _facts()
    assert variable(_arguments(facts, "sqs.send_message"), "QueueUrl") == "QUEUE_URL"
    assert variable(_arguments(facts, "s3.get_object"), "Bucket") == "BUCKET"
    assert variable(_arguments(facts, "table.put_item"), "receiver") == "TABLE"


def test_a_chained_call_and_its_receiver_keep_their_own_arguments() -> None:
    facts = _facts()
    invoke = _arguments(facts, "boto3.client().invoke")
    assert literal(invoke, "InvocationType") == "'Event'"
    assert literal(_arguments(facts, "boto3.client"), "InvocationType") is None


def test_module_level_constructor_keywords_and_markers() -> None:
    facts = _facts()
    assert module_call_keywords(facts, facts.objects["metrics"].line) == ("namespace",)
    assert mentions(facts, "handler", "batchItemFailures")
    assert not mentions(facts, "missing", "batchItemFailures")
