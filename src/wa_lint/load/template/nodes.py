"""Template values that remember where they came from (cfn-lint's node approach).

Mappings, sequences and strings carry a 1-based start and end position. Numbers and booleans
cannot be subclassed usefully, so their position is the position of the key that holds them,
which every mapping records in ``key_spans``.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple


# A named tuple, not a frozen dataclass: every node has one, and a tuple is built several times faster.
class Pos(NamedTuple):
    line: int
    column: int
    end_line: int
    end_column: int


_UNKNOWN = Pos(1, 1, 1, 1)
# The loaders make a Pos for every value: from a 4-tuple, in C, without the named tuple's Python-level `__new__`.
pos_from_tuple = functools.partial(tuple.__new__, Pos)


class DictNode(dict[str, Any]):
    pos: Pos = _UNKNOWN

    def __init__(self, *args: Any, pos: Pos = _UNKNOWN) -> None:
        super().__init__(*args)
        self.pos = pos
        self.key_spans: dict[str, Pos] = {}

    def key_pos(self, key: str) -> Pos:
        return self.key_spans.get(key, self.pos)


class ListNode(list[Any]):
    pos: Pos = _UNKNOWN

    def __init__(self, *args: Any, pos: Pos = _UNKNOWN) -> None:
        super().__init__(*args)
        self.pos = pos


class StrNode(str):
    pos: Pos = _UNKNOWN

    def __new__(cls, value: str, pos: Pos = _UNKNOWN) -> StrNode:
        node = super().__new__(cls, value)
        node.pos = pos
        return node


def str_node(value: str, pos: Pos) -> StrNode:
    """`StrNode(value, pos)` without its Python-level `__new__`: the loaders make one per string."""
    node = str.__new__(StrNode, value)
    node.pos = pos
    return node


def pos_of(value: Any, fallback: Pos) -> Pos:
    return getattr(value, "pos", fallback)
