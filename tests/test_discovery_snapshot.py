"""Walk snapshots: an unchanged tree is not walked again, and no change a walk depends on goes unseen."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, later

from wa_lint import inputs
from wa_lint.cache_store import seal
from wa_lint.config import Config
from wa_lint.discover import walk
from wa_lint.discover.snapshot import DiscoveryCache
from wa_lint.discover.walk import discover
from wa_lint.inputs import Inputs
from wa_lint.pipeline import Run


def _tree(root: Path) -> Path:
    (root / "app" / "src").mkdir(parents=True)
    (root / "app" / "template.yaml").write_text("Resources: {}\n")
    (root / "app" / "src" / "handler.py").write_text("def handler(event, context):\n    return 1\n")
    (root / "build").mkdir()
    (root / "build" / "copy.py").write_text("")
    (root / ".gitignore").write_text("build/\n")
    return root


def _files(found: walk.Discovered) -> tuple[list[Path], list[Path]]:
    return sorted(found.templates), sorted(found.python)






def _walks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = walk._walk

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(walk, "_walk", counting)
    return calls


def test_an_unchanged_tree_is_not_walked_again_and_gives_the_same_files(tmp_path, monkeypatch, trusted) -> None:
    root = _tree(tmp_path / "project")
    cache = DiscoveryCache(root / ".wa_lint_cache")
    walks = _walks(monkeypatch)
    cold = discover([root], root, [], snapshots=cache)
    warm = discover([root], root, [], snapshots=cache)
    assert len(walks) == 1
    assert warm == cold == discover([root], root, [])
    assert _files(warm) == ([root / "app" / "template.yaml"], [root / "app" / "src" / "handler.py"])


def _changes(root: Path) -> dict[str, object]:
    def new_file() -> None:
        (root / "app" / "src" / "other.py").write_text("")
        later(root / "app" / "src")

    def removed_file() -> None:
        (root / "app" / "src" / "handler.py").unlink()
        later(root / "app" / "src")

    def new_folder() -> None:
        (root / "app" / "lib").mkdir()
        (root / "app" / "lib" / "shared.py").write_text("")
        later(root / "app")

    def gitignore_edited() -> None:
        (root / ".gitignore").write_text("other/\n")  # same size: the times and the inode's status tell

    def gitignore_added_below() -> None:
        (root / "app" / ".gitignore").write_text("src/\n")
        later(root / "app")

    return {"new file": new_file, "removed file": removed_file, "new folder": new_folder,
            "gitignore edited": gitignore_edited, "gitignore added below": gitignore_added_below}


@pytest.mark.parametrize("change", sorted(_changes(Path())))
def test_every_change_a_walk_depends_on_walks_again(tmp_path, trusted, change: str) -> None:
    root = _tree(tmp_path / "project")
    cache = DiscoveryCache(root / ".wa_lint_cache")
    discover([root], root, [], snapshots=cache)
    _changes(root)[change]()  # type: ignore[operator]
    assert _files(discover([root], root, [], snapshots=cache)) == _files(discover([root], root, []))


@pytest.mark.parametrize("replacement", ["file", "nothing"])
def test_a_given_folder_replaced_is_seen(tmp_path, trusted, replacement: str) -> None:
    root = _tree(tmp_path / "project")
    cache = DiscoveryCache(root / ".wa_lint_cache")
    given = [root / "app" / "src"]
    assert _files(discover(given, root, [], snapshots=cache))[1] == [root / "app" / "src" / "handler.py"]
    shutil.rmtree(root / "app" / "src")
    if replacement == "file":
        (root / "app" / "src").write_text("")
    found = discover(given, root, [], snapshots=cache)
    assert found == discover(given, root, [])
    assert found.python == [] and (found.missing == given) == (replacement == "nothing")


def test_a_given_file_replaced_by_a_folder_is_walked(tmp_path, trusted) -> None:
    root = _tree(tmp_path / "project")
    cache = DiscoveryCache(root / ".wa_lint_cache")
    given = [root / "app" / "template.yaml"]
    assert discover(given, root, [], snapshots=cache).templates == given
    (root / "app" / "template.yaml").unlink()
    (root / "app" / "template.yaml").mkdir()
    (root / "app" / "template.yaml" / "inner.yaml").write_text("")
    assert discover(given, root, [], snapshots=cache).templates == [root / "app" / "template.yaml" / "inner.yaml"]


def test_a_folder_changed_within_its_recorded_clock_tick_is_listed_again(tmp_path, monkeypatch) -> None:
    # Just written, the tree's statuses are too recent to trust: the snapshot keeps digests of the
    # listings, and a change that left a folder's status as it was is still seen.
    root = _tree(tmp_path / "project")
    cache = DiscoveryCache(root / ".wa_lint_cache")
    discover([root], root, [], snapshots=cache)
    recorded = {path: stamp for path, (stamp, _) in Inputs.decode(_entry(cache)["inputs"]).paths.items()}
    (root / "app" / "src" / "late.py").write_text("")
    real = inputs.current_stamp
    monkeypatch.setattr(inputs, "current_stamp",
                        lambda path: tuple(recorded[path]) if path in recorded else real(path))
    assert root / "app" / "src" / "late.py" in discover([root], root, [], snapshots=cache).python


def test_a_snapshot_trusted_later_is_stored_again_without_the_digests(tmp_path, monkeypatch) -> None:
    root = _tree(tmp_path / "project")
    cache = DiscoveryCache(root / ".wa_lint_cache")
    discover([root], root, [], snapshots=cache)
    assert all(digest for _, digest in Inputs.decode(_entry(cache)["inputs"]).paths.values())
    monkeypatch.setattr(inputs, "RACY_MARGIN_NS", 0)  # as if the run came seconds later
    monkeypatch.setattr(inputs, "STORE_AGAIN_AFTER", 1)  # the demo is small: every check by contents counts
    walks = _walks(monkeypatch)
    discover([root], root, [], snapshots=cache)
    assert walks == [] and not any(digest for _, digest in Inputs.decode(_entry(cache)["inputs"]).paths.values())


def _entry_file(cache: DiscoveryCache) -> Path:
    (entry,) = (cache.folder / "discovery").rglob("*.json")
    return entry


def _entry(cache: DiscoveryCache) -> dict:
    return json.loads(_entry_file(cache).read_bytes().split(b"\n", 1)[1])


@pytest.mark.parametrize("damage", [
    lambda entry: entry["inputs"][2].__setitem__(0, "1"),  # a status that is no number
    lambda entry: entry.__setitem__("inputs", "all"),
    lambda entry: entry["inputs"].__setitem__(3, [0, 7]),  # a digest that is no text
    lambda entry: entry["inputs"].__setitem__(1, entry["inputs"][1][1:]),  # a path without its kind
    lambda entry: entry["result"].__setitem__("python", [7]),
    lambda entry: entry["result"]["notes"].append(["only a path"]),
    lambda entry: entry.pop("result"),
])
def test_a_misshapen_entry_is_a_miss_and_the_tree_is_walked(tmp_path, monkeypatch, trusted, damage) -> None:
    root = _tree(tmp_path / "project")
    cache = DiscoveryCache(root / ".wa_lint_cache")
    expected = _files(discover([root], root, [], snapshots=cache))
    entry = _entry(cache)
    damage(entry)
    payload = json.dumps(entry).encode()
    key = _entry_file(cache).stem
    _entry_file(cache).write_bytes(seal(key, payload) + b"\n" + payload)
    walks = _walks(monkeypatch)
    assert _files(discover([root], root, [], snapshots=cache)) == expected
    assert walks == [1]


def test_settings_are_part_of_the_key(tmp_path, trusted) -> None:
    root = _tree(tmp_path / "project")
    cache = DiscoveryCache(root / ".wa_lint_cache")
    discover([root], root, [], snapshots=cache)
    assert _files(discover([root], root, ["app/src/"], snapshots=cache))[1] == []
    assert _files(discover([root / "app"], root, [], snapshots=cache))[0] == [root / "app" / "template.yaml"]


def test_a_run_finds_a_handler_added_after_a_warm_run(tmp_path: Path) -> None:
    project = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", project)
    (project / ".git").mkdir()
    Run([project], Config()).execute()
    assert Run([project], Config()).execute().stats.python_files == 6
    extra = project / "src" / "orders" / "extra"
    extra.mkdir()
    (extra / "handler.py").write_text("import boto3\n\ndef handler(event, context):\n    return boto3.client('s3')\n")
    later(project / "src" / "orders")
    assert Run([project], Config()).execute().stats.python_files == 7
