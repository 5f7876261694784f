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
    # For a pattern that can only match a path's last part (unanchored, and no `**` or character class
    # that could match a `/`): the regex for that part alone, which is matched without backtracking
    # over every `/` of the path; and the name itself when the pattern has no wildcard at all.
    last_part: str | None
    name: str | None


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
    body = _translate(line)
    prefix = "^" if anchored else "^(?:.*/)?"
    last_part = None if anchored or "**" in line or "[" in line else f"^{body}$"
    name = line if last_part and not any(char in line for char in "*?\\") else None
    return _Pattern(re.compile(prefix + body + "$", re.DOTALL), negated, directory_only, last_part, name)


@functools.lru_cache(maxsize=1024)
def _combined(regexes: tuple[str, ...]) -> re.Pattern[str] | None:
    # Last match wins: with the alternatives in reverse order, each its own group, the regex engine's
    # first matching alternative is git's last matching pattern, and `lastindex` says which it was.
    return re.compile("|".join(f"({r})" for r in reversed(regexes)), re.DOTALL) if regexes else None


class _Combined:
    """All the patterns that apply to one kind of path, matched with a lookup and at most two regex calls.

    Each part finds the last of its patterns that matches; the last of those decides.
    """

    def __init__(self, patterns: list[_Pattern]) -> None:
        # Later patterns overwrite earlier ones: each name keeps its last pattern.
        self.names = {p.name: index for index, p in enumerate(patterns) if p.name is not None}
        whole = [(index, p.regex.pattern) for index, p in enumerate(patterns) if p.last_part is None]
        last_part = [(index, p.last_part) for index, p in enumerate(patterns)
                     if p.last_part is not None and p.name is None]
        self.whole = _combined(tuple(regex for _, regex in whole))
        self.whole_index = [index for index, _ in reversed(whole)]
        self.last_part = _combined(tuple(regex for _, regex in last_part))
        self.last_part_index = [index for index, _ in reversed(last_part)]
        self.negated = [p.negated for p in patterns]

    def decide(self, relative: str) -> bool | None:
        name = relative.rpartition("/")[2]
        last = self.names.get(name, -1)
        if name.endswith("\n"):
            # The regex's `$` also matches before a final newline; a name lookup must agree.
            last = max(last, self.names.get(name[:-1], -1))
        if self.last_part is not None and (found := self.last_part.match(name)):
            last = max(last, self.last_part_index[found.lastindex - 1])  # type: ignore[operator]
        if self.whole is not None and (found := self.whole.match(relative)):
            last = max(last, self.whole_index[found.lastindex - 1])  # type: ignore[operator]
        return None if last < 0 else not self.negated[last]


class GitIgnore:
    def __init__(self, lines: Iterable[str]) -> None:
        self.patterns = [p for p in (_compile(line) for line in lines) if p is not None]
        self.files = _Combined([p for p in self.patterns if not p.directory_only])
        self.every = _Combined(self.patterns)

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def decide(self, relative: str, is_dir: bool) -> bool | None:
        """True (ignored), False (re-included by a `!` pattern) or None (no pattern matches)."""
        return (self.every if is_dir else self.files).decide(relative)

    def match(self, relative: str, is_dir: bool) -> bool:
        """Whether a path (relative to the ignore file's folder, `/`-separated) is ignored."""
        return bool(self.decide(relative, is_dir))

    def match_within(self, relative: str) -> bool:
        """A file matched itself or through a matched folder above it (`tests/` covers `tests/a.py`)."""
        if self.match(relative, is_dir=False):
            return True
        parts = relative.split("/")[:-1]
        return any(self.match("/".join(parts[: index + 1]), is_dir=True) for index in range(len(parts)))
