"""Where an `ast` node is, in the units our findings use.

`ast` gives 1-based lines and 0-based columns counted in UTF-8 *bytes*; findings (and editors, and the
SARIF `charOffset`-free regions we write) use 1-based *character* columns. On an ASCII line the two are
the same, which is almost every line of almost every file, so a file that is all ASCII never converts;
a line with `é` or an emoji before the node converts its prefix once.

Inline code in a template starts further down (and in) its file: `line_offset` and `column_offset`
place line 1 of the source there.
"""

from __future__ import annotations

import ast
import re
from functools import cached_property

# (line, column, end line, end column): 1-based lines and columns, in the file the source sits in.
Span = tuple[int, int, int, int]


# A line as Python's tokenizer counts them: ended by \n, \r\n or a lone \r (never by \f or \v, which
# str.splitlines also splits on).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def split_lines(text: str) -> list[str]:
    """The lines of a source, with their line ends, numbered as `ast` numbers them."""
    return _LINE.findall(text)


class SourceMap:
    """Positions and source text of the nodes of one parsed text."""

    def __init__(self, text: str, line_offset: int = 0, column_offset: int = 0) -> None:
        self.text = text
        self.line_offset = line_offset
        self.column_offset = column_offset
        self.ascii = text.isascii()

    @cached_property
    def lines(self) -> list[str]:
        return split_lines(self.text)

    def column(self, line: int, byte_offset: int) -> int:
        """The 0-based character column of a UTF-8 byte offset on a 1-based line."""
        if self.ascii or byte_offset <= 0:
            return byte_offset
        lines = self.lines
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        if text.isascii():
            return byte_offset
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8", "replace"))

    def span(self, node: ast.AST) -> Span:
        line = node.lineno  # type: ignore[attr-defined]
        end_line = node.end_lineno or line  # type: ignore[attr-defined]
        column = self.column(line, node.col_offset)  # type: ignore[attr-defined]
        end_column = self.column(end_line, node.end_col_offset or 0)  # type: ignore[attr-defined]
        return (line + self.line_offset, column + 1 + self.column_offset,
                end_line + self.line_offset, end_column + 1 + self.column_offset)

    def line(self, node: ast.AST) -> int:
        return node.lineno + self.line_offset  # type: ignore[attr-defined, no-any-return]

    def segment(self, node: ast.AST) -> str:
        """The node's source text as written (what `ast.get_source_segment` gives, without its costs)."""
        line: int = node.lineno  # type: ignore[attr-defined]
        end_line: int = node.end_lineno or line  # type: ignore[attr-defined]
        lines = self.lines
        if not 0 < line <= end_line <= len(lines):
            return ""
        start = self.column(line, node.col_offset)  # type: ignore[attr-defined]
        end = self.column(end_line, node.end_col_offset or 0)  # type: ignore[attr-defined]
        if line == end_line:
            return lines[line - 1][start:end]
        return lines[line - 1][start:] + "".join(lines[line:end_line - 1]) + lines[end_line - 1][:end]

    def name_span(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> Span:
        """Where the name of a `def` or `class` is (ast records only where the statement starts)."""
        line = node.lineno
        lines = self.lines
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        start = self.column(line, node.col_offset)
        keywords = {ast.AsyncFunctionDef: ("async", "def"), ast.FunctionDef: ("def",)}.get(type(node), ("class",))
        found = _name_after_keywords(text, start, keywords, node.name)
        if found is None:  # the name on a continuation line: point at the keyword instead
            found = start
        return (line + self.line_offset, found + 1 + self.column_offset,
                line + self.line_offset, found + len(node.name) + 1 + self.column_offset)


def _name_after_keywords(text: str, start: int, keywords: tuple[str, ...], name: str) -> int | None:
    index = start
    for keyword in keywords:
        if not text.startswith(keyword, index):
            return None
        index += len(keyword)
        while index < len(text) and text[index] in " \t\f":
            index += 1
    return index if text.startswith(name, index) else None
