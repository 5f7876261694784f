"""JSON templates into the same position-carrying nodes as YAML.

The standard library's decoder forgets positions, so this is a small recursive-descent reader
built on its C string scanner; nesting is bounded so hostile files fail cleanly.
"""

from __future__ import annotations

import bisect
import json.decoder
import json.scanner
import re
import sys
from typing import Any

from wa_lint.load.template.errors import TemplateError
from wa_lint.load.template.nodes import (
    BARE_SCALARS,
    NO_SPANS,
    DictNode,
    ListNode,
    Pos,
    StrNode,
    pos_from_tuple,
    str_node,
)
from wa_lint.load.template.yaml_loader import MAX_NESTING, Problem

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = json.scanner.NUMBER_RE
_scanstring = json.decoder.scanstring  # type: ignore[attr-defined]
# By first character, so a number is not compared with each literal in turn.
_LITERAL_START = {"t": ("true", True), "f": ("false", False), "n": ("null", None)}
# Non-empty: an empty slice (the end of the text) is not whitespace.
_WHITESPACE = frozenset(" \t\n\r")
_bisect_right = bisect.bisect_right


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.problems: list[Problem] = []

    def where(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1

    def pos(self, start: int, end: int) -> Pos:
        # `where` twice, spelled out: this runs for every value.
        starts = self.line_starts
        line, end_line = _bisect_right(starts, start), _bisect_right(starts, end)
        return pos_from_tuple(
            (line, start - starts[line - 1] + 1, end_line, end - starts[end_line - 1] + 1, start, end)
        )

    def fail(self, message: str, offset: int) -> TemplateError:
        return TemplateError(f"invalid JSON: {message}", *self.where(offset))

    def skip(self, offset: int) -> int:
        # Most tokens follow the previous one directly: the regex only when there is whitespace.
        if self.text[offset : offset + 1] not in _WHITESPACE:
            return offset
        return _WS.match(self.text, offset).end()  # type: ignore[union-attr]

    def value(self, offset: int, depth: int) -> tuple[Any, int]:
        if depth > MAX_NESTING:
            raise self.fail(f"nesting deeper than {MAX_NESTING} levels", offset)
        text = self.text
        char = text[offset : offset + 1]
        if char == "{":
            return self.mapping(offset, depth)
        if char == "[":
            return self.sequence(offset, depth)
        if char == '"':
            return self.string(offset)
        literal = _LITERAL_START.get(char)
        if literal is not None and text.startswith(literal[0], offset):
            return literal[1], offset + len(literal[0])
        match = _NUMBER.match(text, offset)
        if match:
            integer, fraction, exponent = match.groups()
            if fraction or exponent:
                return float(integer + (fraction or "") + (exponent or "")), match.end()
            if len(integer) > 4000:
                # Past CPython's int-from-text limit: kept as text, as the YAML loader does.
                return StrNode(integer, self.pos(offset, match.end())), match.end()
            return int(integer), match.end()
        raise self.fail("expecting a value" if char else "unexpected end of file", offset)

    def string(self, offset: int) -> tuple[StrNode, int]:
        try:
            content, end = _scanstring(self.text, offset + 1, True)
        except ValueError as error:
            raise self.fail(str(error).split(":")[0], offset) from None
        return str_node(content, self.pos(offset, end)), end

    def key(self, offset: int) -> tuple[str, Pos, int]:
        """A member name: plain text shared by every object that has it (its position goes in the
        object's `key_spans`), as the YAML loader's keys."""
        try:
            content, end = _scanstring(self.text, offset + 1, True)
        except ValueError as error:
            raise self.fail(str(error).split(":")[0], offset) from None
        return sys.intern(content), self.pos(offset, end), end

    def mapping(self, offset: int, depth: int) -> tuple[DictNode, int]:
        text, start = self.text, offset
        # DictNode() without its Python-level `__init__`: one per object.
        result = dict.__new__(DictNode)
        result.value_spans = NO_SPANS
        spans = result.key_spans = {}
        bare: dict[str, Pos] | None = None  # result.value_spans, once there is one
        offset = self.skip(offset + 1)
        if text.startswith("}", offset):
            result.pos = self.pos(start, offset + 1)
            return result, offset + 1
        while True:
            if not text.startswith('"', offset):
                raise self.fail("expecting a property name in double quotes", offset)
            key, key_pos, offset = self.key(offset)
            offset = self.skip(offset)
            if not text.startswith(":", offset):
                raise self.fail("expecting ':' delimiter", offset)
            value_start = self.skip(offset + 1)
            value, offset = self.value(value_start, depth + 1)
            if key in result:
                first = spans[key]
                self.problems.append(
                    Problem(f"duplicate key '{key}' (first at line {first.line}); the last one wins", key_pos)
                )
                if bare:
                    bare.pop(key, None)
            if value.__class__ in BARE_SCALARS:
                if bare is None:
                    bare = result.value_spans = {}
                bare[key] = self.pos(value_start, offset)
            result[key] = value
            spans[key] = key_pos
            offset = self.skip(offset)
            char = text[offset : offset + 1]
            if char == "}":
                result.pos = self.pos(start, offset + 1)
                return result, offset + 1
            if char != ",":
                raise self.fail("expecting ',' delimiter", offset)
            offset = self.skip(offset + 1)

    def sequence(self, offset: int, depth: int) -> tuple[ListNode, int]:
        text, start = self.text, offset
        result = list.__new__(ListNode)  # ListNode() without its Python-level `__init__`
        result.value_spans = NO_SPANS
        append = result.append
        bare: dict[int, Pos] | None = None  # result.value_spans, once there is one
        offset = self.skip(offset + 1)
        if text.startswith("]", offset):
            result.pos = self.pos(start, offset + 1)
            return result, offset + 1
        while True:
            value_start = offset
            value, offset = self.value(offset, depth + 1)
            if value.__class__ in BARE_SCALARS:
                if bare is None:
                    bare = result.value_spans = {}
                bare[len(result)] = self.pos(value_start, offset)
            append(value)
            offset = self.skip(offset)
            char = text[offset : offset + 1]
            if char == "]":
                result.pos = self.pos(start, offset + 1)
                return result, offset + 1
            if char != ",":
                raise self.fail("expecting ',' delimiter", offset)
            offset = self.skip(offset + 1)


def load_json(text: str) -> tuple[Any, list[Problem]]:
    reader = _Reader(text)
    value, offset = reader.value(reader.skip(0), 0)
    offset = reader.skip(offset)
    if offset != len(text):
        raise reader.fail("extra data after the document", offset)
    return value, reader.problems
