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
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Self

from wa_lint.analyse.python.facts_model import ModuleFacts
from wa_lint.analyse.python.source import SourceError, decode_python

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

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


_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _die_with_parent(parent: int) -> None:
    """A worker must not outlive the run: after `kill -9` of the parent nothing else would end it (it
    holds inherited pipe ends, so it never reads EOF)."""
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(1, signal.SIGKILL, 0, 0, 0) == 0:  # PR_SET_PDEATHSIG
                if os.getppid() != parent:  # the parent died before the request took effect
                    os._exit(0)
                return
        except (OSError, AttributeError):
            pass

    def watch() -> None:  # elsewhere (or if prctl failed): notice the parent is gone within a second
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def _quiet_signals(parent: int) -> None:
    # Ctrl-C reaches the whole process group: the parent handles it and ends the workers, which must
    # not print a KeyboardInterrupt traceback each. SIGTERM ends a worker at once, silently.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent(parent)
    # The parent blocked them around the fork, so none could arrive before this point.
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)


def _serve(connection: Connection, cache: FactsCache | None, parent: int | None = None) -> None:
    if parent is not None:
        _quiet_signals(parent)
    # A crash is reported by the parent as a finding; a fault-handler dump would only be noise.
    faulthandler.disable()
    # The parent's objects (templates, facts) are inherited, not the worker's: frozen, the collector never
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
    from wa_lint.analyse.cache import encode
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        index, task = message
        outcome = analyse_bytes(task.path, task.raw, task.offsets)
        # The parent gets the cache entry's payload, not a pickle of the outcome: the facts are encoded
        # once (not for the cache and again for the pipe), and the entry's reader rebuilds them for
        # less than unpickling dataclasses costs. An outcome the payload cannot hold goes as itself.
        payload = encode(outcome)
        # Written here, in parallel, rather than by the parent; a bug (internal) is never cached.
        if cache is not None and task.cache_key is not None and outcome.kind != "internal":
            if payload is not None:
                cache.put_payload(task.cache_key, task.raw, payload)
            else:
                cache.put(task.cache_key, task.raw, outcome)
        connection.send((index, outcome if payload is None else payload))
        del outcome, payload, task, message
        if gc.get_count()[0] > GARBAGE_LIMIT:
            gc.collect()


def received(answer: Outcome | bytes) -> Outcome:
    """A worker's answer as an outcome: the cache payload it sent decoded (see `_serve`)."""
    if isinstance(answer, Outcome):
        return answer
    from wa_lint.analyse.cache import decode

    try:
        return decode(answer)
    except (ValueError, RecursionError) as error:  # a bug in the encoding: reported as WA002, the run goes on
        return Outcome(kind="internal", message=f"the analysis result could not be read back: {error}")


# Container objects made and not freed since the last collection (`gc.get_count()`) above which a
# worker collects garbage between files: the collector's own first threshold is 700.
GARBAGE_LIMIT = 20_000


def _context() -> Any:
    import multiprocessing  # only runs that parse code pay for it

    methods = multiprocessing.get_all_start_methods()
    # fork starts a worker in milliseconds; spawn (macOS, Windows) re-imports wa-lint in each worker.
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


# Files a worker is worth: one starts for the first file (the run needs one to parse anything, and it
# imports the analysis while the parent reads the cache); each further one only once this many more
# files wait. A worker costs a fork of the parent (whose heap grows with the project) and the analysis
# imports; a file costs about 1.5 ms. On a loaded 2-core machine a second worker for a few hundred
# files cost more than it saved (5-11 %); on a quiet one it was 1.4-1.9x faster.
FILES_PER_WORKER = 32


def workers_for(pending: int, jobs: int, idle_cpus: float | None = None) -> int:
    """How many workers `pending` files are worth: one per FILES_PER_WORKER files (at least one), at
    most `jobs`, and at most the CPUs idle now (`idle_cpus`; None when the user chose `jobs`)."""
    if pending <= 0:
        return 0
    count = min(max(1, jobs), 1 + (pending - 1) // FILES_PER_WORKER)
    if idle_cpus is not None:
        count = min(count, max(1, int(idle_cpus + 0.5)))
    return count


def idle_cpus() -> float | None:
    """CPUs not busy with other work: the CPU count less the load average of the last minute."""
    try:
        return (os.cpu_count() or 1) - os.getloadavg()[0]
    except (OSError, AttributeError):  # no load average on this system (Windows)
        return None


@dataclass
class _Worker:
    process: Any
    connection: Connection
    # Tasks sent and not answered yet, oldest first; the first is the one being analysed since `started`.
    tasks: deque[int] = field(default_factory=deque)
    started: float = 0.0


class AnalysisPool:
    """Worker processes kept for the whole run, started on first use.

    `offsets` (lines, columns) in a task place the source inside a larger file (inline code in a
    template). A worker that crashes or overruns `timeout` is killed and replaced; only the file it was
    analysing is reported, and the files queued behind it go to another worker. Each worker has a
    second file queued behind the one it analyses, so it never waits for the parent between files.
    """

    IN_FLIGHT = 2

    def __init__(self, jobs: int, timeout: float = DEFAULT_TIMEOUT,
                 progress: Callable[[int, int], None] | None = None, cache: FactsCache | None = None,
                 idle_cpus: float | None = None) -> None:
        self.jobs = max(1, jobs)
        # The CPUs idle when the run started (None: use up to `jobs` whatever the load).
        self.idle_cpus = idle_cpus
        self.timeout = timeout
        self.progress = progress
        self.cache = cache
        self.workers: dict[Connection, _Worker] = {}
        self.context: Any = None
        # Files a worker died or overran on: the machine's state (load, memory), not the file's, may be
        # why, so a result that holds one is not kept (the facts cache never holds these outcomes either).
        self.failures = 0

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: object, *exc_info: object) -> None:
        # Interrupted (Ctrl-C, SIGTERM turned into an exit): end the workers now rather than wait for
        # the files they are analysing.
        self.close(kill=exc_type is not None)

    def close(self, kill: bool = False) -> None:
        for worker in list(self.workers.values()):
            if not kill:
                try:
                    worker.connection.send(None)
                except OSError:
                    pass
            self._retire(worker, kill=kill)

    def _start(self) -> _Worker:
        if self.context is None:
            self.context = _context()
        parent_end, child_end = self.context.Pipe()
        process = self.context.Process(target=_serve, args=(child_end, self.cache, os.getpid()), daemon=True)
        # Blocked across the fork: a Ctrl-C in that instant must not reach a worker before it ignores it.
        masking = hasattr(signal, "pthread_sigmask")
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS) if masking else set()
        try:
            process.start()
        finally:
            if masking:
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        child_end.close()
        worker = _Worker(process, parent_end)
        self.workers[parent_end] = worker
        return worker

    def reserve(self, files: int) -> None:
        """Have the workers `files` pending files are worth (`workers_for`) starting now, before the
        files are sent; called again as more files turn out to need parsing, it adds workers."""
        while len(self.workers) < workers_for(files, self.jobs, self.idle_cpus):
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
        if not tasks:
            return []
        from multiprocessing.connection import wait

        results: list[Outcome | None] = [None] * len(tasks)
        queue = deque(range(len(tasks)))
        done = 0

        def give_work(worker: _Worker) -> None:
            while queue and len(worker.tasks) < self.IN_FLIGHT:
                if not worker.tasks:
                    worker.started = time.monotonic()
                index = queue.popleft()
                worker.tasks.append(index)
                try:
                    worker.connection.send((index, tasks[index]))
                except OSError:
                    return  # it died on an earlier file: reading from it says so, and requeues this one

        def finish(index: int, outcome: Outcome) -> None:
            nonlocal done
            results[index] = outcome
            done += 1
            if self.progress:
                self.progress(done, len(tasks))

        def fail(worker: _Worker, message: str) -> None:
            culprit = worker.tasks.popleft()
            self.failures += 1
            queue.extendleft(reversed(worker.tasks))  # queued behind the culprit: not analysed yet
            finish(culprit, Outcome(kind="parse", message=message))
            self._retire(worker, kill=True)
            if queue:
                give_work(self._start())

        self.reserve(len(tasks))
        for worker in list(self.workers.values()):
            give_work(worker)
        while done < len(tasks):
            busy = [w for w in self.workers.values() if w.tasks]
            deadline = min(w.started for w in busy) + self.timeout
            for connection in wait([w.connection for w in busy], timeout=max(0.0, deadline - time.monotonic())):
                worker = self.workers[connection]  # type: ignore[index]
                try:
                    index, answer = worker.connection.recv()
                except (EOFError, OSError):
                    worker.process.join(timeout=5)
                    fail(worker, f"the Python parser crashed on this file (exit code {worker.process.exitcode}); "
                                 "not analysed")
                    continue
                worker.tasks.popleft()
                worker.started = time.monotonic()  # the next queued file starts now
                give_work(worker)
                finish(index, received(answer))
            now = time.monotonic()
            for worker in list(self.workers.values()):
                if worker.tasks and now - worker.started > self.timeout:
                    fail(worker, f"analysis took longer than {self.timeout:g} s; not analysed")
        return [result if result is not None else Outcome(kind="internal", message="no result") for result in results]


def analyse_all(tasks: Sequence[tuple[Path, bytes]], jobs: int, timeout: float = DEFAULT_TIMEOUT,
                offsets: tuple[int, int] = (0, 0), progress: Callable[[int, int], None] | None = None) -> list[Outcome]:
    """One batch in a pool of its own."""
    with AnalysisPool(jobs, timeout, progress) as pool:
        return pool.analyse([Task(path, raw, offsets) for path, raw in tasks])
