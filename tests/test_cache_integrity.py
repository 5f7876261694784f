"""The cache never changes what a run reports: every corrupted, swapped, special or misplaced entry is a
miss, and the findings of a warm run over a damaged cache equal those of a `--no-cache` run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES

from wa_lint.analyse import cache as cache_module
from wa_lint.config import Config
from wa_lint.pipeline import Run


def _findings(project: Path, **options) -> tuple[list[tuple], Run]:
    lint = Run([project], Config(), **{"use_memo": False, **options})
    result = lint.execute()
    return [(f.code, str(f.span), f.message) for f in result.findings], lint


@pytest.fixture()
def warm(tmp_path: Path):
    """The demo app with a cache written by a cold run; the findings a run without the cache gives."""
    project = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", project)
    (project / ".git").mkdir()
    truth, _ = _findings(project, use_cache=False)
    cold, _ = _findings(project)
    assert cold == truth and truth
    return project, truth


def _entries(project: Path) -> list[Path]:
    """The facts entries (walks and whole runs, which name files too, have folders of their own)."""
    return sorted((project / ".wa_lint_cache" / "facts").glob("*.json"))


def _entry_for(project: Path, name: str) -> Path:
    """The entry whose facts are those of the file `name`."""
    found = [entry for entry in _entries(project) if f"/{name}\"" in entry.read_text(errors="replace")]
    assert len(found) == 1, name
    return found[0]


def _shift_lines(node: object) -> object:
    """Every location one line down (a Location is written as [line, column, end_line, end_column])."""
    if isinstance(node, list):
        if len(node) == 4 and all(type(item) is int for item in node) and node[0] > 0:
            return [node[0] + 1, node[1], node[2] + 1, node[3]]
        return [_shift_lines(item) for item in node]
    if isinstance(node, dict):
        return {key: _shift_lines(item) for key, item in node.items()}
    return node


def _corrupt_line_numbers(entry: Path) -> None:
    seal, payload = entry.read_bytes().split(b"\n", 1)
    entry.write_bytes(seal + b"\n" + json.dumps(_shift_lines(json.loads(payload))).encode())


def _flip_three_bits(entry: Path) -> None:
    data = bytearray(entry.read_bytes())
    digits = [index for index in range(65, len(data)) if chr(data[index]).isdigit()]
    for index in digits[len(digits) // 4 :: max(1, len(digits) // 4)][:3]:
        data[index] ^= 1  # a digit stays a digit: the JSON still parses, with other numbers in it
    entry.write_bytes(bytes(data))


def _swap(first: Path, second: Path) -> None:
    one, two = first.read_bytes(), second.read_bytes()
    first.write_bytes(two)
    second.write_bytes(one)


def test_corrupted_entries_are_misses_and_change_no_finding(warm) -> None:
    project, truth = warm
    get_order, create_order = _entry_for(project, "get_order.py"), _entry_for(project, "create_order.py")
    _corrupt_line_numbers(get_order)
    _flip_three_bits(_entry_for(project, "nightly.py"))
    _swap(create_order, _entry_for(project, "list_orders.py"))
    findings, lint = _findings(project)
    assert findings == truth
    assert lint.cache.misses >= 3, "each damaged entry is analysed again"
    again, lint = _findings(project)
    assert again == truth and lint.cache.misses == 0, "the re-analysed entries replaced the damaged ones"


def test_an_entry_copied_over_another_files_entry_is_a_miss(warm) -> None:
    project, truth = warm
    get_order, create_order = _entry_for(project, "get_order.py"), _entry_for(project, "create_order.py")
    shutil.copyfile(get_order, create_order)
    findings, lint = _findings(project)
    assert findings == truth and lint.cache.misses == 1


@pytest.mark.parametrize("special", ["fifo", "dev-zero", "folder"])
def test_special_entries_neither_hang_nor_exhaust_memory(warm, special: str) -> None:
    project, truth = warm
    entry = _entry_for(project, "get_order.py")
    entry.unlink()
    if special == "fifo":
        os.mkfifo(entry)
    elif special == "dev-zero":
        entry.symlink_to("/dev/zero")
    else:
        entry.mkdir()  # the entry's name is taken: its write fails, and leaves no temporary file
    findings, lint = _findings(project)
    assert findings == truth and lint.cache.misses == 1
    assert not list((project / ".wa_lint_cache").rglob(".tmp-*")), "a failed write leaves nothing behind"


def test_a_symlinked_cache_folder_is_neither_read_nor_written(warm, tmp_path: Path) -> None:
    project, truth = warm
    elsewhere = tmp_path / "elsewhere"
    shutil.move(project / ".wa_lint_cache", elsewhere)
    (project / ".wa_lint_cache").symlink_to(elsewhere)
    before = sorted(p.name for p in elsewhere.rglob("*"))
    lint = Run([project], Config(), use_memo=False)
    result = lint.execute()
    assert [(f.code, str(f.span), f.message) for f in result.findings] == truth
    assert lint.cache.hits == 0, "nothing was read through the link"
    assert sorted(p.name for p in elsewhere.rglob("*")) == before, "nothing was written through it"
    assert any("symbolic link" in d.message for d in result.diagnostics)


def test_a_symlinked_entry_folder_is_neither_read_nor_written(warm, tmp_path: Path) -> None:
    project, truth = warm
    entry = _entry_for(project, "get_order.py")
    elsewhere = tmp_path / "elsewhere"
    shutil.move(entry.parent, elsewhere)
    entry.parent.symlink_to(elsewhere)
    findings, lint = _findings(project)
    assert findings == truth and lint.cache.misses >= 1
    assert not list(elsewhere.glob(".tmp-*")) and len(list(elsewhere.iterdir())) >= 1


def test_the_key_depends_on_the_parser_and_python_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    today = cache_module.analysis_fingerprint()
    assert cache_module.analysis_fingerprint() == today, "a pure function of what it depends on"
    monkeypatch.setattr(cache_module, "_parser_version", lambda: b"__version__ = version = '0.0.1'")
    assert cache_module.analysis_fingerprint() != today
    monkeypatch.undo()
    monkeypatch.setattr(sys, "version", sys.version + " (another build)")
    assert cache_module.analysis_fingerprint() != today


def test_the_key_depends_on_libcsts_version(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """libcst reads the PEP 701 f-strings Python 3.11's parser cannot: another libcst, another key."""
    version = tmp_path / "libcst" / "_version.py"
    version.parent.mkdir()
    version.write_text("__version__ = version = '1.9.0'\n")
    monkeypatch.setattr(cache_module, "library_files", lambda name, *patterns: [version] if name == "libcst" else [])
    before = cache_module.analysis_fingerprint()
    version.write_text("__version__ = version = '2.0.0'\n")
    assert cache_module.analysis_fingerprint() != before


def test_the_key_depends_on_the_analysis_codes_contents(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Same names, sizes and mtimes, other bytes: a different key (an edit within the same second)."""
    package = tmp_path / "analyse"
    (package / "python").mkdir(parents=True)
    module = package / "python" / "facts.py"
    module.write_text("A = 1\n")
    monkeypatch.setattr(cache_module, "__file__", str(package / "cache.py"))
    (package / "cache.py").write_text("")
    stat = module.stat()
    before = cache_module.analysis_fingerprint()
    module.write_text("A = 2\n")
    os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert cache_module.analysis_fingerprint() != before


# Loaded templates are cached too (`templates/`): the same guarantees.

def _template_entry(project: Path) -> Path:
    (entry,) = sorted((project / ".wa_lint_cache" / "templates").rglob("*.json"))
    return entry


def _reseal(project: Path, entry: Path, payload: bytes) -> None:
    """A payload sealed for the demo's template: what is tested is the decoder behind the seal."""
    from wa_lint.cache_store import seal
    from wa_lint.load.template.cache import TemplateCache

    template = project / "template.yaml"
    key = TemplateCache(project / ".wa_lint_cache").key(template, template.read_bytes())
    assert entry.name == f"{key}.json"
    entry.write_bytes(seal(key, payload) + b"\n" + payload)


def _shift_positions(node: object) -> object:
    if isinstance(node, list):
        if len(node) == 6 and all(type(item) is int for item in node):
            return [node[0] + 1, *node[1:]]
        return [_shift_positions(item) for item in node]
    return node


P = [1, 1, 1, 1, 0, 0]
HOSTILE_TEMPLATE_ENTRIES = [
    ["ok", "yaml", [1, P, [[5, P, 1]], []], []],  # a key that is not text
    ["ok", "yaml", [0, "x", *P], []],  # a document that is not a mapping
    ["ok", "yaml", [1, [1, "a", 1, 1, 0, 0], [], []], []],  # a position holding text
    ["ok", "yaml", [1, P, [["Resources", P, {"a": 1}]], []], []],  # a JSON object where a node belongs
    ["ok", "yaml", [1, P, [["Resources", P, [9, "x"]]], []], []],  # an unknown tag
    ["ok", "yaml", [1, P, [], [["k", [1, 2]]]], []],  # a short position
    ["ok", "yaml", [1, P, [], []], [[7, P]]],  # a problem whose message is not text
    ["ok", "python", [1, P, [], []], []],  # no such syntax
    ["error", "x"], ["error", "x", "1", 1], [], {"ok": 1}, "ok", 7, None,
]


@pytest.mark.parametrize("damage", ["shift", "flip", *range(len(HOSTILE_TEMPLATE_ENTRIES)), "deep"])
def test_damaged_or_hostile_template_entries_are_misses_and_change_no_finding(warm, damage) -> None:
    project, truth = warm
    entry = _template_entry(project)
    if damage == "shift":  # without a new seal
        _corrupt = _shift_positions(json.loads(entry.read_bytes().split(b"\n", 1)[1]))
        entry.write_bytes(entry.read_bytes().split(b"\n", 1)[0] + b"\n" + json.dumps(_corrupt).encode())
    elif damage == "flip":
        _flip_three_bits(entry)
    elif damage == "deep":
        _reseal(project, entry, b"[2," * 100_000 + b"0" + b"]" * 100_000)
    else:
        _reseal(project, entry, json.dumps(HOSTILE_TEMPLATE_ENTRIES[damage]).encode())
    findings, lint = _findings(project)
    assert findings == truth
    assert lint.template_cache is not None and (lint.template_cache.hits, lint.template_cache.misses) == (0, 1)
    again, lint = _findings(project)
    assert again == truth and lint.template_cache is not None and lint.template_cache.hits == 1


def test_a_symlinked_templates_folder_is_neither_read_nor_written(warm, tmp_path: Path) -> None:
    project, truth = warm
    folder = project / ".wa_lint_cache" / "templates"
    elsewhere = tmp_path / "elsewhere-templates"
    shutil.move(folder, elsewhere)
    folder.symlink_to(elsewhere)
    before = sorted(p.name for p in elsewhere.rglob("*"))
    findings, lint = _findings(project)
    assert findings == truth and lint.template_cache is not None and lint.template_cache.hits == 0
    assert sorted(p.name for p in elsewhere.rglob("*")) == before


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_cache_folder_the_repository_tracks_is_not_trusted(tmp_path: Path) -> None:
    # Keys are digests of what a file holds, which is no secret: a repository can ship an entry saying
    # its handler does nothing. Committed with `git add -f`, the cache folder is not used at all.
    from wa_lint.analyse.python.workers import analyse_all

    project = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", project)
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    truth, _ = _findings(project, use_cache=False)
    handler = project / "src" / "orders" / "get_order.py"
    assert any("get_order.py" in where for _, where, _ in truth)
    _, lint = _findings(project)
    (harmless,) = analyse_all([(handler, b"def lambda_handler(event, context):\n    return {}\n")], jobs=1)
    lint.cache.put(handler, handler.read_bytes(), harmless)  # the planted entry, sealed as ours are
    planted, _ = _findings(project)
    assert not any("get_order.py" in where for _, where, _ in planted), "an untracked cache is trusted"
    subprocess.run(["git", "-C", str(project), "add", "-f", ".wa_lint_cache"], check=True)
    shipped, lint = _findings(project)
    assert shipped == truth and lint.cache is None
    result = Run([project], Config()).execute()
    assert [d.kind for d in result.diagnostics if d.path == project / ".wa_lint_cache"] == ["warning"]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
@pytest.mark.parametrize("index", ["version 2", "version 4", "split"])
def test_a_tracked_cache_folder_is_seen_in_every_kind_of_git_index(tmp_path: Path, index: str) -> None:
    from wa_lint.cache_store import shipped_by_repository

    project = tmp_path / "app"
    (project / ".wa_lint_cache" / "ab").mkdir(parents=True)
    # A tracked name sharing the folder's prefix: version 4 then writes the entry as "/ab/k.json" after it.
    (project / ".wa_lint_cache.txt").write_text("")
    (project / "template.yaml").write_text("")
    git = ["git", "-C", str(project)]
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    subprocess.run([*git, "add", "."], check=True)
    if index == "version 4":
        subprocess.run([*git, "update-index", "--index-version", "4"], check=True)
    if index == "split":
        subprocess.run([*git, "update-index", "--split-index"], check=True)
    assert shipped_by_repository(project / ".wa_lint_cache") is None
    (project / ".wa_lint_cache" / "ab" / "k.json").write_text("{}")
    subprocess.run([*git, "add", "-f", ".wa_lint_cache/ab/k.json"], check=True)
    if index == "split":
        subprocess.run([*git, "update-index", "--split-index"], check=True)  # the entry moves to the shared index
    assert shipped_by_repository(project / ".wa_lint_cache") is not None
