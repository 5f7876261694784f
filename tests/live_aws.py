"""A moto server on 127.0.0.1 for live-mode tests, and helpers that seed it over the wire with boto3.

The linter under test reaches the server only through `AWS_ENDPOINT_URL`, exactly as it would reach
AWS; nothing is patched.
"""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

REGION = "eu-west-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


class Moto:
    def __init__(self, endpoint: str):
        self.endpoint = endpoint

    def post(self, path: str, body: bytes, content_type: str = "text/plain") -> None:
        request = urllib.request.Request(self.endpoint + path, data=body, method="POST",
                                         headers={"Content-Type": content_type})
        with urllib.request.urlopen(request, timeout=10):
            pass

    def reset(self) -> None:
        self.post("/moto-api/reset-auth", b"inf")
        self.execute_state_machines(False)
        self.post("/moto-api/reset", b"")

    def execute_state_machines(self, execute: bool) -> None:
        """moto runs Step Functions definitions (Pass states and all) only when told to."""
        body = json.dumps({"stepfunctions": {"execute_state_machine": execute}}).encode()
        self.post("/moto-api/config", body, "application/json")

    def client(self, service: str, **keys: str) -> Any:
        import boto3

        return boto3.client(service, region_name=REGION, endpoint_url=self.endpoint,
                            aws_access_key_id=keys.get("id", "testing"),
                            aws_secret_access_key=keys.get("secret", "testing"))

    # -- seeding ----------------------------------------------------------------------------------
    def role(self) -> str:
        iam = self.client("iam")
        try:
            return str(iam.get_role(RoleName="app-role")["Role"]["Arn"])
        except iam.exceptions.NoSuchEntityException:
            return str(iam.create_role(RoleName="app-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"])

    def deploy(self, stack: str, resources: dict[str, Any], nested: dict[str, dict[str, Any]] | None = None) -> None:
        """Create a CloudFormation stack; `nested` maps a logical ID to a child stack's resources."""
        s3 = self.client("s3")
        resources = dict(resources)
        for logical_id, child in (nested or {}).items():
            s3.create_bucket(Bucket="nested-templates", CreateBucketConfiguration={"LocationConstraint": REGION})
            s3.put_object(Bucket="nested-templates", Key=f"{logical_id}.json",
                          Body=json.dumps({"Resources": child}))
            resources[logical_id] = {"Type": "AWS::CloudFormation::Stack", "Properties": {
                "TemplateURL": f"https://nested-templates.s3.amazonaws.com/{logical_id}.json"}}
        self.client("cloudformation").create_stack(StackName=stack, TemplateBody=json.dumps({"Resources": resources}))

    def physical(self, stack: str, logical_id: str) -> str:
        for summary in self.client("cloudformation").list_stack_resources(StackName=stack)["StackResourceSummaries"]:
            if summary["LogicalResourceId"] == logical_id:
                return str(summary["PhysicalResourceId"])
        raise KeyError(logical_id)

    def metric(self, namespace: str, name: str, dimension: str, value: str, values: list[float],
               unit: str = "None") -> None:
        now = datetime.now(UTC)
        data = [{"MetricName": name, "Dimensions": [{"Name": dimension, "Value": value}],
                 "Timestamp": now - timedelta(hours=1 + number), "Value": v, "Unit": unit}
                for number, v in enumerate(values)]
        self.client("cloudwatch").put_metric_data(Namespace=namespace, MetricData=data)

    def report_lines(self, function: str, max_memory: list[int], memory_size: int, init_ms: float = 250.0) -> None:
        logs = self.client("logs")
        group = f"/aws/lambda/{function}"
        logs.create_log_group(logGroupName=group)
        logs.create_log_stream(logGroupName=group, logStreamName="s")
        now = int(time.time() * 1000)
        events = []
        for number, used in enumerate(max_memory):
            request = uuid.uuid4()
            events.append({"timestamp": now - 60_000 * (len(max_memory) - number), "message": f"START RequestId: {request}"})
            init = f"\tInit Duration: {init_ms:.2f} ms" if number == 0 else ""
            events.append({"timestamp": now - 60_000 * (len(max_memory) - number) + 1, "message": (
                f"REPORT RequestId: {request}\tDuration: 12.50 ms\tBilled Duration: 13 ms\t"
                f"Memory Size: {memory_size} MB\tMax Memory Used: {used} MB{init}")})
        logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=events)

    def user_without(self, *denied: str) -> dict[str, str]:
        """Keys of a user allowed every read except `denied`; IAM is enforced from now on."""
        iam = self.client("iam")
        iam.create_user(UserName="reader")
        policy = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": list(denied), "Resource": "*"},
        ]}
        iam.put_user_policy(UserName="reader", PolicyName="reads", PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName="reader")["AccessKey"]
        self.post("/moto-api/reset-auth", b"0")
        return {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}


@pytest.fixture(scope="session")
def moto_server() -> Iterator[Moto]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield Moto(f"http://{host}:{port}")
    finally:
        server.stop()


@pytest.fixture
def aws(moto_server: Moto, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[Moto]:
    """A clean account the linter reaches through AWS_ENDPOINT_URL, with no other AWS configuration."""
    moto_server.reset()
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.endpoint)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # never ask an instance metadata service
    # moto answers a p99 query with a 500: one retry is enough to prove retries happen, and keeps tests quick.
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    yield moto_server
    moto_server.post("/moto-api/reset-auth", b"inf")
