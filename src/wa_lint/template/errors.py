from __future__ import annotations


class TemplateError(Exception):
    """A template that cannot be read; carries the best known 1-based position."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
