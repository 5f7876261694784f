"""The `wa-lint` command as a process starts it: a report printed again at once when the same command
meets an unchanged project (launch_memo.py), else the command line parsed and run (cli.py).

Exit codes: 0 no findings, 1 findings, 2 usage, configuration or internal error, 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import gc
import io
import os
import sys
import time
from collections.abc import Iterable
from typing import NoReturn

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130


def entry() -> None:
    """The `wa-lint` command: `main` without the cyclic garbage collector, then an exit that skips the
    interpreter's teardown.

    A large run holds hundreds of megabytes of small, long-lived objects (template nodes, facts) and
    makes almost no cyclic garbage: a 10,000-function run peaks at the same memory with the collector
    off, while the collector's passes over those objects cost 10–30 % of its time (the workers, which
    parse and discard a tree per file, keep it on). Freeing the objects one by one at exit took seconds
    more after everything had been written; reports are complete by then (files are written
    atomically, the pool is closed), so only the standard streams need flushing.
    """
    started = time.perf_counter()
    gc.disable()
    _exit_on_sigterm()
    try:
        launch = _replay(sys.argv[1:], started)
        from wa_lint.cli import main

        main(obj=launch)
        code = EXIT_CLEAN
    except KeyboardInterrupt:  # before or after a command runs (a command handles its own)
        code = EXIT_INTERRUPTED
    except SystemExit as exit_:
        if exit_.code is None or isinstance(exit_.code, int):
            code = exit_.code or 0
        else:
            print(exit_.code, file=sys.stderr)
            code = EXIT_FINDINGS
    for stream in (sys.stdout, sys.stderr):  # None when the stream was closed before the start (`>&-`)
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # a closed pipe (`wa-lint | head`): nothing more can be said
            code = code or EXIT_ERROR
    os._exit(code)


def _replay(argv: list[str], started: float) -> object:
    """Print what this command printed last time and exit, when nothing it depends on has changed;
    else the command's `Launch`, for the command to keep what it prints under (None: it keeps none)."""
    from wa_lint.launch_memo import StaleRun, replay, this_launch

    launch = None
    try:
        launch = this_launch(argv)
        found = replay(launch, argv) if launch is not None and sys.stdout is not None else None
    except Exception:  # noqa: BLE001 - a look-up that fails is a miss: the command runs and says what is wrong
        return launch
    if launch is None or found is None:
        return launch
    if isinstance(found, StaleRun):
        return launch._replace(stale=found)
    escape_unencodable()
    print_and_exit(found.notes, found.pieces(time.perf_counter() - started), found.exit_code)


def escape_unencodable() -> None:
    """A terminal or pipe that cannot show a character (a Latin-1 locale, `⏎` in a message) gets an
    escape, never a UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def print_and_exit(notes: str, report: Iterable[str], exit_code: int) -> NoReturn:
    """The notes on standard error, then the report on standard output, as a text report writes them."""
    if notes and sys.stderr is not None:
        sys.stderr.write(notes)
        sys.stderr.flush()
    problem = emit_report(report)
    if problem is not None:
        say_error(problem)
        raise SystemExit(EXIT_ERROR)
    raise SystemExit(exit_code)


def emit_report(texts: Iterable[str]) -> str | None:
    """Write a report's texts to standard output; what went wrong when it could not be written.
    Standard output may be closed (`>&-`) or full (`/dev/full`): then the report is lost, and we say so."""
    stream = sys.stdout
    if stream is None:
        return "cannot write the report: standard output is closed (-o FILE writes it to a file)"
    try:
        for text in texts:
            stream.write(text)
        stream.flush()
    except BrokenPipeError:
        pass  # `wa-lint | head`: the reader has what it wanted (the exit code says the rest)
    except OSError as error:
        return f"cannot write the report to standard output: {error.strerror or error}"
    return None


def say_error(message: str) -> None:
    """`wa-lint: error: ...` on standard error, on one line: messages quote configuration keys, paths and
    errors from the repository, shown, never obeyed."""
    from wa_lint.report.formats import one_line

    if sys.stderr is not None:
        sys.stderr.write(f"wa-lint: error: {one_line(message)}\n")
        sys.stderr.flush()


def _exit_on_sigterm() -> None:
    """SIGTERM (a CI job cancelled, `timeout`) unwinds the run like an exit, so the analysis workers are
    ended on the way out, and the exit code is the shell's 128 + 15."""
    import signal

    def terminated(signum: int, frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not interrupt the clean-up
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminated)
