"""The facts cache: warm runs skip parsing, entries are never stale, never pickles, never half-written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import FIXTURES
from wa_lint.cache import FactsCache, analysis_fingerprint
from wa_lint.config import Config
from wa_lint.engine import Run
from wa_lint.python.workers import analyse_all


def run(root: Path, **options):
    return Run([root], Config(), **options).execute()


def test_warm_run_reads_facts_from_the_cache_with_identical_results(tmp_path: Path) -> None:
    project = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", project)
    (project / ".git").mkdir()
    cold_run = Run([project], Config())
    cold = cold_run.execute()
    assert cold_run.cache.misses == 6 and cold_run.cache.hits == 0
    warm_run = Run([project], Config())
    warm = warm_run.execute()
    assert warm_run.cache.hits == 6 and warm_run.cache.misses == 0
    assert [(f.code, f.span, f.message) for f in warm.findings] == [(f.code, f.span, f.message) for f in cold.findings]
    assert (project / ".wa_lint_cache" / ".gitignore").read_text().splitlines()[-1] == "*"

    handler = project / "src" / "orders" / "get_order.py"
    handler.write_text(handler.read_text() + "\n# touched\n")
    touched_run = Run([project], Config())
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
    text = entry.read_text()
    assert "pickle" not in text and text.startswith("{")
    entry.write_text(text[: len(text) // 2])
    assert cache.get(Path("m.py"), raw) is None
    entry.write_text(json.dumps({"__dc__": "os:system", "fields": {}}))
    assert cache.get(Path("m.py"), raw) is None, "only wa-lint's own dataclasses are rebuilt"
    assert not [p for p in (tmp_path / "cache").rglob(".tmp-*")], "no temporary files left behind"


def test_fingerprint_changes_with_salt() -> None:
    assert analysis_fingerprint("a") != analysis_fingerprint("b")


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
    assert len(entries) == 6 and all(json.loads(e.read_text()) for e in entries)
