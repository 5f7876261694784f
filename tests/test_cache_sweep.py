"""The cache stays within its size: the least recently used entries go, once a day, and nothing else."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from wa_lint import cache_sweep
from wa_lint.cache_store import SealedStore
from wa_lint.cache_sweep import ABANDONED_AFTER_NS, SWEEP_EVERY_NS, SWEEP_STAMP, sweep, sweep_when_due
from wa_lint.cli import main
from wa_lint.config import Config
from wa_lint.pipeline import Run

DAY_NS = 24 * 3600 * 10**9
NOW_NS = 1_800_000_000 * 10**9


def _cache(tmp_path: Path) -> Path:
    folder = tmp_path / ".wa_lint_cache"
    (folder / "facts").mkdir(parents=True)
    (folder / "runs").mkdir()
    (folder / "CACHEDIR.TAG").write_text("Signature: 8a477f597d28d172789f06886806bc55\n")
    (folder / ".gitignore").write_text("*\n")
    return folder


def _entry(store: Path, number: int, size: int, age_days: float, now_ns: int = NOW_NS) -> Path:
    path = store / f"{number:064x}.json"
    path.write_bytes(b"x" * size)
    stamp = now_ns - int(age_days * DAY_NS)
    os.utime(path, ns=(stamp, stamp))
    return path


def test_over_the_limit_the_least_recently_used_entries_go_until_four_fifths_are_left(tmp_path: Path) -> None:
    folder = _cache(tmp_path)
    # Ten entries of 100 bytes across two stores, the oldest used ten days ago.
    entries = [_entry(folder / ("facts" if number % 2 else "runs"), number, 100, age_days=10 - number)
               for number in range(10)]
    swept = sweep(folder, limit_bytes=500, now_ns=NOW_NS)
    assert (swept.removed, swept.removed_bytes, swept.kept_bytes) == (6, 600, 400)
    assert [entry.exists() for entry in entries] == [False] * 6 + [True] * 4, "the oldest go first, in both stores"
    assert (folder / "CACHEDIR.TAG").exists() and (folder / ".gitignore").exists()


def test_under_the_limit_no_entry_goes(tmp_path: Path) -> None:
    folder = _cache(tmp_path)
    entries = [_entry(folder / "facts", number, 100, age_days=400) for number in range(5)]
    assert sweep(folder, limit_bytes=500, now_ns=NOW_NS).removed == 0
    assert all(entry.exists() for entry in entries)


def test_only_what_a_store_writes_is_removed_and_no_link_is_followed(tmp_path: Path) -> None:
    folder = _cache(tmp_path)
    outside = tmp_path / "precious.json"
    outside.write_bytes(b"y" * 1000)
    link = folder / "facts" / f"{7:064x}.json"
    link.symlink_to(outside)
    (folder / "linked-store").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (tmp_path / "elsewhere").mkdir()
    foreign = _entry(tmp_path / "elsewhere", 8, 1000, age_days=30)
    notes = folder / "facts" / "notes.txt"
    notes.write_bytes(b"z" * 1000)
    short_name = folder / "facts" / "abc.json"
    short_name.write_bytes(b"z" * 1000)
    entry = _entry(folder / "facts", 9, 1000, age_days=30)
    sweep(folder, limit_bytes=10, now_ns=NOW_NS)
    assert not entry.exists()
    assert link.is_symlink() and outside.read_bytes() == b"y" * 1000
    assert foreign.exists() and notes.exists() and short_name.exists()


def test_temporary_files_a_killed_run_left_go_after_an_hour(tmp_path: Path) -> None:
    folder = _cache(tmp_path)
    abandoned, fresh = folder / "facts" / ".tmp-0123456789abcdef", folder / "facts" / ".tmp-fedcba9876543210"
    for path, age in ((abandoned, ABANDONED_AFTER_NS + 1), (fresh, ABANDONED_AFTER_NS // 2)):
        path.write_bytes(b"partial")
        os.utime(path, ns=(NOW_NS - age, NOW_NS - age))
    swept = sweep(folder, limit_bytes=10**9, now_ns=NOW_NS)
    assert swept.removed == 1 and not abandoned.exists() and fresh.exists(), "a write under way is left alone"


def test_a_sweep_is_due_once_a_day_and_only_in_a_cache_folder(tmp_path: Path) -> None:
    folder = _cache(tmp_path)
    first = _entry(folder / "facts", 1, 1000, age_days=3)
    assert sweep_when_due(folder, 10, NOW_NS - SWEEP_EVERY_NS) is None and first.exists(), \
        "a cache never swept (just filled by a cold run) is swept a day later"
    assert sweep_when_due(folder, 10, NOW_NS) is not None and not first.exists()
    assert (folder / SWEEP_STAMP).stat().st_mtime_ns == NOW_NS
    _entry(folder / "facts", 2, 1000, age_days=3)
    assert sweep_when_due(folder, 10, NOW_NS + SWEEP_EVERY_NS - 1) is None, "swept less than a day ago"
    assert sweep_when_due(folder, 10, NOW_NS + SWEEP_EVERY_NS + 1) is not None
    assert not (folder / "facts" / f"{2:064x}.json").exists()

    plain = tmp_path / "not-a-cache"
    (plain / "facts").mkdir(parents=True)
    kept = _entry(plain / "facts", 3, 1000, age_days=3)
    assert sweep_when_due(plain, 10, NOW_NS) is None and kept.exists(), "no CACHEDIR.TAG: not a wa-lint cache"
    linked = tmp_path / "linked" / ".wa_lint_cache"
    linked.parent.mkdir()
    linked.symlink_to(folder, target_is_directory=True)
    os.utime(folder / SWEEP_STAMP, ns=(0, 0))
    behind_the_link = _entry(folder / "facts", 4, 1000, age_days=3)
    assert sweep_when_due(linked, 10, NOW_NS) is None and behind_the_link.exists(), \
        "a cache folder that is a link is never used"


def test_a_stamp_from_the_future_does_not_put_sweeps_off(tmp_path: Path) -> None:
    folder = _cache(tmp_path)
    (folder / SWEEP_STAMP).touch()
    os.utime(folder / SWEEP_STAMP, ns=(NOW_NS + 30 * DAY_NS, NOW_NS + 30 * DAY_NS))  # a restored cache, a clock set back
    old = _entry(folder / "facts", 1, 1000, age_days=3)
    assert sweep_when_due(folder, 10, NOW_NS) is not None and not old.exists()


def test_entries_another_sweep_removed_first_count_as_gone(tmp_path: Path, monkeypatch) -> None:
    folder = _cache(tmp_path)
    entries = [_entry(folder / "facts", number, 100, age_days=10 - number) for number in range(10)]
    real_unlink = os.unlink

    def raced(path, *args, **kwargs):  # the other run removes each file just before this one does
        real_unlink(path, *args, **kwargs)
        raise FileNotFoundError(path)

    monkeypatch.setattr(os, "unlink", raced)
    swept = sweep(folder, limit_bytes=500, now_ns=NOW_NS)
    assert (swept.removed, swept.kept_bytes) == (0, 400), "the other run's removals are counted, not repeated"
    assert [entry.exists() for entry in entries] == [False] * 6 + [True] * 4


def test_where_times_cannot_be_set_without_following_links_files_are_touched_all_the_same(tmp_path, monkeypatch) -> None:
    real_utime = os.utime

    def windows_utime(path, *args, follow_symlinks=True, **kwargs):  # os.utime as Windows has it
        if not follow_symlinks:
            raise NotImplementedError("utime: follow_symlinks unavailable on this platform")
        return real_utime(path, *args, **kwargs)

    monkeypatch.setattr(os, "utime", windows_utime)  # not in os.supports_follow_symlinks, as there
    folder = _cache(tmp_path)
    old = _entry(folder / "facts", 1, 1000, age_days=3)
    (folder / SWEEP_STAMP).touch()
    real_utime(folder / SWEEP_STAMP, ns=(0, 0))
    assert sweep_when_due(folder, 10, NOW_NS) is not None and not old.exists()
    assert (folder / SWEEP_STAMP).stat().st_mtime_ns == NOW_NS
    store = SealedStore(folder, "facts")
    store.write("k" * 64, b"payload")
    entry = Path(store._path("k" * 64))
    two_days_ago = time.time_ns() - 2 * DAY_NS
    real_utime(entry, ns=(two_days_ago, two_days_ago))
    assert store.read("k" * 64) == b"payload" and time.time_ns() - entry.stat().st_mtime_ns < DAY_NS


def test_a_read_marks_an_entry_used_once_a_day(tmp_path: Path) -> None:
    store = SealedStore(tmp_path / ".wa_lint_cache", "facts")
    store.write("k" * 64, b"payload")
    entry = Path(store._path("k" * 64))
    two_days_ago = time.time_ns() - 2 * DAY_NS
    os.utime(entry, ns=(two_days_ago, two_days_ago))
    assert store.read("k" * 64) == b"payload"
    assert time.time_ns() - entry.stat().st_mtime_ns < DAY_NS, "read today: used today"
    an_hour_ago = time.time_ns() - DAY_NS // 24
    os.utime(entry, ns=(an_hour_ago, an_hour_ago))
    assert store.read("k" * 64) == b"payload"
    assert entry.stat().st_mtime_ns == an_hour_ago, "used within the day: not written to again"
    entry.write_bytes(entry.read_bytes()[:-1] + b"X")  # a broken seal is no use
    os.utime(entry, ns=(two_days_ago, two_days_ago))
    assert store.read("k" * 64) is None and entry.stat().st_mtime_ns == two_days_ago


def test_a_run_sweeps_its_cache_to_the_configured_size_and_keeps_what_it_used(tmp_path: Path) -> None:
    project = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", project)
    (project / ".git").mkdir()
    (project / "wa-lint.toml").write_text("cache-max-mb = 1\n")
    runner = CliRunner()
    first = runner.invoke(main, ["check", str(project), "--output-format", "concise"])
    folder = project / ".wa_lint_cache"
    used = sorted(p for p in folder.rglob("*.json") if p.is_file())
    assert used, "the first run filled the cache"
    # An entry of an earlier wa-lint, used long ago, that takes the cache over its megabyte.
    stale = _entry(folder / "facts", 1, 2 * 1024 * 1024, age_days=40, now_ns=time.time_ns())
    os.utime(folder / SWEEP_STAMP, ns=(0, 0))
    (project / "src" / "orders" / "get_order.py").write_text(
        (project / "src" / "orders" / "get_order.py").read_text() + "\n# touched\n")
    second = runner.invoke(main, ["check", str(project), "--output-format", "concise"])
    assert second.exit_code == first.exit_code == 1
    assert not stale.exists()
    assert all(path.exists() for path in used if "runs" not in path.parts and "printed" not in path.parts), \
        "what the run used is kept"
    assert second.output.splitlines()[:-1] == first.output.splitlines()[:-1]


def test_the_cache_size_decides_no_finding_so_it_is_not_in_the_run_memo_key(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    small, large = Run([tmp_path], Config(cache_max_mb=1)), Run([tmp_path], Config(cache_max_mb=4096))
    assert small.memo_key == large.memo_key
    assert small.memo_key != Run([tmp_path], Config(max_python_lines=5)).memo_key


def test_a_cache_size_under_one_megabyte_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "wa-lint.toml").write_text("cache-max-mb = 0\n")
    result = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 2 and "cache-max-mb" in result.output


@pytest.mark.skipif(not cache_sweep._BY_DESCRIPTOR, reason="this system removes files by path")
def test_a_store_folder_swapped_for_a_link_while_it_is_swept_is_not_followed(tmp_path: Path) -> None:
    folder = _cache(tmp_path)
    entry = _entry(folder / "facts", 1, 1000, age_days=3)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    precious = _entry(elsewhere, 1, 1000, age_days=3)  # the same name, outside the cache
    (store,) = [store for store in cache_sweep._stores(str(folder)) if store.path.endswith("facts")]
    try:
        (folder / "facts").rename(tmp_path / "facts-moved")
        (folder / "facts").symlink_to(elsewhere, target_is_directory=True)
        assert store.remove(entry.name) == "removed"
    finally:
        store.close()
    assert precious.exists() and not (tmp_path / "facts-moved" / entry.name).exists()
