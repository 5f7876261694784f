"""Gitignore-style pattern matching, for `.gitignore` files and `--exclude` patterns.

Our own small implementation of git's rules (negation, anchoring, `**`, directory-only patterns,
last match wins): a dependency for this cost 50-70 ms of start-up, a third of our budget for a
pre-commit run.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    negated: bool
    directory_only: bool


def _class_end(pattern: str, start: int) -> int:
    """Index of the `]` closing a character class opened at `start`, or -1."""
    index = start + 1
    if index < len(pattern) and pattern[index] in "!^":
        index += 1
    if index < len(pattern) and pattern[index] == "]":
        index += 1
    while index < len(pattern) and pattern[index] != "]":
        index += 1
    return index if index < len(pattern) else -1


def _translate(pattern: str) -> str:
    out = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
        elif pattern.startswith("**", index):
            out.append(".*")
            index += 2
        elif char == "*":
            out.append("[^/]*")
            index += 1
        elif char == "?":
            out.append("[^/]")
            index += 1
        elif char == "[" and (end := _class_end(pattern, index)) != -1:
            body = pattern[index + 1 : end]
            negate = body[:1] in ("!", "^")
            body = body[1:] if negate else body
            out.append("[" + ("^" if negate else "") + body.replace("\\", "\\\\") + "]")
            index = end + 1
        elif char == "\\" and index + 1 < len(pattern):
            out.append(re.escape(pattern[index + 1]))
            index += 2
        else:
            out.append(re.escape(char))
            index += 1
    return "".join(out)


# Pure functions of their text, memoised: a repository of many apps repeats the same .gitignore lines.
@functools.lru_cache(maxsize=4096)
def _compile(line: str) -> _Pattern | None:
    if not line.strip() or line.startswith("#"):
        return None
    line = line.rstrip("\n\r")
    # Trailing spaces are ignored unless escaped.
    while line.endswith(" ") and not line.endswith("\\ "):
        line = line[:-1]
    negated = line.startswith("!")
    if negated:
        line = line[1:]
    elif line.startswith("\\!") or line.startswith("\\#"):
        line = line[1:]
    directory_only = line.endswith("/")
    line = line.rstrip("/")
    if not line:
        return None
    anchored = "/" in line
    line = line.lstrip("/")
    prefix = "^" if anchored else "^(?:.*/)?"
    return _Pattern(re.compile(prefix + _translate(line) + "$", re.DOTALL), negated, directory_only)


@functools.lru_cache(maxsize=1024)
def _combined(regexes: tuple[str, ...]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{r})" for r in regexes), re.DOTALL) if regexes else None


class GitIgnore:
    def __init__(self, lines: Iterable[str]) -> None:
        self.patterns = [p for p in (_compile(line) for line in lines) if p is not None]
        # Without negations, the last match wins is the same as any match: one regex per kind of path.
        self.combined: tuple[re.Pattern[str] | None, re.Pattern[str] | None] | None = None
        if not any(p.negated for p in self.patterns):
            files = tuple(p.regex.pattern for p in self.patterns if not p.directory_only)
            every = tuple(p.regex.pattern for p in self.patterns)
            self.combined = (_combined(files), _combined(every))

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def decide(self, relative: str, is_dir: bool) -> bool | None:
        """True (ignored), False (re-included by a `!` pattern) or None (no pattern matches)."""
        if self.combined is not None:
            regex = self.combined[1] if is_dir else self.combined[0]
            return True if regex is not None and regex.match(relative) else None
        verdict = None
        for pattern in self.patterns:
            if pattern.directory_only and not is_dir:
                continue
            if pattern.regex.match(relative):
                verdict = not pattern.negated
        return verdict

    def match(self, relative: str, is_dir: bool) -> bool:
        """Whether a path (relative to the ignore file's folder, `/`-separated) is ignored."""
        return bool(self.decide(relative, is_dir))

    def match_within(self, relative: str) -> bool:
        """A file matched itself or through a matched folder above it (`tests/` covers `tests/a.py`)."""
        if self.match(relative, is_dir=False):
            return True
        parts = relative.split("/")[:-1]
        return any(self.match("/".join(parts[: index + 1]), is_dir=True) for index in range(len(parts)))
