"""`wa-lint tune --start`: start Power Tuning executions and wait for their results.

This is the one call wa-lint makes that changes anything (`states:StartExecution`, which invokes the
user's functions); it happens only on explicit request.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from wa_lint.evidence.live.aws import Account, LiveError

TERMINAL = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")


@dataclass
class Execution:
    name: str  # the input's file name without .json
    arn: str | None = None
    status: str = "PENDING"
    description: dict[str, Any] | None = None  # describe-execution, once finished
    error: str | None = None


def _json_safe(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def start_and_wait(account: Account, state_machine: str, inputs: dict[str, dict[str, Any]], wait_seconds: float,
                   poll_seconds: float, progress: Callable[[str], None]) -> list[Execution]:
    executions = []
    for name, document in inputs.items():
        execution = Execution(name)
        executions.append(execution)
        try:
            started = account.call("stepfunctions", "start_execution", stateMachineArn=state_machine,
                                   name=f"wa-lint-{name}-{int(time.time())}"[:80], input=json.dumps(document))
            execution.arn, execution.status = started["executionArn"], "RUNNING"
        except LiveError as error:
            execution.status, execution.error = "NOT STARTED", error.message
            if error.fatal:
                break
    deadline = time.monotonic() + wait_seconds
    while True:
        running = [e for e in executions if e.status == "RUNNING"]
        done = len([e for e in executions if e.status in TERMINAL])
        progress(f"Power Tuning: {done}/{len(executions)} finished, {len(running)} running")
        if not running:
            break
        if time.monotonic() > deadline:
            for execution in running:
                execution.error = (f"still running after {wait_seconds:.0f} s; its result will be in the Step "
                                   f"Functions console ({execution.arn})")
            break
        time.sleep(poll_seconds)
        for execution in running:
            try:
                described = account.call("stepfunctions", "describe_execution", executionArn=execution.arn)
            except LiveError as error:
                execution.status, execution.error = "UNKNOWN", error.message
                continue
            status = str(described.get("status", "RUNNING"))
            if status in TERMINAL:
                execution.status = status
                described.pop("ResponseMetadata", None)
                execution.description = json.loads(json.dumps(described, default=_json_safe))
                if status != "SUCCEEDED":
                    execution.error = f"{status}: {described.get('error', '')} {described.get('cause', '')}".strip()
    return executions
