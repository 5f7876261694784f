"""An AWS Lambda Power Tuning result as a chart: average duration and cost per memory size.

Memory is on a log₂ axis (the sizes people try double: 128, 256, … 10240); duration (left axis) and
cost (right axis) each start at zero, so a flat cost curve looks flat. The configured and the
optimum sizes are vertical markers. The numbers are also in a table, for readers without the picture.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from wa_lint.report.formats.html.markup import Markup, el

if TYPE_CHECKING:
    from wa_lint.evidence.power_tuning import TuningPoint, TuningResult

WIDTH, HEIGHT = 460, 230
LEFT, RIGHT, TOP, BOTTOM = 56, 74, 22, 40
LAMBDA_DEFAULT_MEMORY = 128


def configured_memory(value: object) -> int | None:
    """The MemorySize a function runs with, when it is a number (Lambda's default when unset)."""
    if value is None:
        return LAMBDA_DEFAULT_MEMORY
    if isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return int(number) if math.isfinite(number) and number.is_integer() and 128 <= number <= 10240 else None


def cost_text(cost: float | None) -> str:
    # Per-invocation costs are millionths of a dollar: µ$ keeps them readable.
    return "–" if cost is None else f"{cost * 1e6:.3g} µ$"


def duration_text(duration: float | None) -> str:
    return "–" if duration is None else f"{duration:.1f} ms"


def _points(result: TuningResult) -> list[TuningPoint]:
    from wa_lint.evidence.power_tuning import TuningPoint

    if result.points:
        return list(result.points)
    # A result without `stats` still says how the optimum measured.
    return [TuningPoint(result.power, result.duration, result.cost)]


def svg(result: TuningResult, configured: int | None) -> Markup:
    points = _points(result)
    sizes = [point.memory for point in points] + [result.power] + ([configured] if configured else [])
    low, high = math.log2(min(sizes)), math.log2(max(sizes))
    if high - low < 1:
        low, high = low - 0.5, high + 0.5
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(memory: int) -> float:
        return LEFT + (math.log2(memory) - low) / (high - low) * plot_width

    durations = [p.duration for p in points if p.duration is not None]
    costs = [p.cost for p in points if p.cost is not None]
    top_duration = max(durations, default=0.0) * 1.15 or 1.0
    top_cost = max(costs, default=0.0) * 1.15 or 1.0

    def y(value: float, top: float) -> float:
        return TOP + plot_height - value / top * plot_height

    parts: list[Markup] = [
        el("rect", x=LEFT, y=TOP, width=plot_width, height=plot_height, class_="plot"),
        el("text", "avg duration (ms)", x=LEFT - 4, y=TOP - 8, class_="axis duration", text_anchor="start"),
        el("text", "avg cost / invocation (µ$)", x=LEFT + plot_width + 4, y=TOP - 8, class_="axis cost",
           text_anchor="end"),
        el("text", "memory (MB)", x=LEFT + plot_width / 2, y=HEIGHT - 6, class_="axis", text_anchor="middle"),
    ]
    for fraction in (0.0, 0.5, 1.0):
        level = TOP + plot_height - fraction * plot_height
        parts.append(el("line", x1=LEFT, x2=LEFT + plot_width, y1=level, y2=level, class_="grid"))
        parts.append(el("text", f"{fraction * top_duration:.3g}", x=LEFT - 6, y=level + 4, class_="tick duration",
                        text_anchor="end"))
        parts.append(el("text", f"{fraction * top_cost * 1e6:.3g}", x=LEFT + plot_width + 6, y=level + 4,
                        class_="tick cost", text_anchor="start"))
    for memory in sorted(set(sizes)):
        parts.append(el("text", memory, x=x(memory), y=TOP + plot_height + 16, class_="tick", text_anchor="middle"))
    markers = [(result.power, "optimum", f"optimum {result.power} MB")]
    if configured:
        markers.append((configured, "configured", f"configured {configured} MB"))
    for memory, kind, text in markers:
        lowered = kind == "configured"  # two markers on one size keep both labels readable
        # A label runs right of its marker, or left of it in the right half of the plot.
        right_half = x(memory) > LEFT + plot_width / 2
        parts.append(el("line", x1=x(memory), x2=x(memory), y1=TOP, y2=TOP + plot_height, class_=f"marker {kind}"))
        parts.append(el("text", text, x=x(memory) + (-4 if right_half else 4), y=TOP + (26 if lowered else 12),
                        class_=f"marker-label {kind}", text_anchor="end" if right_half else "start"))
    for series, top in (("duration", top_duration), ("cost", top_cost)):
        measured = [(p.memory, getattr(p, series)) for p in points if getattr(p, series) is not None]
        if len(measured) > 1:
            parts.append(el("polyline", points=" ".join(f"{x(m):.1f},{y(v, top):.1f}" for m, v in measured),
                            class_=f"series {series}"))
    for point in points:
        dots = [el("circle", cx=x(point.memory), cy=y(value, top), r=4, class_=series)
                for series, value, top in (("duration", point.duration, top_duration), ("cost", point.cost, top_cost))
                if value is not None]
        title = f"{point.memory} MB: {duration_text(point.duration)}, {cost_text(point.cost)} per invocation"
        parts.append(el("g", el("title", title), dots, class_="point", data_memory=point.memory))
    label = (f"Power Tuning: {len(points)} memory sizes measured, optimum {result.power} MB"
             + (f", configured {configured} MB" if configured else ""))
    return el("svg", parts, xmlns="http://www.w3.org/2000/svg", viewBox=f"0 0 {WIDTH} {HEIGHT}", width=WIDTH,
              class_="tuning", role="img", aria_label=label)


def table(result: TuningResult, configured: int | None) -> Markup:
    rows = []
    for point in _points(result):
        notes = [note for note, memory in (("optimum", result.power), ("configured", configured))
                 if memory == point.memory]
        rows.append(el("tr", el("td", f"{point.memory} MB"), el("td", duration_text(point.duration)),
                       el("td", cost_text(point.cost)), el("td", ", ".join(notes))))
    head = el("tr", el("th", "memory"), el("th", "avg duration"), el("th", "avg cost"), el("th", ""))
    return el("table", el("thead", head), el("tbody", rows), class_="numbers")
