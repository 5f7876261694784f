"""A cold run's template entries, stored behind the run by a child, load as the parent alone loads them."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from conftest import FIXTURES

from wa_lint.config import Config
from wa_lint.load.template import written_behind
from wa_lint.pipeline import Run

BROKEN = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Fn: [unclosed\n"
# Passes the text test but is not a template once parsed: a verdict of its own.
NOT_A_TEMPLATE = "# AWSTemplateFormatVersion is only mentioned here\nname: a workflow\non: push\n"
# Files that parse: six apps' templates (byte-identical: one cache key for six), the broken template
# and the workflow.
PARSED = 8


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "apps"
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
def writers(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Writes deferred for the handful of templates here (on any machine: two CPUs, one thread); the
    writer children started, kept."""
    monkeypatch.setattr(written_behind, "TEMPLATES_PER_PROCESS", 2)
    monkeypatch.setattr(written_behind, "usable_cpus", lambda: 2)
    monkeypatch.setattr(written_behind, "single_threaded", lambda: True)
    started: list[object] = []
    real_start = written_behind.start

    def keeping(*args):
        child = real_start(*args)
        started.append(child)
        return child

    monkeypatch.setattr(written_behind, "start", keeping)
    return started


def test_a_cold_run_stores_its_templates_behind_and_reports_what_the_parent_alone_reports(tmp_path,
                                                                                          writers) -> None:
    project = _project(tmp_path)
    alone = _outcome(project, use_cache=False)
    findings, diagnostics, lint = _outcome(project)
    assert (findings, diagnostics) == alone[:2]
    assert any(f[0] == "WA001" and "broken" in f[1] for f in findings), "the broken template's error is kept"
    assert len(writers) == 1 and not writers[0].is_alive(), "one child stored the entries, and the run waited"
    cold = lint.template_cache
    assert cold is not None and (cold.hits, cold.misses) == (0, PARSED), "the parent parsed every template"
    again, _, warm = _outcome(project)
    assert again == findings and warm.template_cache is not None
    assert (warm.template_cache.hits, warm.template_cache.misses) == (PARSED, 0), "every verdict was stored"
    assert len(writers) == 1, "a run that finds its entries stores none"


def test_the_run_waits_for_a_slow_writer(tmp_path, writers, monkeypatch) -> None:
    project = _project(tmp_path)
    store = written_behind._store

    def slow(*args) -> None:
        time.sleep(1.0)  # longer than the stages that follow the load stage take here
        store(*args)

    monkeypatch.setattr(written_behind, "_store", slow)
    _outcome(project)
    assert len(writers) == 1 and writers[0].exitcode == 0, "the writer finished its work"
    _, _, warm = _outcome(project)
    assert warm.template_cache is not None and (warm.template_cache.hits, warm.template_cache.misses) == (PARSED, 0)


def test_a_writer_that_dies_leaves_its_entries_to_the_next_run(tmp_path, writers, monkeypatch) -> None:
    project = _project(tmp_path)
    alone = _outcome(project, use_cache=False)
    store = written_behind._store
    monkeypatch.setattr(written_behind, "_store", lambda *args: os._exit(3))
    findings, diagnostics, _ = _outcome(project)
    assert len(writers) == 1 and writers[0].exitcode == 3 and (findings, diagnostics) == alone[:2]
    monkeypatch.setattr(written_behind, "_store", store)
    again, _, next_run = _outcome(project)
    assert again == findings and next_run.template_cache is not None
    assert next_run.template_cache.misses == PARSED, "nothing was stored: parsed again"


def test_a_writer_past_its_time_is_ended(tmp_path, writers, monkeypatch) -> None:
    project = _project(tmp_path)
    alone = _outcome(project, use_cache=False)
    monkeypatch.setattr(written_behind, "_store", lambda *args: time.sleep(60))
    monkeypatch.setattr(written_behind, "LEAST_WAIT_SECONDS", 0.2)
    monkeypatch.setattr(written_behind, "SECONDS_PER_TEMPLATE_AT_MOST", 0.01)
    started = time.monotonic()
    findings, diagnostics, _ = _outcome(project)
    assert time.monotonic() - started < 30, "the run did not wait out the writer"
    assert len(writers) == 1 and not writers[0].is_alive() and (findings, diagnostics) == alone[:2]


def test_a_few_missing_entries_are_stored_by_the_parent_as_it_parses(tmp_path, monkeypatch) -> None:
    project = _project(tmp_path)
    monkeypatch.setattr(written_behind, "start", lambda *args: pytest.fail("a writer was started"))
    _, _, cold = _outcome(project)  # 8 missing entries, fewer than a child is worth
    _, _, warm = _outcome(project)
    # The six identical templates share an entry: stored at the first, read back at the others.
    assert cold.template_cache is not None and (cold.template_cache.hits, cold.template_cache.misses) == (5, 3)
    assert warm.template_cache is not None and (warm.template_cache.hits, warm.template_cache.misses) == (PARSED, 0)


def test_on_one_cpu_the_parent_stores_the_entries_as_it_parses(tmp_path, writers, monkeypatch) -> None:
    monkeypatch.setattr(written_behind, "usable_cpus", lambda: 1)
    project = _project(tmp_path)
    _, _, cold = _outcome(project)
    _, _, warm = _outcome(project)
    assert writers == [], "no child was started"
    assert cold.template_cache is not None and (cold.template_cache.hits, cold.template_cache.misses) == (5, 3)
    assert warm.template_cache is not None and (warm.template_cache.hits, warm.template_cache.misses) == (PARSED, 0)


def test_a_refused_fork_leaves_the_entries_to_the_parent(tmp_path, writers, monkeypatch) -> None:
    project = _project(tmp_path)
    alone = _outcome(project, use_cache=False)

    def refused(*args):
        raise OSError("Resource temporarily unavailable")

    monkeypatch.setattr(written_behind, "start", refused)
    findings, diagnostics, _ = _outcome(project)
    _, _, warm = _outcome(project)
    assert (findings, diagnostics) == alone[:2]
    assert warm.template_cache is not None and (warm.template_cache.hits, warm.template_cache.misses) == (PARSED, 0)


def test_beside_other_threads_the_parent_stores_the_entries_as_it_parses(tmp_path, writers, monkeypatch) -> None:
    monkeypatch.setattr(written_behind, "single_threaded", lambda: False)
    project = _project(tmp_path)
    _outcome(project)
    _, _, warm = _outcome(project)
    assert writers == [] and warm.template_cache is not None and warm.template_cache.misses == 0
