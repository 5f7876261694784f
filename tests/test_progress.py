"""The progress line: one line over the whole run, the phase named, redrawn in place, then cleared."""

from __future__ import annotations

import io
import re
from pathlib import Path

from wa_lint.config import Config
from wa_lint.pipeline import run
from wa_lint.progress import ProgressLine

_LINE = re.compile(r"wa-lint \[(?P<bar>[#.]{20})\] +(?P<percent>\d+)%  (?P<phase>\w+)(?P<count> \d+/\d+ \w+| \d+ \w+|…)")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def drawn(stream: io.StringIO) -> list[re.Match[str]]:
    parts = stream.getvalue().split("\r\x1b[K")
    assert parts[0] == "", "every draw starts by erasing the line"
    return [match for part in parts[1:] if part and (match := _LINE.match(part))]


def test_one_bar_over_the_whole_run_never_goes_back() -> None:
    stream, clock = io.StringIO(), Clock()
    progress = ProgressLine(stream, delay=0.0, clock=clock, width=lambda: 200)
    steps = [("discovering", 0, 0), ("loading", 0, 4), ("loading", 3, 4),
             ("analysing", 5, 10), ("analysing", 10, 10), ("analysing", 1, 3), ("analysing", 3, 3),
             ("checking", 0, 5), ("checking", 4, 5)]
    for phase, done, total in steps:
        clock.now += 1
        progress(phase, done, total)
    lines = drawn(stream)
    assert [m["phase"] for m in lines] == [phase for phase, _, _ in steps]
    percents = [int(m["percent"]) for m in lines]
    assert percents == sorted(percents) and percents[0] == 0 and percents[-1] >= 95
    counts = [m["count"].strip() for m in lines]
    assert counts[0] == "…" and counts[2] == "3/4 templates"
    assert counts[5:7] == ["11/13 files", "13/13 files"], "a second wave of analysis adds to the first"
    progress.clear()
    assert stream.getvalue().endswith("\r\x1b[K") and not progress.drawn


def test_counts_wait_for_the_delay_and_are_throttled_but_phases_show_at_once() -> None:
    stream, clock = io.StringIO(), Clock()
    progress = ProgressLine(stream, delay=2.0, clock=clock, width=lambda: 200)
    progress("discovering")
    progress("loading", 0, 100)
    for done in range(1, 50):
        clock.now += 0.01
        progress("loading", done, 100)
    assert [m["phase"] for m in drawn(stream)] == ["discovering", "loading"], "counts within 2 s are not drawn"
    clock.now = 3.0
    for done in range(50, 60):
        clock.now += 0.01
        progress("loading", done, 100)
    assert len(drawn(stream)) == 3, "at most ten redraws a second"
    progress("loading", 100, 100)
    assert drawn(stream)[-1]["count"] == " 100/100 templates", "the last count is always drawn"


def test_the_line_fits_the_terminal_and_clear_without_a_draw_writes_nothing() -> None:
    stream = io.StringIO()
    progress = ProgressLine(stream, delay=0.0, width=lambda: 30)
    progress("analysing", 1, 2)
    assert all(len(part) <= 29 for part in stream.getvalue().split("\r\x1b[K")), "a wrapped line cannot be redrawn"
    quiet = io.StringIO()
    ProgressLine(quiet).clear()
    assert quiet.getvalue() == ""


def test_discovery_counts_what_it_has_found_and_loading_counts_templates(tmp_path: Path) -> None:
    for folder in ("a", "b", "c"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "template.yaml").write_text("Resources: {}\n")
        (tmp_path / folder / "app.py").write_text("def handler(event, context):\n    return 1\n")
    calls: list[tuple[str, int, int]] = []
    run([tmp_path], Config(select=("PERF001",)), use_cache=False,
        progress=lambda phase, done, total: calls.append((phase, done, total)))
    discovering = [done for phase, done, _ in calls if phase == "discovering"]
    assert discovering == sorted(discovering) and discovering[-1] == 6, "files found so far, folder by folder"
    assert [(done, total) for phase, done, total in calls if phase == "loading"][-3:] == [(1, 3), (2, 3), (3, 3)]

    stream, clock = io.StringIO(), Clock()
    line = ProgressLine(stream, delay=0.0, clock=clock, width=lambda: 200)
    line("discovering", 0, 0)
    clock.now += 1
    line("discovering", 1234, 0)
    assert [m["count"] for m in drawn(stream)] == ["…", " 1234 files"], "no total while discovering"


def test_aws_steps_are_said_on_the_same_line_with_the_bar_once_a_run_has_one() -> None:
    stream, clock = io.StringIO(), Clock()
    line = ProgressLine(stream, delay=0.0, clock=clock, width=lambda: 200)
    line.say("reading stack orders")
    assert stream.getvalue() == "\r\x1b[Kwa-lint  aws: reading stack orders  0.0s", "no run yet: no bar"
    line("loading", 2, 4)
    clock.now += 2
    line.say("CloudWatch metrics 20/40")
    last = stream.getvalue().split("\r\x1b[K")[-1]
    assert last == f"wa-lint [{'#' * 4}{'.' * 16}]  18%  aws: CloudWatch metrics 20/40  2.0s"
    line.clear()
    assert stream.getvalue().endswith("\r\x1b[K") and not line.drawn
