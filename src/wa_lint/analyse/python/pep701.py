"""PEP 701 f-strings on Python 3.11: `f"{event["id"]}"` made readable by 3.11's parser, positions unchanged.

Python 3.12 lets an f-string's fields reuse the f-string's own quote; 3.11's `ast` refuses that, and such
handlers are common. libcst's parser has the newer grammar: it reads the file, and each string directly
inside a one-quote f-string that reuses the f-string's quote is written with the other quote instead
(`f"{d["k"]}"` → `f"{d['k']}"`). Only quote characters change, so every line and column stays and the
facts `ast` then gives point at the user's code as written.
"""

from __future__ import annotations

import libcst

# libcst can crash on shapes `ast` never got far enough to refuse (HAZARDS.md): only files of an ordinary
# size and nesting are read here (workers.py still isolates whatever passes).
_MAX_CHARS = 500_000
_MAX_LINE = 5_000
_MAX_DEPTH = 100


def quotes_swapped(text: str) -> str | None:
    """`text` readable by Python 3.11's parser, or None when libcst cannot read it or nothing was swapped."""
    if len(text) > _MAX_CHARS or max(map(len, text.split("\n")), default=0) > _MAX_LINE:
        return None
    if _bracket_depth(text) > _MAX_DEPTH:
        return None
    try:
        module = libcst.parse_module(text)
    except (libcst.ParserSyntaxError, RecursionError, MemoryError, ValueError):
        return None
    swapper = _QuoteSwapper()
    rewritten = module.visit(swapper).code
    return rewritten if swapper.swapped and len(rewritten) == len(text) else None


def _bracket_depth(text: str) -> int:
    """The deepest bracket nesting; brackets in strings count too, which only makes the limit stricter."""
    depth = deepest = 0
    for character in text:
        if character in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif character in ")]}":
            depth = max(depth - 1, 0)
    return deepest


def _other(quote: str) -> str:
    return "'" if quote == '"' else '"'


class _QuoteSwapper(libcst.CSTTransformer):
    def __init__(self) -> None:
        super().__init__()
        self.quotes: list[str] = []  # the closing quote of each f-string we are inside, innermost last
        self.swapped = 0

    def visit_FormattedString(self, node: libcst.FormattedString) -> bool:
        self.quotes.append(node.end)
        return True

    def leave_FormattedString(self, original_node: libcst.FormattedString,
                              updated_node: libcst.FormattedString) -> libcst.FormattedString:
        self.quotes.pop()
        return updated_node

    def leave_SimpleString(self, original_node: libcst.SimpleString,
                           updated_node: libcst.SimpleString) -> libcst.SimpleString:
        # Only directly inside a one-quote f-string: a string one f-string deeper would need a third quote.
        if len(self.quotes) != 1 or len(self.quotes[0]) != 1:
            return updated_node
        quote, value = self.quotes[0], original_node.value
        prefix = value[: len(value) - len(value.lstrip("rRbBuU"))]
        body = value[len(prefix):]
        inner = body[1:-1]
        if body[:1] != quote or body[:3] == quote * 3 or _other(quote) in inner or "\\" in inner:
            return updated_node
        self.swapped += 1
        return updated_node.with_changes(value=f"{prefix}{_other(quote)}{inner}{_other(quote)}")
