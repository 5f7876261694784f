"""Keeping `.wa_lint_cache/` within a size: the entries used least recently go first.

Nothing in the cache is ever stale (every key covers what its entry depends on), but much of it stops
being asked for: the facts of a file's earlier versions, every entry of an earlier wa-lint, and a run
memo and a printed report per day (their key holds the date) and per set of options. Left alone, a
project linted daily grows its cache by those two a day (6.5 MB on serverless-patterns, 37 MB on
10,000 functions).

So once a day at most (the `last-sweep` file's time says when), a run that computed something adds up
the entries of every store and, over the limit (`cache-max-mb`), removes the least recently used ones
until the cache is down to `_AFTER_SWEEP` of it. An entry's time is when it was written, or last read
on an earlier day: `SealedStore.read` moves it to now when it is a day old, one `utime` per entry a
day. The sweep removes only what a store writes (`<64 hex digits>.json`, and the temporary files a
killed run left behind, an hour old), through a descriptor of each store folder where the system has
them (a folder swapped for a symbolic link while it is swept is not followed), and takes each failure
(a file another run removed first, a read-only folder) as nothing to do: a cache that loses an entry
only costs time. Two runs that sweep at once remove the same oldest entries, each counting what the
other removed as gone.
"""

from __future__ import annotations

import os
import re
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from wa_lint.cache_store import not_a_folder, touch

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
    """What a sweep left and removed."""

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
    # A stamp from the future (a cache restored from elsewhere, a clock set back) is due too.
    if last is not None and 0 <= now_ns - last < SWEEP_EVERY_NS:
        return None
    try:
        if last is None:
            os.close(os.open(stamp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644))
        touch(stamp, (now_ns, now_ns))
    except OSError:
        return None  # another run made the stamp first, or the folder is read-only
    return None if last is None else sweep(folder, limit_bytes, now_ns)


def sweep(folder: Path, limit_bytes: int, now_ns: int | None = None) -> Sweep:
    """Remove abandoned temporary files and, over `limit_bytes`, the least recently used entries."""
    now_ns = time.time_ns() if now_ns is None else now_ns
    stores = _stores(str(folder))
    try:
        entries: list[tuple[int, int, str, _Store]] = []  # (time, bytes, name, store)
        removed = removed_bytes = 0
        for store in stores:
            for name, status in store.files():
                if _ENTRY.fullmatch(name):
                    entries.append((status.st_mtime_ns, status.st_size, name, store))
                elif (_TEMPORARY.fullmatch(name) and now_ns - status.st_mtime_ns > ABANDONED_AFTER_NS
                      and store.remove(name) == "removed"):
                    removed, removed_bytes = removed + 1, removed_bytes + status.st_size
        total = sum(size for _, size, _, _ in entries)
        goal = int(limit_bytes * _AFTER_SWEEP)
        if total > limit_bytes:
            for _, size, name, store in sorted(entries, key=lambda entry: (entry[0], entry[2])):
                if total <= goal:
                    break
                outcome = store.remove(name)
                if outcome != "kept":
                    total -= size  # removed, or gone already: another run is sweeping too
                if outcome == "removed":
                    removed, removed_bytes = removed + 1, removed_bytes + size
        return Sweep(total, removed, removed_bytes)
    finally:
        for store in stores:
            store.close()


# Listing, statting and removing relative to an open folder: then a store folder swapped for a symbolic
# link after it was opened is not followed.
_BY_DESCRIPTOR = (os.scandir in os.supports_fd and os.unlink in os.supports_dir_fd
                  and hasattr(os, "O_DIRECTORY") and hasattr(os, "O_NOFOLLOW"))


class _Store:
    """One store's folder, opened once where the system allows (`_BY_DESCRIPTOR`), by path elsewhere."""

    def __init__(self, path: str, descriptor: int | None) -> None:
        self.path, self.descriptor = path, descriptor

    def files(self) -> list[tuple[str, os.stat_result]]:
        """The regular files in the folder (links and folders left out), with their statuses."""
        found = []
        try:
            with os.scandir(self.path if self.descriptor is None else self.descriptor) as listing:
                for item in listing:
                    try:
                        status = item.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    if stat.S_ISREG(status.st_mode):
                        found.append((item.name, status))
        except OSError:
            return []
        return found

    def remove(self, name: str) -> str:
        """"removed", "gone" (another run removed it first) or "kept" (it could not be removed)."""
        try:
            if self.descriptor is None:
                os.unlink(os.path.join(self.path, name))
            else:
                os.unlink(name, dir_fd=self.descriptor)
        except FileNotFoundError:
            return "gone"
        except OSError:
            return "kept"
        return "removed"

    def close(self) -> None:
        if self.descriptor is not None:
            os.close(self.descriptor)


def _stores(folder: str) -> list[_Store]:
    """The cache's store folders (never one that is a symbolic link)."""
    stores = []
    try:
        with os.scandir(folder) as listing:
            folders = [item.path for item in listing if item.is_dir(follow_symlinks=False)]
    except OSError:
        return []
    for path in folders:
        if not _BY_DESCRIPTOR:
            stores.append(_Store(path, None))
            continue
        try:
            descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            continue  # swapped for a link or removed since it was listed
        stores.append(_Store(path, descriptor))
    return stores
