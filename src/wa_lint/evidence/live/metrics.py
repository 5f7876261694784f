"""CloudWatch statistics over the window, many metrics per `GetMetricData` call.

One period spans the whole window, so each query returns one value; where CloudWatch splits it in
two (a window not aligned to its period boundaries), the values are combined by the statistic.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from wa_lint.evidence.live.aws import Account
from wa_lint.evidence.live.measurements import Measured

_BATCH = 500  # GetMetricData's limit of queries per call


@dataclass(frozen=True)
class Query:
    namespace: str
    metric: str
    dimension: str
    value: str
    statistic: str  # Sum | Average | Maximum | p99
    unit: str | None = None

    @property
    def percentile(self) -> bool:
        return self.statistic.startswith("p")

    def label(self) -> str:
        return f"{self.namespace} {self.metric}"


def _combine(statistic: str, values: list[float]) -> float:
    if statistic == "Sum":
        return sum(values)
    if statistic == "Maximum" or statistic.startswith("p"):
        return max(values)  # a percentile of two periods is not known; the larger one is the safe side
    return sum(values) / len(values)


def statistics(account: Account, queries: list[Query], window_days: int,
               progress: Callable[[str], None] | None = None) -> dict[Query, Measured]:
    """The value of each query that has data in the window; queries without data are absent."""
    end = int(time.time()) // 60 * 60
    start = end - window_days * 86_400
    period = window_days * 86_400
    found: dict[Query, Measured] = {}
    for offset in range(0, len(queries), _BATCH):
        batch = queries[offset:offset + _BATCH]
        if progress and len(queries) > _BATCH:
            progress(f"CloudWatch metrics {offset + len(batch)}/{len(queries)}")
        request = [{
            "Id": f"q{number}",
            "MetricStat": {
                "Metric": {"Namespace": q.namespace, "MetricName": q.metric,
                           "Dimensions": [{"Name": q.dimension, "Value": q.value}]},
                "Period": period,
                "Stat": q.statistic,
            },
            "ReturnData": True,
        } for number, q in enumerate(batch)]
        values: dict[int, list[float]] = {}
        for page in account.pages("cloudwatch", "get_metric_data", MetricDataQueries=request,
                                  StartTime=datetime.fromtimestamp(start, UTC),
                                  EndTime=datetime.fromtimestamp(end, UTC)):
            for result in page.get("MetricDataResults", []):
                number = int(str(result.get("Id", "q-1"))[1:])
                values.setdefault(number, []).extend(float(v) for v in result.get("Values", []))
        for number, numbers in values.items():
            if numbers and 0 <= number < len(batch):
                query = batch[number]
                found[query] = Measured(query.label(), query.statistic, _combine(query.statistic, numbers),
                                        query.unit, window_days)
    return found
