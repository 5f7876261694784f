"""A walk's result kept in the cache with what it depends on, so an unchanged tree is not walked again.

What a walk finds depends only on the listings of the folders it lists, the `.gitignore` files it
reads, the kinds of the paths it is given and its settings (paths, root, excludes, wa-lint's code).
A folder's listing is vouched for by its status, as git's index vouches for a file: any entry
added, removed or renamed in a folder changes its modification time, and a `chmod` its change time.
A `.gitignore` is vouched for by its own status (size, times, inode, mode).

A status is only trusted when it is older than the walk by a margin: a folder listed in the same
clock tick as a later change to it would keep its old time (the "racy git" problem, and file systems
whose times have a granularity of seconds). For such a folder the snapshot also keeps a digest of
the listing, and for such a `.gitignore` a digest of its bytes; checking the snapshot lists or reads
them again. A snapshot that checked out with such entries is written again with the statuses read
while checking, so the next run trusts them.

An entry is JSON read back with every value's type checked; an entry that does not fit, names a
folder that is gone, or whose statuses differ is a miss, and the tree is walked as if there were
no cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from wa_lint import __version__
from wa_lint.cache_store import SealedStore, code_fingerprint
from wa_lint.files import FileSkip, read_regular

_FORMAT = "1"
T = TypeVar("T")
# File systems keep times in ticks of up to 2 s (FAT); a status this close to the walk is not trusted.
RACY_MARGIN_NS = 2_000_000_000

# A file's or folder's status as far as a walk depends on it; None when the path does not exist.
Stamp = tuple[int, int, int, int, int]


def stamp_of(status: os.stat_result) -> Stamp:
    return (status.st_mtime_ns, status.st_ctime_ns, status.st_ino, status.st_size, status.st_mode)


def _folder_stamp(path: str) -> Stamp | None:
    try:
        return stamp_of(os.stat(path))
    except (OSError, ValueError):
        return None


def _file_stamp(path: str) -> Stamp | None:
    try:
        return stamp_of(os.lstat(path))
    except (OSError, ValueError):
        return None


def listing_digest(path: str) -> str | None:
    """What a walk reads of a folder: its entries' names and kinds (folder, regular file, other)."""
    try:
        with os.scandir(path) as entries:
            items = sorted(f"{entry.name}\0{_kind(entry)}" for entry in entries)
    except (OSError, ValueError):
        return None
    return hashlib.sha256("\n".join(items).encode("utf-8", "surrogateescape")).hexdigest()


def _kind(entry: os.DirEntry[str]) -> str:
    try:
        return "d" if entry.is_dir(follow_symlinks=False) else "f" if entry.is_file(follow_symlinks=False) else "o"
    except OSError:
        return "?"


def content_digest(path: str, limit: int) -> str | None:
    try:
        return hashlib.sha256(read_regular(path, limit, follow_symlinks=False)).hexdigest()
    except FileSkip:
        return None


def given_kind(path: Path) -> str:
    """What a path given to a walk is: the file type it leads to, a dangling link, or nothing."""
    try:
        return str(stat.S_IFMT(os.stat(path).st_mode))
    except (OSError, ValueError):
        return "link" if os.path.islink(path) else "missing"


@dataclass
class Journal:
    """What one walk depended on, recorded as it walks."""

    gitignore_limit: int
    started_ns: int = field(default_factory=time.time_ns)
    # (path, status taken before listing it, listing digest when the status is too recent to trust)
    folders: list[tuple[str, Stamp | None, str | None]] = field(default_factory=list)
    # (path, status, content digest when the status is too recent to trust)
    files: list[tuple[str, Stamp | None, str | None]] = field(default_factory=list)
    given: list[tuple[str, str]] = field(default_factory=list)

    def _racy(self, stamp: Stamp | None) -> bool:
        return stamp is not None and max(stamp[0], stamp[1]) >= self.started_ns - RACY_MARGIN_NS

    def folder(self, path: str) -> None:
        """Call before listing `path`: a change after the status was taken then shows as a new status."""
        stamp = _folder_stamp(path)
        self.folders.append((path, stamp, listing_digest(path) if self._racy(stamp) else None))

    def file(self, path: str) -> None:
        """Call before reading `path` (a `.gitignore`), whether or not it exists."""
        stamp = _file_stamp(path)
        self.files.append((path, stamp, content_digest(path, self.gitignore_limit) if self._racy(stamp) else None))

    def path_given(self, path: Path) -> None:
        self.given.append((str(path), given_kind(path)))

    def still_true(self) -> Journal | None:
        """None when anything recorded has changed; else the journal as it reads now (statuses taken now)."""
        now = Journal(self.gitignore_limit)
        for path, kind in self.given:
            if given_kind(Path(path)) != kind:
                return None
        now.given = self.given
        for path, stamp, digest in self.folders:
            current = _folder_stamp(path)
            if current != stamp:
                return None
            listed = digest if digest is None else listing_digest(path)
            if listed != digest:
                return None
            now.folders.append((path, current, listed if now._racy(current) else None))
        for path, stamp, digest in self.files:
            current = _file_stamp(path)
            if current != stamp:
                return None
            read = digest if digest is None else content_digest(path, self.gitignore_limit)
            if read != digest:
                return None
            now.files.append((path, current, read if now._racy(current) else None))
        return now

    @property
    def has_racy(self) -> bool:
        return any(digest is not None for _, _, digest in (*self.folders, *self.files))


class DiscoveryCache(SealedStore):
    """Walk results in `.wa_lint_cache/discovery/`, one per (paths, root, excludes, force-exclude)."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder, "discovery")
        self.fingerprint = code_fingerprint(Path(__file__).parent, f"{_FORMAT}:{__version__}".encode())

    def key(self, paths: Sequence[Path], root: Path, excludes: Sequence[str], force_exclude: bool) -> str:
        settings = [self.fingerprint, [os.path.abspath(path) for path in paths], [str(path) for path in paths],
                    str(root), list(excludes), force_exclude]
        return hashlib.sha256(json.dumps(settings).encode("utf-8", "surrogatepass")).hexdigest()

    def recall(self, key: str, gitignore_limit: int, decode: Callable[[Any], T]) -> T | None:
        """The walk result stored under `key` (through `decode`, which raises ValueError, TypeError or
        KeyError on a value that does not fit), or None when there is none or anything it depended on
        has changed."""
        payload = self.read(key)
        if payload is None:
            return None
        try:
            stored = json.loads(payload)
            journal = _decode_journal(stored["journal"], gitignore_limit)
            result = decode(stored["result"])
        except (ValueError, TypeError, KeyError, IndexError, RecursionError):
            return None
        current = journal.still_true()
        if current is None:
            return None
        if journal.has_racy:
            self.write(key, _payload(current, stored["result"]))
        return result

    def prepare(self) -> None:
        """Create the cache folder before a walk: made after it, in a folder the walk listed, it would
        change that folder's status and void the snapshot being written."""
        if self.problem is None:
            try:
                self._prepare()
            except OSError:
                pass

    def keep(self, key: str, journal: Journal, result: Any) -> None:
        """Store a walk's result (as JSON values) with what it depended on."""
        self.write(key, _payload(journal, result))


def _payload(journal: Journal, result: Any) -> bytes:
    entry = {"journal": {"started": journal.started_ns, "folders": journal.folders, "files": journal.files,
                         "given": journal.given},
             "result": result}
    return json.dumps(entry, separators=(",", ":")).encode("utf-8", "surrogatepass")


def _stamp(value: Any) -> Stamp | None:
    if value is None:
        return None
    if not (isinstance(value, list) and len(value) == 5 and all(type(part) is int for part in value)):
        raise TypeError("a status is five integers")
    return (value[0], value[1], value[2], value[3], value[4])


def _text(value: Any) -> str:
    if type(value) is not str:
        raise TypeError("expected text")
    return value


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)


def _decode_journal(value: Any, gitignore_limit: int) -> Journal:
    if type(value["started"]) is not int:
        raise TypeError("the start time is an integer")
    journal = Journal(gitignore_limit, value["started"])
    journal.folders = [(_text(path), _stamp(stamp), _optional_text(digest)) for path, stamp, digest in value["folders"]]
    journal.files = [(_text(path), _stamp(stamp), _optional_text(digest)) for path, stamp, digest in value["files"]]
    journal.given = [(_text(path), _text(kind)) for path, kind in value["given"]]
    return journal
