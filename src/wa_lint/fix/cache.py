"""Hoisting fixes cached in `.wa_lint_cache/fixes/`, so a warm run does not parse a file again to fix it.

A PERF101/PERF102 finding carries its fix (or why there is none), which `hoist` works out by parsing the
file and walking it: most of a warm run's check stage on a large app. The answer is a pure function
of the file's text, its path, the call's span and the fixer's code, which is what an entry is keyed
by, so it can never be stale. An entry is plain JSON whose every value is type-checked on the way
back; one that does not fit is a miss.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from wa_lint import __version__
from wa_lint.cache_store import SealedStore, code_fingerprint
from wa_lint.fix.python import Hoisting, NotFixable, Target
from wa_lint.report.findings import Applicability, Edit, Fix

_FORMAT = "1"
_EDIT_TYPES = (int, int, str, int, int, int, int)


def fixer_fingerprint() -> str:
    package = Path(__file__).parent
    return code_fingerprint(package, f"{_FORMAT}:{__version__}".encode(),
                            files=(package.parent / "report" / "findings.py",))


class FixCache(SealedStore):
    def __init__(self, folder: Path, fingerprint: str | None = None) -> None:
        super().__init__(folder, "fixes")
        self.fingerprint = fingerprint or fixer_fingerprint()
        self.hits = 0
        self.misses = 0

    def key(self, path: Path, text: str, target: Target) -> str:
        head = f"{self.fingerprint}\0{path}\0{target!r}\0"
        return hashlib.sha256((head + text).encode("utf-8", "surrogatepass")).hexdigest()

    def hoist(self, path: Path, text: str, target: Target, hoisting: Hoisting | None = None) -> Fix:
        """`hoist(path, text, target)`: the fix, or NotFixable (ValueError when the fixer cannot say);
        a miss is worked out by `hoisting` (the run's fixer, which keeps files parsed between sites)."""
        key = self.key(path, text, target)
        payload = self.read(key)
        if payload is not None:
            try:
                answer = _decode(path, payload, len(text))
            except (TypeError, ValueError, IndexError, KeyError, RecursionError):
                answer = None
            if answer is not None:
                self.hits += 1
                if isinstance(answer, Fix):
                    return answer
                raise NotFixable(answer)
        self.misses += 1
        try:
            fix = (hoisting or Hoisting(keep=0)).hoist(path, text, target)
        except NotFixable as reason:
            self.write_json(key, ["not", str(reason)])
            raise
        edits = [[e.start, e.end, e.replacement, e.line, e.column, e.end_line, e.end_column] for e in fix.edits]
        if all(edit.path == path for edit in fix.edits):
            self.write_json(key, ["fix", fix.title, fix.applicability.value, edits])
        return fix


class RunFixes:
    """One run's hoisting answers by file text and call: a site that several entries reach is offered to
    the check stage once per entry (it keeps the first), and its fix is the same each time, so it is
    worked out (or read from the cache) once."""

    def __init__(self, store: FixCache | None) -> None:
        self.store = store
        self.hoisting = Hoisting()
        self._answers: dict[tuple[Path, str, Target], Fix | str] = {}

    def hoist(self, path: Path, text: str, target: Target) -> Fix:
        """As `hoist(path, text, target)`; what it raises other than NotFixable is not remembered."""
        key = (path, text, target)
        answer = self._answers.get(key)
        if answer is None:
            try:
                if self.store is not None:
                    answer = self.store.hoist(path, text, target, self.hoisting)
                else:
                    answer = self.hoisting.hoist(path, text, target)
            except NotFixable as reason:
                answer = str(reason)
            self._answers[key] = answer
        if isinstance(answer, str):
            raise NotFixable(answer)
        return answer


def _decode(path: Path, payload: bytes, length: int) -> Fix | str | None:
    entry = json.loads(payload)
    if type(entry) is not list or not entry:
        return None
    if entry[0] == "not" and len(entry) == 2 and type(entry[1]) is str:
        return str(entry[1])
    if entry[0] != "fix" or len(entry) != 4 or type(entry[1]) is not str or type(entry[3]) is not list:
        return None
    applicability = Applicability(entry[2])  # an unknown value raises ValueError: a miss
    edits = []
    for edit in entry[3]:
        if type(edit) is not list or tuple(map(type, edit)) != _EDIT_TYPES or not 0 <= edit[0] <= edit[1] <= length:
            return None
        edits.append(Edit(path, *edit))
    return Fix(entry[1], tuple(edits), applicability)
