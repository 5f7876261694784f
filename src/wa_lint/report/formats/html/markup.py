"""Building HTML (and SVG) so that text is escaped by construction.

Every string that is not already `Markup` is escaped when it becomes a child or an attribute value,
so a logical ID such as `<script>` or a file name with quotes can only ever be text. Control and
bidi characters are shown as escapes (`printable`), exactly as in the other reports.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable

from wa_lint.report.formats import UNSAFE, one_line

VOID = frozenset({"meta", "br", "hr", "img", "wbr"})
# What `escape` changes: HTML's special characters, line breaks, and what `one_line` shows as escapes.
_TO_ESCAPE = re.compile(f"[&<>\"'\n{UNSAFE}\ud800-\udfff]")


class Markup(str):
    """Text that is already HTML: never escaped again."""

    __slots__ = ()


Child = str | int | float | None | Iterable["Child"]
Attr = str | int | float | bool | None


def escape(text: object) -> Markup:
    shown = str(text)
    if _TO_ESCAPE.search(shown) is None:  # most text: nothing to escape, break or show
        return Markup(shown)
    return Markup(html.escape(one_line(shown), quote=True))


LINE_BREAK = Markup("&#10;")  # a line break inside a tooltip (SVG <title>) that is not one in the file


@functools.lru_cache(maxsize=256)
def _attribute_name(name: str) -> str:
    # `class_` for the keyword; `data_memory` → `data-memory`; camelCase SVG names (viewBox) as given.
    return name.rstrip("_").replace("_", "-")


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0") if isinstance(value, float) else str(value)


def _children(children: Iterable[Child], parts: list[str]) -> None:
    for child in children:
        if child is None or child is False:
            continue
        if isinstance(child, Markup):
            parts.append(child)
        elif isinstance(child, str):
            parts.append(escape(child))
        elif isinstance(child, (int, float)):
            parts.append(_number(child))
        else:
            _children(child, parts)


def el(tag: str, *children: Child, **attributes: Attr) -> Markup:
    """`el("a", "text", href="#x", class_="node")` → `<a href="#x" class="node">text</a>`."""
    parts = [f"<{tag}"]
    for name, value in attributes.items():
        if value is None or value is False:
            continue
        if value is True:
            parts.append(f" {_attribute_name(name)}")
        else:
            shown = _number(value) if isinstance(value, (int, float)) else value
            parts.append(f' {_attribute_name(name)}="{escape(shown)}"')
    parts.append(">")
    if tag in VOID:
        return Markup("".join(parts))
    _children(children, parts)
    parts.append(f"</{tag}>")
    return Markup("".join(parts))


def join(*children: Child) -> Markup:
    parts: list[str] = []
    _children(children, parts)
    return Markup("".join(parts))


def lines(*children: Child) -> Markup:
    """Children a line each: every line of the page starts with a tag, never with text from a file."""
    parts: list[str] = []
    _children(children, parts)
    return Markup("\n".join(parts))


def prose(text: str) -> Markup:
    """Message and fix text, with its `code spans` set as code (the rules write them in backticks)."""
    pieces = text.split("`")
    if len(pieces) % 2 == 0:  # an unpaired backtick: show the text as written
        return escape(text)
    return join(el("code", piece) if odd else piece for odd, piece in
                ((number % 2 == 1, piece) for number, piece in enumerate(pieces)) if piece)
