"""The facts cache: warm runs skip parsing, entries are never stale, never pickles, never half-written."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES

from wa_lint.analyse.cache import FactsCache, _seal, analysis_fingerprint
from wa_lint.analyse.python.workers import Outcome, analyse_all
from wa_lint.config import Config
from wa_lint.pipeline import Run


def run(root: Path, **options):
    return Run([root], Config(), **{"use_memo": False, **options}).execute()


def _payload(entry: Path) -> bytes:
    """An entry's JSON, after the line that seals it."""
    return entry.read_bytes().split(b"\n", 1)[1]


def _write_sealed(cache: FactsCache, raw: bytes, entry: Path, payload: bytes) -> None:
    """Write an edited entry with a valid seal, so what is tested is the decoder behind the seal."""
    key = cache.key(Path("m.py"), raw)
    entry.write_bytes(_seal(key, payload) + b"\n" + payload)


def test_warm_run_reads_facts_from_the_cache_with_identical_results(tmp_path: Path) -> None:
    project = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", project)
    (project / ".git").mkdir()
    cold_run = Run([project], Config(), use_memo=False)
    cold = cold_run.execute()
    assert cold_run.cache.misses == 6 and cold_run.cache.hits == 0
    warm_run = Run([project], Config(), use_memo=False)
    warm = warm_run.execute()
    assert warm_run.cache.hits == 6 and warm_run.cache.misses == 0
    assert [(f.code, f.span, f.message) for f in warm.findings] == [(f.code, f.span, f.message) for f in cold.findings]
    assert (project / ".wa_lint_cache" / ".gitignore").read_text().splitlines()[-1] == "*"

    handler = project / "src" / "orders" / "get_order.py"
    handler.write_text(handler.read_text() + "\n# touched\n")
    touched_run = Run([project], Config(), use_memo=False)
    touched_run.execute()
    assert (touched_run.cache.hits, touched_run.cache.misses) == (5, 1), "only the edited file is analysed again"


def test_no_cache_writes_nothing(tmp_path: Path) -> None:
    project = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", project)
    (project / ".git").mkdir()
    run(project, use_cache=False)
    assert not (project / ".wa_lint_cache").exists()


def test_entries_round_trip_and_broken_or_hostile_entries_are_misses(tmp_path: Path) -> None:
    cache = FactsCache(tmp_path / "cache", analysis_fingerprint())
    raw = b"import os\nfrom . import x as y\ndef handler(event, context):\n    return 1\n"
    (outcome,) = analyse_all([(Path("m.py"), raw)], jobs=1)
    cache.put(Path("m.py"), raw, outcome)
    assert cache.get(Path("m.py"), raw) == outcome
    assert cache.get(Path("other.py"), raw) is None, "the path is part of the key"
    entry = next((tmp_path / "cache").rglob("*.json"))
    text = _payload(entry).decode()
    assert "pickle" not in text and isinstance(json.loads(text), list)
    _write_sealed(cache, raw, entry, text[: len(text) // 2].encode())
    assert cache.get(Path("m.py"), raw) is None
    _write_sealed(cache, raw, entry, json.dumps({"__dc__": "os:system", "fields": {}}).encode())
    assert cache.get(Path("m.py"), raw) is None, "an entry cannot name what is built"
    assert not [p for p in (tmp_path / "cache").rglob(".tmp-*")], "no temporary files left behind"


def test_fingerprint_changes_with_salt() -> None:
    assert analysis_fingerprint("a") != analysis_fingerprint("b")


def test_fingerprint_covers_the_python_that_parses_and_every_analysis_file(monkeypatch, tmp_path: Path) -> None:
    import sys

    from wa_lint.analyse import cache

    before = analysis_fingerprint()
    monkeypatch.setattr(sys, "version", sys.version + " (another build)")
    assert analysis_fingerprint() != before, "another interpreter parses with another grammar"
    monkeypatch.undo()
    # A collector nested anywhere under analyse/ counts, not only the top folder.
    package = tmp_path / "analyse"
    (package / "python" / "deeper").mkdir(parents=True)
    (package / "cache.py").write_text("")
    monkeypatch.setattr(cache, "__file__", str(package / "cache.py"))
    first = analysis_fingerprint()
    (package / "python" / "deeper" / "collector.py").write_text("x = 1\n")
    assert analysis_fingerprint() != first


def test_concurrent_runs_share_the_cache_safely(tmp_path: Path) -> None:
    import subprocess
    import sys

    project = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", project)
    (project / ".git").mkdir()
    command = [sys.executable, "-m", "wa_lint", str(project), "--isolated", "--output-format", "json"]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outputs = [process.communicate()[0] for process in runs]
    findings = [json.loads(output)["findings"] for output in outputs]
    assert all(f == findings[0] for f in findings) and findings[0]
    assert not list((project / ".wa_lint_cache").rglob(".tmp-*"))
    entries = list((project / ".wa_lint_cache").rglob("*.json"))
    kinds = [entry.relative_to(project / ".wa_lint_cache").parts[0] for entry in entries]
    others = ("templates", "fixes", "discovery", "runs", "printed", "launches", "fingerprints", "edit-checks")
    assert len([kind for kind in kinds if kind not in others]) == 6, "six files' facts"
    assert kinds.count("templates") == 1 and kinds.count("fixes") >= 1 and kinds.count("discovery") == 1
    assert kinds.count("runs") == 1 and kinds.count("edit-checks") <= 1  # the JSON report checks template fixes
    assert kinds.count("printed") == 1, "the four runs printed the same report, kept once"
    assert kinds.count("launches") == 1, "the same command, from the same folder in the same environment"
    assert all(json.loads(_payload(e)) for e in entries)


def test_warm_run_reads_templates_from_the_cache_and_an_edited_template_is_loaded_again(tmp_path: Path) -> None:
    project = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", project)
    (project / ".git").mkdir()
    cold_run = Run([project], Config(), use_memo=False)
    cold = cold_run.execute()
    assert cold_run.template_cache is not None
    assert (cold_run.template_cache.hits, cold_run.template_cache.misses) == (0, 1)
    warm_run = Run([project], Config(), use_memo=False)
    warm = warm_run.execute()
    assert warm_run.template_cache is not None
    assert (warm_run.template_cache.hits, warm_run.template_cache.misses) == (1, 0)
    key = [(f.code, f.span, f.message, f.fix) for f in cold.findings]
    assert [(f.code, f.span, f.message, f.fix) for f in warm.findings] == key
    # The cached document keeps every position: the models agree to the column and character offset.
    cold_template, warm_template = cold.project.templates[0], warm.project.templates[0]
    assert repr(_positions(warm_template.data)) == repr(_positions(cold_template.data))

    template = project / "template.yaml"
    template.write_text(template.read_text().replace("Timeout: 10", "Timeout: 11", 1))
    edited_run = Run([project], Config(), use_memo=False)
    edited_run.execute()
    assert edited_run.template_cache is not None
    assert (edited_run.template_cache.hits, edited_run.template_cache.misses) == (0, 1)
    assert edited_run.execute().project.templates[0].text == template.read_text()


def _positions(node: object) -> object:
    """A node tree with every position it carries (node, keys, bare values)."""
    if isinstance(node, dict):
        return (getattr(node, "pos", None), sorted(getattr(node, "key_spans", {}).items()),
                sorted(getattr(node, "value_spans", {}).items()), [(k, _positions(v)) for k, v in node.items()])
    if isinstance(node, list):
        return (getattr(node, "pos", None), sorted(getattr(node, "value_spans", {}).items()),
                [_positions(v) for v in node])
    return (type(node).__name__, node, getattr(node, "pos", None))


def test_no_cache_reads_and_writes_no_template_entry(tmp_path: Path) -> None:
    project = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", project)
    (project / ".git").mkdir()
    lint = Run([project], Config(), use_cache=False)
    lint.execute()
    assert lint.template_cache is None and not (project / ".wa_lint_cache").exists()


def test_facts_of_every_fixture_round_trip(tmp_path: Path) -> None:
    """The facts' annotations match what analysis records: a mismatch would make every entry a miss."""
    cache = FactsCache(tmp_path / "cache", analysis_fingerprint())
    sources = [(path, path.read_bytes()) for path in sorted(FIXTURES.rglob("*.py"))]
    outcomes = analyse_all(sources, jobs=1)
    assert sum(outcome.kind == "ok" for outcome in outcomes) > 50
    for (path, raw), outcome in zip(sources, outcomes, strict=True):
        cache.put(path, raw, outcome)
        assert cache.get(path, raw) == outcome, path


def _cached_entry(tmp_path: Path) -> tuple[FactsCache, bytes, Path, list]:
    cache = FactsCache(tmp_path / "cache", analysis_fingerprint())
    raw = (b"import boto3\nfrom . import x as y\nCACHE = {}\nclass Repo:\n    pass\n"
           b"def handler(event, context):\n    CACHE[event['id']] = boto3.client('s3').get_object(Bucket='b')\n")
    (outcome,) = analyse_all([(Path("m.py"), raw)], jobs=1)
    assert outcome.kind == "ok"
    cache.put(Path("m.py"), raw, outcome)
    entry = next((tmp_path / "cache").rglob("*.json"))
    return cache, raw, entry, json.loads(_payload(entry))


def _replaced(value: list, at: tuple, new: object) -> list:
    copy = json.loads(json.dumps(value))
    parent = copy
    for step in at[:-1]:
        parent = parent[step]
    parent[at[-1]] = new
    return copy


# Positions in an Outcome entry: [facts, kind, message, line, column]; facts[1] is ModuleFacts.functions,
# whose "handler" is a FunctionFacts, [2] of which is its Location [line, column, end_line, end_column].
LOCATION = (0, 1, "handler", 2)


@pytest.mark.parametrize("shape", ["wrong arity", "wrong type", "bool for int", "float", "null for a record",
                                   "dict for a list", "deep", "huge int", "not utf-8", "old format",
                                   "ok without facts", "facts of a failure"])
def test_misshapen_entries_are_misses(tmp_path: Path, shape: str) -> None:
    cache, raw, entry, value = _cached_entry(tmp_path)
    location = value[0][1]["handler"][2]
    assert isinstance(location, list) and len(location) == 4
    text = json.dumps(value)
    hostile = {
        "wrong arity": lambda: json.dumps(_replaced(value, LOCATION, location + [1])),
        "wrong type": lambda: json.dumps(_replaced(value, (*LOCATION, 0), "1")),
        "bool for int": lambda: json.dumps(_replaced(value, (*LOCATION, 0), True)),
        "float": lambda: json.dumps(_replaced(value, (*LOCATION, 0), 1.0)),
        "null for a record": lambda: json.dumps(_replaced(value, LOCATION, None)),
        "dict for a list": lambda: json.dumps(_replaced(value, LOCATION, dict(enumerate(location)))),
        "deep": lambda: "[" * 100_000 + "]" * 100_000,
        "huge int": lambda: text.replace(json.dumps(location), json.dumps(location).replace("[", "[" + "9" * 5000, 1)),
        "not utf-8": lambda: text.replace('"m.py"', '"m\\u00ff.py"').replace("\\u00ff", "\udcff"),
        "old format": lambda: json.dumps({"__dc__": "wa_lint.analyse.python.workers:Outcome", "fields": {}}),
        "ok without facts": lambda: json.dumps(_replaced(value, (0,), None)),
        "facts of a failure": lambda: json.dumps(_replaced(value, (1,), "parse")),
    }[shape]()
    assert hostile != text
    _write_sealed(cache, raw, entry, hostile.encode("utf-8", "surrogateescape"))
    assert cache.get(Path("m.py"), raw) is None


def test_no_edit_of_an_entry_raises_or_builds_anything_but_an_outcome(tmp_path: Path) -> None:
    cache, raw, entry, value = _cached_entry(tmp_path)

    def positions(node: object, at: tuple = ()) -> list[tuple]:
        inner = enumerate(node) if isinstance(node, list) else node.items() if isinstance(node, dict) else ()
        return [at] + [found for key, item in inner for found in positions(item, (*at, key))]

    replacements = [None, True, 0, -1, 1.5, "", "x", [], [0], {}, {"k": 1}, [[]], ["a", "b"]]
    chooser = random.Random(6)
    for at in positions(value)[1:]:
        _write_sealed(cache, raw, entry, json.dumps(_replaced(value, at, chooser.choice(replacements))).encode())
        result = cache.get(Path("m.py"), raw)
        assert result is None or isinstance(result, Outcome), at


def test_the_cache_sits_with_the_project_linted_wherever_the_command_runs(tmp_path: Path, monkeypatch) -> None:
    # No git work tree anywhere: `wa-lint app` from app's parent puts the cache in app, not in the parent.
    parent = tmp_path / "apps"
    app = parent / "demo"
    shutil.copytree(FIXTURES / "demo", app)
    monkeypatch.chdir(parent)
    lint = Run([Path("demo")], Config())
    lint.execute()
    assert lint.cache is not None and lint.cache.folder == app.resolve() / ".wa_lint_cache"
    assert (app / ".wa_lint_cache" / ".gitignore").is_file()
    assert not (parent / ".wa_lint_cache").exists(), "nothing written in the folder the command ran from"
    # Files named one by one (a pre-commit hook's staged files): their common folder.
    lint = Run([Path("demo/template.yaml"), Path("demo/src/orders/get_order.py")], Config())
    lint.execute()
    assert lint.cache is not None and lint.cache.folder == app.resolve() / ".wa_lint_cache"
    # In a git work tree: its root, from wherever it is linted.
    (parent / ".git").mkdir()
    monkeypatch.chdir(app / "src")
    lint = Run([Path("orders")], Config())
    lint.execute()
    assert lint.cache is not None and lint.cache.folder == parent.resolve() / ".wa_lint_cache"
    assert (parent / ".wa_lint_cache" / ".gitignore").is_file() and not (app / "src" / ".wa_lint_cache").exists()


def test_warm_run_takes_fixes_from_the_cache_and_damaged_fix_entries_are_misses(tmp_path: Path) -> None:
    from wa_lint.cache_store import seal
    from wa_lint.fix.cache import FixCache

    project = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", project)
    (project / ".git").mkdir()
    truth = [(f.code, f.span, f.message, f.fix) for f in run(project, use_cache=False).findings]
    assert any(fix for *_, fix in truth), "the demo has fixable findings"

    def warm() -> tuple[list[tuple], FixCache]:
        lint = Run([project], Config(), use_memo=False)
        result = lint.execute()
        cache = result.project.lookups["fix-cache"]
        assert isinstance(cache, FixCache)
        return [(f.code, f.span, f.message, f.fix) for f in result.findings], cache

    cold, cache = warm()
    assert cold == truth and cache.hits == 0 and cache.misses >= 2
    again, cache = warm()
    assert again == truth and cache.misses == 0 and cache.hits >= 2, "fixes and no-fix reasons both cached"
    entries = sorted((project / ".wa_lint_cache" / "fixes").rglob("*.json"))
    fixed = [e for e in entries if b'"fix"' in e.read_bytes()]
    assert fixed
    hostile = [["fix", "t", "safe", [[0, 10**9, "x", 1, 1, 1, 1]]],  # an edit past the end of the file
               ["fix", "t", "always", []], ["fix", "t", "safe", [[0, 1, 2, 1, 1, 1, 1]]], ["not", 3], {}, []]
    for payload in hostile:
        entry = fixed[0]
        key = entry.name.removesuffix(".json")
        body = json.dumps(payload).encode()
        entry.write_bytes(seal(key, body) + b"\n" + body)
        damaged, cache = warm()
        assert damaged == truth and cache.misses == 1, payload


def test_a_code_fingerprint_covers_the_files_named_beside_the_package(tmp_path: Path) -> None:
    from wa_lint.cache_store import code_fingerprint

    package, elsewhere = tmp_path / "fix", tmp_path / "report" / "findings.py"
    package.mkdir()
    elsewhere.parent.mkdir()
    (package / "apply.py").write_text("x = 1\n")
    elsewhere.write_text("class Fix: ...\n")
    first = code_fingerprint(package, b"v1", files=(elsewhere,))
    assert code_fingerprint(package, b"v1") != first, "the named file counts"
    elsewhere.write_text("class Fix:\n    title = ''\n")
    assert code_fingerprint(package, b"v1", files=(elsewhere,)) != first, "a change to it invalidates entries"


def test_a_kept_code_fingerprint_holds_only_while_every_file_keeps_its_status(tmp_path: Path, monkeypatch) -> None:
    from wa_lint import inputs
    from wa_lint.cache_store import code_fingerprint

    package, cache = tmp_path / "pkg", tmp_path / ".wa_lint_cache"
    package.mkdir()
    (package / "a.py").write_text("x = 1\n")
    (package / "b.py").write_text("y = 2\n")
    just_written = code_fingerprint(package, b"v1", memo=cache)
    assert not (cache / "fingerprints").exists(), "statuses from the last 2 s vouch for nothing"
    monkeypatch.setattr(inputs, "RACY_MARGIN_NS", 0)  # as if the run came seconds later
    assert code_fingerprint(package, b"v1", memo=cache) == just_written == code_fingerprint(package, b"v1")
    real_read = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail(f"{self} was read"))
    assert code_fingerprint(package, b"v1", memo=cache) == just_written, "unchanged files are not read"
    monkeypatch.setattr(Path, "read_bytes", real_read)
    assert code_fingerprint(package, b"v2", memo=cache) == code_fingerprint(package, b"v2") != just_written
    (package / "a.py").write_text("x = 3\n")  # the same size: the times and the change time tell
    assert code_fingerprint(package, b"v1", memo=cache) == code_fingerprint(package, b"v1") != just_written


def test_an_entry_written_in_chunks_reads_back_whole_and_a_failing_chunk_leaves_nothing(tmp_path: Path) -> None:
    from wa_lint.cache_store import SealedStore, seal

    store = SealedStore(tmp_path / ".wa_lint_cache", "chunks")
    store.write_chunks("whole", iter([b'{"a":', b"[1,2]", b"}"]))
    assert store.read("whole") == b'{"a":[1,2]}'
    entry = Path(store.entries_folder) / "whole.json"
    assert entry.read_bytes() == seal("whole", b'{"a":[1,2]}') + b"\n" + b'{"a":[1,2]}', "as `write` seals it"

    def failing():
        yield b"[1,"
        raise TypeError("a value JSON cannot hold")

    store.write_chunks("broken", failing())
    store.write("whole", b"kept")
    store.write_chunks("whole", failing())  # an entry already there stays as it was
    assert store.read("broken") is None and store.read("whole") == b"kept"
    assert sorted(path.name for path in Path(store.entries_folder).iterdir()) == ["whole.json"], "no temporary left"
