"""A synthetic serverless monorepo: N Python functions in SAM services of 50 functions each.

Each service has a template (Globals, an API, a table, one function per route) and a `src/` folder with
one handler module per function plus a shared helper module, in the shapes real handlers have:
module-scope clients, helpers, the occasional client created inside the handler.
"""

from __future__ import annotations

import argparse
from pathlib import Path

FUNCTIONS_PER_SERVICE = 50

HANDLER = '''\
"""{name}: {verb} {resource} items."""
import json
import logging
import os

import boto3

from common import responses
from common.validation import require

logger = logging.getLogger(__name__)
TABLE_NAME = os.environ["TABLE_NAME"]
{client_at_module}

def _key(event):
    params = event.get("pathParameters") or {{}}
    require(params, "id")
    return {{"pk": params["id"], "sk": "{resource}"}}


def _load(key):
{load_body}


def _transform(item):
    result = dict(item)
    result["kind"] = "{resource}"
    result["version"] = int(result.get("version", 0)) + {index}
    return result


def lambda_handler(event, context):
    logger.info("request %s", context.aws_request_id if context else "-")
    try:
        item = _load(_key(event))
    except KeyError as error:
        return responses.bad_request(str(error))
    if item is None:
        return responses.not_found("{resource}")
    return responses.ok(_transform(item))
'''

MODULE_CLIENT = 'table = boto3.resource("dynamodb").Table(TABLE_NAME)\n'
GOOD_LOAD = '    return table.get_item(Key=key).get("Item")'
BAD_LOAD = '    client = boto3.resource("dynamodb")\n    return client.Table(TABLE_NAME).get_item(Key=key).get("Item")'

RESPONSES = '''\
import json
from decimal import Decimal


def _default(value):
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(type(value).__name__)


def ok(body):
    return {"statusCode": 200, "body": json.dumps(body, default=_default)}


def bad_request(message):
    return {"statusCode": 400, "body": json.dumps({"message": message})}


def not_found(what):
    return {"statusCode": 404, "body": json.dumps({"message": f"{what} not found"})}
'''

VALIDATION = '''\
def require(mapping, *keys):
    missing = [key for key in keys if key not in mapping]
    if missing:
        raise KeyError(", ".join(missing))
'''


def _template(service: int, functions: list[tuple[str, str]]) -> str:
    lines = [
        'AWSTemplateFormatVersion: "2010-09-09"',
        "Transform: AWS::Serverless-2016-10-31",
        f"Description: Synthetic service {service}",
        "Globals:",
        "  Function:",
        "    Runtime: python3.12",
        "    Timeout: 10",
        "    CodeUri: src/",
        "    Environment:",
        "      Variables:",
        "        TABLE_NAME: !Ref Table",
        "Resources:",
        "  Table:",
        "    Type: AWS::DynamoDB::Table",
        "    Properties:",
        "      BillingMode: PAY_PER_REQUEST",
        "      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}, {AttributeName: sk, AttributeType: S}]",
        "      KeySchema: [{AttributeName: pk, KeyType: HASH}, {AttributeName: sk, KeyType: RANGE}]",
    ]
    for index, (logical_id, module) in enumerate(functions):
        lines += [
            f"  {logical_id}:",
            "    Type: AWS::Serverless::Function",
            "    Properties:",
            f"      Handler: {module}.lambda_handler",
        ]
        if index % 3:
            lines.append(f"      MemorySize: {256 * (1 + index % 4)}")
        lines += [
            "      Policies:",
            "        - DynamoDBReadPolicy: {TableName: !Ref Table}",
            "      Events:",
            "        Api:",
            "          Type: Api",
            f"          Properties: {{Path: \"/{module}/{{id}}\", Method: get}}",
        ]
    return "\n".join(lines) + "\n"


def generate(root: Path, count: int) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for service in range((count + FUNCTIONS_PER_SERVICE - 1) // FUNCTIONS_PER_SERVICE):
        folder = root / "services" / f"service_{service:04d}"
        common = folder / "src" / "common"
        common.mkdir(parents=True, exist_ok=True)
        (common / "__init__.py").write_text("")
        (common / "responses.py").write_text(RESPONSES)
        (common / "validation.py").write_text(VALIDATION)
        functions = []
        first = service * FUNCTIONS_PER_SERVICE
        for number in range(first, min(first + FUNCTIONS_PER_SERVICE, count)):
            module = f"fn_{number:05d}"
            bad = number % 10 == 0
            (folder / "src" / f"{module}.py").write_text(
                HANDLER.format(
                    name=module,
                    verb=("get", "list", "describe")[number % 3],
                    resource=f"resource{number % 17}",
                    index=number % 7,
                    client_at_module="" if bad else MODULE_CLIENT,
                    load_body=BAD_LOAD if bad else GOOD_LOAD,
                )
            )
            functions.append((f"Fn{number:05d}", module))
        (folder / "template.yaml").write_text(_template(service, functions))
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("count", type=int)
    args = parser.parse_args()
    generate(args.root, args.count)


if __name__ == "__main__":
    main()
