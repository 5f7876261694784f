"""What `--aws` measured about a function's memory and duration, worded once for the memory and timeout rules.

A verdict needs enough invocations to mean anything (`min-invocations`); below that the measurements
are still cited, but judge nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wa_lint.evidence.live.lookup import deployed_function, function_metrics
from wa_lint.link.model import Function, Project
from wa_lint.report.findings import Evidence

if TYPE_CHECKING:  # live mode's classes, built only when it runs
    from wa_lint.evidence.live.measurements import Measured

# Below this a function gets less than one vCPU's worth of time: more memory buys CPU too.
ONE_VCPU_MB = 1769


@dataclass(frozen=True)
class MemoryVerdict:
    direction: str | None  # "up" | "down" | None (measured, nothing to say)
    sentence: str  # "measured over 14 days: peak 90 MB of 1024 MB (9%), 1,000 invocations"
    measurements: tuple[Measured, ...]


def evidence_of(measured: Measured) -> Evidence:
    """A measurement as the Evidence a finding carries (JSON, SARIF and one text line)."""
    value = int(measured.value) if measured.value == int(measured.value) else round(measured.value, 3)
    return Evidence(measured.source, measured.statistic, value, unit=measured.unit, metric=measured.metric,
                    window=f"{measured.window_days} days" if measured.window_days else None)


def _mb(value: float) -> str:
    return f"{value:,.0f} MB"


def memory_verdict(function: Function, project: Project, configured: int | None,
                   options: dict[str, Any]) -> MemoryVerdict | None:
    """The measured peak memory and duration against the memory that ran (deployed, else the template's)."""
    metrics = function_metrics(project, function)
    deployed = deployed_function(project, function)
    memory = deployed.memory if deployed and deployed.memory else configured
    if metrics is None or memory is None or project.live is None:
        return None
    window = project.live.window_days
    measurements = tuple(m for m in (metrics.max_memory_used, metrics.invocations, metrics.duration_average,
                                     metrics.duration_p99) if m is not None)
    if not measurements:
        return None
    parts = []
    peak, duration, invocations = metrics.max_memory_used, metrics.duration_average, metrics.invocations
    if peak is not None:
        parts.append(f"peak {_mb(peak.value)} used of {_mb(memory)} ({peak.value / memory:.0%}, {peak.metric})")
    if duration is not None:
        parts.append(f"average duration {duration.value:,.0f} ms")
    if invocations is not None:
        parts.append(f"{invocations.value:,.0f} invocations")
    sentence = f"measured over {window} days: {', '.join(parts)}"
    if invocations is None or invocations.value < float(options["min-invocations"]):
        return MemoryVerdict(None, sentence + " (too few invocations to judge)", measurements)
    ratio = peak.value / memory if peak is not None else None
    if ratio is not None and ratio >= float(options["under-provisioned-fraction"]):
        return MemoryVerdict("up", sentence + ": under-provisioned, close to running out of memory", measurements)
    if (duration is not None and memory < ONE_VCPU_MB
            and duration.value >= float(options["slow-duration-ms"])):
        return MemoryVerdict("up", sentence + f": likely CPU-bound (below {ONE_VCPU_MB} MB a function has less "
                                              "than one vCPU, and more memory buys more CPU)", measurements)
    if ratio is not None and ratio < float(options["over-provisioned-fraction"]):
        return MemoryVerdict("down", sentence + ": over-provisioned", measurements)
    return MemoryVerdict(None, sentence, measurements)


def expected_direction(verdict: MemoryVerdict) -> str:
    if verdict.direction == "up":
        return "a Power Tuning run would likely pick a larger size, which may also cost less if it runs faster"
    if verdict.direction == "down":
        return "a Power Tuning run would likely pick a smaller size (check the duration does not grow with it)"
    return ""


def deployed_note(function: Function, project: Project, configured: int | None) -> str:
    """' (deployed: 1024 MB)' when the deployed memory differs from the template's."""
    deployed = deployed_function(project, function)
    if deployed is None or deployed.memory is None or deployed.memory == configured:
        return ""
    return f" (deployed: {deployed.memory} MB)"
