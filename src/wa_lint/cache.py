"""The on-disk cache of per-file facts (`.wa_lint_cache/` in the project root).

An entry is keyed by the file's bytes, the wa-lint version and a fingerprint of the analysis code, so
it can never be stale: any change to any of them is a different key. Entries are JSON, never pickle —
a cache folder committed to a hostile repository must not be a way to run code — and are written to a
temporary file and renamed, so concurrent runs never see half an entry.
"""

from __future__ import annotations

import dataclasses
import hashlib
import functools
import json
import os
import tempfile
from pathlib import Path, PurePath
from typing import Any

from wa_lint import __version__

CACHE_DIR_NAME = ".wa_lint_cache"
_FORMAT = "1"


def analysis_fingerprint(salt: str = "") -> str:
    """Version + the analysis code's files (name, size, mtime): editing the analysis invalidates entries."""
    package = Path(__file__).parent / "python"
    digest = hashlib.sha256(f"{_FORMAT}:{__version__}:{salt}".encode())
    for source in sorted(package.glob("*.py")):
        stat = source.stat()
        digest.update(f"{source.name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()[:16]


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        kind = type(value)
        fields = {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"__dc__": f"{kind.__module__}:{kind.__qualname__}", "fields": fields}
    if isinstance(value, PurePath):
        return {"__path__": str(value)}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(item) for item in value]}
    if isinstance(value, (set, frozenset)):
        return {"__set__": sorted((_encode(item) for item in value), key=repr)}
    if isinstance(value, list):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value):
            return {"__dict__": {key: _encode(item) for key, item in value.items()}}
        return {"__pairs__": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot cache a {type(value).__name__}")


@functools.cache
def _known_classes() -> dict[str, type]:
    """The dataclasses a cache entry may hold: facts and outcomes, named module:qualname.

    An explicit list, never an import by name: the cache folder is on the user's disk and may come
    from a hostile repository."""
    from wa_lint.python import facts_model, workers

    known: dict[str, type] = {}
    for module in (facts_model, workers):
        for value in vars(module).values():
            if isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == module.__name__:
                known[f"{value.__module__}:{value.__qualname__}"] = value
    return known


def _class(name: str) -> type:
    known = _known_classes().get(name)
    if known is None:
        raise ValueError(f"refusing to rebuild {name}")
    return known


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "__dc__" in value:
        return _class(value["__dc__"])(**{k: _decode(v) for k, v in value["fields"].items()})
    if "__path__" in value:
        return Path(value["__path__"])
    if "__tuple__" in value:
        return tuple(_decode(item) for item in value["__tuple__"])
    if "__set__" in value:
        return {_decode(item) for item in value["__set__"]}
    if "__dict__" in value:
        return {key: _decode(item) for key, item in value["__dict__"].items()}
    if "__pairs__" in value:
        return {_decode(k): _decode(v) for k, v in value["__pairs__"]}
    raise ValueError("unknown cache entry shape")


class FactsCache:
    def __init__(self, folder: Path, fingerprint: str) -> None:
        self.folder = folder
        self.fingerprint = fingerprint
        self.hits = 0
        self.misses = 0

    def key(self, path: Path, raw: bytes) -> str:
        # The path is part of the key because facts record where they come from.
        return hashlib.sha256(f"{self.fingerprint}\0{path}\0".encode() + raw).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, path: Path, raw: bytes) -> Any | None:
        try:
            text = self._path(self.key(path, raw)).read_text(encoding="utf-8")
            value = _decode(json.loads(text))
        except (OSError, ValueError, TypeError, KeyError, AttributeError, ImportError, RecursionError):
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, path: Path, raw: bytes, value: Any) -> None:
        try:
            payload = json.dumps(_encode(value), separators=(",", ":"))
            target = self._path(self.key(path, raw))
            self._prepare()
            target.parent.mkdir(exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(payload)
            os.replace(temporary, target)
        except (OSError, TypeError, ValueError, RecursionError):
            return  # a cache that cannot be written only costs time

    def _prepare(self) -> None:
        if (self.folder / ".gitignore").exists():
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        # Like other tools' caches: ignored by git and marked for backup tools.
        (self.folder / ".gitignore").write_text("# Created by wa-lint\n*\n")
        (self.folder / "CACHEDIR.TAG").write_text(
            "Signature: 8a477f597d28d172789f06886806bc55\n# This is a wa-lint cache folder.\n"
        )
