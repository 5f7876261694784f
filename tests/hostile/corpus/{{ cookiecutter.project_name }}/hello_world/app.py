import json
{%- if cookiecutter.tracing == "enabled" %}
from aws_xray_sdk.core import patch_all
{%- endif %}


def lambda_handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"message": "{{ cookiecutter.greeting }}"})}
