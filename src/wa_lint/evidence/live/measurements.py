"""What live mode read from the account: small typed values, no boto3 objects.

Every number keeps the statistic and the window it came from, so a finding can cite it as Evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Measured:
    """One statistic: `Maximum of AWS/Lambda Duration over 14 days = 812.0 Milliseconds`."""

    metric: str  # "AWS/Lambda Duration", "REPORT Max Memory Used", "LambdaInsights used_memory_max"
    statistic: str  # "Average", "Maximum", "p99", "Sum", "per second (average)"
    value: float
    unit: str | None = None
    window_days: int | None = None

    @property
    def source(self) -> str:
        """Where the number came from, as a finding's Evidence names it."""
        return "cloudwatch-logs" if self.metric.startswith("REPORT") else "cloudwatch"

    def describe(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        window = f" over {self.window_days} days" if self.window_days else ""
        value = f"{self.value:.0f}" if self.value == int(self.value) or abs(self.value) >= 100 else f"{self.value:.2f}"
        return f"{self.statistic} {self.metric} {value}{unit}{window}"


@dataclass(frozen=True)
class DeployedFunction:
    """`GetFunctionConfiguration`: what is actually deployed."""

    name: str
    arn: str
    memory: int | None
    timeout: int | None
    architecture: str | None
    runtime: str | None
    tracing: str | None  # "Active" | "PassThrough"


@dataclass(frozen=True)
class FunctionMetrics:
    invocations: Measured | None = None
    duration_average: Measured | None = None
    duration_p99: Measured | None = None
    throttles: Measured | None = None
    concurrency_max: Measured | None = None
    init_duration_average: Measured | None = None
    # Peak memory actually used, from Lambda Insights or from the REPORT lines of the log group.
    max_memory_used: Measured | None = None


@dataclass(frozen=True)
class DeployedTable:
    """`DescribeTable` and the table's CloudWatch consumption, as per-second averages over the window."""

    name: str
    billing_mode: str | None  # "PROVISIONED" | "PAY_PER_REQUEST"
    read_capacity: int | None
    write_capacity: int | None
    reads_per_second: Measured | None = None
    writes_per_second: Measured | None = None
    read_throttles: Measured | None = None


@dataclass(frozen=True)
class DaxCluster:
    name: str
    status: str | None
    nodes: int | None


@dataclass(frozen=True)
class Problem:
    """Something live mode could not read; the static findings are reported all the same."""

    message: str
    action: str | None = None  # the IAM action that was denied, when that is the reason


@dataclass(frozen=True)
class StackResource:
    logical_id: str
    physical_id: str
    type: str
    stack: str  # the (nested) stack's name
    nested_path: tuple[str, ...] = ()  # logical IDs of the nested stack resources leading to it


@dataclass
class LiveEvidence:
    """Everything read in one `--aws` run, keyed by the physical names the stack gave."""

    stack: str
    region: str | None
    window_days: int
    resources: list[StackResource] = field(default_factory=list)
    functions: dict[str, DeployedFunction] = field(default_factory=dict)  # by physical name
    function_metrics: dict[str, FunctionMetrics] = field(default_factory=dict)
    tables: dict[str, DeployedTable] = field(default_factory=dict)
    dax_clusters: dict[str, DaxCluster] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # (template path, logical ID) → the stack resource it deployed as, decided by `match.py`.
    deployed: dict[tuple[Path, str], StackResource] = field(default_factory=dict)
