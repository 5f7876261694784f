"""Templates parsed ahead by forked children on a cold run load exactly as the parent alone loads them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES

from wa_lint.config import Config
from wa_lint.load.template import ahead
from wa_lint.pipeline import Run

BROKEN = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Fn: [unclosed\n"
# Passes the text test but is not a template once parsed: a verdict of its own.
NOT_A_TEMPLATE = "# AWSTemplateFormatVersion is only mentioned here\nname: a workflow\non: push\n"


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "apps"
    # Byte-identical templates (one cache key, six templates), so that a process's share holds several.
    for number in range(6):
        shutil.copytree(FIXTURES / "demo", project / f"app{number}")
    (project / "broken" / "template.yaml").parent.mkdir(parents=True)
    (project / "broken" / "template.yaml").write_text(BROKEN)
    (project / "workflow" / "template.yaml").parent.mkdir(parents=True)
    (project / "workflow" / "template.yaml").write_text(NOT_A_TEMPLATE)
    (project / ".git").mkdir()
    return project


def _outcome(project: Path, **options) -> tuple[list[tuple], list[tuple], Run]:
    lint = Run([project], Config(), **{"use_memo": False, **options})
    result = lint.execute()
    findings = [(f.code, str(f.span.path), f.span.line, f.span.column, f.message, f.resource)
                for f in result.findings]
    return findings, [(str(d.path), d.message) for d in result.diagnostics], lint


@pytest.fixture()
def parallel(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Three processes for the handful of templates here; the children started, counted."""
    monkeypatch.setattr(ahead, "TEMPLATES_PER_PROCESS", 2)
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    started: list[int] = []
    real_start = ahead.start

    def counting(*args):
        started.append(1)
        return real_start(*args)

    monkeypatch.setattr(ahead, "start", counting)
    return started


def test_a_cold_run_parsed_ahead_reports_what_the_parent_alone_reports(tmp_path, parallel) -> None:
    project = _project(tmp_path)
    alone = _outcome(project, use_cache=False)
    findings, diagnostics, lint = _outcome(project)
    assert len(parallel) == 2, "two children parsed a share each"
    assert (findings, diagnostics) == alone[:2]
    assert {f[1] for f in findings} >= {str(project / "app0" / "template.yaml"),
                                         str(project / "app1" / "template.yaml")}
    assert any(f[0] == "WA001" and "broken" in f[1] for f in findings), "the broken template's error is kept"
    # The parent parsed its share and read the children's entries back (8 files parse: 6 apps, the broken
    # template and the workflow); every verdict was stored, so the next run parses nothing.
    cold = lint.template_cache
    assert cold is not None and cold.hits > 0 and cold.hits + cold.misses == 8
    again, _, warm = _outcome(project)
    assert again == findings and warm.template_cache is not None
    assert (warm.template_cache.hits, warm.template_cache.misses) == (8, 0)


def test_a_child_that_dies_leaves_its_share_to_the_parent(tmp_path, parallel, monkeypatch) -> None:
    project = _project(tmp_path)
    alone = _outcome(project, use_cache=False)
    monkeypatch.setattr(ahead, "_parse_share", lambda *args: os._exit(3))
    findings, diagnostics, _ = _outcome(project)
    assert len(parallel) == 2 and (findings, diagnostics) == alone[:2]


def test_a_few_templates_are_parsed_by_the_parent_alone() -> None:
    per = ahead.TEMPLATES_PER_PROCESS
    assert [ahead.processes_for(n, 2) for n in (0, per - 1, per, 2 * per, 50 * per)] == [1, 1, 1, 2, 2]
    assert ahead.processes_for(50 * per, 4) == 4 and ahead.processes_for(50 * per, 1) == 1
