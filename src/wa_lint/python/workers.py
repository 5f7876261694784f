"""Analysing handler code in worker processes.

libcst's native parser can segfault or hang on hostile input (HAZARDS.md), and a crash must never take
the run down with it. Each file is analysed in a worker process that the parent watches: a worker
that dies or overruns its time limit is replaced, and only the file it was working on is reported.
The same workers give the run its parallelism.
"""

from __future__ import annotations

import faulthandler
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wa_lint.python.source import SourceError, decode_python

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

DEFAULT_TIMEOUT = 30.0


@dataclass(frozen=True)
class Outcome:
    """The facts of one file, or why there are none (`kind` "parse" → WA001, "internal" → WA002)."""

    facts: Any = None
    kind: str = "ok"
    message: str = ""
    line: int = 1
    column: int = 1


def analyse_bytes(path: Path, raw: bytes, offsets: tuple[int, int] = (0, 0)) -> Outcome:
    from wa_lint.python.facts import module_facts  # libcst is imported only where code is parsed
    from wa_lint.python.parse import ParseFailure

    try:
        return Outcome(module_facts(decode_python(raw), path, *offsets))
    except (SourceError, ParseFailure) as error:
        return Outcome(kind="parse", message=error.message, line=error.line, column=error.column)
    except RecursionError:
        return Outcome(kind="parse", message="code nested too deeply to analyse")
    except Exception as error:  # a bug in our own analysis: reported as WA002, the run goes on
        return Outcome(kind="internal", message=f"{type(error).__name__}: {error}")


def _serve(connection: Connection) -> None:
    # A crash is reported by the parent as a finding; a fault-handler dump would only be noise.
    faulthandler.disable()
    while True:
        try:
            task = connection.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        index, path, raw, offsets = task
        connection.send((index, analyse_bytes(path, raw, offsets)))


def _context() -> Any:
    import multiprocessing  # only runs that parse code pay for it

    methods = multiprocessing.get_all_start_methods()
    # fork starts a worker in milliseconds; spawn (macOS, Windows) re-imports wa-lint in each worker.
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


@dataclass
class _Worker:
    process: Any
    connection: Connection
    index: int | None = None
    started: float = 0.0


def analyse_all(
    tasks: Sequence[tuple[Path, bytes]],
    jobs: int,
    timeout: float = DEFAULT_TIMEOUT,
    offsets: tuple[int, int] = (0, 0),
    progress: Callable[[int, int], None] | None = None,
) -> list[Outcome]:
    """Outcomes in the order of `tasks`; never raises because of what a file contains.

    `offsets` (lines, columns) place the source inside a larger file (inline code in a template);
    `progress(done, total)` is called as files finish.
    """
    if not tasks:
        return []
    from multiprocessing.connection import wait

    done = 0
    context = _context()
    results: list[Outcome | None] = [None] * len(tasks)
    queue = deque(range(len(tasks)))
    workers: dict[Connection, _Worker] = {}

    def start() -> None:
        parent_end, child_end = context.Pipe()
        process = context.Process(target=_serve, args=(child_end,), daemon=True)
        process.start()
        child_end.close()
        worker = _Worker(process, parent_end)
        workers[parent_end] = worker
        give_work(worker)

    def give_work(worker: _Worker) -> None:
        if queue:
            worker.index = queue.popleft()
            worker.started = time.monotonic()
            worker.connection.send((worker.index, *tasks[worker.index], offsets))
        else:
            worker.index = None
            worker.connection.send(None)
            retire(worker)

    def retire(worker: _Worker, kill: bool = False) -> None:
        workers.pop(worker.connection, None)
        if kill:
            worker.process.kill()
        worker.process.join(timeout=5)
        worker.connection.close()

    def finish(index: int, outcome: Outcome) -> None:
        nonlocal done
        results[index] = outcome
        done += 1
        if progress:
            progress(done, len(tasks))

    def fail_current(worker: _Worker, message: str) -> None:
        assert worker.index is not None
        finish(worker.index, Outcome(kind="parse", message=message))
        retire(worker, kill=True)
        if queue:
            start()

    try:
        for _ in range(max(1, min(jobs, len(tasks)))):
            start()
        while workers:
            now = time.monotonic()
            deadline = min(w.started + timeout for w in workers.values() if w.index is not None)
            ready = wait(list(workers), timeout=max(0.0, deadline - now))
            for connection in ready:
                worker = workers.get(connection)  # type: ignore[call-overload]
                if worker is None:
                    continue
                try:
                    index, outcome = connection.recv()  # type: ignore[union-attr]
                except (EOFError, OSError):
                    worker.process.join(timeout=5)
                    code = worker.process.exitcode
                    fail_current(worker, f"the Python parser crashed on this file (exit code {code}); not analysed")
                    continue
                finish(index, outcome)
                give_work(worker)
            now = time.monotonic()
            for worker in list(workers.values()):
                if worker.index is not None and now - worker.started > timeout:
                    fail_current(worker, f"analysis took longer than {timeout:g} s; not analysed")
    finally:
        for worker in list(workers.values()):
            retire(worker, kill=True)
    return [result if result is not None else Outcome(kind="internal", message="no result") for result in results]
