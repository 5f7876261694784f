"""A run's child processes (the analysis workers, the checks' shares, the template cache's writer of a cold run).

Each is started by fork where the system has it (milliseconds, against re-importing wa-lint under
spawn), ignores Ctrl-C (it reaches the whole process group: the parent handles it and ends its
children, which must not print a traceback each), ends at once and silently on SIGTERM, and never
outlives the parent.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def context() -> Any:
    import multiprocessing  # only runs that start a child pay for it

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def start(child_context: Any, target: Callable[..., object], args: tuple[Any, ...]) -> Any:
    """A started daemon process running `target(*args)`; `target` calls `quiet_signals` first."""
    process = child_context.Process(target=target, args=args, daemon=True)
    # Blocked across the fork: a Ctrl-C in that instant must not reach a child before it ignores it.
    masking = hasattr(signal, "pthread_sigmask")
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS) if masking else set()
    try:
        process.start()
    finally:
        if masking:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    return process


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
