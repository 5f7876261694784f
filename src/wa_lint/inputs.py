"""What a run read of the file system, recorded as it reads, and whether it would read the same now.

Caches of whole results (a walk's files, a run's findings) are valid only while everything they were
computed from is unchanged. Reading every file again to find out would cost what the cache saves, so
each path is vouched for by its status (modification and change times, inode, size, mode; None when
it does not exist), as git's index vouches for a file: a file's status changes when it is written,
a folder's when an entry is added, removed or renamed in it, any path's on `chmod`.

A folder the walk listed also keeps a digest of its listing (its entries' names and kinds): when its
status changed and its listing did not, whatever changed it (most often a file replaced by renaming a
new copy over it: an editor's "safe write", `sed -i`, which that file's own status tells), a walk
lists the same entries, so the folder counts as it was.

A status is only trusted when it is older than the run by a margin: a file written in the same clock
tick as it was read, after the read, would keep the time it had (the "racy git" problem; some file
systems keep times in ticks of seconds). For such a path the record also keeps a digest of what was
read (a file's bytes, a folder's listing), which checking compares again.

`recording(inputs)` makes `files.read_regular`, `files.is_file`, `files.is_dir` and
`files.has_file_below` note the paths they touch; code that reads the file system another way notes
the path itself (`note`). The record is a context variable, not a global: it is set for the stages
of one run (`with recording(...)`) and reset after, per thread, so runs in one process (the editor
server, the API) never share one.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import itertools
import operator
import os
import stat
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NamedTuple

# File systems keep times in ticks of up to 2 s (FAT); a status this close to the run is not trusted.
RACY_MARGIN_NS = 2_000_000_000
# The most a racy file's digest reads (a larger file read by the run was refused by a limit anyway).
DIGEST_BYTES = 64 * 1024 * 1024
# A record read back is worth storing again (`Inputs.rewritten`) once the paths it vouches for by their
# contents rather than their statuses (an aged racy digest, a folder with a new status and the same
# entries) cost a look-up this many checks, a file's counted once per 64 KiB: storing a run memo entry
# again writes its whole result (4.8 MB on serverless-patterns), while the usual case, the root folder
# whose cache was just made or moved, costs each look-up one listing.
STORE_AGAIN_AFTER = 16

Stamp = tuple[int, int, int, int, int]

_RECORDING: contextvars.ContextVar[Inputs | None] = contextvars.ContextVar("wa_lint_inputs", default=None)


_STATUS_FIELDS = operator.attrgetter("st_mtime_ns", "st_ctime_ns", "st_ino", "st_size", "st_mode")


def stamp_of(status: os.stat_result) -> Stamp:
    stamp: Stamp = _STATUS_FIELDS(status)
    return stamp


def current_stamp(path: str) -> Stamp | None:
    try:
        return stamp_of(os.stat(path))
    except (OSError, ValueError):
        return None


def _digest(path: str, stamp: Stamp | None, content: bytes | None = None) -> str:
    """What a path holds: a file's bytes, a folder's entries (names and kinds), else its type alone."""
    digest = hashlib.sha256()
    if stamp is not None and stat.S_ISREG(stamp[4]):
        if content is None:
            from wa_lint.files import FileSkip, read_regular

            try:
                content = read_regular(path, DIGEST_BYTES, record=False)
            except FileSkip as skip:
                content = f"unreadable: {skip}".encode()
        digest.update(content)
    elif stamp is not None and stat.S_ISDIR(stamp[4]):
        try:
            with os.scandir(path) as entries:
                digest.update(_listing(entries))
        except (OSError, ValueError) as error:
            digest.update(f"unlistable: {error}".encode("utf-8", "surrogateescape"))
    else:
        digest.update(str(None if stamp is None else stat.S_IFMT(stamp[4])).encode())
    return digest.hexdigest()


def listing_digest(entries: Iterable[os.DirEntry[str]]) -> str:
    """A folder's listing as a walk sees it (names and kinds), in 32 characters: tens of thousands of
    folders are stored with every run."""
    return hashlib.blake2b(_listing(entries), digest_size=16).hexdigest()


def _listing(entries: Iterable[os.DirEntry[str]]) -> bytes:
    """A folder's entries as text: each name with its kind, in name order."""
    return "\n".join(sorted(f"{entry.name}\0{_kind(entry)}" for entry in entries)).encode("utf-8", "surrogateescape")


def _listing_now(path: str) -> str | None:
    try:
        with os.scandir(path) as entries:
            return listing_digest(entries)
    except (OSError, ValueError):
        return None


def _kind(entry: os.DirEntry[str]) -> str:
    try:
        return "d" if entry.is_dir(follow_symlinks=False) else "f" if entry.is_file(follow_symlinks=False) else "o"
    except OSError:
        return "?"


class Inputs:
    """Paths read or asked about, each with its status when first touched (and a digest when racy)."""

    def __init__(self, started_ns: int | None = None) -> None:
        self.started_ns = time.time_ns() if started_ns is None else started_ns
        self.paths: dict[str, tuple[Stamp | None, str | None]] = {}
        # The folders a walk listed: the digest of what it listed (`listing_digest`).
        self.listings: dict[str, str] = {}
        # Read back otherwise than stored (`read_now`) in enough paths to be worth storing again, to be
        # trusted by their statuses alone: racy paths' digests no longer needed, folders' new statuses
        # (STORE_AGAIN_AFTER).
        self.rewritten = False
        # A read made for this record elsewhere (a check's child process) saw a path otherwise than it
        # reads here: what was computed from it is not to be kept.
        self.doubtful = False
        # Folders found to exist above an absent path (not recorded: only absent folders vouch for what
        # is below them), not asked again: every module name an import looks for under a root asks it.
        self._folders_found: set[str] = set()

    def _racy(self, stamp: Stamp | None) -> bool:
        return stamp is not None and max(stamp[0], stamp[1]) >= self.started_ns - RACY_MARGIN_NS

    def note(self, path: str | os.PathLike[str], status: os.stat_result | None = None,
             content: bytes | None = None) -> None:
        """Record `path` before it is read or listed (a change after the status is taken then shows as
        a new status); `status` and `content` when the caller has them (an open file's `fstat`, its bytes)."""
        key = os.fspath(path)
        if key in self.paths:
            return  # the first status: a change since then is a change
        stamp = stamp_of(status) if status is not None else current_stamp(key)
        if stamp is None:
            self.note_absent(key)
        else:
            self.paths[key] = (stamp, _digest(key, stamp, content) if self._racy(stamp) else None)

    def note_absent(self, path: str | os.PathLike[str]) -> None:
        """Record `path` as absent, as the caller just found it: `note` without asking again."""
        key = os.fspath(path)
        if key not in self.paths:
            self._note_absent_folders(key)
            self.paths[key] = (None, None)

    def status(self, path: str | os.PathLike[str]) -> Stamp | None:
        """`path`'s status as recorded (noted now when it is not yet): what a helper that asks whether a
        path is a file answers from, rather than asking the file system twice."""
        key = os.fspath(path)
        if key not in self.paths:
            self.note(key)
        return self.paths[key][0]

    def _note_absent_folders(self, path: str) -> None:
        """Record the absent folders above an absent `path`, outermost first and before it (`read_now`
        relies on that order): `a/b.py` and `a/b/__init__.py` asked, `a/b` absent, are vouched for by
        `a`'s status. A loop, not a recursion: an import of a thousand dotted names asks that deep."""
        absent = []
        folder = path.rpartition(os.sep)[0]
        while folder and folder not in self.paths and folder not in self._folders_found:
            if current_stamp(folder) is not None:
                self._folders_found.add(folder)
                break
            absent.append(folder)
            folder = folder.rpartition(os.sep)[0]
        for folder in reversed(absent):
            self.paths[folder] = (None, None)

    def note_listing(self, path: str, entries: Iterable[os.DirEntry[str]]) -> None:
        """Record what a noted folder held when it was listed (the entries the lister then used)."""
        self.listings.setdefault(path, listing_digest(entries))

    def update(self, other: Inputs) -> None:
        for path, record in other.paths.items():
            self.paths.setdefault(path, record)
        for path, listing in other.listings.items():
            self.listings.setdefault(path, listing)

    def without(self, other: Inputs) -> Inputs:
        """The record of the paths `other` does not hold."""
        rest = Inputs(self.started_ns)
        held = other.paths
        rest.paths = {path: record for path, record in self.paths.items() if path not in held}
        rest.listings = {path: listing for path, listing in self.listings.items() if path in rest.paths}
        rest.doubtful = self.doubtful
        return rest

    def encode(self) -> list[Any]:
        """The record as stored: columns (`_Stored`), not a list per path."""
        names = list(self.paths)
        kinds: list[str] = []
        statuses: list[int] = []
        digests: list[int | str] = []
        vouching: set[str] = set()  # folders, and absent paths, recorded so far (as `files_changed_now` reads)
        separator = os.sep
        for index, (stamp, digest) in enumerate(self.paths.values()):
            path = names[index]
            if stamp is None:
                kinds.append("v" if path.rpartition(separator)[0] in vouching else "a")
                vouching.add(path)
            else:
                kinds.append("s")
                statuses.extend(stamp)
                if stamp[4] & _TYPE_BITS == stat.S_IFDIR:
                    vouching.add(path)
            if digest is not None:
                digests += (index, digest)
        listings: list[int | str] = []
        if self.listings:
            position = {path: index for index, path in enumerate(names)}
            for path, listing in self.listings.items():
                if path in position:
                    listings += (position[path], listing)
        return [names, "".join(kinds), statuses, digests, listings]

    @classmethod
    def decode(cls, value: Any, started_ns: int = 0) -> Inputs:
        """The record `encode` wrote, as it was recorded (nothing is asked of the file system). Raises
        TypeError or ValueError on a value `encode` did not write."""
        stored = _Stored.decode(value)
        record = cls(started_ns)
        stamps = stored.stamps()
        record.paths = {path: (next(stamps) if kind == "s" else None, stored.digests.get(index))
                        for index, (path, kind) in enumerate(zip(stored.names, stored.kinds, strict=True))}
        record.listings = {stored.names[index]: listing for index, listing in stored.listings.items()}
        return record

    @classmethod
    def read_now(cls, value: Any) -> Inputs | None:
        """The record `encode` wrote, as it reads now (statuses taken now, so a racy path that has aged is
        trusted by its status next time); None when any path's status or (for racy ones) contents differ.
        Raises TypeError or ValueError on a value `encode` did not write.

        A path recorded as absent whose folder was recorded before it, as a folder or as absent, is not
        asked again: it cannot appear without adding an entry to that folder, which changes the folder's
        status (or its listing, which a racy folder's digest covers). A run asks about many such names (a
        requirements file beside every handler, a module for every import): on serverless-patterns, a
        third of its 13,000 paths."""
        read = cls.files_changed_now(value, 0)
        return read[0] if read is not None else None

    @classmethod
    def files_changed_now(cls, value: Any, most: int, known: Inputs | None = None) -> tuple[Inputs, list[str]] | None:
        """`read_now` that tolerates changed files: the record of every other path as it reads now, and
        the files whose contents changed (a regular file then and now, another status or digest); None
        when anything else changed (a path appeared, went or changed type: a folder's entries, so what
        the walk finds) or more than `most` files did. A changed file is left out of the record.
        `known`: a record taken since the run began, whose statuses are used instead of asking again."""
        stored = _Stored.decode(value)
        stamp_now = current_stamp if known is None else _known_first(known.paths)
        unchanged = cls._unchanged_now(stored, None if known is None else stamp_now)
        if isinstance(unchanged, Inputs):
            return unchanged, []
        # Something differs: the statuses just taken (if every recorded path still has one) say what.
        return cls._changes_now(stored, most, stamp_now if unchanged is None else _known_first(unchanged, stamp_now))

    @classmethod
    def _unchanged_now(cls, stored: _Stored, stamp_now: Callable[[str], Stamp | None] | None = None
                       ) -> Inputs | dict[str, tuple[Stamp | None, None]] | None:
        """The record as it reads now when every status reads as recorded (and every racy path's
        contents too): a warm run's case, checked without a Python step per path (on
        serverless-patterns, 8,500 statuses are most of the time; the loop of `_changes_now` took as
        long again). Else, for `_changes_now` to say what changed, the statuses taken (by path), or
        None when a recorded path has none now. `stamp_now`: where statuses come from (the file
        system, asked in one sweep, when None)."""
        now = cls()
        names, kinds = stored.names, stored.kinds
        present = list(itertools.compress(names, map(operator.eq, kinds, itertools.repeat("s"))))
        statuses: list[Stamp]
        if stamp_now is None:
            try:
                statuses = list(map(_STATUS_FIELDS, map(os.stat, present)))
            except (OSError, ValueError):
                return None
        else:
            taken = list(map(stamp_now, present))
            if None in taken:
                return None
            statuses = [stamp for stamp in taken if stamp is not None]
        if list(itertools.chain.from_iterable(statuses)) != stored.statuses:
            return dict(zip(present, zip(statuses, itertools.repeat(None)), strict=True))
        for path in itertools.compress(names, map(operator.eq, kinds, itertools.repeat("a"))):
            if (stamp_now or current_stamp)(path) is not None:
                return None
        paths = now.paths = dict.fromkeys(names, (None, None))
        paths.update(zip(present, zip(statuses, itertools.repeat(None))))
        racy_margin = now.started_ns - RACY_MARGIN_NS
        by_contents = 0
        for index, digest in stored.digests.items():
            path = names[index]
            current = paths[path][0]
            if current is None:
                continue  # (an absent path has nothing to digest; `encode` never writes one)
            if _digest(path, current) != digest:
                return None
            if current[0] < racy_margin and current[1] < racy_margin:
                by_contents += 1 + current[3] // 65536  # aged: its status alone vouches for it now
            else:
                paths[path] = (current, digest)
        now.listings = {names[index]: listing for index, listing in stored.listings.items() if kinds[index] == "s"}
        now.rewritten = by_contents >= STORE_AGAIN_AFTER
        return now

    @classmethod
    def _changes_now(cls, stored: _Stored, most: int,
                     stamp_now: Callable[[str], Stamp | None]) -> tuple[Inputs, list[str]] | None:
        """`files_changed_now`, path by path, with the statuses `stamp_now` gives."""
        now = cls()
        paths, listings = now.paths, now.listings
        racy_margin = now.started_ns - RACY_MARGIN_NS
        vouching: set[str] = set()  # folders, and absent paths, recorded so far
        changed: list[str] = []
        by_contents = 0  # checks a look-up makes that storing the record again would spare
        # (A name looked up once: this runs for every path a run read.)
        separator, type_bits, folder_type = os.sep, _TYPE_BITS, stat.S_IFDIR
        stored_digests, stored_listings = stored.digests, stored.listings
        stamps = stored.stamps()
        for index, path in enumerate(stored.names):
            stamp: Stamp | None = next(stamps) if stored.kinds[index] == "s" else None
            if stamp is None and path.rpartition(separator)[0] in vouching:
                paths[path] = (None, None)
                vouching.add(path)
                continue
            current = stamp_now(path)
            if current is None:
                if stamp is not None:
                    return None
                paths[path] = (None, None)
                vouching.add(path)
                continue
            listing = stored_listings.get(index)
            if stamp != current:
                if listing is not None and is_folder_status(stamp) and is_folder_status(current):
                    if _listing_now(path) != listing:
                        return None
                    # The same entries: a file replaced by renaming, which its own status tells.
                    by_contents += 1
                    paths[path] = (current, _digest(path, current) if now._racy(current) else None)
                    listings[path] = listing
                    vouching.add(path)
                    continue
                if not (is_file_status(stamp) and is_file_status(current)) or len(changed) >= most:
                    return None
                changed.append(path)
                continue
            digest = stored_digests.get(index)
            if digest is not None:
                if _digest(path, current) != digest:
                    if not is_file_status(current) or len(changed) >= most:
                        return None
                    changed.append(path)
                    continue
                if current[0] < racy_margin and current[1] < racy_margin:
                    digest = None  # aged: its status alone vouches for it now
                    by_contents += 1 + current[3] // 65536
            # (A status that was not racy when recorded, and reads the same, is older still now.)
            paths[path] = (current, digest)
            if listing is not None:
                listings[path] = listing
            if current[4] & type_bits == folder_type:
                vouching.add(path)
        now.rewritten = by_contents >= STORE_AGAIN_AFTER
        return now, changed


class _Stored(NamedTuple):
    """A record as `Inputs.encode` stores it: columns, which decode in a quarter of the time of a list per
    path (5 against 20 ms on serverless-patterns' 13,000 paths) and let a record that reads the same be
    checked without a Python step per path.

    `names`: every path, in the order recorded. `kinds`: one letter per path: "s" a path with a status,
    "a" an absent path, asked again, "v" an absent path vouched for by a folder or an absent path recorded
    before it (`read_now`). `statuses`: each "s" path's five integers, one after another. `digests` and
    `listings` (stored as index, text, index, text...): the paths that have one."""

    names: list[str]
    kinds: str
    statuses: list[int]
    digests: dict[int, str]
    listings: dict[int, str]

    @classmethod
    def decode(cls, value: Any) -> _Stored:
        """Raises TypeError or ValueError on a value `encode` did not write."""
        if type(value) is not list or len(value) != 5:
            raise TypeError("inputs are five columns")
        names, kinds, statuses, digests, listings = value
        if type(names) is not list or not set(map(type, names)) <= {str}:
            raise TypeError("paths are texts")
        if type(kinds) is not str or len(kinds) != len(names) or kinds.strip("sav"):
            raise ValueError("a kind per path")
        if type(statuses) is not list or not set(map(type, statuses)) <= {int} or len(statuses) != 5 * kinds.count("s"):
            raise TypeError("a status is five integers")
        return cls(names, kinds, statuses, _indexed(digests, len(names)), _indexed(listings, len(names)))

    def stamps(self) -> Iterator[Stamp]:
        """Each "s" path's status, in order."""
        return zip(*[iter(self.statuses)] * 5)


def _indexed(value: Any, count: int) -> dict[int, str]:
    """Texts by the index of their path, stored as index, text, index, text..."""
    if type(value) is not list or len(value) % 2:
        raise TypeError("index, text pairs")
    indexed = dict(zip(value[::2], value[1::2]))
    if not all(type(index) is int and 0 <= index < count and type(text) is str for index, text in indexed.items()):
        raise TypeError("index, text pairs")
    return indexed


def _known_first(recorded: Mapping[str, tuple[Stamp | None, str | None]],
                 otherwise: Callable[[str], Stamp | None] = current_stamp) -> Callable[[str], Stamp | None]:
    """The statuses of `recorded` (an `Inputs.paths`), and of any other path as `otherwise` gives it
    (as it is now, by default)."""

    def stamp_now(path: str) -> Stamp | None:
        record = recorded.get(path)
        return record[0] if record is not None else otherwise(path)

    return stamp_now


def is_file_status(stamp: Stamp | None) -> bool:
    return stamp is not None and stamp[4] & _TYPE_BITS == stat.S_IFREG


def is_folder_status(stamp: Stamp | None) -> bool:
    return stamp is not None and stamp[4] & _TYPE_BITS == stat.S_IFDIR


_TYPE_BITS = 0o170000  # stat.S_IFMT's mask


@contextlib.contextmanager
def recording(inputs: Inputs | None) -> Iterator[None]:
    """Within the block, the file helpers note what they read in `inputs` (None: nothing is noted)."""
    token = _RECORDING.set(inputs)
    try:
        yield
    finally:
        _RECORDING.reset(token)


def note(path: str | os.PathLike[str], status: os.stat_result | None = None, content: bytes | None = None) -> None:
    """Record a path in the inputs being recorded, if any."""
    inputs = _RECORDING.get()
    if inputs is not None:
        inputs.note(path, status, content)


def note_absent(path: str | os.PathLike[str]) -> None:
    """Record a path found absent in the inputs being recorded, if any."""
    inputs = _RECORDING.get()
    if inputs is not None:
        inputs.note_absent(path)


def status(path: str | os.PathLike[str]) -> Stamp | None:
    """`path`'s status as the inputs being recorded hold it (noted now if they hold none), else as it is
    now; None when it is absent or cannot be asked about."""
    inputs = _RECORDING.get()
    return current_stamp(os.fspath(path)) if inputs is None else inputs.status(path)


def being_recorded() -> Inputs | None:
    """The record the file helpers note into now (None: nothing is noted): a child process that reads
    on the run's behalf sends back what it added (check/processes.py)."""
    return _RECORDING.get()
