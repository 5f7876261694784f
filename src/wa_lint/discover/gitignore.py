"""Gitignore-style pattern matching, for `.gitignore` files and `--exclude` patterns.

Our own small implementation of git's rules (negation, anchoring, `**`, directory-only patterns,
character classes with ranges and `[:alpha:]`-style names, last match wins): a dependency for this cost
50-70 ms of start-up, a third of our budget for a pre-commit run.

Patterns come from the repository being linted, so no pattern may fail or take long: every character is
escaped on its way into a regex (`[z-a]` or `[[` can never be a regex error), and a pattern with more
wildcards than a backtracking regex handles in bounded time (`**/**/**/x` took minutes on a deep path)
is matched by simulating its automaton instead, in time linear in the path.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

# Past this many patterns that need a regex, matching slows superlinearly (40 ms a path at 10,000):
# a .gitignore with more is not applied, with a note (real ones have tens to hundreds).
MAX_PATTERNS = 2_000
# Remembered steps per automaton (a state set and a character each): enough for the characters of a
# large tree's paths, bounded for a hostile one.
_MAX_STEPS = 20_000


class _Automaton:
    """A glob as a nondeterministic automaton over the path's characters: no backtracking."""

    # Token kinds: a literal, `?`, a class, `*` (within a part), `**` (across parts), `**/` (whole parts).
    def __init__(self, tokens: list[tuple[str, object]]) -> None:
        # A class token holds its regex text; here it is matched against one character at a time.
        self.tokens = [(kind, re.compile(str(value), re.DOTALL) if kind == "class" else value)
                       for kind, value in tokens]
        self._end = len(tokens)
        self._start = frozenset(self._closure({0}))
        self._steps: dict[tuple[frozenset[int], str], frozenset[int]] = {}

    def match(self, text: str) -> bool:
        # A lazily built DFA: each (state set, character) step is computed once and remembered, so a
        # path costs a dictionary lookup per character once the automaton has seen similar paths (the
        # walk matches thousands). The memo is bounded: past it, steps are computed and not kept.
        steps = self._steps
        current = self._start
        for char in text:
            following = steps.get((current, char))
            if following is None:
                following = self._step(current, char)
                if len(steps) < _MAX_STEPS:
                    steps[(current, char)] = following
            if not following:
                return False
            current = following
        return self._end in current

    def _step(self, current: frozenset[int], char: str) -> frozenset[int]:
        tokens = self.tokens
        end = self._end
        following: set[int] = set()
        for state in current:
            inside = state < 0
            index = -state - 1 if inside else state
            if index == end:
                continue
            kind, value = tokens[index]
            if kind == "lit":
                if char == value:
                    following.add(index + 1)
            elif kind == "one":
                if char != "/":
                    following.add(index + 1)
            elif kind == "class":
                if char != "/" and value.match(char):  # type: ignore[attr-defined]
                    following.add(index + 1)
            elif kind == "star":
                if char != "/":
                    following.add(index)
            elif kind == "any":
                following.add(index)
            else:  # "dirs": anything, then a `/` that ends it
                following.add(-index - 1)
                if char == "/":
                    following.add(index + 1)
        return frozenset(self._closure(following)) if following else frozenset()

    def _closure(self, states: set[int]) -> set[int]:
        # Every wildcard matches the empty string: its state may be skipped.
        pending = list(states)
        while pending:
            state = pending.pop()
            skippable = 0 <= state < len(self.tokens) and self.tokens[state][0] in ("star", "any", "dirs")
            if skippable and state + 1 not in states:
                states.add(state + 1)
                pending.append(state + 1)
        return states


@dataclass(frozen=True)
class _Pattern:
    # Matches the path relative to the ignore file's folder: a regex's text, or an automaton. The text is
    # compiled only into the combined regex of each ignore file (compiling each line too cost more than
    # the rest of a warm run's discovery).
    regex: str | _Automaton
    negated: bool
    directory_only: bool
    # For a pattern that can only match a path's last part (unanchored, and no `**`): the regex for that
    # part alone, which is matched without backtracking over every `/` of the path; the name itself
    # when the pattern has no wildcard at all; and what the name ends or starts with when its one
    # wildcard is a leading or trailing `*` (`*.pyc`, `.env*`: four in five of the wildcards in real
    # .gitignore files, which a string test answers without compiling a regex).
    last_part: str | None
    name: str | None
    suffix: str | None = None
    prefix: str | None = None

    def matches(self, relative: str) -> bool:
        return re.match(self.regex, relative, re.DOTALL) is not None if isinstance(self.regex, str) \
            else self.regex.match(relative)


_POSIX_CLASSES = {
    "alnum": "a-zA-Z0-9", "alpha": "a-zA-Z", "blank": " \\t", "cntrl": "\\x00-\\x1f\\x7f", "digit": "0-9",
    "graph": "\\x21-\\x7e", "lower": "a-z", "print": "\\x20-\\x7e", "space": " \\t\\n\\r\\f\\v",
    "upper": "A-Z", "xdigit": "0-9A-Fa-f",
    "punct": "".join(re.escape(char) for char in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
}


class _NeverMatches(Exception):
    """A pattern git rejects (an unknown `[:name:]`): it matches nothing, as in git."""


def _class(pattern: str, start: int) -> tuple[str, int] | None:
    """The regex for the character class opened at `start`, and the index after it; None if unclosed.

    As git's wildmatch: `!` or `^` negates, a leading `]` is literal, `\\` escapes, `[:alpha:]` names a
    class, `a-z` is a range (of a reversed one, `z-a`, only its first character counts), and no class
    ever matches a `/`.
    """
    index = start + 1
    negated = index < len(pattern) and pattern[index] in "!^"
    index += negated
    items: list[str] = []
    previous: str | None = None  # the last single character, which a `-` may turn into a range
    first = True
    while index < len(pattern):
        char = pattern[index]
        if char == "]" and not first:
            body = "".join(items)
            if not body:
                return ("[^/]" if negated else "(?!)"), index + 1
            return f"(?!/)[{'^' if negated else ''}{body}]", index + 1
        first = False
        if char == "[" and pattern.startswith("[:", index):
            close = pattern.find(":]", index + 2)
            if close != -1:
                name = pattern[index + 2 : close]
                if name not in _POSIX_CLASSES:
                    raise _NeverMatches(name)
                items.append(_POSIX_CLASSES[name])
                previous = None
                index = close + 2
                continue
        if char == "\\" and index + 1 < len(pattern):
            index += 1
            char = pattern[index]
        if (char == "-" and previous is not None and index + 1 < len(pattern) and pattern[index + 1] != "]"):
            high_index = index + 1
            high = pattern[high_index]
            if high == "\\" and high_index + 1 < len(pattern):
                high_index += 1
                high = pattern[high_index]
            if previous <= high:
                items[-1] = f"{re.escape(previous)}-{re.escape(high)}"
            # else, as in git: a reversed range adds nothing; its first character was matched on its own.
            previous = None
            index = high_index + 1
            continue
        items.append(re.escape(char))
        previous = char
        index += 1
    return None


def _tokens(pattern: str) -> list[tuple[str, object]]:
    """The pattern as tokens, consecutive `**` collapsed (`**/**/x` is `**/x`; the repeats only cost time)."""
    tokens: list[tuple[str, object]] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            token: tuple[str, object] = ("dirs", None)
            index += 3
        elif pattern.startswith("**", index):
            token = ("any", None)
            index += 2
        elif char == "*":
            token = ("star", None)
            index += 1
        elif char == "?":
            token = ("one", None)
            index += 1
        elif char == "[" and (found := _class(pattern, index)) is not None:
            token = ("class", found[0])
            index = found[1]
        else:
            if char == "\\" and index + 1 < len(pattern):
                index += 1
                char = pattern[index]
            token = ("lit", char)
            index += 1
        previous = tokens[-1][0] if tokens else None
        if token[0] == "dirs" and previous == "dirs":
            continue
        if (token[0] in ("any", "star") and previous == "any") or (token[0] == "any" and previous == "dirs"):
            tokens[-1] = ("any", None)  # `**/**`, `***`: anything at all
            continue
        tokens.append(token)
    return tokens


_REGEX = {"one": "[^/]", "star": "[^/]*", "any": ".*", "dirs": "(?:.*/)?"}


def _regex(tokens: list[tuple[str, object]]) -> str:
    return "".join(re.escape(str(value)) if kind == "lit" else str(value) if kind == "class" else _REGEX[kind]
                   for kind, value in tokens)


def _backtracks(tokens: list[tuple[str, object]]) -> bool:
    """Whether a regex could take long: over one wildcard that crosses `/`, or over two in all."""
    across = sum(kind in ("any", "dirs") for kind, _ in tokens)
    within = sum(kind == "star" for kind, _ in tokens)
    return across > 1 or across + within > 2


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
    if negated or line.startswith(("\\!", "\\#")):
        line = line[1:]
    directory_only = line.endswith("/")
    line = line.rstrip("/")
    if not line:
        return None
    anchored = "/" in line
    line = line.lstrip("/")
    try:
        body = _tokens(line)
    except _NeverMatches:
        return _Pattern("(?!)", negated, directory_only, None, None)
    rest = body[1:]
    if anchored and body[0][0] == "dirs" and rest and not any(
            kind in ("any", "dirs") or (kind == "lit" and value == "/") for kind, value in rest):
        # `**/*.log` is `*.log`: the same regex, and one that can be matched against the name alone.
        anchored, body = False, rest
    whole = body if anchored else [("dirs", None), *body]
    can_be_last_part = not anchored and not any(kind in ("any", "dirs") for kind, _ in body)
    last_part = f"^{_regex(body)}$" if can_be_last_part and not _backtracks(body) else None
    name = "".join(str(value) for _, value in body) if last_part and all(kind == "lit" for kind, _ in body) \
        else None
    if last_part is None and _backtracks(whole):
        return _Pattern(_Automaton(whole), negated, directory_only, None, None)
    suffix = prefix = None
    if last_part is not None and name is None:
        kinds = [kind for kind, _ in body]
        if kinds[0] == "star" and all(kind == "lit" for kind in kinds[1:]):
            suffix = "".join(str(value) for _, value in body[1:])
        elif kinds[-1] == "star" and all(kind == "lit" for kind in kinds[:-1]):
            prefix = "".join(str(value) for _, value in body[:-1])
    return _Pattern("^" + _regex(whole) + "$", negated, directory_only, last_part, name, suffix, prefix)


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
        whole = [(index, p.regex) for index, p in enumerate(patterns)
                 if p.last_part is None and isinstance(p.regex, str)]
        self.suffixes = {p.suffix: index for index, p in enumerate(patterns) if p.suffix is not None}
        self.suffix_ends = tuple(self.suffixes)
        self.prefixes = {p.prefix: index for index, p in enumerate(patterns) if p.prefix is not None}
        self.prefix_starts = tuple(self.prefixes)
        last_part = [(index, p.last_part) for index, p in enumerate(patterns)
                     if p.last_part is not None and p.name is None and p.suffix is None and p.prefix is None]
        self.whole = _combined(tuple(regex for _, regex in whole))
        self.whole_index = [index for index, _ in reversed(whole)]
        self.last_part = _combined(tuple(regex for _, regex in last_part))
        self.last_part_index = [index for index, _ in reversed(last_part)]
        self.negated = [p.negated for p in patterns]
        # Patterns matched by their automaton, last first: only one later than the regexes' answer counts.
        self.automata = [(index, p) for index, p in reversed(list(enumerate(patterns)))
                         if not isinstance(p.regex, str)]

    def decide(self, relative: str) -> bool | None:
        name = relative.rpartition("/")[2]
        last = self.names.get(name, -1)
        if name.endswith("\n"):
            # The regex's `$` also matches before a final newline; a name lookup must agree.
            last = max(last, self.names.get(name[:-1], -1))
        if self.suffix_ends:
            # As `$` does, a suffix may also end just before a final newline.
            ending = name.removesuffix("\n")
            if name.endswith(self.suffix_ends) or ending.endswith(self.suffix_ends):
                for suffix, index in self.suffixes.items():
                    if index > last and (name.endswith(suffix) or ending.endswith(suffix)):
                        last = index
        if self.prefix_starts and name.startswith(self.prefix_starts):
            for prefix, index in self.prefixes.items():
                if index > last and name.startswith(prefix):
                    last = index
        if self.last_part is not None and (found := self.last_part.match(name)):
            last = max(last, self.last_part_index[found.lastindex - 1])  # type: ignore[operator]
        if self.whole is not None and (found := self.whole.match(relative)):
            last = max(last, self.whole_index[found.lastindex - 1])  # type: ignore[operator]
        for index, pattern in self.automata:
            if index <= last:
                break
            if pattern.matches(relative):
                last = index
                break
        return None if last < 0 else not self.negated[last]


class GitIgnore:
    def __init__(self, lines: Iterable[str]) -> None:
        self.patterns = [p for p in (_compile(line) for line in lines) if p is not None]
        self.files = _Combined([p for p in self.patterns if not p.directory_only])
        self.every = _Combined(self.patterns)

    @property
    def wildcards(self) -> int:
        """How many patterns need a regex or an automaton (the rest are a dictionary lookup)."""
        return sum(p.name is None for p in self.patterns)

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
