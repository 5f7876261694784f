"""The one place that talks to AWS: clients with standard retries and timeouts, and errors turned into
sentences that name what is missing (the IAM action, the credentials, the region, the stack).

Every call here is read-only except `states:StartExecution`, which `wa-lint tune --start` makes on
the user's explicit request.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.config
import botocore.exceptions

# Service name (boto3) → IAM action prefix, where the two differ.
_IAM_PREFIX = {"stepfunctions": "states", "cloudwatch": "cloudwatch"}
_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedException",
           "AuthorizationError", "403"}
_BAD_CREDENTIALS = {"InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch",
                    "ExpiredToken", "ExpiredTokenException", "InvalidSignatureException"}
_THROTTLED = {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded",
              "ProvisionedThroughputExceededException"}


class LiveError(Exception):
    """A read that failed. `fatal` means nothing more can be read (credentials, region, endpoint)."""

    def __init__(self, message: str, action: str | None = None, fatal: bool = False, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.action = action
        self.fatal = fatal
        self.code = code


def iam_action(service: str, operation: str) -> str:
    """`lambda`, `get_function_configuration` → `lambda:GetFunctionConfiguration`."""
    name = "".join(part.capitalize() for part in operation.split("_"))
    return f"{_IAM_PREFIX.get(service, service)}:{name}"


def _translate(error: Exception, service: str, operation: str) -> LiveError:
    action = iam_action(service, operation)
    if isinstance(error, (botocore.exceptions.NoCredentialsError, botocore.exceptions.PartialCredentialsError)):
        return LiveError("no AWS credentials found: set AWS_PROFILE (or pass --profile), set AWS_ACCESS_KEY_ID and "
                         "AWS_SECRET_ACCESS_KEY, or run `aws sso login`", fatal=True)
    if isinstance(error, botocore.exceptions.NoRegionError):
        return LiveError("no AWS region: pass --region, set AWS_REGION, or set region in samconfig.toml", fatal=True)
    if isinstance(error, botocore.exceptions.TokenRetrievalError):
        return LiveError(f"the AWS SSO session has expired: run `aws sso login` ({error})", fatal=True)
    if isinstance(error, (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectTimeoutError)):
        return LiveError(f"cannot reach the AWS endpoint for {service} ({error})", fatal=True)
    if isinstance(error, botocore.exceptions.ReadTimeoutError):
        return LiveError(f"{action} timed out ({error})", action=None)
    if isinstance(error, botocore.exceptions.ClientError):
        details = dict(error.response.get("Error", {}))
        code = str(details.get("Code", ""))
        # A JSON-protocol client reading an XML error body (some proxies and emulators answer so) sees only
        # the HTTP status as the code; the real code is inside the body.
        inner = re.search(r"<Code>([^<]+)</Code>.*?(?:<Message>([^<]*)</Message>)?", str(details.get("Message", "")),
                          re.DOTALL)
        if code.isdigit() and inner:
            code, details["Message"] = inner.group(1), inner.group(2) or ""
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in _DENIED or (status == 403 and code not in _BAD_CREDENTIALS):
            return LiveError(f"access denied to {action}: grant it to read this (docs/live-mode.md has the policy)",
                             action=action, code=code)
        if code in _BAD_CREDENTIALS:
            return LiveError(f"AWS rejected the credentials ({code}): refresh them or pick another profile",
                             fatal=True, code=code)
        if code in _THROTTLED:
            return LiveError(f"{action} was throttled even after retries; try again later", code=code)
        return LiveError(f"{action} failed: {code}: {_short(str(details.get('Message', '')))}".rstrip(": "),
                         code=code)
    if isinstance(error, botocore.exceptions.BotoCoreError):
        return LiveError(f"{action} failed: {error}")
    raise error


def _short(message: str) -> str:
    """An error body as one short line: a proxy or endpoint may answer with a whole HTML page."""
    text = re.sub(r"<[^>]+>", " ", message)
    text = " ".join(text.split())
    return text if len(text) <= 160 else text[:157] + "..."


class Account:
    """Clients for one account and region, created on first use."""

    def __init__(self, region: str | None = None, profile: str | None = None, timeout: float = 20.0):
        try:
            self.session = boto3.Session(profile_name=profile, region_name=region)
        except botocore.exceptions.ProfileNotFound:
            raise LiveError(f"the AWS profile {profile!r} is not in the AWS configuration files "
                            "(~/.aws/config, ~/.aws/credentials)", fatal=True) from None
        # botocore's standard retry mode (backoff with jitter, throttling retried), unless the user's own
        # AWS_RETRY_MODE / AWS_MAX_ATTEMPTS say otherwise.
        configured = "AWS_RETRY_MODE" in os.environ or "AWS_MAX_ATTEMPTS" in os.environ
        self.config = botocore.config.Config(
            retries=None if configured else {"mode": "standard", "max_attempts": 5},
            connect_timeout=min(timeout, 10.0), read_timeout=timeout, user_agent_extra="wa-lint",
        )
        self._clients: dict[str, Any] = {}

    @property
    def region(self) -> str | None:
        region = self.session.region_name
        return region if isinstance(region, str) else None

    def client(self, service: str) -> Any:
        if service not in self._clients:
            try:
                self._clients[service] = self.session.client(service, config=self.config)
            except botocore.exceptions.NoRegionError as error:
                raise _translate(error, service, "create_client") from None
        return self._clients[service]

    def call(self, service: str, operation: str, **parameters: Any) -> dict[str, Any]:
        try:
            response: dict[str, Any] = getattr(self.client(service), operation)(**parameters)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
            raise _translate(error, service, operation) from None
        return response

    def pages(self, service: str, operation: str, max_pages: int = 100, **parameters: Any) -> Iterator[dict[str, Any]]:
        """The pages of a paginated call, at most `max_pages` of them."""
        try:
            paginator = self.client(service).get_paginator(operation)
            for number, page in enumerate(paginator.paginate(**parameters)):
                if number >= max_pages:
                    return
                yield page
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
            raise _translate(error, service, operation) from None
