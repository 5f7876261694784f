"""`--help` text that never breaks a word: click's wrapper splits at hyphens (`wa-` / `lint`,
`--report sarif:wa-` / `lint.sarif`), which turns names and commands a user copies into nonsense.

Same layout as click's own formatter; only the wrapping differs (whole words only, long ones
overflow rather than split).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

import click


def wrap(text: str, width: int, initial_indent: str = "", subsequent_indent: str = "",
         preserve_paragraphs: bool = False) -> str:
    """click.formatting.wrap_text without breaks at hyphens or inside long words."""
    def wrapper(extra: str = "") -> textwrap.TextWrapper:
        return textwrap.TextWrapper(width, initial_indent=initial_indent + extra,
                                    subsequent_indent=subsequent_indent + extra, replace_whitespace=False,
                                    break_on_hyphens=False, break_long_words=False)

    text = text.expandtabs()
    if not preserve_paragraphs:
        return wrapper().fill(text)
    paragraphs: list[tuple[int, bool, list[str]]] = []
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if line.strip() or line == "\b"]
        if not lines:
            continue
        indent = len(lines[0]) - len(lines[0].lstrip())
        if lines[0].strip() == "\b":  # click's marker: keep this paragraph's lines as written
            paragraphs.append((indent, True, lines[1:]))
        else:
            paragraphs.append((indent, False, [line.strip() for line in lines]))
    rendered = []
    for indent, raw, lines in paragraphs:
        if raw:
            rendered.append("\n".join(initial_indent + line for line in lines))
        else:
            rendered.append(wrapper(" " * indent).fill(" ".join(lines)))
    return "\n\n".join(rendered)


class HelpFormatter(click.HelpFormatter):
    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        self.write(wrap(text, self._text_width(), indent, indent, preserve_paragraphs=True))
        self.write("\n")

    def _text_width(self) -> int:
        return max(self.width - self.current_indent, 11)

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        first_width = min(max((len(first) for first, _ in rows), default=0), col_max)
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if len(first) <= first_width:
                self.write(" " * (first_width - len(first) + col_spacing))
            else:
                self.write("\n" + " " * (first_width + col_spacing + self.current_indent))
            text_width = max(self.width - first_width - col_spacing - self.current_indent, 10)
            lines = wrap(second, text_width, preserve_paragraphs=True).splitlines()
            if lines:
                self.write(lines[0] + "\n")
                for line in lines[1:]:
                    self.write(f"{'':>{first_width + col_spacing + self.current_indent}}{line}\n")
            else:
                self.write("\n")


class Context(click.Context):
    formatter_class = HelpFormatter
