"""Words in messages: counts with the right plural."""

from __future__ import annotations


def plural(count: int, word: str, many: str | None = None) -> str:
    """`1 template`, `3 templates`; `many` for irregular plurals (`fix`, `fixes`)."""
    return f"{count} {word if count == 1 else many or word + 's'}"
