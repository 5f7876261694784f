"""The record of what a run read: an absent path is vouched for by its folder's status only when that
folder's status is recorded, and nothing a run asks about is lost in the record."""

from __future__ import annotations

import json
from pathlib import Path

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
    # The folder exists but is not recorded: its status covers nothing, so the absent file is asked again.
    (tmp_path / "lib").mkdir()
    inputs = _recorded(tmp_path / "lib" / "helpers.py")
    (tmp_path / "lib" / "helpers.py").write_text("")
    assert Inputs.read_now(_stored(inputs)) is None


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
