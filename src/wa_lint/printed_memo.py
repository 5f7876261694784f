"""What a run printed, kept so that the same command over an unchanged project prints it again at once.

The run memo (run_memo.py) spares a warm run the stages, but the findings are still decoded and the
report rendered again: on serverless-patterns (2,295 findings) that was 0.22 of the 0.55 s a warm
run took, and SARIF's fingerprints and rules made a warm SARIF run cost 1.2 s. An entry here
(`.wa_lint_cache/printed/`) holds a report as printed (standard output, the notes on standard error
and the exit code), keyed by the run memo's key and every option that shapes the output, with the
seal of the run memo entry whose result it rendered and, as its inputs, the files only the report
read (the source lines a full report shows). It is used while that run memo entry is the one stored
and its inputs read the same, and its own inputs read the same too. The run memo entry is read only as
far as its inputs go (`VouchedStore.head`; its result is tens of MB on 10,000 functions), and the run
that follows a miss takes the statuses read there rather than asking for them again.

Naming the run memo entry by its seal, rather than holding a copy of its inputs, keeps a run after an
edit from checking and writing those inputs twice (on serverless-patterns, 14,877 paths: 1.7 MB of
JSON to parse, look up and encode again); the seal covers the entry's result, so a report is never
printed for any other result than the one it was rendered from.

The one thing a report prints that its inputs do not determine is how long the run took (the text
summary's `(0.42s)`, the JSON summary's `"seconds": 0.42`): the report is kept with a stand-in in
its place, which contains a NUL that no rendered text can (the reporters escape control characters),
and the time is put in as it is printed.

Only the reports whose every other byte follows from the findings are kept: the text formats, JSON,
SARIF and GitLab's. JUnit prints the time in an attribute, GitHub's appends a job summary, HTML reads
the model.

A report is printed as stored, so an entry that holds what no reporter writes (a terminal control other
than the colour sequences the text reports use, a lone surrogate) is a miss: the reporters escape
what they print, and a cache entry must not undo that.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from wa_lint.cache_store import Checked, Head, VouchedStore, json_bytes
from wa_lint.inputs import Inputs
from wa_lint.report.formats import UNSAFE

KEPT_FORMATS = frozenset({"full", "concise", "text", "json", "sarif", "gitlab"})
TOOK = "(\0took\0)"  # the text summary's `(0.42s)`
SECONDS = "\0seconds\0"  # the JSON summary's number
_COLOUR = re.compile("\x1b\\[[0-9;]*m")
_UNPRINTED = re.compile(f"[{UNSAFE}\ud800-\udfff]")
_MAX_ENTRY_BYTES = 256 * 1024 * 1024


class Printed(NamedTuple):
    # The report as pieces of text (printed in order; TOOK where the run's duration goes).
    report: list[str]
    notes: str
    exit_code: int

    def pieces(self, seconds: float) -> Iterator[str]:
        return with_took(self.report, seconds)


def with_took(pieces: Iterable[str], seconds: float) -> Iterator[str]:
    """A report's pieces with the run's duration where it goes, as each report writes it."""
    took, number = f"({seconds:.2f}s)", repr(round(seconds, 3))
    for piece in pieces:
        yield piece.replace(TOOK, took).replace(SECONDS, number) if "\0" in piece else piece


def mark_json_seconds(pieces: list[str], seconds: float) -> bool:
    """Put the stand-in in place of the JSON report's `"seconds"` (the summary's last member, so the
    document's last number); False, and nothing changed, when the report is not laid out so."""
    if not pieces:
        return False
    head, key, tail = pieces[-1].rpartition('\n    "seconds": ')
    number = repr(round(seconds, 3))
    if not key or tail != number + "\n  }\n}\n":
        return False
    pieces[-1] = head + key + SECONDS + tail[len(number):]
    return True


def printed_options(output_format: str, colour: bool, quiet: int, exit_zero: bool) -> str:
    """The options that shape what is printed, beyond the run's own settings (its memo key)."""
    return json.dumps([output_format, colour, quiet, exit_zero])


class PrintedMemo(VouchedStore):
    def __init__(self, folder: Path) -> None:
        super().__init__(folder, "printed", _MAX_ENTRY_BYTES)

    @staticmethod
    def key(run_key: str, options: str) -> str:
        return hashlib.sha256(f"{run_key}\0{options}".encode()).hexdigest()

    def printed(self, key: str, run_memo: VouchedStore, run_key: str, run_head: Head) -> Printed | None:
        """What was printed from the result of the run memo entry under `run_key`, whose seal and inputs
        as they read now `run_head` holds, when the files only the report read read the same too.

        A run memo entry whose record of its inputs is to be stored again (a status once too recent to
        trust has aged; a folder has a new status and the same entries) is stored again here, its result
        as it was, and the report with it, naming the entry's new seal: the report stands for the same
        result. (The first run after a cold one used to render it again: 0.38 s against 0.12 s on
        serverless-patterns.)"""
        recalled = self.recall(key, _decode, run_head.inputs)
        if recalled is None or recalled[0][1] != run_head.seal:
            return None
        (printed, _), read_by_report = recalled
        if run_head.inputs.rewritten:
            checked = run_memo.check(run_key, head=run_head)
            if not isinstance(checked, Checked):
                return None  # the entry is damaged (its seal, checked only now, fails)
            run_memo.store_again(checked)
            stored_seal = run_memo.seals.get(run_key)
            if stored_seal is not None:
                self.keep(key, printed.report, printed.notes, printed.exit_code, stored_seal, read_by_report)
        return printed

    def keep(self, key: str, report: Iterable[str], notes: str, exit_code: int, run_seal: str,
             read_by_report: Inputs) -> None:
        """Keep a report rendered from the result of the run memo entry sealed `run_seal`, with the
        files the report read beyond that entry's inputs."""
        self._write_entry_chunks(key, read_by_report, _encode(report, notes, exit_code, run_seal))


def _encode(report: Iterable[str], notes: str, exit_code: int, run_seal: str) -> Iterator[bytes]:
    yield (b'{"run":' + json_bytes(run_seal) + b',"exit":' + json_bytes(exit_code) + b',"notes":' + json_bytes(notes)
           + b',"report":[')
    for index, piece in enumerate(report):
        yield (b"," if index else b"") + json_bytes(piece)
    yield b"]}"


def _decode(value: Any) -> tuple[Printed, str]:
    report, notes, exit_code, run_seal = value["report"], value["notes"], value["exit"], value["run"]
    if type(report) is not list or any(type(piece) is not str for piece in report):
        raise TypeError("a report is a list of texts")
    if type(notes) is not str or type(exit_code) is not int or type(run_seal) is not str:
        raise TypeError("notes are text, an exit code is a number and a seal is text")
    if not all(map(_as_reported, (*report, notes))):
        raise ValueError("a report holds what no reporter prints")
    return Printed(report, notes, exit_code), run_seal


def _as_reported(text: str) -> bool:
    """Whether `text` holds only what the reporters print (`str.isprintable` answers for most texts at
    C speed; a text it refuses, a tab or a no-break space in a source line say, gets the exact test)."""
    if "\0" in text:
        text = text.replace(TOOK, "").replace(SECONDS, "")
    if "\x1b" in text:
        text = _COLOUR.sub("", text)
    if text.replace("\n", "").isprintable():
        return True
    return _UNPRINTED.search(text) is None
