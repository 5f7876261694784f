import json

import boto3


def handler(event, context):
    order = load_order(event["pathParameters"]["id"])
    return {"statusCode": 200, "body": json.dumps(order)}


def load_order(order_id):
    # A client made on every invocation, over three lines: a code finding with a call path and a
    # multi-line span.
    table = boto3.resource(
        "dynamodb",
    ).Table("orders")
    return table.get_item(Key={"id": order_id}).get("Item")
