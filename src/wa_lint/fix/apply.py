"""Apply findings' fixes to files: non-overlapping edits, atomic writes, re-lint to a fixed point.

A file is read here the way the loaders decoded it (so an Edit's character offsets land where the
finding was computed), rewritten only when the new text still parses, and written through a temporary
file in the same folder renamed over it, keeping its mode, encoding, byte order mark and line endings.
"""

from __future__ import annotations

import ast
import difflib
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from wa_lint.report.findings import Applicability, Edit, Finding, Fix

if TYPE_CHECKING:
    from wa_lint.pipeline import RunResult

_BOM = b"\xef\xbb\xbf"
# Each round applies every fix that does not overlap another in its file, then lints again; fixes
# that overlapped are recomputed on the new text. Real files settle in two or three rounds.
MAX_ROUNDS = 8


@dataclass(frozen=True)
class Source:
    path: Path
    raw: bytes
    text: str
    encoding: str
    bom: bool


class FixFailure(Exception):
    """A file that could not be fixed; it is left byte-identical."""


def read_source(path: Path) -> Source:
    """The file's text decoded as the linter decoded it (PEP 263 for Python, UTF-8 for templates)."""
    return decode_source(path, path.read_bytes())


def decode_source(path: Path, raw: bytes) -> Source:
    """`raw`, the contents of `path`, decoded as `read_source` decodes the file."""
    bom = raw.startswith(_BOM)
    if path.suffix == ".py":
        import io
        import tokenize

        from wa_lint.analyse.python.source import SourceError, decode_python

        try:
            text = decode_python(raw)
            encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
        except (SourceError, SyntaxError) as error:
            raise FixFailure(f"not decodable as Python: {error}") from None
        encoding = "utf-8" if encoding == "utf-8-sig" else encoding
    else:
        try:
            text = raw.removeprefix(_BOM).decode("utf-8")
        except UnicodeDecodeError as error:
            raise FixFailure(f"not UTF-8: {error}") from None
        encoding = "utf-8"
    return Source(path, raw, text, encoding, bom)


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    from wa_lint.load.template.edit import apply_edits as apply

    return apply(text, edits)


def _overlaps(a: Edit, b: Edit) -> bool:
    if a.start == a.end == b.start == b.end:
        return True  # two insertions at one place have no order
    return a.start < b.end and b.start < a.end or (a.start == a.end and b.start < a.start < b.end) \
        or (b.start == b.end and a.start < b.start < a.end)


def choose(fixes: Iterable[Fix]) -> list[Fix]:
    """Fixes whose edits overlap none chosen before them (in the order given); the rest wait a round."""
    chosen: list[Fix] = []
    taken: list[Edit] = []
    for fix in fixes:
        if any(_overlaps(edit, other) for edit in fix.edits for other in taken):
            continue
        if any(_overlaps(a, b) for i, a in enumerate(fix.edits) for b in fix.edits[i + 1:]):
            continue  # a fix that contradicts itself is never applied
        chosen.append(fix)
        taken.extend(fix.edits)
    return chosen


def applicable(finding: Finding, unsafe: bool) -> Fix | None:
    for fix in finding.fixes:
        if fix.applicability is Applicability.SAFE or (unsafe and fix.applicability is Applicability.UNSAFE):
            return fix
    return None


def _still_parses(path: Path, text: str) -> None:
    if path.suffix == ".py":
        try:
            ast.parse(text, filename=str(path))
        except (SyntaxError, ValueError) as error:
            raise FixFailure(f"the fixed text does not parse ({error}); file left unchanged") from None
        return
    from wa_lint.load.template.document import parse_template
    from wa_lint.load.template.errors import TemplateError

    try:
        parse_template(path, text)
    except TemplateError as error:
        raise FixFailure(f"the fixed template does not load ({error.message}); file left unchanged") from None


def encode(source: Source, text: str) -> bytes:
    try:
        data = text.encode(source.encoding)
    except UnicodeEncodeError as error:
        raise FixFailure(f"the fixed text cannot be written in {source.encoding} ({error})") from None
    return _BOM + data if source.bom else data


def write_atomically(path: Path, data: bytes) -> None:
    """Temporary file in the same folder, then a rename: a reader sees the old file or the new one."""
    status = os.stat(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".wa-lint-fix")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, status.st_mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


@dataclass
class FileChange:
    path: Path
    before: str
    after: str
    fixes: int


@dataclass
class FixOutcome:
    result: RunResult
    fixed: int = 0
    changes: dict[Path, FileChange] = field(default_factory=dict)
    failures: dict[Path, str] = field(default_factory=dict)

    def remaining(self) -> int:
        return len(self.result.findings)

    def more_with_unsafe(self) -> int:
        # A template fix is built when read and may turn out refused (no edits): it fixes nothing.
        return sum(1 for finding in self.result.findings
                   if any(fix.applicability is Applicability.UNSAFE and fix.edits for fix in finding.fixes))

    def diff(self) -> str:
        parts: list[str] = []
        for path, change in sorted(self.changes.items()):
            name = Path(os.path.relpath(path)).as_posix() if path.is_absolute() else path.as_posix()
            parts.extend(difflib.unified_diff(change.before.splitlines(keepends=True),
                                              change.after.splitlines(keepends=True),
                                              f"a/{name}", f"b/{name}"))
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                       for line in parts)


def plan(findings: Iterable[Finding], unsafe: bool) -> dict[Path, list[Fix]]:
    by_file: dict[Path, list[Fix]] = {}
    for finding in findings:
        fix = applicable(finding, unsafe)
        if fix is None or not fix.edits or len({edit.path for edit in fix.edits}) != 1:
            continue
        by_file.setdefault(fix.edits[0].path, []).append(fix)
    return by_file


def fix_files(lint: Callable[..., RunResult], unsafe: bool = False, write: bool = True,
              max_rounds: int = MAX_ROUNDS) -> FixOutcome:
    """Lint, apply the applicable fixes, and lint again until nothing more applies (at most `max_rounds`).

    `lint()` lints the files as they are. With `write=False` (`--diff`) nothing is written: the rounds
    after the first call `lint(overlay)`, where `overlay` maps each changed file to its fixed bytes (to be
    read in place of the file), so the changes are the whole fixed point `--fix` would write.
    """
    outcome = FixOutcome(lint())
    originals: dict[Path, str] = {}
    overlay: dict[Path, bytes] = {}
    seen: set[tuple[Path, str]] = set()
    for _ in range(max_rounds):
        wrote = False
        for path, fixes in sorted(plan(outcome.result.findings, unsafe).items()):
            if path in outcome.failures:
                continue
            try:
                source = decode_source(path, overlay[path]) if path in overlay else read_source(path)
                chosen = choose(fixes)
                after = apply_edits(source.text, [edit for fix in chosen for edit in fix.edits])
                if after == source.text or (path, after) in seen:
                    continue  # a fix that changes nothing, or brings back an earlier text: a cycle
                _still_parses(path, after)
                data = encode(source, after)
                if write:
                    if path.read_bytes() != source.raw:
                        raise FixFailure("changed on disk while it was being fixed; left as it is now")
                    write_atomically(path, data)
                else:
                    overlay[path] = data
            except (FixFailure, OSError, ValueError) as error:
                outcome.failures[path] = str(error)
                continue
            seen.add((path, after))
            originals.setdefault(path, source.text)
            outcome.fixed += len(chosen)
            previous = outcome.changes.get(path)
            outcome.changes[path] = FileChange(path, originals[path], after,
                                               len(chosen) + (previous.fixes if previous else 0))
            wrote = True
        if not wrote:
            break
        outcome.result = lint() if write else lint(dict(overlay))
    return outcome


def summary(outcome: FixOutcome, unsafe: bool) -> str:
    text = f"{outcome.fixed} fixed, {outcome.remaining()} remaining"
    more = 0 if unsafe else outcome.more_with_unsafe()
    if more:
        text += f"; {more} more with --unsafe-fixes"
    return text
