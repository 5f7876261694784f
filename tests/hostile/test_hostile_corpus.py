"""wa-lint over the hostile corpus, as a user runs it: it finishes, explains every file it could not
read, never shows a traceback, never runs anything, and still lints the good files among them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PINNED_SELECT
from hostile_corpus import CORPUS, bind_socket, build, expectations


def _drop_root_read_override() -> list[str]:
    """As root, chmod 000 stops nothing: run without the capabilities that bypass file permissions."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: an unreadable file cannot be made")
    caps = "-dac_override,-dac_read_search"
    return [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}"]


def _wa_lint(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # The rule set is pinned: a new default rule must not change what this corpus expects.
    command = [*_drop_root_read_override(), sys.executable, "-m", "wa_lint", ".", "--isolated",
               "--select", PINNED_SELECT, *args]
    return subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory):
    target = tmp_path_factory.mktemp("hostile")
    root = build(target)
    listener = bind_socket(root / "app/src/sock.py")
    # Exclude patterns as hostile as the .gitignore ones: a reversed range, and ten `**` on a deep tree.
    excludes = ("--extend-exclude", "[z-a]", "--extend-exclude", "**/" * 10 + "never")
    report = _wa_lint(root, "--output-format", "json", *excludes)
    model = _wa_lint(root, "--output-format", "json", "--show-model", *excludes)
    listener.close()
    return target, root, report, model


def test_every_manifest_entry_names_a_corpus_file() -> None:
    for path, spec in expectations().items():
        assert spec.get("generated") or (CORPUS / path).is_file(), f"{path} is in expected.yaml but not in the corpus"
    committed = {p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*") if p.is_file()}
    described = {path for path in expectations()}
    assert committed - described == {"app/template.yaml", "good/src/app.py"} - described


def test_the_run_completes_without_traceback(corpus) -> None:
    _, _, report, model = corpus
    for done in (report, model):
        assert "Traceback" not in done.stdout + done.stderr, done.stderr
        assert done.stderr == ""
    assert report.returncode == 1  # findings
    assert model.returncode == 0
    document = json.loads(report.stdout)
    assert "WA002" not in document["summary"]["by_code"]


def test_each_file_gets_its_expected_diagnostic(corpus) -> None:
    _, _, report, _ = corpus
    document = json.loads(report.stdout)
    findings: dict[str, list[dict]] = {}
    for finding in document["findings"]:
        findings.setdefault(finding["path"], []).append(finding)
    notes: dict[str, list[str]] = {}
    for error in document["errors"]:
        notes.setdefault(error["path"], []).append(error["message"])
    problems = []
    for path, spec in expectations().items():
        got = findings.get(path, [])
        for want in spec.get("findings", []):
            if not any(f["code"] == want["code"] and f["line"] == want.get("line", f["line"])
                       and want.get("message", "") in f["message"] for f in got):
                problems.append(f"{path}: missing {want}; got {[(f['code'], f['line'], f['message']) for f in got]}")
        unexpected = {f["code"] for f in got} - {want["code"] for want in spec.get("findings", [])}
        if unexpected:
            problems.append(f"{path}: unexpected {sorted(unexpected)}")
        for fragment in spec.get("notes", []):
            if not any(fragment in note for note in notes.get(path, [])):
                problems.append(f"{path}: no note containing {fragment!r}; notes: {notes.get(path)}")
        if not spec.get("notes") and notes.get(path):
            problems.append(f"{path}: unexpected notes {notes[path]}")
    assert not problems, "\n".join(problems)
    assert len(document["errors"]) == len({(e["path"], e["message"]) for e in document["errors"]}), "one note each"


def test_the_good_files_are_still_analysed(corpus) -> None:
    _, _, _, model = corpus
    analysed = set(json.loads(model.stdout)["python_files"])
    wanted = {path for path, spec in expectations().items() if spec.get("analysed")}
    assert wanted <= analysed, wanted - analysed
    ignored = {path for path, spec in expectations().items() if spec.get("ignored")}
    assert not ignored & analysed, "git's patterns were honoured"


def test_nothing_was_written_through_the_symlinked_cache(corpus) -> None:
    target, _, _, _ = corpus
    assert not list((target / "outside" / "cache").iterdir())


def test_nothing_was_imported_executed_or_constructed(corpus) -> None:
    target, _, _, _ = corpus
    assert not list(target.rglob("HOSTILE-PWNED"))
    assert not Path("HOSTILE-PWNED").exists()
