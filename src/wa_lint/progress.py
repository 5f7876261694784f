"""The progress line a run shows on a terminal: one line for the whole run, the phase named, then cleared.

The pipeline reports `(phase, done, total)`; this turns that into a single line on standard error:

    wa-lint [##########..........]  48%  analysing 120/370 files  3.1s

The bar covers the whole run (each phase owns a fixed share of it), so it never restarts; the line is
redrawn in place (`\\r`, then erase to the end of the line, so a shorter text leaves nothing stale
behind) and clipped to the terminal's width, since a wrapped line can no longer be redrawn in place.
Each phase is shown as it starts; counts within a phase only after `delay` seconds and at most ten
times a second, so a quick run does not spend its time redrawing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

# Each phase's share of the bar (start, end), in the order the pipeline runs them, and its unit.
PHASES: dict[str, tuple[float, float, str]] = {
    "discovering": (0.00, 0.05, "files"),
    "loading": (0.05, 0.30, "templates"),
    "analysing": (0.30, 0.95, "files"),
    "checking": (0.95, 1.00, "rules"),
}
_ERASE = "\r\x1b[K"


def _terminal_width() -> int:
    import shutil  # only on a terminal: with what it imports (bz2, lzma, zlib), 2.6 ms of every other run

    return shutil.get_terminal_size().columns


class ProgressLine:
    """Callable as `progress(phase, done, total)`; `clear()` removes the line (call it before any output)."""

    def __init__(self, stream: TextIO, delay: float = 0.5, clock: Callable[[], float] = time.monotonic,
                 width: Callable[[], int] | None = None) -> None:
        self.stream = stream
        self.delay = delay
        self.clock = clock
        self.width = width or _terminal_width
        self.started = clock()
        self.drawn = False
        self.fraction = 0.0
        self.last_draw = 0.0
        self.phase = ""
        # Analysis runs in waves (handlers, then the modules they import): counts add up across them.
        self.offset = 0
        self.previous = (0, 0)

    def __call__(self, phase: str, done: int = 0, total: int = 0) -> None:
        new_phase = phase != self.phase
        if new_phase:
            self.phase, self.offset, self.previous = phase, 0, (0, 0)
        elif done < self.previous[0]:
            self.offset += self.previous[1]
        self.previous = (done, total)
        done, total = done + self.offset, total + self.offset
        start, end, _ = PHASES.get(phase, (self.fraction, self.fraction, ""))
        share = done / total if total else 0.0
        self.fraction = max(self.fraction, start + (end - start) * min(share, 1.0))
        now = self.clock()
        # A new phase is always shown (a long discovery reports nothing until it ends); counts only
        # after `delay`, and at most ten times a second.
        if not new_phase and (now - self.started < self.delay or (now - self.last_draw < 0.1 and done != total)):
            return
        self.last_draw = now
        self.stream.write(_ERASE + self.render(phase, done, total, now - self.started))
        self.stream.flush()
        self.drawn = True

    def say(self, message: str) -> None:
        """What a step without counts is doing (`--aws`: `aws: CloudWatch metrics 20/40`), on the same line."""
        now = self.clock()
        self.stream.write(_ERASE + self._line(f"aws: {message}", now - self.started))
        self.stream.flush()
        self.drawn = True

    def render(self, phase: str, done: int, total: int, elapsed: float) -> str:
        unit = PHASES.get(phase, (0, 0, ""))[2]
        # Discovery knows no total: what it has found so far.
        count = f" {done}/{total} {unit}" if total else f" {done} {unit}" if done else "…"
        return self._line(f"{phase}{count}", elapsed)

    def _line(self, what: str, elapsed: float) -> str:
        cells = 20
        filled = round(cells * self.fraction)
        # Before any phase (`wa-lint tune` waiting on AWS) there is no run to show a bar for.
        bar = f" [{'#' * filled}{'.' * (cells - filled)}] {self.fraction:4.0%}" if self.phase else ""
        text = f"wa-lint{bar}  {what}  {elapsed:.1f}s"
        return text[: max(self.width() - 1, 0)]

    def clear(self) -> None:
        if self.drawn:
            self.stream.write(_ERASE)
            self.stream.flush()
            self.drawn = False
