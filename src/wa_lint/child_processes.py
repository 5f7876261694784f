"""A run's child processes (the analysis workers, the checks' shares, the template cache's writer of a cold run).

Each is forked where the system has fork: a millisecond, where multiprocessing's start-up (its imports
and its bootstrap) cost the parent 25-35 ms, a tenth of a run after an edit, and spawn re-imports
wa-lint. Messages between the two are pickled objects, each after its length, over a socket pair or a
pipe (`pipe`). Where there is no fork, multiprocessing spawns the child, with its own pipes. A child
ignores Ctrl-C (it reaches the whole process group: the parent handles it and ends its children, which
must not print a traceback each), ends at once and silently on SIGTERM, never outlives the parent, and
leaves by `os._exit`: never through the parent's exit handlers or its unflushed output.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, Protocol

_SIGNALS = {signal.SIGINT, signal.SIGTERM}
# A message's length, before it.
_HEADER = struct.Struct("!Q")
# Messages up to this size go out in one write with their header; larger ones in two, not copied.
_JOINED_BYTES = 64 * 1024


class End(Protocol):
    """One end of a `pipe`."""

    def send(self, message: Any) -> None: ...

    def recv(self) -> Any: ...

    def poll(self, timeout: float | None = 0.0) -> bool: ...

    def fileno(self) -> int: ...

    def close(self) -> None: ...


class Child(Protocol):
    """A started child, as multiprocessing's Process: `exitcode` None while it runs, minus the signal
    that ended it."""

    @property
    def exitcode(self) -> int | None: ...

    def is_alive(self) -> bool: ...

    def kill(self) -> None: ...

    def join(self, timeout: float | None = None) -> None: ...


def can_fork() -> bool:
    """Whether children are forked (they inherit the parent's objects) rather than spawned (sent them)."""
    return hasattr(os, "fork")


def pipe(duplex: bool = True) -> tuple[End, End]:
    """Two connected ends, the second for the child; with `duplex` False the first only reads and the
    second only writes."""
    if not can_fork():
        ends: tuple[End, End] = _spawning().Pipe(duplex)
        return ends
    if not duplex:
        reading, writing = os.pipe()
        return Channel(reading), Channel(writing)
    import socket  # (the workers' end sizes what may wait for them by its socket buffer)

    left, right = socket.socketpair()
    return Channel(left.detach()), Channel(right.detach())


def start(target: Callable[..., object], args: tuple[Any, ...]) -> Child:
    """A started child running `target(*args)`; `target` calls `quiet_signals` first. A child whose
    target raises exits with 1, silently: its parent redoes or reports what it was doing."""
    # Blocked across the fork: a Ctrl-C in that instant must not reach a child before it ignores it.
    masking = hasattr(signal, "pthread_sigmask")
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS) if masking else set()
    try:
        if not can_fork():
            process: Child = _spawning().Process(target=target, args=args, daemon=True)
            process.start()  # type: ignore[attr-defined]
            return process
        pid = os.fork()
        if pid == 0:
            _run(target, args)
        return Forked(pid)
    finally:
        if masking:  # (in the parent only: the child never returns from `_run`)
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def wait(ends: Sequence[End], timeout: float | None) -> list[End]:
    """The ends among `ends` with a message (or the end of the file) to read within `timeout` seconds;
    None: until one has."""
    if not ends:
        return []
    if not isinstance(ends[0], Channel):
        from multiprocessing.connection import wait as spawned_wait

        return list(spawned_wait(ends, timeout))  # type: ignore[arg-type]
    ready = _readable([end.fileno() for end in ends], timeout)
    return [end for end in ends if end.fileno() in ready]


class Channel:
    """One end of a socket pair or a pipe to a forked child."""

    __slots__ = ("_fd",)

    def __init__(self, fd: int) -> None:
        self._fd = fd

    def fileno(self) -> int:
        if self._fd < 0:
            raise OSError("the channel is closed")
        return self._fd

    def send(self, message: Any) -> None:
        payload = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
        header = _HEADER.pack(len(payload))
        if len(payload) <= _JOINED_BYTES:
            self._write(header + payload)
        else:
            self._write(header)
            self._write(payload)

    def recv(self) -> Any:
        """The next message; EOFError once the other end is closed (or died) before sending one whole."""
        (length,) = _HEADER.unpack(self._read(_HEADER.size))
        return pickle.loads(self._read(length))

    def poll(self, timeout: float | None = 0.0) -> bool:
        return bool(_readable([self.fileno()], timeout))

    def close(self) -> None:
        if self._fd >= 0:
            fd, self._fd = self._fd, -1
            os.close(fd)

    def __del__(self) -> None:
        try:
            self.close()
        except OSError:
            pass

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.fileno(), view):]

    def _read(self, size: int) -> bytearray:
        buffer = bytearray(size)
        view = memoryview(buffer)
        done = 0
        while done < size:
            count = os.readv(self.fileno(), [view[done:]])
            if count == 0:
                raise EOFError
            done += count
        return buffer


class Forked:
    """A forked child."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._exitcode: int | None = None

    @property
    def exitcode(self) -> int | None:
        self._reap(block=False)
        return self._exitcode

    def is_alive(self) -> bool:
        return self.exitcode is None

    def kill(self) -> None:
        if self._exitcode is None:  # (until reaped, its process ID cannot be another's)
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def join(self, timeout: float | None = None) -> None:
        if timeout is None:
            self._reap(block=True)
            return
        deadline = time.monotonic() + timeout
        pause = 0.0005
        while self.exitcode is None and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(pause, left))
            pause = min(2 * pause, 0.05)

    def _reap(self, block: bool) -> None:
        if self._exitcode is not None:
            return
        try:
            pid, status = os.waitpid(self.pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            # Reaped already: a host that ignores SIGCHLD has the system reap every child, unasked.
            self._exitcode = 1
            return
        if pid == self.pid:
            self._exitcode = os.waitstatus_to_exitcode(status)


def _run(target: Callable[..., object], args: tuple[Any, ...]) -> NoReturn:
    try:
        target(*args)
    except BaseException:  # noqa: BLE001 - the parent sees the exit code: no traceback in its output
        os._exit(1)
    os._exit(0)


def _readable(fds: list[int], timeout: float | None) -> set[int]:
    """Which of `fds` have something to read (or are at their end) within `timeout` seconds."""
    if not hasattr(select, "poll"):
        return set(select.select(fds, [], [], timeout)[0])
    poller = select.poll()
    for fd in fds:
        poller.register(fd, select.POLLIN)
    # poll's timeout is in whole milliseconds: rounded up, so a wait never ends before it is due.
    milliseconds = None if timeout is None else max(0, -int(-timeout * 1000 // 1))
    return {fd for fd, _ in poller.poll(milliseconds)}


def _spawning() -> Any:
    import multiprocessing  # only where there is no fork

    return multiprocessing.get_context("spawn")


def quiet_signals(parent: int) -> None:
    """In the child, first: Ctrl-C ignored, SIGTERM the default, and ended with the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent(parent)
    # The parent blocked them around the fork, so none could arrive before this point.
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)


def _die_with_parent(parent: int) -> None:
    """A child must not outlive the run: after `kill -9` of the parent nothing else would end it (it
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


def single_threaded() -> bool:
    """Whether a fork is safe: it copies only the thread that calls it, so a lock another thread holds
    (the editor server's, an API caller's) would never be released in the child."""
    return threading.active_count() == 1


def usable_cpus() -> int:
    """The CPUs this process may run on (a container or `taskset` may allow fewer than the machine has)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1
