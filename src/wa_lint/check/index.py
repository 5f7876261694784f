"""Lookups that checks build once per run and share (tables by name, the custom-resource functions…).

The check stage makes one `Index` per run and passes it to every check that asks for it (a keyword-only
`index` parameter, see check/contract.py). It holds derived tables only, never facts, and lives no longer
than the run's check stage, so the project model stays as the stages built it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

T = TypeVar("T")
# What a table or project check wants of each entry: `survey(entry, project)` (check/contract.py).
Survey = Callable[[Any, Any], Any]


class Index:
    def __init__(self) -> None:
        self._memo: dict[str, Any] = {}
        # Each survey's values by entry (`id`: the entries live as long as the run's model).
        self._surveyed: dict[Survey, dict[int, Any]] = {}

    def memo(self, key: str, build: Callable[[], T]) -> T:
        """The value stored under `key`, built by `build()` the first time it is asked for.

        Keys are namespaced by the module that builds them (`"PERF201.readers"`), so two checks never
        read each other's tables by accident.
        """
        if key not in self._memo:
            self._memo[key] = build()
        return cast(T, self._memo[key])

    def survey(self, survey: Callable[[Any, Any], T], entry: Any, project: Any) -> T:
        """`survey(entry, project)`, worked out once per entry and shared by the checks that ask for it:
        here when first asked, or ahead by the check stage (maybe in the child process that checked the
        entry's share, which sent it back) when a check declares it (`@subject(kind, survey=...)`)."""
        found = self._surveyed.setdefault(survey, {})
        key = id(entry)
        if key not in found:
            found[key] = survey(entry, project)
        return cast(T, found[key])

    def surveyed(self, survey: Survey, entry: Any, value: Any) -> None:
        """Take `value` as the survey's value for `entry` (worked out in another process)."""
        self._surveyed.setdefault(survey, {})[id(entry)] = value
