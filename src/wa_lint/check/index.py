"""Lookups that checks build once per run and share (tables by name, the custom-resource functions…).

The check stage makes one `Index` per run and passes it to every check that asks for it (a keyword-only
`index` parameter, see check/contract.py). It holds derived tables only, never facts, and lives no longer
than the run's check stage, so the project model stays as the stages built it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

T = TypeVar("T")


class Index:
    def __init__(self) -> None:
        self._memo: dict[str, Any] = {}

    def memo(self, key: str, build: Callable[[], T]) -> T:
        """The value stored under `key`, built by `build()` the first time it is asked for.

        Keys are namespaced by the module that builds them (`"PERF201.readers"`), so two checks never
        read each other's tables by accident.
        """
        if key not in self._memo:
            self._memo[key] = build()
        return cast(T, self._memo[key])
