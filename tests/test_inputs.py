"""The record of what a run read: an absent path is vouched for by its folder's status only when that
folder's status is recorded, and nothing a run asks about is lost in the record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import later

from wa_lint.inputs import Inputs


def _stored(inputs: Inputs) -> object:
    """The record as an entry holds it (JSON: a status is a list)."""
    return json.loads(json.dumps(inputs.encode()))


def _recorded(*paths: Path) -> Inputs:
    inputs = Inputs()
    for path in paths:
        inputs.note(path)
    return inputs


def test_an_unchanged_record_reads_the_same(tmp_path, trusted) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    inputs = _recorded(tmp_path, tmp_path / "app.py", tmp_path / "requirements.txt", tmp_path / "pkg" / "mod.py")
    now = Inputs.read_now(_stored(inputs))
    assert now is not None and now.paths == inputs.paths


def test_a_file_created_in_a_recorded_folder_changes_the_folder(tmp_path, trusted) -> None:
    inputs = _recorded(tmp_path, tmp_path / "requirements.txt")
    (tmp_path / "requirements.txt").write_text("boto3\n")
    later(tmp_path)
    assert Inputs.read_now(_stored(inputs)) is None


def test_a_file_created_where_no_folder_status_is_recorded_is_seen_by_its_own(tmp_path, trusted) -> None:
    # The folder exists but is not recorded: its status covers nothing, so the absent file is asked again
    # (also when the run's own statuses are given: they hold nothing of it).
    (tmp_path / "lib").mkdir()
    inputs = _recorded(tmp_path / "lib" / "helpers.py")
    (tmp_path / "lib" / "helpers.py").write_text("")
    assert Inputs.read_now(_stored(inputs)) is None
    assert Inputs.files_changed_now(_stored(inputs), 4, Inputs()) is None


def test_absent_folders_are_recorded_before_what_they_would_hold(tmp_path, trusted) -> None:
    inputs = _recorded(tmp_path, tmp_path / "a" / "b" / "c.py")
    assert list(inputs.paths) == [str(tmp_path), str(tmp_path / "a"), str(tmp_path / "a" / "b"),
                                  str(tmp_path / "a" / "b" / "c.py")]
    (tmp_path / "a" / "b").mkdir(parents=True)
    later(tmp_path)
    assert Inputs.read_now(_stored(inputs)) is None


def test_an_import_a_thousand_names_deep_is_recorded(tmp_path, trusted) -> None:
    # `import a.a.a...`: the module file asked for lies below as many absent folders (and past PATH_MAX).
    deep = tmp_path.joinpath(*["a"] * 3000) / "mod.py"
    inputs = _recorded(deep)
    assert len(inputs.paths) == 3001
    assert Inputs.read_now(_stored(inputs)) is not None
    (tmp_path / "a").mkdir()
    assert Inputs.read_now(_stored(inputs)) is None


def test_a_record_read_back_is_worth_storing_again_once_enough_paths_are_vouched_for_by_contents(
        tmp_path, monkeypatch) -> None:
    from wa_lint import inputs

    files = []
    for index in range(inputs.STORE_AGAIN_AFTER):
        files.append(tmp_path / f"file{index}.txt")
        files[-1].write_text("just written: too recent to trust by its status alone")
    one, every = _recorded(files[0]), _recorded(*files)
    assert all(digest for _, digest in every.paths.values()), "racy: kept with their digests"
    monkeypatch.setattr(inputs, "RACY_MARGIN_NS", 0)  # read back seconds later: the statuses have aged
    one_now, every_now = Inputs.read_now(_stored(one)), Inputs.read_now(_stored(every))
    assert one_now is not None and every_now is not None
    assert not any(digest for _, digest in every_now.paths.values())
    # One file's bytes compared on each look-up cost less than writing the entry again; many do not.
    assert (one_now.rewritten, every_now.rewritten) == (False, True)
    files.append(tmp_path / "large.txt")
    files[-1].write_bytes(b"x" * 65536 * inputs.STORE_AGAIN_AFTER)
    monkeypatch.setattr(inputs, "RACY_MARGIN_NS", 2_000_000_000)
    large = _recorded(files[-1])
    monkeypatch.setattr(inputs, "RACY_MARGIN_NS", 0)
    large_now = Inputs.read_now(_stored(large))
    assert large_now is not None and large_now.rewritten, "a large file counts once per 64 KiB read"


def _varied_record(tmp_path: Path) -> Inputs:
    """A record with every kind of path: folders (one listed), files, absent paths asked again and
    vouched for, and racy ones kept with their digests."""
    import os

    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "handler.py").write_text("x = 1\n")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "util.py").write_text("y = 2\n")
    inputs = Inputs()
    inputs.note(tmp_path / "lib" / "util.py")  # its folder not recorded before it
    inputs.note(tmp_path / "lib" / "absent.py")  # asked again: no folder vouches for it
    inputs.note(tmp_path)
    inputs.note(tmp_path / "app")
    with os.scandir(tmp_path / "app") as entries:
        inputs.note_listing(str(tmp_path / "app"), entries)
    inputs.note(tmp_path / "app" / "handler.py")
    inputs.note(tmp_path / "app" / "pkg" / "mod.py")  # vouched for by app's status
    return inputs


def test_a_stored_record_decodes_to_what_was_recorded(tmp_path) -> None:
    recorded = _varied_record(tmp_path)
    assert any(digest for _, digest in recorded.paths.values()), "just written: racy, with digests"
    decoded = Inputs.decode(_stored(recorded))
    assert list(decoded.paths.items()) == list(recorded.paths.items()), "every path, in order"
    assert decoded.listings == recorded.listings


def test_an_unchanged_record_reads_alike_at_once_and_path_by_path(tmp_path, monkeypatch) -> None:
    # An unchanged record is checked in one sweep (its statuses from the file system, or from `known`);
    # the path-by-path check, which says what changed otherwise, must give the same record: statuses,
    # aged digests, listings, order.
    from wa_lint import inputs
    from wa_lint.inputs import _Stored, current_stamp

    stored = _stored(_varied_record(tmp_path))
    for margin in (inputs.RACY_MARGIN_NS, 0):  # racy still, then aged
        monkeypatch.setattr(inputs, "RACY_MARGIN_NS", margin)
        monkeypatch.setattr(inputs, "STORE_AGAIN_AFTER", 2)
        at_once, by_path = Inputs.files_changed_now(stored, 0), Inputs._changes_now(_Stored.decode(stored), 0,
                                                                                   current_stamp)
        with_known = Inputs.files_changed_now(stored, 0, Inputs())  # nothing known: asked one by one
        assert at_once is not None and by_path is not None and with_known is not None
        assert list(with_known[0].paths.items()) == list(at_once[0].paths.items())
        assert list(at_once[0].paths.items()) == list(by_path[0].paths.items())
        assert at_once[0].listings == by_path[0].listings == {str(tmp_path / "app"): by_path[0].listings[
            str(tmp_path / "app")]}
        assert at_once[0].rewritten == by_path[0].rewritten == (margin == 0)


def test_a_racy_file_rewritten_in_place_is_a_changed_file(tmp_path) -> None:
    recorded = _varied_record(tmp_path)
    handler = str(tmp_path / "app" / "handler.py")
    stamp, _ = recorded.paths[handler]
    recorded.paths[handler] = (stamp, "0" * 64)  # its status as it is, its bytes as they were not
    assert Inputs.read_now(_stored(recorded)) is None
    now = Inputs.files_changed_now(_stored(recorded), 1)
    assert now is not None and now[1] == [handler]


@pytest.mark.parametrize("damage", [
    lambda value: value.pop(),  # four columns
    lambda value: value[0].append(7),  # a path that is no text
    lambda value: value.__setitem__(1, value[1][:-1]),  # a path without its kind
    lambda value: value.__setitem__(1, value[1].replace("a", "x", 1)),  # no such kind
    lambda value: value[2].__setitem__(0, True),  # a status that is no integer
    lambda value: value[2].pop(),  # a status of four integers
    lambda value: value[3].extend([99, "0" * 64]),  # a digest of no path
    lambda value: value[4].append(0),  # a listing without its text
])
def test_a_misshapen_record_is_refused(tmp_path, damage) -> None:
    value = _stored(_varied_record(tmp_path))
    damage(value)
    with pytest.raises((TypeError, ValueError)):
        Inputs.files_changed_now(value, 0)
    with pytest.raises((TypeError, ValueError)):
        Inputs.decode(value)


def test_a_changed_file_is_found_asking_each_path_once(tmp_path, monkeypatch) -> None:
    # The one sweep that finds the record changed has taken every status: the path-by-path check that
    # says what changed uses them instead of asking again (a touched run paid each `stat` twice).
    import os

    recorded = _varied_record(tmp_path)
    stored = _stored(recorded)
    handler = tmp_path / "app" / "handler.py"
    handler.write_text("x = 2\n")
    later(handler)
    asked: list[str] = []
    real_stat = os.stat

    def counted(path, *args, **kwargs):
        asked.append(os.fspath(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", counted)
    now = Inputs.files_changed_now(stored, 4)
    monkeypatch.undo()
    assert now is not None and now[1] == [str(handler)]
    assert asked and len(asked) == len(set(asked)), "each path asked once"
