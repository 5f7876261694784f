"""Lambda: the deployed configuration, and memory actually used from the function's REPORT lines."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from wa_lint.evidence.live.aws import Account, LiveError
from wa_lint.evidence.live.measurements import DeployedFunction, Measured

_MAX_MEMORY = re.compile(r"Max Memory Used:\s*(\d+)\s*MB")
_INIT = re.compile(r"Init Duration:\s*([\d.]+)\s*ms")


def deployed_function(account: Account, name: str) -> tuple[DeployedFunction, str]:
    """The function's configuration, and the log group it writes to."""
    data = account.call("lambda", "get_function_configuration", FunctionName=name)
    architectures = data.get("Architectures") or ["x86_64"]
    function = DeployedFunction(
        name=data.get("FunctionName", name),
        arn=data.get("FunctionArn", name),
        memory=data.get("MemorySize"),
        timeout=data.get("Timeout"),
        architecture=architectures[0],
        runtime=data.get("Runtime"),
        tracing=(data.get("TracingConfig") or {}).get("Mode"),
    )
    log_group = (data.get("LoggingConfig") or {}).get("LogGroup") or f"/aws/lambda/{function.name}"
    return function, log_group


@dataclass(frozen=True)
class ReportLines:
    count: int
    max_memory_used: Measured | None
    init_duration_average: Measured | None


def report_lines(account: Account, log_group: str, window_days: int, max_events: int) -> ReportLines:
    """`Max Memory Used` and `Init Duration` from the REPORT lines Lambda writes after each invocation.

    Bounded by `max_events` (newest pages are not guaranteed first, so this is a sample of the window).
    A missing log group (never invoked, or deleted) is no measurement, not an error.
    """
    end = int(time.time() * 1000)
    start = end - window_days * 86_400_000
    memory: list[int] = []
    inits: list[float] = []
    count = 0
    try:
        for page in account.pages("logs", "filter_log_events", max_pages=max(1, max_events // 100),
                                  logGroupName=log_group, startTime=start, endTime=end,
                                  filterPattern='"REPORT RequestId"', PaginationConfig={"PageSize": 100}):
            for event in page.get("events", []):
                message = event.get("message", "")
                found = _MAX_MEMORY.search(message)
                if not found:
                    continue
                count += 1
                memory.append(int(found.group(1)))
                init = _INIT.search(message)
                if init:
                    inits.append(float(init.group(1)))
                if count >= max_events:
                    break
            if count >= max_events:
                break
    except LiveError as error:
        if error.code == "ResourceNotFoundException":
            return ReportLines(0, None, None)
        raise
    return ReportLines(
        count,
        Measured("REPORT Max Memory Used", "Maximum", max(memory), "MB", window_days) if memory else None,
        Measured("REPORT Init Duration", "Average", sum(inits) / len(inits), "ms", window_days) if inits else None,
    )
