"""The on-disk store under `.wa_lint_cache/` at the project root, shared by every cache of a run.

Each cache (`facts/` of Python files, `templates/`, `fixes/`, `edit-checks/`, `discovery/`,
`runs/`, `fingerprints/`) keeps its entries in a folder of its own below the store and encodes them
itself; this module only stores bytes, safely:

- An entry's name is a digest of its key, which covers everything the value depends on (the file's
  bytes, the code that computed it, the wa-lint version), so an entry can never be stale. Results
  of many files (a walk, a whole run) are `VouchedStore` entries instead: the key names the
  settings, and the entry holds the `Inputs` (wa_lint/inputs.py) it was computed from, used only
  while every one of them reads the same.
- An entry begins with a digest of its key and its payload, checked on every read: a flipped bit, an
  edited number or an entry copied to another file's name is a miss, never a wrong finding.
- Entries are written to a temporary file and renamed, so concurrent runs never see half an entry, and
  a failed write leaves nothing behind.
- Entries are read with the file guard (a FIFO or a link to `/dev/zero` is a miss, not a hang), and the
  store is not used at all when `.wa_lint_cache` or one of its folders is a symbolic link: a
  repository must not make wa-lint read or write elsewhere.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import mmap
import os
import re
import stat
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from wa_lint.files import FileSkip, read_cache_entry
from wa_lint.inputs import Inputs

CACHE_DIR_NAME = ".wa_lint_cache"
# The run memo's folder and largest entry (run_memo.py), here for launch_memo.py, which reads its entries'
# inputs without importing that module (nor the configuration's, which it imports).
RUN_MEMO_NAMESPACE = "runs"
RUN_MEMO_ENTRY_BYTES = 256 * 1024 * 1024
# More changed files than this and a whole run is about as quick as finding their parts (pipeline.py).
RUN_MEMO_CHANGED_FILES = 64
_DIGEST_BYTES = 64  # hex SHA-256, then a newline, then the payload
# An entry's time is when it was last used, to a day (cache_sweep.py removes the least recently used).
USED_WITHIN_NS = 24 * 3600 * 10**9


def seal(key: str, payload: bytes | memoryview) -> bytes:
    digest = _sealing(key)
    digest.update(payload)  # not `key + payload`: a run memo's payload is tens of MB, copied again by a `+`
    return digest.hexdigest().encode()


def _sealed(key: str, entry: bytes) -> bool:
    """Whether a stored entry (its seal, a newline, its payload) is sealed for `key`."""
    # A view, not a slice: a run memo is tens of MB, and a slice would copy it to hash it.
    payload = memoryview(entry)[_DIGEST_BYTES + 1 :]
    return entry[_DIGEST_BYTES : _DIGEST_BYTES + 1] == b"\n" and entry[:_DIGEST_BYTES] == seal(key, payload)


def touch(path: str | os.PathLike[str], times_ns: tuple[int, int] | None = None) -> None:
    """Set a file's times (now by default), without following a symbolic link where the system can:
    Windows cannot (`os.utime` would raise NotImplementedError), nor does it refuse a link when wa-lint
    opens a file there. Raises OSError as `os.utime` does."""
    follow = os.utime not in os.supports_follow_symlinks
    if times_ns is None:
        os.utime(path, follow_symlinks=follow)
    else:
        os.utime(path, ns=times_ns, follow_symlinks=follow)


def json_bytes(value: Any, default: Callable[[Any], Any] | None = None) -> bytes:
    """`value` as a cache entry writes it: compact UTF-8 JSON, lone surrogates kept."""
    return json.dumps(value, default=default, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass")


def _sealing(key: str) -> hashlib._Hash:
    """The digest an entry's payload is then fed to (`seal`, or chunk by chunk as it is written)."""
    return hashlib.sha256(key.encode() + b"\0")


def code_fingerprint(package: Path, *extra: bytes, files: tuple[Path, ...] = (), memo: Path | None = None) -> str:
    """A digest of every `.py` file under `package`, of `files` elsewhere the entries also depend on,
    and of `extra`: a change to any invalidates entries.

    With `memo` (a cache folder), the digest is kept under a key made of the files' statuses, so a
    run whose code files all have the statuses they had reads none of them: wa-lint's own code is
    hundreds of files, hashed on every run otherwise. A status from the last 2 s is not trusted (a
    file edited within the same clock tick keeps its time): then the files are read.
    """
    # Text paths, not `Path`s: a warm run asks this for hundreds of files, and pathlib cost more than the stats.
    inside, outside = _python_files(str(package)), [str(path) for path in files]
    sources = [*inside, *outside]
    start = len(str(package)) + 1
    names = [*(source[start:] for source in inside), *(os.path.basename(source) for source in outside)]
    store = SealedStore(memo, "fingerprints") if memo is not None else None
    key = _statuses_key(sources, names, extra) if store is not None else None
    if store is not None and key is not None:
        known = store.read(key)  # like every entry, JSON: here the digest as a string
        if known is not None and re.fullmatch(rb'"[0-9a-f]{16}"', known):
            return known[1:-1].decode("ascii")
    digest = hashlib.sha256(b"\0".join(extra) + b"\0")
    for source, name in zip(sources, names, strict=True):
        digest.update(f"\0{name}\0".encode())
        try:
            with open(source, "rb") as handle:
                digest.update(handle.read())
        except OSError:
            digest.update(b"unreadable")
    fingerprint = digest.hexdigest()[:16]
    if store is not None and key is not None:
        store.write(key, f'"{fingerprint}"'.encode("ascii"))
    return fingerprint


def library_files(name: str, *patterns: str) -> list[Path]:
    """The files of an installed library that match `patterns`, found without importing it, for a
    fingerprint to cover: an upgrade changes them (PyYAML and libyaml decide how a template loads,
    libcst reads PEP 701 f-strings)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return []
    folders = (spec.submodule_search_locations or []) if spec else []
    return [path for folder in folders for path in sorted(p for pattern in patterns for p in Path(folder).glob(pattern))]


def _python_files(package: str) -> list[str]:
    """Every `.py` file below `package`, in a stable order."""
    found: list[str] = []
    for folder, _, names in os.walk(package):
        found.extend(os.path.join(folder, name) for name in names if name.endswith(".py"))
    return sorted(found)


def _statuses_key(sources: list[str], names: list[str], extra: tuple[bytes, ...]) -> str | None:
    """A digest of the files' statuses; None when one is too recent to vouch for its contents."""
    from wa_lint.inputs import RACY_MARGIN_NS, current_stamp

    trusted_before = time.time_ns() - RACY_MARGIN_NS
    digest = hashlib.sha256(b"\0".join(extra) + b"\0")
    for source, name in zip(sources, names, strict=True):
        stamp = current_stamp(source)
        if stamp is not None and max(stamp[0], stamp[1]) >= trusted_before:
            return None
        digest.update(f"\0{name}\0{source}\0{stamp}".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


class SealedStore:
    """Sealed entries in `folder/namespace/` (the facts of Python files in `folder/facts/`); `folder` is
    the `.wa_lint_cache` folder itself."""

    def __init__(self, folder: Path, namespace: str = "", max_entry_bytes: int = 64 * 1024 * 1024) -> None:
        self.folder = folder
        self.namespace = namespace
        self.max_entry_bytes = max_entry_bytes
        # Why the store is not used (None: it is); the run says so in a note.
        self.problem = not_a_folder(folder)
        self.entries_folder = os.path.join(folder, namespace or "facts")
        # Whether `entries_folder` was found to be no symbolic link or file (then not asked again), and
        # whether this store made sure it exists.
        self._safe = False
        self._made = False
        # The seal of each entry this store wrote, or checked, in this run (by key): what another entry
        # computed from it names it by (printed_memo.py).
        self.seals: dict[str, str] = {}

    def _path(self, key: str) -> str:
        # Plain strings: pathlib would cost more than reading a small entry. One folder per cache, with
        # no fan-out below it: a folder is an inode to create like an entry, and a cold run on a
        # hundred apps made 525 of them for 1,053 entries (the file systems wa-lint runs on index large
        # folders; the fan-out only helped ones that scan them).
        return os.path.join(self.entries_folder, f"{key}.json")

    def _folder_is_safe(self) -> bool:
        """The entries' folder is a real folder (a symbolic link there would lead reads and writes
        elsewhere); one lstat per store, not one per entry."""
        if not self._safe:
            self._safe = not_a_folder(Path(self.entries_folder)) is None
        return self._safe

    def holds_nothing(self) -> bool:
        """Whether the store has no entry at all (of any run: a first run, or a cache moved away)."""
        try:
            with os.scandir(self.entries_folder) as entries:
                return next(entries, None) is None
        except OSError:
            return True

    def read(self, key: str) -> bytes | None:
        """The payload stored under `key`, or None (absent, unreadable, or not sealed for this key)."""
        found = self._read_unchecked(key)
        if found is None or not _sealed(key, found[0]):
            return None
        self._used(key, found[1])
        return found[0][_DIGEST_BYTES + 1 :]

    def _read_unchecked(self, key: str, until: bytes | None = None) -> tuple[bytes, int] | None:
        """The entry stored under `key` (seal and payload, the seal not checked yet) and its time;
        `until`: only as far as these bytes (`read_cache_entry`)."""
        try:
            if self.problem is not None or not self._folder_is_safe():
                return None
            data, status = read_cache_entry(self._path(key), self.max_entry_bytes, until)
        except (FileSkip, ValueError):
            return None
        return data, status.st_mtime_ns

    def _used(self, key: str, written_ns: int) -> None:
        """Mark an entry read now as used now, when its time is over a day old (one `utime` a day)."""
        if time.time_ns() - written_ns > USED_WITHIN_NS:
            try:
                touch(self._path(key))
            except OSError:
                pass  # a read-only cache: the entry may be swept sooner, which only costs time

    def exists(self, key: str) -> bool:
        """Whether an entry is stored under `key` (not whether it is sound: `read` checks that)."""
        if self.problem is not None or not self._folder_is_safe():
            return False
        return os.path.lexists(self._path(key))

    def write(self, key: str, payload: bytes) -> None:
        """Store `payload` under `key`; a store that cannot be written only costs time."""
        self.write_chunks(key, (payload,))

    def write_chunks(self, key: str, chunks: Iterable[bytes | memoryview]) -> None:
        """Store the payload `chunks` make up under `key`, written as they come, so a large entry (a run
        memo of tens of MB) is never held whole; an encoder that raises TypeError, ValueError or
        RecursionError for a chunk leaves nothing stored, as does a store that cannot be written."""
        self.seals.pop(key, None)  # what was there may be gone, and what replaces it is not sealed yet
        if self.problem is not None:
            return
        temporary = None
        try:
            target = self._path(key)
            if not self._made:
                self._prepare()
                os.makedirs(self.entries_folder, exist_ok=True)
                self._safe = False  # asked again now that the folder exists
                if not self._folder_is_safe():
                    return
                self._made = True
            # What `tempfile.mkstemp` does (a new file only we can read), without importing it on every run.
            name = os.path.join(self.entries_folder, f".tmp-{os.urandom(8).hex()}")
            handle = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
            temporary = name  # ours to remove if the write fails (never a file another run made)
            digest = _sealing(key)
            with os.fdopen(handle, "wb") as out:
                # The seal comes first but covers what follows: room for it now, written once it is known.
                out.write(b"0" * _DIGEST_BYTES + b"\n")
                for chunk in chunks:
                    digest.update(chunk)
                    out.write(chunk)
                out.seek(0)
                sealed = digest.hexdigest()
                out.write(sealed.encode())
            os.replace(temporary, target)  # complete, or not there at all
            temporary = None
            self.seals[key] = sealed
        except (OSError, ValueError, TypeError, RecursionError):
            return
        finally:
            if temporary is not None:  # a full disk, a value JSON cannot hold, or the name is taken by a folder
                try:
                    os.unlink(temporary)
                except OSError:
                    pass

    def write_json(self, key: str, value: Any, default: Callable[[Any], Any] | None = None) -> None:
        """Store `value` as compact JSON (`default` as json.dumps takes it); a value JSON cannot hold
        (a type it does not know, a loop, nesting too deep) is not stored, which only costs time."""
        if self.problem is not None:
            return
        try:
            # Encoded at once, so the text (up to 4 bytes a character) is freed before the write.
            payload = json_bytes(value, default)
        except (TypeError, ValueError, RecursionError):
            return
        self.write(key, payload)

    def _prepare(self) -> None:
        if os.path.lexists(self.folder / ".gitignore"):
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        if not_a_folder(self.folder) is not None:
            raise OSError("the cache folder is not a folder of ours")
        # Like other tools' caches: ignored by git and marked for backup tools.
        _create(self.folder / ".gitignore", "# Created by wa-lint\n*\n")
        _create(self.folder / "CACHEDIR.TAG",
                "Signature: 8a477f597d28d172789f06886806bc55\n# This is a wa-lint cache folder.\n")


def _create(path: Path, text: str) -> None:
    """A new file; never written through a symlink or over something already there."""
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o644)
    except FileExistsError:
        return
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)


def shipped_by_repository(folder: Path) -> str | None:
    """Why a cache folder's entries must not be trusted: git tracks files in it (None: it does not).

    An entry is keyed by what it depends on, and a file's bytes are no secret: a repository that
    commits `.wa_lint_cache/` (past the folder's own `.gitignore`, with `git add -f`) could ship facts
    that hide what its code does. git's index lists every tracked path, so reading it tells; a work
    tree whose `.git` is a file (a linked worktree, a submodule) names the folder that holds it, and a
    split index keeps most entries in a shared index beside it.
    """
    if not os.path.isdir(folder):
        return None  # nothing in it to trust or distrust yet
    dot_git = folder.parent / ".git"
    try:
        if dot_git.is_file():
            named = dot_git.read_text(encoding="utf-8", errors="replace").strip().removeprefix("gitdir:").strip()
            dot_git = (folder.parent / named).resolve()
        indexes = [dot_git / "index", *sorted(dot_git.glob("sharedindex.*"))]
        prefix = f"{CACHE_DIR_NAME}/".encode()
        for index in indexes:
            if not index.is_file() or index.stat().st_size == 0:
                continue
            with open(index, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                if _lists_path_under(data, prefix):
                    return ("git tracks files in the cache folder (entries a repository ships are not trusted); "
                            "the cache is not used")
    except (OSError, ValueError):
        return None
    return None


def _lists_path_under(index: mmap.mmap, prefix: bytes) -> bool:
    """Whether a git index (versions 2 to 4) lists a path that starts with `prefix`.

    Versions 2 and 3 hold every path whole, so a search of the bytes answers (at worst it also finds
    the text inside a longer path: the cache is then not used, which only costs time). Version 4
    (`feature.manyFiles`) writes each path as what to strip from the previous one and the rest, so
    its entries are read: 62 bytes of status and hash, 2 more for extended flags, then the strip
    count (git's offset varint) and the NUL-terminated rest.
    """
    version = int.from_bytes(index[4:8], "big")
    if index[:4] != b"DIRC" or version != 4:
        return index.find(prefix) >= 0
    count, offset, previous = int.from_bytes(index[8:12], "big"), 12, b""
    try:
        for _ in range(count):
            flags = int.from_bytes(index[offset + 60 : offset + 62], "big")
            offset += 64 if flags & 0x4000 else 62
            byte = index[offset]
            offset += 1
            strip = byte & 127
            while byte & 128:
                byte = index[offset]
                offset += 1
                strip = ((strip + 1) << 7) + (byte & 127)
            end = index.find(b"\0", offset)
            if end < 0 or strip > len(previous):
                return index.find(prefix) >= 0  # not an index this reader knows (a SHA-256 one): search
            name = previous[: len(previous) - strip] + index[offset:end]
            if name.startswith(prefix):
                return True
            previous, offset = name, end + 1
    except IndexError:
        return index.find(prefix) >= 0
    return False


def not_a_folder(folder: Path) -> str | None:
    """Why `folder` cannot hold cache entries: a symbolic link (to anywhere) or not a folder."""
    try:
        mode = os.lstat(folder).st_mode
    except FileNotFoundError:
        return None  # made on the first write
    except OSError as error:
        return f"cannot use {folder.name}: {error.strerror or error}"
    if stat.S_ISLNK(mode):
        return f"{folder.name} is a symbolic link; the cache is not used"
    if not stat.S_ISDIR(mode):
        return f"{folder.name} is not a folder; the cache is not used"
    return None


# What reading a stored value that does not fit raises.
UNFIT = (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError)


def _entry_parts(entry: bytes) -> tuple[memoryview, memoryview, memoryview] | None:
    """A vouched entry's inputs, the rest from `,"result":` on, and the result, as views of the entry;
    None when it is not laid out so.

    `_write_entry_chunks`' layout: the inputs, lists of texts and numbers (a quote inside a text is
    escaped), end at the first `,"result":`; the result runs from there to the closing brace. Read
    through a view: slices of the entry would copy tens of MB."""
    start = _DIGEST_BYTES + 1
    boundary = entry.find(_RESULT_HEAD, start) if entry.startswith(_INPUTS_HEAD, start) else -1
    if boundary < 0:
        return None
    view = memoryview(entry)
    return view[start + len(_INPUTS_HEAD) : boundary], view[boundary:], view[boundary + len(_RESULT_HEAD) : -1]


def _json(text: memoryview) -> Any:
    """A part of an entry as JSON: decoded as `json_bytes` encoded it (UTF-8, lone surrogates kept)."""
    return json.loads(str(text, "utf-8", "surrogatepass"))


T = TypeVar("T")


class Changed(NamedTuple):
    """A vouched entry whose inputs changed in the contents of some files only (`VouchedStore.check`)."""

    stored: str  # the result's JSON, not parsed yet (what is worth parsing depends on the store)
    unchanged: Inputs  # the record of every other input, as it reads now
    files: list[str]


class Checked(NamedTuple):
    """A vouched entry whose inputs read the same now, its seal checked, its result not parsed yet
    (`VouchedStore.check`)."""

    key: str
    inputs: Inputs  # as they read now
    written_ns: int
    # The entry from `,"result":` on (rewritten as it is when the inputs' record changes), and the result.
    tail: memoryview
    stored: memoryview


class Head(NamedTuple):
    """A vouched entry's seal and inputs, read without its result (`VouchedStore.head`), the inputs as
    they read now. The seal is the entry's own first line, not checked against the entry: `check` does
    that, reading the rest."""

    seal: str
    stored_inputs: bytes  # the inputs' JSON as the entry holds it
    inputs: Inputs  # as they read now (but for the changed files)
    changed: list[str]  # files whose contents changed (at most the number asked for)


# How a vouched entry's JSON begins, and where its result begins (`_write_entry_chunks`, `recall`).
_INPUTS_HEAD = b'{"inputs":'
_RESULT_HEAD = b',"result":'


class VouchedStore(SealedStore):
    """Cache entries that hold a result with the `Inputs` it was computed from, and are used only
    while those inputs read the same (the walk snapshots, the run memo)."""

    def recall(self, key: str, decode: Callable[[Any], T], known: Inputs | None = None) -> tuple[T, Inputs] | None:
        """The result stored under `key` (through `decode`, which raises ValueError, TypeError,
        KeyError or IndexError on a value that does not fit) and its inputs as they read now; None
        when there is none, it does not decode, or anything it depended on has changed. `known`:
        statuses taken since the run began, used instead of asking again."""
        checked = self.check(key, 0, known)
        return self.recall_checked(checked, decode) if isinstance(checked, Checked) else None

    def head(self, key: str, changed_files: int = 0) -> Head | None:
        """The seal and inputs of the entry under `key`, the inputs as they read now, reading no more of
        the entry than they take; None when there is none, or anything but the contents of at most
        `changed_files` files changed."""
        found = self._read_unchecked(key, until=_RESULT_HEAD)
        parts = _entry_parts(found[0]) if found is not None else None
        if found is None or parts is None:
            return None
        sealed = found[0][: _DIGEST_BYTES + 1]
        if sealed[-1:] != b"\n" or sealed[:-1].strip(b"0123456789abcdef"):
            return None
        try:
            current = Inputs.files_changed_now(_json(parts[0]), changed_files)
        except UNFIT:
            return None
        return None if current is None else Head(sealed[:-1].decode(), parts[0].tobytes(), *current)

    def check(self, key: str, changed_files: int = 0, known: Inputs | None = None,
              head: Head | None = None) -> Checked | Changed | None:
        """The entry under `key` when its inputs read the same now (`Changed` when only the contents of
        at most `changed_files` files differ), its result left unparsed; None when there is none or
        anything else changed.

        The inputs are read first, and only they: the usual miss (something changed) neither checks
        the seal nor parses the result, which is most of the entry (tens of MB on 10,000 functions).
        A damaged entry whose inputs happen to read the same fails the seal after them. `head`: this
        entry's inputs as read by `head`, taken as they are when the entry still holds them."""
        found = self._read_unchecked(key)
        parts = _entry_parts(found[0]) if found is not None else None
        if found is None or parts is None:
            return None
        entry, (inputs, tail, stored) = found[0], parts
        current: tuple[Inputs, list[str]] | None
        if head is not None and entry.startswith(head.seal.encode()) and inputs == head.stored_inputs:
            current = head.inputs, head.changed
        else:
            try:
                current = Inputs.files_changed_now(_json(inputs), changed_files, known)
            except UNFIT:
                return None
        if current is None or not _sealed(key, entry):
            return None  # the usual miss: something changed (the result is not even parsed)
        if current[1]:
            try:
                return Changed(str(stored, "utf-8", "surrogatepass"), current[0], current[1])
            except UNFIT:
                return None
        self.seals[key] = entry[:_DIGEST_BYTES].decode()
        return Checked(key, current[0], found[1], tail, stored)

    def recall_checked(self, checked: Checked, decode: Callable[[Any], T]) -> tuple[T, Inputs] | None:
        """The result of a checked entry (None when it does not decode), with its inputs as they read now."""
        try:
            result = decode(_json(checked.stored))
        except UNFIT:
            return None
        self._used(checked.key, checked.written_ns)
        if checked.inputs.rewritten:
            self.store_again(checked)
        return result, checked.inputs

    def store_again(self, checked: Checked) -> None:
        """Store a checked entry again with its inputs as they read now, to be trusted by their statuses
        alone next time. The result is written back as the bytes it was read from: encoding the
        10,000-function tree's again cost 0.5 s."""
        self.write_chunks(checked.key, (_INPUTS_HEAD, json_bytes(checked.inputs.encode()), checked.tail))

    def _write_entry(self, key: str, inputs: Inputs, result: Any) -> None:
        """Store a result (as JSON values) with what it was computed from."""
        try:
            encoded = json_bytes(result)
        except (TypeError, ValueError, RecursionError):
            return  # a value JSON cannot hold: not stored, which only costs time
        self._write_entry_chunks(key, inputs, (encoded,))

    def _write_entry_chunks(self, key: str, inputs: Inputs, result: Iterable[bytes]) -> None:
        """`_write_entry` for a result already encoded as chunks of its JSON, written as they come:
        `{"inputs":...,"result":...}`, the layout `recall` relies on."""
        head = (_INPUTS_HEAD, json_bytes(inputs.encode()), _RESULT_HEAD)
        self.write_chunks(key, itertools.chain(head, result, (b"}",)))
