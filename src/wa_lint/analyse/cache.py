"""The on-disk cache of per-file facts (`.wa_lint_cache/` in the project root).

An entry is keyed by the file's bytes, its path, the wa-lint version and a fingerprint of the analysis
code and what it runs on (the Python version, whose `ast` is the parser), so it can never be stale: any
change to any of them is a different key. Entries are stored, sealed and written atomically by
`wa_lint.cache_store`, which also refuses a cache folder that is a symbolic link.

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
import operator
import sys
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
from wa_lint.cache_store import CACHE_DIR_NAME, SealedStore, code_fingerprint, library_files
from wa_lint.cache_store import seal as _seal

__all__ = ["CACHE_DIR_NAME", "FactsCache", "_seal", "analysis_fingerprint"]

_FORMAT = "4"  # 4: facts from the stdlib `ast` parser (typed origins, constructions, decorators, returns)
# Facts of a 1 MiB module (max-python-bytes) are a few MiB of JSON; a larger entry is not one we wrote.
_MAX_ENTRY_BYTES = 64 * 1024 * 1024


def _parser_version() -> bytes:
    """The parser is the interpreter's own `ast`: its version is the Python build's."""
    return f"{sys.implementation.name} {sys.implementation.cache_tag} {sys.version}".encode()


def analysis_fingerprint(salt: str = "") -> str:
    """What facts depend on besides the file: wa-lint's version, the contents of every file of the
    analysis code (all of analyse/, every collector included), the parser's version (the Python
    build's) and libcst's (it reads the PEP 701 f-strings that Python 3.11's parser cannot). A change
    to any of them invalidates every entry."""
    return code_fingerprint(Path(__file__).parent, f"{_FORMAT}:{__version__}:{salt}".encode(), _parser_version(),
                            files=tuple(library_files("libcst", "_version.py")))


_CLASSES = frozenset({Outcome, ModuleFacts, FunctionFacts, Location, ImportFacts, Body, Call, Write,
                      DynamoFacts, DynamoRead, TableName, Origin, Construction, Decorator,
                      Arguments})
# Enumerations are written as their value and read back only as one of their members.
_ENUMS = frozenset({OriginKind})


def _field_values(cls: type) -> Callable[[Any], tuple[Any, ...]]:
    names = [field.name for field in dataclasses.fields(cls)]
    if len(names) == 1:
        (name,) = names
        return lambda value: (getattr(value, name),)
    return operator.attrgetter(*names)


# Each class's field values in field order, by one C-level getter (json.dumps calls `_plain` for every
# dataclass of a file's facts: asking `dataclasses.fields` each time was most of writing an entry).
_FIELD_VALUES = {cls: _field_values(cls) for cls in _CLASSES}


def _plain(value: Any) -> Any:
    """json.dumps' fallback: a dataclass is written as its field values in field order, a path as text."""
    values = _FIELD_VALUES.get(type(value))
    if values is not None:
        return values(value)
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


class FactsCache(SealedStore):
    def __init__(self, folder: Path, fingerprint: str) -> None:
        super().__init__(folder, max_entry_bytes=_MAX_ENTRY_BYTES)
        self.fingerprint = fingerprint
        self.hits = 0
        self.misses = 0

    def key(self, path: Path, raw: bytes) -> str:
        # The path is part of the key because facts record where they come from.
        # surrogatepass: a path or logical ID may hold lone surrogates (`"Fn\\ud800"` in a JSON template).
        return hashlib.sha256(f"{self.fingerprint}\0{path}\0".encode("utf-8", "surrogatepass") + raw).hexdigest()

    def get(self, path: Path, raw: bytes) -> Outcome | None:
        payload = self.read(self.key(path, raw))
        try:
            if payload is None:
                raise ValueError("no entry written for this file")
            value = _decode(payload)
        except (ValueError, RecursionError):
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, path: Path, raw: bytes, value: Outcome) -> None:
        self.write_json(self.key(path, raw), value, default=_plain)
