"""Loaded templates cached in `.wa_lint_cache/templates/`, so a warm run does not parse them again.

An entry is keyed by the file's bytes, its suffix (a `.json` file may be read as JSON), the wa-lint
version and a fingerprint of the loader's code and the YAML library it runs on, so it can never be
stale. It holds the loader's verdict: not a template, an error (message and position), or the
document as position-carrying nodes with the loader's problems (duplicate keys).

A cache folder may come from a hostile repository: an entry is plain JSON read back by a decoder
that checks the type of every value (a position is six integers, a key is text) and builds only
`DictNode`, `ListNode`, `StrNode` and JSON's own scalars; an entry that does not fit is a miss,
never an exception. The loader turns each YAML alias into a copy of what it names (the expansion is
bounded before that), so an entry holds the same tree the loader builds; every template of the
real-world corpora round-trips to identical values and positions.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from wa_lint import __version__
from wa_lint.cache_store import SealedStore, code_fingerprint
from wa_lint.load.template.document import NotATemplate, Template, parse_document
from wa_lint.load.template.errors import TemplateError
from wa_lint.load.template.nodes import NO_SPANS, DictNode, ListNode, Pos, StrNode, pos_from_tuple
from wa_lint.load.template.yaml_loader import Problem

_FORMAT = "1"
_SIX_INTS = (int,) * 6
# Bare values an entry may hold where a node is expected (JSON's own scalars).
_BARE = frozenset({int, float, bool, type(None)})


def loader_fingerprint() -> str:
    import yaml

    package = Path(__file__).parent
    libyaml = str(getattr(yaml, "__with_libyaml__", False))
    return code_fingerprint(package, f"{_FORMAT}:{__version__}:{yaml.__version__}:{libyaml}".encode(),
                            files=(package.parent.parent / "link" / "sam_globals.py",))


# What parsing a text decided: the template, or (as stored) that it is none or why it cannot be read.
Verdict = Template | list[Any]


class TemplateCache(SealedStore):
    def __init__(self, folder: Path, fingerprint: str | None = None) -> None:
        super().__init__(folder, "templates")
        self.fingerprint = fingerprint or loader_fingerprint()
        self.hits = 0
        self.misses = 0
        # While writes are deferred (load/template/written_behind.py): the verdicts parsed since, by key,
        # for a child to store; and the children storing them, each with how long to wait for it at most.
        self._unwritten: dict[str, Verdict] | None = None
        self._writers: list[tuple[Any, float]] = []

    def key(self, path: Path, raw: bytes) -> str:
        return hashlib.sha256(f"{self.fingerprint}\0{path.suffix}\0".encode("utf-8", "surrogatepass") + raw).hexdigest()

    def has_entry(self, path: Path, raw: bytes) -> bool:
        """Whether an entry for these bytes exists (a status, not a read: it may still be damaged)."""
        return self.exists(self.key(path, raw))

    def defer_writes(self) -> None:
        """Keep the verdicts parsed from now on for `unwritten` (a writer child) instead of storing each."""
        if self._unwritten is None:
            self._unwritten = {}

    def unwritten(self) -> dict[str, Verdict]:
        """The verdicts parsed while writes were deferred, by key; writes are no longer deferred."""
        verdicts, self._unwritten = self._unwritten or {}, None
        return verdicts

    def add_writer(self, child: Any, seconds: float) -> None:
        """`child` is storing verdicts: `finish_writers` waits for it (`seconds` at most)."""
        self._writers.append((child, seconds))

    def finish_writers(self) -> None:
        """Wait for the children storing verdicts; one past its time is ended (its entries missing)."""
        for child, seconds in self._writers:
            child.join(timeout=seconds)
            if child.is_alive():
                child.kill()
                child.join()
        self._writers.clear()

    def store(self, key: str, verdict: Verdict) -> None:
        """Store a verdict under `key`."""
        if not isinstance(verdict, Template):
            self.write_json(key, verdict)
            return
        try:
            problems = [[problem.message, list(problem.pos)] for problem in verdict.problems]
            self.write_json(key, ["ok", verdict.syntax, _encode(verdict.data), problems])
        except (TypeError, RecursionError):
            pass  # a value the encoding does not know: loaded again next time

    def load(self, path: Path, raw: bytes, text: str) -> Template:
        """`parse_document(path, text)`, from the cache when it holds the verdict for these bytes."""
        key = self.key(path, raw)
        payload = self.read(key)
        if payload is not None:
            try:
                verdict = _decode(payload)
            except (TypeError, ValueError, IndexError, KeyError, RecursionError):
                verdict = None
            if verdict is not None:
                self.hits += 1
                kind = verdict[0]
                if kind == "not":
                    raise NotATemplate
                if kind == "error":
                    raise TemplateError(verdict[1], verdict[2], verdict[3])
                return Template(path, verdict[2], text, verdict[3], verdict[1])
        self.misses += 1
        return self._parse(key, path, text)

    def _parse(self, key: str, path: Path, text: str) -> Template:
        try:
            template = parse_document(path, text)
        except NotATemplate:
            self._keep(key, ["not"])
            raise
        except TemplateError as error:
            self._keep(key, ["error", error.message, error.line, error.column])
            raise
        self._keep(key, template)
        return template

    def _keep(self, key: str, verdict: Verdict) -> None:
        if self._unwritten is None:
            self.store(key, verdict)
        else:
            self._unwritten[key] = verdict


# An encoded value: a bare scalar as itself; [0, text, *pos] a StrNode; [3, text] a plain string;
# [1, pos, [[key, key pos, value], ...], [[key, pos], ...]] a DictNode with its bare values' positions;
# [2, pos, [value, ...], [[index, pos], ...]] a ListNode likewise.

def _encode(value: Any) -> Any:
    kind = type(value)
    if kind is StrNode:
        return [0, str(value), *value.pos]
    if kind is DictNode:
        key_pos = value.key_pos
        return [1, list(value.pos), [[str(k), list(key_pos(k)), _encode(v)] for k, v in value.items()],
                [[str(k), list(p)] for k, p in value.value_spans.items()]]
    if kind is ListNode:
        return [2, list(value.pos), [_encode(v) for v in value],
                [[i, list(p)] for i, p in value.value_spans.items()]]
    if kind is str:
        return [3, value]
    if kind in _BARE:
        return value
    raise TypeError(f"cannot cache a {kind.__name__}")


def _pos(value: Any) -> Pos:
    # Anything but a sequence of six integers fails this (a JSON object's keys are text).
    if tuple(map(type, value)) != _SIX_INTS:
        raise ValueError("a position is six integers")
    return pos_from_tuple(value)


def _string(value: list[Any]) -> StrNode:
    if len(value) != 8 or type(value[1]) is not str:
        raise ValueError("a string node is its text and a position")
    node = str.__new__(StrNode, value[1])
    node.__dict__ = {"pos": _pos(value[2:])}
    return node


def _decode_value(value: Any) -> Any:
    if type(value) in _BARE:
        return value
    if type(value) is not list:
        raise ValueError("a value is a scalar or a list")
    tag = value[0]
    if tag == 0:
        return _string(value)
    if tag == 1:
        _, pos, entries, spans = value
        mapping = dict.__new__(DictNode)
        mapping.pos = _pos(pos)
        mapping.value_spans = NO_SPANS
        key_spans = mapping.key_spans = {}
        intern = sys.intern
        decode = _decode_value
        # Plain text (a string node), the commonest value, and the positions spelled out here: this
        # runs for every entry of every mapping.
        for key, key_pos, item in entries:
            if type(key) is not str or tuple(map(type, key_pos)) != _SIX_INTS:
                raise ValueError("a key is text with a position")
            key = intern(key)  # as the loaders' keys: one text for every mapping that has it
            key_spans[key] = pos_from_tuple(key_pos)
            if type(item) is list and item and item[0] == 0 and len(item) == 8 and type(item[1]) is str:
                text = str.__new__(StrNode, item[1])
                position = item[2:]
                if tuple(map(type, position)) != _SIX_INTS:
                    raise ValueError("a position is six integers")
                text.__dict__ = {"pos": pos_from_tuple(position)}
                mapping[key] = text
            else:
                mapping[key] = decode(item)
        if spans:
            mapping.value_spans = _spans(spans, str)
        return mapping
    if tag == 2:
        _, pos, items, spans = value
        sequence = list.__new__(ListNode)
        sequence.pos = _pos(pos)
        sequence.value_spans = NO_SPANS
        sequence.extend(map(_decode_value, items))
        if spans:
            sequence.value_spans = _spans(spans, int)
        return sequence
    if tag == 3 and len(value) == 2 and type(value[1]) is str:
        return value[1]
    raise ValueError("not a value of a template")


def _spans(spans: Any, key_type: type) -> dict[Any, Pos]:
    result = {}
    for key, pos in spans:
        if type(key) is not key_type:
            raise ValueError("a span's key has the wrong type")
        result[key] = _pos(pos)
    return result


def _decode(payload: bytes) -> list[Any] | None:
    entry = json.loads(payload)
    if type(entry) is not list or not entry:
        return None
    kind = entry[0]
    if kind == "not" and len(entry) == 1:
        return entry
    if kind == "error" and len(entry) == 4 and type(entry[1]) is str and tuple(map(type, entry[2:])) == (int, int):
        return entry
    if kind == "ok" and len(entry) == 4 and entry[1] in ("yaml", "json") and type(entry[3]) is list:
        data = _decode_value(entry[2])
        if type(data) is not DictNode:
            return None
        problems = []
        for message, pos in entry[3]:
            if type(message) is not str:
                return None
            problems.append(Problem(message, _pos(pos)))
        return ["ok", entry[1], data, problems]
    return None
