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
