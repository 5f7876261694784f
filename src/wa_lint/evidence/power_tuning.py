"""AWS Lambda Power Tuning results: read them, and tell which template function each one measured.

A result is what the Power Tuning state machine returns (its analyzer step), seen in three shapes:

- the bare analysis object ``{"power", "cost", "duration", "stateMachine": {...}, "stats"?}``
  (`power` may be a number or a numeric string);
- the legacy ``{"results": {...analysis...}}`` wrapper;
- ``aws stepfunctions describe-execution`` output, whose ``output`` field is the analysis as a JSON
  string and whose ``input`` field (also a string) names the function (``lambdaARN``) and the strategy.

Which function a file measured: an explicit mapping from the configuration wins; then the function
name in ``lambdaARN``; then the file name (``GetOrderFunction.json``). Names are compared with the
function's logical ID, its literal ``FunctionName``, and the ``<stack>-<LogicalId>-<suffix>`` name
CloudFormation generates.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wa_lint.link.linker import resolve
from wa_lint.link.model import Function


class PowerTuningError(Exception):
    """A file that is not a usable Power Tuning result; the message says why."""


@dataclass(frozen=True)
class TuningPoint:
    """One memory size the state machine measured (an entry of its `stats` list)."""

    memory: int  # MB
    duration: float | None  # average duration, ms
    cost: float | None  # average cost of one invocation, USD


@dataclass(frozen=True)
class TuningResult:
    path: Path
    power: int  # the optimal memory size in MB
    cost: float | None  # average cost of one invocation at `power`, in USD
    duration: float | None  # average duration at `power`, in ms
    strategy: str | None  # cost | speed | balanced, when the file says
    function_name: str | None  # from lambdaARN, when the file says
    # Every memory size measured, by size; empty when the file has no (usable) `stats`.
    points: tuple[TuningPoint, ...] = ()

    def summary(self) -> str:
        """`1024 MB as optimal (balanced strategy; 9.8 ms and $0.00000021 per invocation at 1024 MB)`."""
        measured = []
        if self.duration is not None:
            measured.append(f"{self.duration:.1f} ms")
        if self.cost is not None:
            measured.append(f"${self.cost:.12f}".rstrip("0").rstrip(".") + " per invocation")
        details = [f"{self.strategy} strategy"] if self.strategy else []
        if measured:
            details.append(f"{' and '.join(measured)} at {self.power} MB")
        return f"{self.power} MB as optimal" + (f" ({'; '.join(details)})" if details else "")


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise PowerTuningError(f"{what} is not valid JSON: {error.msg} at line {error.lineno} "
                               f"column {error.colno}") from None
    except RecursionError:
        raise PowerTuningError(f"{what} is nested too deeply to read") from None


def _function_name(arn: Any) -> str | None:
    """`arn:aws:lambda:region:account:function:NAME[:qualifier]` (or a bare name) → NAME."""
    if not isinstance(arn, str) or not arn:
        return None
    parts = arn.split(":")
    if len(parts) >= 7 and parts[5] == "function":
        return parts[6]
    return arn if ":" not in arn else None


def _points(stats: Any) -> tuple[TuningPoint, ...]:
    """The `stats` entries that name a memory size; malformed ones are left out, since the result's
    `power` alone is what the checks rely on."""
    if not isinstance(stats, list):
        return ()
    points: dict[int, TuningPoint] = {}
    for entry in stats:
        if not isinstance(entry, dict):
            continue
        memory = _number(entry.get("value"))
        if memory is None or not memory.is_integer() or not 128 <= memory <= 10240:
            continue
        # JSON's NaN and Infinity parse as floats: a point without a finite measure is not a measure.
        duration, cost = (value if value is not None and math.isfinite(value) else None
                          for value in (_number(entry.get("averageDuration")), _number(entry.get("averagePrice"))))
        points[int(memory)] = TuningPoint(int(memory), duration, cost)
    return tuple(points[memory] for memory in sorted(points))


def _analysis(data: dict[str, Any], strategy: str | None, function_name: str | None, path: Path) -> TuningResult:
    power = data["power"]
    number = _number(power)
    if number is None or not number.is_integer() or not 128 <= number <= 10240:
        raise PowerTuningError(f"`power` must be a memory size in MB between 128 and 10240, not {power!r}")
    cost, duration = _number(data.get("cost")), _number(data.get("duration"))
    for key, value in (("cost", cost), ("duration", duration)):
        if key in data and value is None:
            raise PowerTuningError(f"`{key}` must be a number, not {data[key]!r}")
    file_strategy = data.get("strategy")
    return TuningResult(
        path=path,
        power=int(number),
        cost=cost,
        duration=duration,
        strategy=strategy or (file_strategy if isinstance(file_strategy, str) else None),
        function_name=function_name or _function_name(data.get("lambdaARN")),
        points=_points(data.get("stats")),
    )


def parse_result(path: Path, text: str) -> TuningResult:
    """Read one result file; raises PowerTuningError saying what is wrong with it."""
    data = _json(text, "the file")
    if not isinstance(data, dict):
        raise PowerTuningError("expected a JSON object (a Power Tuning result), found "
                               f"{type(data).__name__ if data is not None else 'null'}")
    strategy, function_name = None, None
    if "output" in data or "executionArn" in data:
        # describe-execution: the analysis and the execution input are both JSON strings.
        status = data.get("status")
        if not isinstance(data.get("output"), str):
            raise PowerTuningError(f"describe-execution output has no `output` (execution status {status})")
        raw_input = data.get("input")
        execution_input = _json(raw_input, "its `input`") if isinstance(raw_input, str) else None
        if isinstance(execution_input, dict):
            if isinstance(execution_input.get("strategy"), str):
                strategy = execution_input["strategy"]
            function_name = _function_name(execution_input.get("lambdaARN"))
        data = _json(data["output"], "its `output`")
        if not isinstance(data, dict):
            raise PowerTuningError("its `output` is not a JSON object")
    if "power" not in data and isinstance(data.get("results"), dict):
        data = data["results"]
    if "power" not in data:
        if "lambdaARN" in data:
            raise PowerTuningError("this is a Power Tuning execution input (lambdaARN, num, …), not its result")
        raise PowerTuningError("not a Power Tuning result: expected `power` (the analysis), a `results` object, "
                               "or describe-execution output with an `output` string")
    return _analysis(data, strategy, function_name, path)


def result_files(paths: Iterable[Path]) -> list[Path]:
    """The given files, and the `*.json` files under the given folders (hidden ones skipped)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(p for p in path.rglob("*.json")
                       if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts))
            )
        else:
            files.append(path)
    return list(dict.fromkeys(files))


def _literal_function_name(function: Function) -> str | None:
    name, _ = resolve(function.template, function.properties.get("FunctionName"))
    return name if isinstance(name, str) else None


def names_function(name: str, function: Function) -> bool:
    """Whether a deployed or file name designates this template function."""
    logical_id = function.logical_id
    if name in (logical_id, _literal_function_name(function)):
        return True
    # CloudFormation names an unnamed function `<stack>-<LogicalId>-<random suffix>`.
    return re.search(rf"(^|-){re.escape(logical_id)}-[A-Za-z0-9]+$", name) is not None


def _key(path: Path) -> Path:
    return path.resolve()


def functions_for(
    result: TuningResult, functions: Sequence[Function], mapping: dict[Path, str]
) -> tuple[list[Function], str]:
    """The functions a result measured, and how that was decided (for notes)."""
    mapped = {_key(path): logical_id for path, logical_id in mapping.items()}.get(_key(result.path))
    if mapped is not None:
        return [f for f in functions if f.logical_id == mapped], f"mapped to {mapped} in the configuration"
    if result.function_name:
        found = [f for f in functions if names_function(result.function_name, f)]
        return found, f"lambdaARN names function '{result.function_name}'"
    stem = result.path.name.split(".", 1)[0]
    return [f for f in functions if names_function(stem, f)], f"file name '{stem}'"
