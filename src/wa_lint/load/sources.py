"""Every file of a run read once: its bytes, the text decoded from them, and a line index.

Loaders, analysis, suppressions and fingerprints all take a file's text from here, so a position a rule
reports (and an edit a fix makes) is tied to exactly the bytes that were analysed. The read policy lives
here too: only regular files, only inside the project root and the paths given (unless configured),
within the size and line limits. A file the policy refuses is a `Skip` whose note the caller reports.
"""

from __future__ import annotations

import bisect
import functools
import io
import os
import stat
import tokenize
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wa_lint import inputs
from wa_lint.files import CANNOT_READ, FileSkip, read_regular
from wa_lint.report.findings import Diagnostic

OUTSIDE = "outside the project root and the paths given; not read (allow-outside-root = true reads it)"


class LineIndex:
    """Offsets where each line starts, for offset ↔ (line, column) in a text (1-based lines and columns).

    Lines end at `\\n`, `\\r\\n` or a lone `\\r`, as Python's tokenizer and YAML count them (`str.splitlines`
    would also break at form feeds and Unicode separators, and disagree with the parsers' line numbers).
    """

    def __init__(self, text: str) -> None:
        self.text = text
        starts = [0]
        index, length = 0, len(text)
        while True:
            index = _next_break(text, index)
            if index < 0:
                break
            index += 2 if text.startswith("\r\n", index) else 1
            if index <= length:
                starts.append(index)
        # A final line break does not start another line.
        if len(starts) > 1 and starts[-1] == length:
            starts.pop()
        self.starts = starts

    def __len__(self) -> int:
        return len(self.starts) if self.text else 0

    def position(self, offset: int) -> tuple[int, int]:
        """(line, column) of a character offset."""
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1

    def offset(self, line: int, column: int) -> int:
        """Character offset of a (line, column); positions past the end are clamped to it."""
        if line < 1:
            return 0
        if line > len(self.starts):
            return len(self.text)
        return min(self.starts[line - 1] + max(column, 1) - 1, len(self.text))

    def line(self, number: int) -> str:
        """The text of line `number` without its line break; "" outside the file."""
        if not 1 <= number <= len(self):
            return ""
        start = self.starts[number - 1]
        end = self.starts[number] if number < len(self.starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")

    def lines(self, first: int, last: int) -> list[str]:
        return [self.line(number) for number in range(max(first, 1), min(last, len(self)) + 1)]


def _next_break(text: str, start: int) -> int:
    newline, carriage = text.find("\n", start), text.find("\r", start)
    if newline < 0:
        return carriage
    if carriage < 0:
        return newline
    return min(newline, carriage)


@dataclass(frozen=True, eq=False)
class Source:
    """One file as read: the bytes, and (computed once, on first use) its text and line index."""

    path: Path
    raw: bytes

    @functools.cached_property
    def text(self) -> str:
        """The text the file's parser sees: Python by its PEP 263 encoding, everything else as UTF-8; a
        byte that does not decode becomes U+FFFD (the file's loader reports it as a parse error)."""
        raw = self.raw
        if self.path.suffix == ".py":
            try:
                encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
                return raw.decode(encoding, errors="replace").removeprefix("\ufeff")
            # A cookie naming no codec, a codec that is not a text encoding (`undefined`, `rot13`): the
            # file gets its WA001 from analysis; its text here is read as UTF-8.
            except (SyntaxError, LookupError, UnicodeError, TypeError, ValueError):
                pass
        return raw.decode("utf-8", errors="replace").removeprefix("\ufeff")

    @functools.cached_property
    def lines(self) -> LineIndex:
        return LineIndex(self.text)

    @property
    def line_count(self) -> int:
        return self.raw.count(b"\n") + 1


@dataclass(frozen=True)
class Skip:
    """A file the read policy (or the file system) refused, with the note to report."""

    diagnostic: Diagnostic


def _is_symlink(path: Path) -> bool:
    try:
        return stat.S_ISLNK(os.lstat(path).st_mode)
    except (OSError, ValueError):
        return True  # not known to be a plain folder: resolved instead


def _real(path: Path) -> Path | None:
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):  # RuntimeError: a symlink loop (3.11); ValueError: a NUL
        return None


@dataclass
class Limits:
    template_bytes: int
    python_bytes: int
    python_lines: int


@dataclass
class SourceStore:
    """The files of one run, each read at most once, under one read policy."""

    root: Path
    paths: Sequence[Path]
    limits: Limits
    allow_outside_root: bool = False
    # Texts to read instead of the files at these paths (`--diff` lints the fixed text it has not written).
    overlay: Mapping[Path, bytes] = field(default_factory=dict)
    _sources: dict[Path, Source] = field(default_factory=dict, repr=False)
    _inside_folders: dict[Path, bool] = field(default_factory=dict, repr=False)
    _readable: list[Path] = field(default_factory=list, repr=False)
    _given: list[str] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._readable = [real for real in map(_real, [self.root, *self.paths]) if real]
        self._given = [os.path.abspath(path) for path in [self.root, *self.paths]]

    # -- the policy -------------------------------------------------------------------------------
    def inside(self, path: Path) -> bool:
        """Whether reads may reach `path`: under the project root or a path given (symlinks resolved)."""
        if self.allow_outside_root:
            return True
        try:
            mode = os.lstat(path).st_mode
        except (OSError, ValueError):
            mode = 0  # not there (yet), or not a path at all: where its folder is decides
        if stat.S_ISLNK(mode):
            return self._resolves_inside(path)
        # Resolving a path costs a system call per component: one answer per folder is enough.
        folder = path if stat.S_ISDIR(mode) else path.parent
        return self._folder_inside(folder) or (folder is not path and self._resolves_inside(path))  # a file named on its own

    def _folder_inside(self, folder: Path) -> bool:
        known = self._inside_folders.get(folder)
        if known is None:
            # A folder that is no symbolic link, in a folder known to be inside, is inside too: one lstat
            # instead of resolving every component of its path (a run asks for thousands of folders).
            parent = folder.parent
            derivable = parent != folder and folder.name not in ("", ".", "..") and self._below_given(parent)
            if derivable and self._folder_inside(parent) and not _is_symlink(folder):
                known = True
            else:
                known = self._resolves_inside(folder)
            self._inside_folders[folder] = known
        return known

    def _below_given(self, folder: Path) -> bool:
        """Whether `folder` is written as the root, a path given or a folder below one (no link resolved)."""
        text = str(folder)
        return any(text == base or text.startswith(base.rstrip(os.sep) + os.sep) for base in self._given)

    def _resolves_inside(self, path: Path) -> bool:
        real = _real(path)
        return real is not None and any(real.is_relative_to(base) for base in self._readable)

    # -- reading ----------------------------------------------------------------------------------
    def read(self, path: Path, limit: int) -> Source | Skip:
        """The file's source, read now or earlier; a Skip when the policy or the file system refuses."""
        known = self._sources.get(path)
        if known is not None:
            return known
        try:
            status = path.stat()
            if not stat.S_ISREG(status.st_mode):
                inputs.note(path, status)
                return Skip(Diagnostic(path, "skipped: not a regular file"))
            if not self.inside(path):
                inputs.note(path, status)
                return Skip(Diagnostic(path, f"skipped: {OUTSIDE}"))
            size = len(self.overlay[path]) if path in self.overlay else status.st_size
            if size > limit:
                inputs.note(path, status)
                return Skip(Diagnostic(path, f"skipped: {size:,} bytes is over the {limit:,}-byte limit (configurable)"))
            # Opened without blocking and checked again on the descriptor: the file may have been swapped
            # for a FIFO or a device since the stat above.
            raw = self.overlay[path] if path in self.overlay else read_regular(path, limit)
        except OSError as error:
            inputs.note(path)
            return Skip(Diagnostic(path, f"skipped: {CANNOT_READ}{error.strerror or error})"))
        except FileSkip as skip:
            return Skip(Diagnostic(path, f"skipped: {skip}"))
        source = self._sources[path] = Source(path, raw)
        return source

    def read_template(self, path: Path) -> Source | Skip:
        return self.read(path, self.limits.template_bytes)

    def read_python(self, path: Path) -> Source | Skip:
        source = self.read(path, self.limits.python_bytes)
        # Analysis time grows with statements, not bytes: 100,000 short lines take over a minute.
        if isinstance(source, Source) and source.line_count > self.limits.python_lines:
            lines, limit = source.line_count, self.limits.python_lines
            return Skip(Diagnostic(path, f"skipped: {lines:,} lines is over the {limit:,}-line limit (configurable)"))
        return source

    def get(self, path: Path) -> Source | None:
        """The source of a file this run has read, if it has."""
        return self._sources.get(path)

    def text(self, path: Path) -> str:
        """The text of a file, as analysed when it was read; a file not read yet is read now (a finding
        may sit in one, e.g. a folder-level note), and "" when it cannot be."""
        source = self._sources.get(path)
        if source is None:
            try:
                limit = max(self.limits.template_bytes, self.limits.python_bytes)
                raw = self.overlay[path] if path in self.overlay else read_regular(path, limit)
            except FileSkip:
                return ""
            source = self._sources[path] = Source(path, raw)
        return source.text

    def lines(self, path: Path) -> LineIndex:
        source = self._sources.get(path)
        if source is None:
            self.text(path)
            source = self._sources.get(path)
        return source.lines if source is not None else LineIndex("")
