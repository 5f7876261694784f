"""`wa-lint tune`: one AWS Lambda Power Tuning execution input per function worth measuring.

The input's field names are the ones the Power Tuning state machine (v4.x) reads: `lambdaARN`,
`powerValues`, `num`, `payload`, `strategy` and, for the balanced strategy, `balancedWeight`.
The payload is the project's own sample event when one belongs to the function (a mapping in
`[tool.wa-lint.tune.payloads]`, else SAM's `events/` folder beside the template); otherwise it is a
placeholder that says it must be replaced, and `--start` refuses to run it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wa_lint.config import TuneConfig
from wa_lint.link.model import Function

PLACEHOLDER_KEY = "wa-lint-placeholder"


class TuneError(Exception):
    """A sample event that cannot be used; the message names the file."""


@dataclass(frozen=True)
class Payload:
    value: Any
    source: Path | None  # None: a placeholder the user must replace

    @property
    def placeholder(self) -> bool:
        return self.source is None


def _normalised(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _read_event(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as error:
        raise TuneError(f"{path}: cannot read the sample event: {error}") from None
    except json.JSONDecodeError as error:
        raise TuneError(f"{path}: the sample event is not JSON: {error.msg} at line {error.lineno}") from None


def event_file(function: Function, mapping: dict[str, Path], functions_in_template: int) -> Path | None:
    """The sample event that belongs to the function, if one does.

    `events/GetOrder.json`, `events/get-order.json` and `events/get_order_function.json` all belong to
    `GetOrder` / `GetOrderFunction`; a lone `events/event.json` (what `sam init` creates) belongs to the
    template's only function.
    """
    if function.logical_id in mapping:
        return mapping[function.logical_id]
    folder = function.template.path.parent / "events"
    files = sorted(folder.glob("*.json")) if folder.is_dir() else []
    wanted = {_normalised(function.logical_id), _normalised(re.sub(r"Function$", "", function.logical_id))}
    named = [path for path in files if _normalised(path.stem) in wanted
             or _normalised(re.sub(r"[-_]?event$", "", path.stem, flags=re.IGNORECASE)) in wanted]
    if named:
        return named[0]
    if len(files) == 1 and functions_in_template == 1:
        return files[0]
    return None


def payload_for(function: Function, mapping: dict[str, Path], functions_in_template: int) -> Payload:
    path = event_file(function, mapping, functions_in_template)
    if path is None:
        return Payload({PLACEHOLDER_KEY: f"replace this object with a sample event for {function.logical_id} "
                                          "(or put one in events/ beside the template)"}, None)
    return Payload(_read_event(path), path)


def execution_input(lambda_arn: str, settings: TuneConfig, payload: Payload) -> dict[str, Any]:
    document: dict[str, Any] = {
        "lambdaARN": lambda_arn,
        "powerValues": list(settings.power_values),
        "num": settings.num,
        "payload": payload.value,
        "strategy": settings.strategy,
    }
    if settings.strategy == "balanced":
        document["balancedWeight"] = settings.balanced_weight
    return document


def is_placeholder(document: dict[str, Any]) -> bool:
    payload = document.get("payload")
    return isinstance(payload, dict) and PLACEHOLDER_KEY in payload


def file_names(functions: list[Function]) -> dict[int, str]:
    """`GetOrder.json`, or `<template folder>-GetOrder.json` when two templates share a logical ID.

    The result file keeps the same name, and `--power-tuning` matches a file to its function by name.
    """
    counts: dict[str, int] = {}
    for function in functions:
        counts[function.logical_id] = counts.get(function.logical_id, 0) + 1
    return {id(function): (function.logical_id if counts[function.logical_id] == 1
                           else f"{function.template.path.parent.name}-{function.logical_id}") + ".json"
            for function in functions}
