"""DynamoDB read facts (PERF201's code evidence): what is recognised, what is deliberately not."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

from conftest import FIXTURES
from hypothesis import given, settings
from hypothesis import strategies as st

from wa_lint.analyse.python.dynamodb import DynamoRead, TableName
from wa_lint.analyse.python.facts import module_facts
from wa_lint.analyse.python.parse import ParseFailure
from wa_lint.config import Config
from wa_lint.pipeline import run

SOURCE = '''
import os
from os import environ, getenv
import boto3

TABLE_NAME = os.environ["ORDERS_TABLE"]
dynamodb = boto3.resource("dynamodb")
table = dynamodb.Table(TABLE_NAME)
client = boto3.client("dynamodb")


def get_table():
    return boto3.resource("dynamodb").Table(getenv("OTHER_TABLE"))


class Repository:
    def __init__(self):
        name = environ.get("REPO_TABLE", "fallback")
        self.table = dynamodb.Table(name)

    def find(self, key):
        return self.table.get_item(Key=key, ConsistentRead=True)


def handler(event, context):
    table.get_item(Key={"id": "1"})
    get_table().query(KeyConditionExpression="id = :id")
    client.scan(TableName="literal-table")
    client.batch_get_item(RequestItems={TABLE_NAME: {"Keys": [], "ConsistentRead": True}, "other": {"Keys": []}})
    boto3.resource("dynamodb").Table(os.environ["INLINE_TABLE"]).scan()
    formatted = dynamodb.Table(f"{TABLE_NAME}-archive")
    formatted.query()
    session.query(Model).all()
    client.put_item(TableName="literal-table", Item={})
    a = b
    b = a
    a.get_item()
'''


def reads(source: str) -> list[tuple[str, str, str, bool, str | None]]:
    facts = module_facts(source, Path("app.py"))
    assert facts.dynamodb is not None
    return [(r.operation, r.table.kind, r.table.value, r.consistent, r.function) for r in facts.dynamodb.reads]


def test_reads_and_their_table_name_origins() -> None:
    assert reads(SOURCE) == [
        ("get_item", "env", "REPO_TABLE", True, "Repository.find"),
        ("get_item", "env", "ORDERS_TABLE", False, "handler"),
        ("query", "env", "OTHER_TABLE", False, "handler"),
        ("scan", "literal", "literal-table", False, "handler"),
        ("batch_get_item", "env", "ORDERS_TABLE", True, "handler"),
        ("batch_get_item", "literal", "other", False, "handler"),
        ("scan", "env", "INLINE_TABLE", False, "handler"),
    ]


def test_local_assignment_wins_over_module_and_conflicting_assignments_resolve_to_nothing() -> None:
    source = (
        "import os, boto3\n"
        "NAME = os.environ['MODULE']\n"
        "def handler(event, context):\n"
        "    NAME = os.environ['LOCAL']\n"
        "    boto3.client('dynamodb').get_item(TableName=NAME, Key={})\n"
        "t = boto3.resource('dynamodb').Table(os.environ['A'] if x else os.environ['B'])\n"
        "u = boto3.resource('dynamodb').Table(os.environ['A'])\n"
        "u = boto3.resource('dynamodb').Table(os.environ['B'])\n"
        "def other(event, context):\n"
        "    t.scan()\n"
        "    u.scan()\n"
    )
    assert reads(source) == [("get_item", "env", "LOCAL", False, "handler")]


def test_facts_are_plain_picklable_values_with_template_offsets() -> None:
    facts = module_facts("import boto3\nboto3.client('dynamodb').scan(TableName='t')\n", Path("t.yaml"), 40, 10)
    copy = pickle.loads(pickle.dumps(facts))
    assert copy.dynamodb.reads == [DynamoRead("scan", TableName("literal", "t"), False, 42, None)]


def test_one_eventually_consistent_read_makes_a_consistent_table_a_dax_case(tmp_path: Path) -> None:
    root = tmp_path / "app"
    shutil.copytree(FIXTURES / "PERF201-hot-read-table-without-dax" / "good", root)
    ledger = root / "src" / "ledger.py"
    ledger.write_text(ledger.read_text().replace('Key={"id": account}, ConsistentRead=True', 'Key={"id": account}'))
    result = run([root], Config(select=("PERF201",)))
    assert [(f.resource, f.message) for f in result.findings] == [
        ("LedgerTable", ("table LedgerTable is hot for reads (ReadCapacityUnits 5000 on the table) "
                        "and has no DAX cluster in front of it"))
    ]


def test_thresholds_come_from_the_configuration() -> None:
    root = FIXTURES / "PERF201-hot-read-table-without-dax" / "good"
    config = Config(select=("PERF201",), rules={"PERF201": {"hot-read-functions": 2, "hot-read-rcu": 999}})
    found = {f.resource: f.message for f in run([root], config).findings}
    assert set(found) == {"CatalogTable", "JustBelowTable"}
    assert ("read by 2 functions behind a REST API and an HTTP API: GetProductFunction, SearchProductsFunction"
            in found["CatalogTable"])
    assert "ReadCapacityUnits 999 on the table; read autoscaling MaxCapacity 999 on the table, scalable target " \
           "JustBelowTableReads" in found["JustBelowTable"]


FRAGMENTS = [
    "import os, boto3", "from os import environ", "t = boto3.resource('dynamodb').Table(os.environ['T'])",
    "c = boto3.client('dynamodb')", "n = os.getenv('N')", "n = t", "t = n", "self.t = t", "x = {n: {}}",
    "t.get_item(Key={})", "c.query(TableName=n)", "c.batch_get_item(RequestItems=x)",
    "c.batch_get_item(RequestItems={n: {'ConsistentRead': True}, **x})", "t.scan(ConsistentRead=flag)",
    "get().query()", "return t", "self.t.query()", "c.scan(TableName=f'{n}')", "environ[n].get_item()",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=4), st.lists(st.sampled_from(FRAGMENTS), max_size=12))
def test_any_mix_of_assignments_and_reads_yields_facts(module_lines: list[str], method_lines: list[str]) -> None:
    """Cycles, rebinding, odd receivers: the collector answers with facts, never an exception."""
    method = [f"        {line}" for line in method_lines] or ["        pass"]
    source = "\n".join([*module_lines, "class K:", "    def m(self):", *method, "def get():", "    return t", ""])
    try:
        facts = module_facts(source, Path("gen.py"))
    except ParseFailure:
        return
    assert facts.dynamodb is not None
    assert all(read.operation in ("get_item", "batch_get_item", "query", "scan") for read in facts.dynamodb.reads)


PER_USER = """
import boto3
from boto3.dynamodb.conditions import Key
table = boto3.resource("dynamodb").Table("t")
client = boto3.client("dynamodb")

def claims(event):
    sub = event["requestContext"]["authorizer"]["claims"]["sub"]
    return table.get_item(Key={"pk": f"USER#{sub}"})

def path_user(event):
    return table.get_item(Key={"userId": event["pathParameters"]["id"]})

def named(user_id):
    return table.query(KeyConditionExpression=Key("pk").eq(user_id) & Key("sk").begins_with("x"))

def placeholder(event):
    owner = event["requestContext"]["authorizer"]["principalId"]
    return client.query(TableName="t", KeyConditionExpression="pk = :o", ExpressionAttributeValues={":o": {"S": owner}})

def shared(event):
    return table.get_item(Key={"pk": event["pathParameters"]["productId"], "sk": event["user"]})

def condition_on_sort_key(event):
    return table.query(KeyConditionExpression=Key("pk").eq("HOT") & Key("sk").eq(event["userId"]))

def scanned(event):
    return table.scan(FilterExpression=Key("userId").eq(event["user_id"]))
"""


def test_reads_keyed_by_the_caller_are_per_user_and_shared_keys_are_not() -> None:
    reads = module_facts(PER_USER, Path("app.py")).dynamodb.reads
    assert {read.function: read.per_user for read in reads} == {
        "claims": True, "path_user": True, "named": True, "placeholder": True,
        # Only the partition key decides: a user in the sort key, or a scan, reads shared partitions.
        "shared": False, "condition_on_sort_key": False, "scanned": False}


def test_per_user_readers_do_not_make_a_table_hot_and_the_message_names_the_front_doors() -> None:
    good = FIXTURES / "PERF201-per-user-keys" / "good"
    assert run([good], Config(select=("PERF201",))).findings == []
    # With every reader counted (the threshold at one), the shared-key reader alone is evidence.
    config = Config(select=("PERF201",), rules={"PERF201": {"hot-read-functions": 1}})
    [finding] = run([good], config).findings
    assert "read by 1 function behind an HTTP API: TeamFunction" in finding.message
    [bad] = run([FIXTURES / "PERF201-per-user-keys" / "bad"], Config(select=("PERF201",))).findings
    assert ("read by 3 functions behind a REST API, a function URL and an HTTP API: GetProductFunction, "
            "ProductPriceFunction, ProductReviewsFunction") in bad.message
