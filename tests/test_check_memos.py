"""What a rule remembers for the run is remembered per subject: tables a rule builds once per template
must not leak into another template's verdicts."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import FIXTURES

from wa_lint.config import Config
from wa_lint.pipeline import run


def _findings(root: Path, code: str) -> list[tuple[str, int, str]]:
    result = run([root], Config(select=(code,)), use_cache=False)
    return sorted((f.span.path.relative_to(root).as_posix(), f.span.line, f.message) for f in result.findings)


def test_rel007s_websocket_apis_are_each_templates_own(tmp_path: Path) -> None:
    """The bad templates (no WebSocket API) are checked first; the good ones' WebSocket route functions
    must still be recognised as such."""
    case = FIXTURES / "REL007-api-timeout-over-integration-limit"
    for name, side in (("a", "bad"), ("b", "good")):
        shutil.copytree(case / side, tmp_path / name)
        (tmp_path / name / "expected.json").unlink(missing_ok=True)
    (tmp_path / ".git").mkdir()
    alone = _findings(tmp_path / "a", "REL007")
    assert alone, "the bad side has findings"
    assert _findings(tmp_path, "REL007") == [(f"a/{path}", line, message) for path, line, message in alone]


def test_the_walks_the_checks_shared_are_let_go_after_them_and_the_same_when_asked_again(tmp_path: Path) -> None:
    from wa_lint.analyse.python.callgraph import ModuleIndex, taint_walk

    project_folder = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", project_folder)
    project = run([project_folder], Config(), use_cache=False).project
    index = ModuleIndex.of(project)
    assert project.entries and not index.walks and not index.callees, "nothing of the checks' walks is held"
    walked = [[(node, live, path) for _, node, live, path in taint_walk(project, entry)] for entry in project.entries]
    assert any(len(walk) > 1 for walk in walked), "the demo's handlers call helpers"
    index.walks.clear()
    index.callees.clear()
    assert walked == [[(node, live, path) for _, node, live, path in taint_walk(project, entry)]
                      for entry in project.entries], "worked out again, a walk is the same"


def test_each_entry_is_walked_once_though_the_walks_are_let_go_before_the_template_rules(
        tmp_path: Path, monkeypatch) -> None:
    from wa_lint.analyse.python import callgraph

    walked: list[int] = []
    real = callgraph._taint_walk

    def counting(project, entry):
        walked.append(id(entry))
        return real(project, entry)

    monkeypatch.setattr(callgraph, "_taint_walk", counting)
    project_folder = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", project_folder)
    result = run([project_folder], Config(select=("ALL",), preview=True), use_cache=False)
    assert {"PERF101", "PERF201", "COST101"} <= result.enabled, "rules that walk, by entry, table and project"
    assert walked and len(walked) == len(set(walked)), "no entry's walk is worked out twice"
