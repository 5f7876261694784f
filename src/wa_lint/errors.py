"""The one shape of "this input cannot be read": a message and the best known 1-based position."""

from __future__ import annotations


class LocatedError(Exception):
    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
