"""Analysing handler code in worker processes.

A parser's native code can crash or hang on hostile input (HAZARDS.md: libcst did; CPython's own parser
refuses those shapes, but isolation costs little), and a crash must never take the run down with it. Each file is analysed in a worker process that the parent watches: a worker
that dies or overruns its time limit is replaced, and only the file it was working on is reported.
The same workers give the run its parallelism.
"""

from __future__ import annotations

import faulthandler
import gc
import os
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Self

from wa_lint.analyse.python.facts_model import ModuleFacts
from wa_lint.analyse.python.source import SourceError, decode_python
from wa_lint.child_processes import Child, End, pipe, quiet_signals, start, wait

if TYPE_CHECKING:
    from wa_lint.analyse.cache import FactsCache

DEFAULT_TIMEOUT = 30.0


@dataclass(frozen=True)
class Outcome:
    """The facts of one file (`kind` "ok"), or why there are none ("parse" → WA001, "internal" → WA002)."""

    facts: ModuleFacts | None = None
    kind: str = "ok"
    message: str = ""
    line: int = 1
    column: int = 1


def analyse_bytes(path: Path, raw: bytes, offsets: tuple[int, int] = (0, 0)) -> Outcome:
    from wa_lint.analyse.python.facts import (
        module_facts,  # the analysis is imported only where code is parsed
    )
    from wa_lint.analyse.python.parse import ParseFailure

    try:
        return Outcome(module_facts(decode_python(raw), path, *offsets))
    except (SourceError, ParseFailure) as error:
        return Outcome(kind="parse", message=error.message, line=error.line, column=error.column)
    except RecursionError:
        return Outcome(kind="parse", message="code nested too deeply to analyse")
    except Exception as error:  # noqa: BLE001 - a bug in our own analysis: reported as WA002, the run goes on
        return Outcome(kind="internal", message=f"{type(error).__name__}: {error}")


class Task(NamedTuple):
    path: Path
    raw: bytes
    offsets: tuple[int, int] = (0, 0)
    cache_key: Path | None = None  # where the outcome is cached; None: not cached


def _serve(connection: End, cache: FactsCache | None, parent: int | None = None) -> None:
    if parent is not None:
        quiet_signals(parent)
    # A crash is reported by the parent as a finding; a fault-handler dump would only be noise.
    faulthandler.disable()
    # The parent's objects (templates, facts) are inherited, not the worker's: frozen, a collection never
    # walks them, which would copy every page the fork shares.
    gc.freeze()
    # The collector stays off here too: a file's analysis makes no cyclic garbage (facts.collect breaks
    # the one cycle it makes), so everything is freed as soon as it is done with, while the collector's
    # passes over each tree as it was built cost 15-20 % of the analysis. Anything cyclic a file does
    # leave (an exception's traceback) still counts: it is collected once enough of it has built up.
    gc.disable()
    # The parser is imported here, not inherited: a worker is started as soon as a file is known to
    # need parsing, and this import (~0.2 s) overlaps the parent's remaining work.
    import wa_lint.analyse.python.facts  # noqa: F401
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        index, task = message
        outcome = analyse_bytes(task.path, task.raw, task.offsets)
        # Written here, in parallel, rather than by the parent; a bug (internal) is never cached.
        if cache is not None and task.cache_key is not None and outcome.kind != "internal":
            cache.put(task.cache_key, task.raw, outcome)
        # Pickled, not the cache entry's JSON: reading that JSON back cost the parent more (0.54-0.59
        # against 0.34 ms per file on the 1,000-function tree), and the parent is the one that waits.
        connection.send((index, outcome))
        del outcome, task, message
        if gc.get_count()[0] > GARBAGE_LIMIT:
            gc.collect()


# Container objects made and not freed since the last collection (`gc.get_count()`) above which a
# worker collects garbage between files: the collector's own first threshold is 700.
GARBAGE_LIMIT = 20_000


# Files a worker is worth: one starts for the first file (the run needs one to parse anything, and it
# imports the analysis while the parent reads the cache); each further one only once this many more
# files wait. A worker costs a fork of the parent and the analysis imports; a file costs a few ms.
# Workers are not capped by the machine's load: a second worker on a busy 2-core machine used no more
# CPU than one (8.3 against 8.7 s on 1,000 functions, load average 3-4.7) and finished sooner. (It
# once cost 5-11 % more, while each worker's collector still walked the heap it inherited.)
FILES_PER_WORKER = 32


def queueable_bytes(connection: End) -> int:
    """How large a file may be to be sent to a worker that is analysing another: what the worker's pipe
    holds without the parent waiting. A send that waited would wait as long as the other file takes
    (the time limit cannot end it), and for ever once the worker is itself waiting to send an answer
    larger than the pipe holds (the facts of a 700 KB file pickle to 1.9 MB): each would wait on the
    other. A file sent to an idle worker is read as it is sent."""
    import socket

    try:
        with socket.socket(fileno=os.dup(connection.fileno())) as channel:
            buffered: int = channel.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
    except (OSError, ValueError):
        return 0  # no socket (another platform's pipe): nothing waits behind another file
    # The kernel's accounting takes part of the buffer, and the message has a header: a quarter of it
    # is held on every system, less 1 KiB for the header (Linux: 51 KiB of 208; macOS: 1 KiB of 8).
    return buffered // 4 - 1024


def workers_for(pending: int, jobs: int) -> int:
    """How many workers `pending` files are worth: one per FILES_PER_WORKER files (at least one), at
    most `jobs`."""
    if pending <= 0:
        return 0
    return min(max(1, jobs), 1 + (pending - 1) // FILES_PER_WORKER)


@dataclass
class _Worker:
    process: Child
    connection: End
    # Tasks sent and not answered yet, oldest first; the first is the one being analysed since `started`.
    tasks: deque[int] = field(default_factory=deque)
    started: float = 0.0
    # The largest file sent to wait behind the one being analysed (`queueable_bytes`).
    queueable: int = 0
    # Whether it was ever sent a file: one started early that never was is ended, not waited for.
    used: bool = False


class AnalysisPool:
    """Worker processes kept for the whole run, started on first use.

    Files are numbered as they are submitted (`submit`), analysed while the parent goes on with other
    work as long as it services the workers now and then (`pump`), and their outcomes taken when
    needed (`collect`; `analyse` does all three). `offsets` (lines, columns) in a task place the source
    inside a larger file (inline code in a template). A worker that crashes or overruns `timeout` is
    killed and replaced; only the file it was analysing is reported, and the files queued behind it go
    to another worker. Each worker has a second file queued behind the one it analyses, so it never
    waits for the parent between files.
    """

    IN_FLIGHT = 2

    def __init__(self, jobs: int, timeout: float = DEFAULT_TIMEOUT,
                 progress: Callable[[int, int], None] | None = None, cache: FactsCache | None = None) -> None:
        self.jobs = max(1, jobs)
        self.timeout = timeout
        self.progress = progress
        self.cache = cache
        self.workers: dict[End, _Worker] = {}
        # Files a worker died or overran on: the machine's state (load, memory), not the file's, may be
        # why, so a result that holds one is not kept (the facts cache never holds these outcomes either).
        self.failures = 0
        self._submitted = 0
        self._unanswered: dict[int, Task] = {}  # by number: submitted, no outcome yet
        self._queue: deque[int] = deque()  # the unanswered not sent to a worker yet, in order
        self._outcomes: dict[int, Outcome] = {}  # answered, not collected yet

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: object, *exc_info: object) -> None:
        # Interrupted (Ctrl-C, SIGTERM turned into an exit): end the workers now rather than wait for
        # the files they are analysing.
        self.close(kill=exc_type is not None)

    def close(self, kill: bool = False) -> None:
        for worker in list(self.workers.values()):
            if not kill and worker.used:
                try:
                    worker.connection.send(None)
                except OSError:
                    pass
            self._retire(worker, kill=kill or not worker.used)

    def _start(self) -> _Worker:
        parent_end, child_end = pipe()
        process = start(_serve, (child_end, self.cache, os.getpid()))
        child_end.close()
        worker = _Worker(process, parent_end, queueable=queueable_bytes(parent_end))
        self.workers[parent_end] = worker
        return worker

    def reserve(self, files: int) -> None:
        """Have the workers `files` pending files are worth (`workers_for`) starting now, before the
        files are sent; called again as more files turn out to need parsing, it adds workers."""
        self.start_workers(workers_for(files, self.jobs))

    def start_workers(self, count: int) -> None:
        """Have `count` workers (at most the jobs) running."""
        while len(self.workers) < min(count, self.jobs):
            self._start()

    def _retire(self, worker: _Worker, kill: bool) -> None:
        self.workers.pop(worker.connection, None)
        if kill:
            worker.process.kill()
        worker.process.join(timeout=5)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()
        worker.connection.close()

    def analyse(self, tasks: Sequence[Task]) -> list[Outcome]:
        """Outcomes in the order of `tasks`; never raises because of what a file contains."""
        return self.collect(self.submit(tasks)) if tasks else []

    def submit(self, tasks: Sequence[Task]) -> range:
        """The numbers of `tasks`, sent to the workers as far as they take work (the workers all the
        unanswered files are worth are started for them)."""
        numbers = range(self._submitted, self._submitted + len(tasks))
        self._submitted = numbers.stop
        self._unanswered.update(zip(numbers, tasks, strict=True))
        self._queue.extend(numbers)
        self.reserve(len(self._unanswered))
        for worker in list(self.workers.values()):
            self._give_work(worker)
        return numbers

    def collect(self, numbers: Sequence[int]) -> list[Outcome]:
        """The outcomes of submitted files, in the order of `numbers`, waiting for those not answered
        yet; `progress(done, len(numbers))` as they come."""
        waiting = {number for number in numbers if number not in self._outcomes}
        done = len(numbers) - len(waiting)
        if done and waiting and self.progress:
            self.progress(done, len(numbers))
        while waiting:
            for number in self.pump(timeout=None):
                if number in waiting:
                    waiting.discard(number)
                    done += 1
                    if self.progress:
                        self.progress(done, len(numbers))
        return [self._outcomes.pop(number) for number in numbers]

    def pump(self, timeout: float | None = 0.0) -> list[int]:
        """Take what the workers have answered within `timeout` seconds (None: until an answer comes
        or a worker overruns), give them more work, and replace any that died or overran; returns the
        numbers answered (an overrun or crash answers its file too)."""
        if self._queue and not any(worker.tasks for worker in self.workers.values()):
            self._give_work(self._start())  # (every worker was retired with files still queued)
        busy = [worker for worker in self.workers.values() if worker.tasks]
        if not busy:
            return []
        answered = []
        limit = max(0.0, min(worker.started for worker in busy) + self.timeout - time.monotonic())
        for connection in wait([worker.connection for worker in busy], limit if timeout is None else
                               min(limit, timeout)):
            worker = self.workers[connection]
            try:
                number, outcome = worker.connection.recv()
            except (EOFError, OSError):
                worker.process.join(timeout=5)
                answered.append(self._fail(worker, "the Python parser crashed on this file (exit code "
                                                   f"{worker.process.exitcode}); not analysed"))
                continue
            worker.tasks.popleft()
            worker.started = time.monotonic()  # the next queued file starts now
            self._answer(number, outcome)
            answered.append(number)
            self._give_work(worker)
        now = time.monotonic()
        for worker in list(self.workers.values()):
            if worker.tasks and now - worker.started > self.timeout:
                answered.append(self._fail(worker, f"analysis took longer than {self.timeout:g} s; not analysed"))
        return answered

    def _give_work(self, worker: _Worker) -> None:
        while self._queue and len(worker.tasks) < self.IN_FLIGHT:
            if worker.tasks and len(self._unanswered[self._queue[0]].raw) > worker.queueable:
                return  # sent once the worker is idle, and reading (queueable_bytes)
            if not worker.tasks:
                worker.started = time.monotonic()
            number = self._queue.popleft()
            worker.tasks.append(number)
            worker.used = True
            try:
                worker.connection.send((number, self._unanswered[number]))
            except OSError:
                return  # it died on an earlier file: reading from it says so, and requeues this one

    def _answer(self, number: int, outcome: Outcome) -> None:
        del self._unanswered[number]
        self._outcomes[number] = outcome

    def _fail(self, worker: _Worker, message: str) -> int:
        """The file `worker` was analysing, answered as not analysed; the worker replaced."""
        culprit = worker.tasks.popleft()
        self.failures += 1
        self._queue.extendleft(reversed(worker.tasks))  # queued behind the culprit: not analysed yet
        self._answer(culprit, Outcome(kind="parse", message=message))
        self._retire(worker, kill=True)
        if self._queue:
            self._give_work(self._start())
        return culprit


def analyse_all(tasks: Sequence[tuple[Path, bytes]], jobs: int, timeout: float = DEFAULT_TIMEOUT,
                offsets: tuple[int, int] = (0, 0), progress: Callable[[int, int], None] | None = None) -> list[Outcome]:
    """One batch in a pool of its own."""
    with AnalysisPool(jobs, timeout, progress) as pool:
        return pool.analyse([Task(path, raw, offsets) for path, raw in tasks])
