"""The on-disk cache of per-file facts (`.wa_lint_cache/` in the project root).

An entry is keyed by the file's bytes, the wa-lint version and a fingerprint of the analysis code and
what it runs on (the Python version, whose `ast` is the parser), so it can never be stale: any change
to any of them is a different key. Entries are written to a temporary file and renamed, so concurrent runs never
see half an entry, and a failed write leaves nothing behind.

An entry begins with a digest of its key and its payload, checked on every read: a flipped bit, an
edited line number or an entry copied to another file's name is a miss, never a wrong finding. Entries
are read with the file guard (a FIFO or a link to `/dev/zero` is a miss, not a hang), and the cache is
not used at all when `.wa_lint_cache` or one of its folders is a symbolic link: a repository must not
make wa-lint read or write elsewhere.

A cache folder may come from a hostile repository, so an entry is plain JSON (never pickle) that
names no class and no type: a dataclass is written as the list of its field values, and reading it
back follows the annotations of `Outcome` and the facts classes (`_CLASSES`, the only ones ever
built). Every value is checked against the type of the field it fills; an entry that does not fit
is a miss, never an exception and never an object of the wrong shape.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import itertools
import json
import os
import stat
import sys
import tempfile
import types
import typing
from collections.abc import Callable, Iterable
from pathlib import Path, PurePath
from typing import Any, NamedTuple

from wa_lint import __version__
from wa_lint.analyse.python.facts_model import (
    Arguments,
    Body,
    Call,
    Construction,
    Decorator,
    DynamoFacts,
    DynamoRead,
    FunctionFacts,
    ImportFacts,
    Location,
    ModuleFacts,
    Origin,
    OriginKind,
    TableName,
    Write,
)
from wa_lint.analyse.python.workers import Outcome
from wa_lint.files import FileSkip, read_regular

CACHE_DIR_NAME = ".wa_lint_cache"
_FORMAT = "4"  # 4: facts from the stdlib `ast` parser (typed origins, constructions, decorators, returns)
# Facts of a 1 MiB module (max-python-bytes) are a few MiB of JSON; a larger entry is not one we wrote.
_MAX_ENTRY_BYTES = 64 * 1024 * 1024
_DIGEST_BYTES = 64  # hex SHA-256, then a newline, then the payload


def _parser_version() -> bytes:
    """The parser is the interpreter's own `ast`: its version is the Python build's."""
    return f"{sys.implementation.name} {sys.implementation.cache_tag} {sys.version}".encode()


def analysis_fingerprint(salt: str = "") -> str:
    """What facts depend on besides the file: wa-lint's version, the contents of every file of the
    analysis code (all of analyse/, every collector included), and the parser's version (the Python
    build's). A change to any of them invalidates every entry."""
    digest = hashlib.sha256(f"{_FORMAT}:{__version__}:{salt}\0".encode())
    digest.update(_parser_version())
    package = Path(__file__).parent
    for source in sorted(package.rglob("*.py")):
        digest.update(f"\0{source.relative_to(package)}\0".encode())
        try:
            digest.update(source.read_bytes())
        except OSError:
            digest.update(b"unreadable")
    return digest.hexdigest()[:16]


_CLASSES = frozenset({Outcome, ModuleFacts, FunctionFacts, Location, ImportFacts, Body, Call, Write,
                      DynamoFacts, DynamoRead, TableName, Origin, Construction, Decorator,
                      Arguments})
# Enumerations are written as their value and read back only as one of their members.
_ENUMS = frozenset({OriginKind})


def _plain(value: Any) -> Any:
    """json.dumps' fallback: a dataclass is written as its field values in field order, a path as text."""
    if type(value) in _CLASSES:
        return [getattr(value, field.name) for field in dataclasses.fields(value)]
    if type(value) in _ENUMS:
        return value.value
    if isinstance(value, PurePath):
        return str(value)
    raise TypeError(f"cannot cache a {type(value).__name__}")


class _Shape(NamedTuple):
    """How values of one type are read back from JSON."""

    json: frozenset[type]  # the JSON types such a value may have (checked by whoever holds it)
    rebuild: Callable[[Any], Any] | None  # turns such a JSON value into the value; None: it already is


@functools.cache
def _shape(hint: Any) -> _Shape:
    """How to read back a value of type `hint`, built once per type from the known classes' annotations."""
    if hint in (str, int, bool):
        return _Shape(frozenset({hint}), None)
    if hint is Path:
        return _Shape(frozenset({str}), Path)
    if hint in _ENUMS:
        return _Shape(frozenset({str}), hint)  # an unknown value raises ValueError: a miss
    if hint in _CLASSES:
        hints = typing.get_type_hints(hint)
        fields = [_shape(hints[field.name]) for field in dataclasses.fields(hint)]
        return _Shape(frozenset({list}), _record(fields, hint))
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is types.UnionType and len(args) == 2 and type(None) in args:
        present = _shape(args[0] if args[1] is type(None) else args[1])
        rebuild = present.rebuild
        return _Shape(present.json | {type(None)},
                      rebuild and (lambda value: None if value is None else rebuild(value)))
    if origin is list:
        return _Shape(frozenset({list}), _sequence(_shape(args[0]), list))
    if origin is tuple and args[1:] == (Ellipsis,):
        return _Shape(frozenset({list}), _sequence(_shape(args[0]), tuple))
    if origin is tuple:
        return _Shape(frozenset({list}), _record([_shape(arg) for arg in args], lambda *values: values))
    if origin is dict and args[0] is str:
        return _Shape(frozenset({dict}), _mapping(_shape(args[1])))
    raise TypeError(f"the facts cache cannot hold a {hint}")


# The type checks run in C (map, set operations), not as a Python call per value: most values are
# short strings and small ints, and checking them one by one would cost more than the JSON parsing.

def _check(item: _Shape, values: Iterable[Any]) -> None:
    if not item.json.issuperset(map(type, values)):
        raise ValueError("a value of the wrong type")


def _sequence(item: _Shape, kind: type) -> Callable[[list[Any]], Any]:
    types_, convert = item.json, item.rebuild

    def rebuild(values: list[Any]) -> Any:
        if not values:
            return kind()
        if not types_.issuperset(map(type, values)):
            raise ValueError("a value of the wrong type")
        return kind(values if convert is None else map(convert, values))
    return rebuild


def _record(fields: list[_Shape], build: Callable[..., Any]) -> Callable[[list[Any]], Any]:
    """A dataclass or a fixed-length tuple, written as the list of its values."""
    # Every combination of the fields' types (optional fields make a few): one set lookup checks them all.
    layouts = frozenset(itertools.product(*(field.json for field in fields)))
    converted = [(index, field.rebuild) for index, field in enumerate(fields) if field.rebuild]

    def rebuild(values: list[Any]) -> Any:
        if tuple(map(type, values)) not in layouts:
            raise ValueError(f"values that do not fit the {len(fields)} fields")
        for index, convert in converted:
            values[index] = convert(values[index])  # the list is json.loads' own
        return build(*values)
    return rebuild


def _mapping(item: _Shape) -> Callable[[dict[str, Any]], Any]:
    def rebuild(values: dict[str, Any]) -> Any:
        _check(item, values.values())
        return values if item.rebuild is None else {key: item.rebuild(value) for key, value in values.items()}
    return rebuild


def _decode(text: bytes) -> Outcome:
    value = json.loads(text)
    shape = _shape(Outcome)
    _check(shape, (value,))
    outcome = typing.cast(Callable[[list[Any]], Outcome], shape.rebuild)(value)  # a dataclass always has one
    if (outcome.facts is None) != (outcome.kind != "ok"):
        raise ValueError("an outcome has facts exactly when it is ok")
    return outcome


def _seal(key: str, payload: bytes) -> bytes:
    return hashlib.sha256(key.encode() + b"\0" + payload).hexdigest().encode()


class FactsCache:
    def __init__(self, folder: Path, fingerprint: str) -> None:
        self.folder = folder
        self.fingerprint = fingerprint
        self.hits = 0
        self.misses = 0
        # Why the cache is not used (None: it is); the run says so in a note.
        self.problem = _not_a_folder(folder)
        # The entry folders (`ab/`) known to be real folders; one lstat each per run, not one per entry.
        self._safe: set[str] = set()

    def key(self, path: Path, raw: bytes) -> str:
        # The path is part of the key because facts record where they come from.
        # surrogatepass: a path or logical ID may hold lone surrogates (`"Fn\\ud800"` in a JSON template).
        return hashlib.sha256(f"{self.fingerprint}\0{path}\0".encode("utf-8", "surrogatepass") + raw).hexdigest()

    def _path(self, key: str) -> str:
        # Plain strings: pathlib would cost more than reading a small entry.
        return os.path.join(self.folder, key[:2], f"{key}.json")

    def _folder_is_safe(self, folder: str) -> bool:
        if folder in self._safe:
            return True
        if _not_a_folder(Path(folder)) is not None:
            return False
        self._safe.add(folder)
        return True

    def get(self, path: Path, raw: bytes) -> Outcome | None:
        key = self.key(path, raw)
        target = self._path(key)
        try:
            if self.problem is not None or not self._folder_is_safe(os.path.dirname(target)):
                raise ValueError("not a cache folder of ours")
            data = read_regular(target, _MAX_ENTRY_BYTES, follow_symlinks=False)
            seal, payload = data[:_DIGEST_BYTES], data[_DIGEST_BYTES + 1 :]
            if data[_DIGEST_BYTES : _DIGEST_BYTES + 1] != b"\n" or seal != _seal(key, payload):
                raise ValueError("an entry that is not the one written for this file")
            value = _decode(payload)
        except (FileSkip, ValueError, RecursionError):
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, path: Path, raw: bytes, value: Outcome) -> None:
        if self.problem is not None:
            return
        temporary = None
        try:
            key = self.key(path, raw)
            payload = json.dumps(value, default=_plain, separators=(",", ":")).encode("utf-8", "surrogatepass")
            target = self._path(key)
            self._prepare()
            folder = os.path.dirname(target)
            os.makedirs(folder, exist_ok=True)
            if not self._folder_is_safe(folder):
                return
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-")
            with os.fdopen(handle, "wb") as out:
                out.write(_seal(key, payload) + b"\n" + payload)
            os.replace(temporary, target)
            temporary = None
        except (OSError, TypeError, ValueError, RecursionError):
            return  # a cache that cannot be written only costs time
        finally:
            if temporary is not None:  # a full disk, or the entry's name is taken by a folder
                try:
                    os.unlink(temporary)
                except OSError:
                    pass

    def _prepare(self) -> None:
        if os.path.lexists(self.folder / ".gitignore"):
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        if _not_a_folder(self.folder) is not None:
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


def _not_a_folder(folder: Path) -> str | None:
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
