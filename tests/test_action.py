"""The GitHub Action (action.yml) and the GitLab CI template: their structure, and their scripts run as
the runners would run them (inputs as environment variables) against the demo app."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO

ACTION = yaml.safe_load((REPO / "action.yml").read_text())
STEPS: list[dict[str, Any]] = ACTION["runs"]["steps"]
GITLAB = yaml.safe_load((REPO / "ci/gitlab/wa-lint.gitlab-ci.yml").read_text())
_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="the scripts are bash")


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


def step(step_id: str) -> dict[str, Any]:
    return next(s for s in STEPS if s.get("id") == step_id or s.get("name") == step_id)


def test_the_action_is_a_well_formed_composite_action() -> None:
    assert ACTION["runs"]["using"] == "composite"
    for entry in STEPS:
        assert ("run" in entry) != ("uses" in entry), entry["name"]
        if "run" in entry:
            assert entry.get("shell") == "bash", f"{entry['name']}: a composite run step needs a shell"
            assert "${{" not in entry["run"], f"{entry['name']}: inputs go through env, never into the script"
        else:
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@v\d+", entry["uses"]), entry["uses"]
    inputs = ACTION["inputs"]
    assert all(spec.get("description") and "default" in spec for spec in inputs.values())
    used = {name for text in strings(ACTION["runs"]) for expression in _EXPRESSION.findall(text)
            for name in re.findall(r"inputs\.([\w-]+)", expression)}
    assert used == set(inputs), f"undefined: {used - set(inputs)}, unused: {set(inputs) - used}"
    ids = {entry["id"]: entry for entry in STEPS if "id" in entry}
    for text in strings(ACTION):
        for expression in _EXPRESSION.findall(text):
            for step_id, output in re.findall(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression):
                assert step_id in ids, f"no step with id {step_id}"
                assert f'echo "{output}=' in ids[step_id]["run"], f"step {step_id} never writes {output}"
    assert step("Upload SARIF to code scanning")["uses"].startswith("github/codeql-action/upload-sarif@")
    assert "github.action_path" in step("install")["env"]["WA_LINT_SOURCE"], "installed from the action itself"


def _resolve(value: str, inputs: dict[str, str], outputs: dict[str, str], wa_lint: Path) -> str:
    def one(match: re.Match[str]) -> str:
        expression = match.group(1)
        if expression.startswith("inputs."):
            name = expression.removeprefix("inputs.")
            return inputs.get(name, str(ACTION["inputs"][name]["default"]))
        if expression == "steps.install.outputs.bin":
            return str(wa_lint)
        if expression.startswith("steps.lint.outputs."):
            return outputs.get(expression.removeprefix("steps.lint.outputs."), "")
        if expression == "github.action_path":
            return str(REPO)
        raise AssertionError(f"the test does not know the expression {expression!r}")

    return _EXPRESSION.sub(one, value)


@pytest.fixture
def runner(tmp_path: Path):
    """Runs a step's script as the runner would: its env resolved, GITHUB_OUTPUT and the summary files."""
    wa_lint = tmp_path / "bin" / "wa-lint"
    wa_lint.parent.mkdir()
    wa_lint.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m wa_lint "$@"\n')  # conftest sets PYTHONPATH
    wa_lint.chmod(0o755)
    work = tmp_path / "work"
    shutil.copytree(REPO / "fixtures" / "demo", work / "demo")
    (work / ".git").mkdir()

    def run(step_id: str, inputs: dict[str, str], outputs: dict[str, str] | None = None):
        entry = step(step_id)
        github_output = tmp_path / f"{step_id}.output"
        github_output.write_text("")
        env = {**os.environ, "GITHUB_OUTPUT": str(github_output), "RUNNER_TEMP": str(tmp_path),
               "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}
        env.update({key: _resolve(str(value), inputs, outputs or {}, wa_lint) for key, value in entry["env"].items()})
        done = subprocess.run(["bash", "-c", entry["run"]], cwd=work, env=env, capture_output=True, text=True,
                              check=False)
        written = dict(line.split("=", 1) for line in github_output.read_text().splitlines() if "=" in line)
        return done, written

    run.work = work  # type: ignore[attr-defined]
    run.tmp = tmp_path  # type: ignore[attr-defined]
    return run


def test_the_lint_step_annotates_writes_sarif_and_the_summary_and_records_the_exit_code(runner) -> None:
    done, outputs = runner("lint", {"paths": "demo", "sarif": "true", "args": "--select PERF,SEC"})
    assert done.returncode == 0, "the exit code is recorded, so the SARIF upload still runs"
    assert outputs == {"exit-code": "1", "sarif-file": "wa-lint.sarif"}
    assert done.stdout.count("::error ") == 1 and done.stdout.count("::warning ") == 3, done.stdout
    sarif = json.loads((runner.work / "wa-lint.sarif").read_text())
    assert len(sarif["runs"][0]["results"]) == 5
    summary = (runner.tmp / "summary.md").read_text()
    assert summary.startswith("## wa-lint\n\n5 findings: 1 error, 3 warnings, 1 info")
    assert len(re.findall(r"^\| (error|warning|info) \|", summary, re.MULTILINE)) == 5


def test_another_log_format_still_writes_the_summary_and_args_are_passed(runner) -> None:
    done, outputs = runner("lint", {"paths": "demo", "output-format": "concise", "args": "--select PERF101 --no-cache"})
    assert outputs == {"exit-code": "1"}
    assert "demo/src/orders/get_order.py:11:16: PERF101 [sdk-client-in-handler]" in done.stdout
    assert "::" not in done.stdout and "PERF001" not in done.stdout
    assert (runner.tmp / "summary.md").read_text().count("| warning |") == 1
    assert not (runner.work / "wa-lint.sarif").exists()


def test_no_summary_when_not_asked_and_a_clean_run_records_0(runner) -> None:
    done, outputs = runner("lint", {"paths": "demo/src/shared", "summary": "false"})
    assert outputs == {"exit-code": "0"}, done.stderr
    assert not (runner.tmp / "summary.md").exists()


def test_a_usage_error_is_recorded_as_2(runner) -> None:
    done, outputs = runner("lint", {"paths": "demo", "args": "--select PERF999"})
    assert outputs == {"exit-code": "2"}
    assert "--select: 'PERF999' matches no rule" in done.stderr


@pytest.mark.parametrize(("code", "fail_on_findings", "expected"), [
    ("0", "true", 0), ("1", "true", 1), ("1", "false", 0), ("2", "false", 2), ("", "true", 2),
])
def test_the_last_step_fails_as_asked(runner, code: str, fail_on_findings: str, expected: int) -> None:
    done, _ = runner("Fail on findings", {"fail-on-findings": fail_on_findings}, {"exit-code": code})
    assert done.returncode == expected


def test_the_gitlab_template_writes_the_code_quality_and_junit_reports_it_declares(runner) -> None:
    job = GITLAB["wa-lint"]
    reports = job["artifacts"]["reports"]
    install, lint = job["script"]
    assert "$WA_LINT_SOURCE" in install and GITLAB["variables"]["WA_LINT_SOURCE"].startswith("git+https://")
    env = {**os.environ, **GITLAB["variables"], "WA_LINT_PATHS": "demo", "WA_LINT_ARGS": "--select PERF,SEC",
           "PATH": f"{runner.tmp / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-c", lint], cwd=runner.work, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 1, "findings fail the job"
    assert "demo/template.yaml:26:3: PERF001" in done.stdout
    quality = json.loads((runner.work / reports["codequality"]).read_text())
    assert len(quality) == 5 and {issue["severity"] for issue in quality} == {"major", "minor", "info"}
    assert (runner.work / reports["junit"]).read_text().startswith("<?xml")


def test_the_readmes_ci_snippets_use_what_exists() -> None:
    readme = (REPO / "README.md").read_text()
    blocks = [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", readme, re.DOTALL)]
    uses = [step for block in blocks if isinstance(block, dict) for job in block.get("jobs", {}).values()
            for step in job["steps"] if step.get("uses", "").startswith("wa-lint/wa-lint@")]
    assert uses, "the README shows the action"
    for entry in uses:
        assert set(entry.get("with", {})) <= set(ACTION["inputs"]), "every input the README sets exists"
    included = next(block for block in blocks if isinstance(block, dict) and "include" in block)
    assert included["include"][0]["remote"].endswith("/main/ci/gitlab/wa-lint.gitlab-ci.yml")
    assert set(included["variables"]) <= set(GITLAB["variables"])
    assert "pip install wa-lint\n" not in readme and "rev: v0.1.0\n" not in readme, "nothing that is not published"
