"""Template values that remember where they came from (cfn-lint's node approach).

Every position (`Pos`) is two places in the file's text: 1-based line and column (end column
exclusive), and 0-based character offsets (`start`, `end`) into the text as decoded — UTF-8, a
leading byte order mark removed, line endings as they are in the file — so an edit can replace
exactly what was read.

Mappings, sequences and strings carry their own position. Numbers, booleans and null cannot be
subclassed usefully, so the mapping or sequence that holds one records its position instead
(`value_spans`); `DictNode.value_pos` and `ListNode.item_pos` answer for any value. A key's position
is in its mapping's ``key_spans``.

What a scalar's span covers: its text as written, quotes included (`"512"`, `'x'`), and for a YAML
block scalar the indicator through its last non-blank line (`|` … `line2`). In YAML a tag or anchor
written before the value (`!!int 5`, `&size 512`) is part of the span: that is where the parser's
mark begins. A YAML block mapping or sequence ends where the next token begins (after trailing
comments); flow collections and JSON containers end after their closing bracket.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple, Self


# A named tuple, not a frozen dataclass: every node has one, and a tuple is built several times faster.
class Pos(NamedTuple):
    line: int
    column: int
    end_line: int
    end_column: int
    start: int  # offset of the first character
    end: int  # offset just past the last character


# Where a value is when nothing better is known.
UNKNOWN = Pos(1, 1, 1, 1, 0, 0)
# The loaders make a Pos for every value: from a 6-tuple, in C, without the named tuple's Python-level `__new__`.
pos_from_tuple = functools.partial(tuple.__new__, Pos)
# Values that cannot carry a position of their own (bool is an int subclass, listed for clarity).
BARE_SCALARS = frozenset({int, float, bool, type(None)})
NO_SPANS: Mapping[Any, Pos] = MappingProxyType({})


class DictNode(dict[str, Any]):
    # Slots, not an instance dict: a large app holds hundreds of thousands of nodes, and a dict per
    # node was two thirds of a loaded template's memory. A slot has no class-level default, so every
    # way of making a node (here, the loaders, the cache) sets all three.
    __slots__ = ("key_spans", "pos", "value_spans")
    pos: Pos
    key_spans: dict[str, Pos]
    # Positions of the values that cannot carry one (numbers, booleans, null), by key. Most mappings
    # hold none, so they share NO_SPANS; a loader gives a mapping its own dict when it needs one.
    value_spans: Mapping[str, Pos]

    def __init__(self, *args: Any, pos: Pos = UNKNOWN) -> None:
        super().__init__(*args)
        self.pos = pos
        self.key_spans = {}
        self.value_spans = NO_SPANS

    def key_pos(self, key: str) -> Pos:
        return self.key_spans.get(key, self.pos)

    def value_pos(self, key: str) -> Pos:
        """Where the value of `key` is written; its key's position when unknown (a merged-in value)."""
        value = self.get(key)
        pos = getattr(value, "pos", None)
        if pos is not None:
            return pos  # type: ignore[no-any-return]
        return self.value_spans.get(key) or self.key_pos(key)


class ListNode(list[Any]):
    __slots__ = ("pos", "value_spans")  # as DictNode's
    pos: Pos
    # Positions of the items that cannot carry one (numbers, booleans, null), by index; as DictNode's.
    value_spans: Mapping[int, Pos]

    def __init__(self, *args: Any, pos: Pos = UNKNOWN) -> None:
        super().__init__(*args)
        self.pos = pos
        self.value_spans = NO_SPANS

    def item_pos(self, index: int) -> Pos:
        """Where item `index` is written; the sequence's position when unknown."""
        pos = getattr(self[index], "pos", None)
        if pos is not None:
            return pos  # type: ignore[no-any-return]
        return self.value_spans.get(index % len(self) if index < 0 else index) or self.pos


class StrNode(str):
    # A str subclass cannot have slots. Its instance dict is given whole (`node.__dict__ = {"pos": pos}`)
    # rather than made by the first attribute set: a one-entry dict built at once is 184 bytes, one grown
    # by an assignment 304, for every string of every template.
    pos: Pos = UNKNOWN

    def __new__(cls, value: str, pos: Pos = UNKNOWN) -> Self:
        node = super().__new__(cls, value)
        node.__dict__ = {"pos": pos}
        return node


def str_node(value: str, pos: Pos) -> StrNode:
    """`StrNode(value, pos)` without its Python-level `__new__`: the loaders make one per string."""
    node = str.__new__(StrNode, value)
    node.__dict__ = {"pos": pos}
    return node


def pos_of(value: Any, fallback: Pos) -> Pos:
    return getattr(value, "pos", fallback)
