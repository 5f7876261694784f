"""Keeping `.wa_lint_cache/` within a size: the entries used least recently go first.

Nothing in the cache is ever stale (every key covers what its entry depends on), but much of it stops
being asked for: the facts of a file's earlier versions, every entry of an earlier wa-lint, and a run
memo per day (its key holds the date) and per set of options. Left alone, a project linted daily
grows its cache by a run memo a day (3.5 MB on serverless-patterns, tens of MB on 10,000 functions).

So once a day at most (the `last-sweep` file's time says when), a run that computed something adds up
the entries of every store and, over the limit (`cache-max-mb`), removes the least recently used ones
until the cache is down to `_AFTER_SWEEP` of it. An entry's time is when it was written, or last read
on an earlier day: `SealedStore.read` moves it to now when it is a day old, one `utime` per entry a
day. The sweep removes only what a store writes (`<64 hex digits>.json`, and the temporary files a
killed run left behind, an hour old), never follows a symbolic link, and takes each failure (a file
another run removed first, a read-only folder) as nothing to do: a cache that loses an entry only
costs time.
"""

from __future__ import annotations

import os
import re
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from wa_lint.cache_store import not_a_folder

SWEEP_STAMP = "last-sweep"
SWEEP_EVERY_NS = 24 * 3600 * 10**9
# A temporary file this old was left by a run that was killed while writing: no run writes for an hour.
ABANDONED_AFTER_NS = 3600 * 10**9
# Swept down to this share of the limit, so the next sweeps have room to spare and little to do.
_AFTER_SWEEP = 0.8
_ENTRY = re.compile(r"[0-9a-f]{64}\.json")
_TEMPORARY = re.compile(r"\.tmp-[0-9a-f]{16}")


@dataclass(frozen=True)
class Sweep:
    kept_bytes: int
    removed: int
    removed_bytes: int


def sweep_when_due(folder: Path, limit_bytes: int, now_ns: int | None = None) -> Sweep | None:
    """`sweep(folder, limit_bytes)` if no run has swept it for a day; None when none was due (or the
    folder is not a cache folder wa-lint may use). A cache never swept is swept a day after this is
    first asked: a cold run, which has just filled it, has nothing old to remove."""
    now_ns = time.time_ns() if now_ns is None else now_ns
    if not_a_folder(folder) is not None or not os.path.isfile(folder / "CACHEDIR.TAG"):
        return None
    stamp = folder / SWEEP_STAMP
    try:
        last = os.lstat(stamp).st_mtime_ns
    except FileNotFoundError:
        last = None
    except OSError:
        return None
    if last is not None and now_ns - last < SWEEP_EVERY_NS:
        return None
    try:
        if last is None:
            os.close(os.open(stamp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644))
        os.utime(stamp, ns=(now_ns, now_ns), follow_symlinks=False)
    except OSError:
        return None  # another run made the stamp first, or the folder is read-only
    return None if last is None else sweep(folder, limit_bytes, now_ns)


def sweep(folder: Path, limit_bytes: int, now_ns: int | None = None) -> Sweep:
    """Remove abandoned temporary files and, over `limit_bytes`, the least recently used entries."""
    now_ns = time.time_ns() if now_ns is None else now_ns
    entries: list[tuple[int, int, str]] = []  # (time, bytes, path)
    removed = removed_bytes = 0
    for store in _scan(str(folder)):
        if not store.is_dir(follow_symlinks=False):
            continue
        for item in _scan(store.path):
            try:
                status = item.stat(follow_symlinks=False)
            except OSError:
                continue
            if not stat.S_ISREG(status.st_mode):
                continue
            if _ENTRY.fullmatch(item.name):
                entries.append((status.st_mtime_ns, status.st_size, item.path))
            elif _TEMPORARY.fullmatch(item.name) and now_ns - status.st_mtime_ns > ABANDONED_AFTER_NS and _remove(item.path):
                removed, removed_bytes = removed + 1, removed_bytes + status.st_size
    total = sum(size for _, size, _ in entries)
    if total > limit_bytes:
        entries.sort()
        goal = int(limit_bytes * _AFTER_SWEEP)
        for _, size, path in entries:
            if total <= goal:
                break
            if _remove(path):
                total -= size
                removed, removed_bytes = removed + 1, removed_bytes + size
    return Sweep(total, removed, removed_bytes)


def _scan(folder: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as found:
            return list(found)
    except OSError:
        return []


def _remove(path: str) -> bool:
    try:
        os.unlink(path)
    except OSError:
        return False  # removed by another run, or not ours to remove
    return True
