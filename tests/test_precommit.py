"""wa-lint as a pre-commit hook: only staged files are named, yet handlers and templates still link.

The last test runs the real `pre-commit` against a committed snapshot of this checkout (uncommitted
changes included), so it tests the code under test as pre-commit installs it: from a git revision,
into its own environment.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml
from conftest import PINNED_SELECT, REPO

from wa_lint.config import Config
from wa_lint.pipeline import run

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  OrdersFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.lambda_handler
      Runtime: python3.12
{memory}"""
GOOD_HANDLER = "def lambda_handler(event, context):\n    return event\n"
BAD_HANDLER = "def lambda_handler(event, context):\n    print 'python 2'\n    return event\n"
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com"}


def make_project(root: Path, handler: str = GOOD_HANDLER, memory: bool = True, git: bool = True) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "template.yaml").write_text(TEMPLATE.format(memory="      MemorySize: 512\n" if memory else ""))
    (root / "src" / "app.py").write_text(handler)
    if git:
        (root / ".git").mkdir()  # the project root, as in a git work tree
    return root


def test_a_named_handler_is_linked_through_its_template_and_only_it_is_reported(tmp_path: Path,
                                                                                 monkeypatch) -> None:
    root = make_project(tmp_path, BAD_HANDLER, memory=False)
    monkeypatch.chdir(root)
    result = run(["src/app.py"], Config())
    function = result.project.functions[0]
    assert function.handler is not None and function.handler.file == root / "src" / "app.py"
    assert [f.code for f in result.findings] == ["WA001"], "PERF001 lies in the template, which was not named"
    good = make_project(tmp_path / "good", GOOD_HANDLER, memory=False)
    monkeypatch.chdir(good)
    result = run(["src/app.py"], Config())
    assert [entry.function.logical_id for entry in result.project.entries if entry.function] == ["OrdersFunction"]
    assert result.findings == []


def test_a_named_handler_loads_only_the_templates_and_code_that_can_concern_it(tmp_path: Path,
                                                                               monkeypatch) -> None:
    (tmp_path / ".git").mkdir()
    orders = make_project(tmp_path / "orders", BAD_HANDLER, git=False)
    billing = make_project(tmp_path / "billing", BAD_HANDLER, git=False)
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "template.yaml").write_text(
        TEMPLATE.format(memory="").replace("CodeUri: src/", "CodeUri: ../orders/src/"))
    unrelated = TEMPLATE.format(memory="").replace("app.lambda_handler", "other.main")
    (tmp_path / "infra" / "unrelated.yaml").write_text(unrelated)
    monkeypatch.chdir(tmp_path)
    result = run(["orders/src/app.py"], Config())
    loaded = sorted(t.path.relative_to(tmp_path).as_posix() for t in result.project.templates)
    # In a folder above the file, or naming its module ("app"); infra/unrelated.yaml does neither.
    assert loaded == ["billing/template.yaml", "infra/template.yaml", "orders/template.yaml"]
    assert billing / "src" / "app.py" not in result.project.modules, "billing's code cannot concern the file"
    assert [(f.code, f.span.path) for f in result.findings] == [("WA001", orders / "src" / "app.py")]


def test_a_named_template_reads_its_handler_but_reports_only_itself(tmp_path: Path, monkeypatch) -> None:
    root = make_project(tmp_path, BAD_HANDLER, memory=False)
    monkeypatch.chdir(root)
    result = run(["template.yaml"], Config())
    assert [f.code for f in result.findings] == ["PERF001"]
    assert result.stats.templates == 1


def test_yaml_that_is_not_a_template_is_skipped_silently(tmp_path: Path, monkeypatch) -> None:
    root = make_project(tmp_path)
    (root / ".pre-commit-config.yaml").write_text("repos: []\n")
    (root / "package.json").write_text('{"name": "x"}\n')
    monkeypatch.chdir(root)
    result = run([".pre-commit-config.yaml", "package.json"], Config())
    assert result.findings == [] and result.diagnostics == []


def test_force_exclude_applies_to_named_files(tmp_path: Path, monkeypatch) -> None:
    root = make_project(tmp_path, BAD_HANDLER)
    monkeypatch.chdir(root)
    assert run(["src/app.py"], Config(extend_exclude=("src/",)), force_exclude=True).findings == []
    assert run(["src/app.py"], Config(extend_exclude=("src/",))).findings != []


def test_folders_named_with_files_report_everything_inside(tmp_path: Path, monkeypatch) -> None:
    root = make_project(tmp_path, BAD_HANDLER, memory=False)
    monkeypatch.chdir(root)
    result = run(["src/app.py", "."], Config())
    assert sorted(f.code for f in result.findings) == ["PERF001", "WA001"]


def test_the_hook_definition() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "wa-lint")
    assert hook["language"] == "python" and hook["require_serial"] is True
    assert hook["types_or"] == ["python", "yaml", "json"] and "--force-exclude" in hook["entry"]
    fixer = next(h for h in hooks if h["id"] == "wa-lint-fix")
    assert fixer["entry"].split() == ["wa-lint", "--force-exclude", "--fix-only"]
    assert fixer["types_or"] == hook["types_or"] and fixer["require_serial"] is True


def snapshot_of_this_checkout(target: Path) -> str:
    """A git repo holding the working tree as it is now (tracked and untracked, not ignored), committed."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, check=True,
                            capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    env = {**os.environ, **GIT_ENV}
    # On a branch named main, as the README's `rev: main` expects.
    for command in (["git", "init", "-q"], ["git", "symbolic-ref", "HEAD", "refs/heads/main"], ["git", "add", "-A"],
                    ["git", "commit", "-qm", "snapshot"]):
        subprocess.run(command, cwd=target, check=True, env=env)
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=target, check=True, capture_output=True,
                          text=True).stdout.strip()


def packages_but_wa_lint(tmp_path: Path) -> Path:
    """A folder of links to this interpreter's installed packages, wa-lint's own install left out.

    The hook environment cannot inherit them as "system site packages": virtualenv takes those from
    the base interpreter, which in a virtual environment is not the one that holds the test extras.
    wa-lint is left out so the hook runs the copy pre-commit installed from the snapshot revision.
    """
    folder = tmp_path / "site-packages"
    folder.mkdir()
    for site_dir in dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib")):
        for entry in Path(site_dir).iterdir():
            name = entry.name.lower()
            if name.startswith(("wa_lint", "wa-lint", "__editable__", "_wa_lint")) or name.endswith(".pth"):
                continue
            if not (folder / entry.name).exists():
                (folder / entry.name).symlink_to(entry)
    return folder


def _hook_env(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}  # the hook's own install
    env.update(GIT_ENV)
    env.update({"PRE_COMMIT_HOME": str(tmp_path / "cache"), "PYTHONPATH": str(packages_but_wa_lint(tmp_path)),
                "PIP_NO_BUILD_ISOLATION": "false", "PIP_NO_INDEX": "1"})
    return env


CLIENT_HANDLER = ('import boto3\n\n\ndef lambda_handler(event, context):\n'
                  '    s3 = boto3.client("s3")  # uploads\n    return s3.list_buckets()\n')
HOISTED_HANDLER = ('import boto3\n\ns3 = boto3.client("s3")  # uploads\n\n\ndef lambda_handler(event, context):\n'
                   '    return s3.list_buckets()\n')


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_real_pre_commit_fix_hook_hoists_the_client_and_the_next_commit_passes(tmp_path: Path) -> None:
    pytest.importorskip("pre_commit")
    snapshot = tmp_path / "wa-lint"
    revision = snapshot_of_this_checkout(snapshot)
    project = tmp_path / "project"
    make_project(project, CLIENT_HANDLER)
    shutil.rmtree(project / ".git")
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {snapshot}\n    rev: {revision}\n    hooks:\n      - id: wa-lint-fix\n"
        "        args: [--select, PERF101]\n      - id: wa-lint\n        args: [--select, PERF101]\n")
    env = _hook_env(tmp_path)

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=project, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, check=False)

    git("init", "-q")
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=project, env=env, check=True,
                   capture_output=True)
    git("add", "-A")
    first = git("commit", "-m", "a client built per invocation")
    assert first.returncode != 0, first.stdout
    assert "files were modified by this hook" in first.stdout and "1 fixed, 0 remaining" in first.stdout
    assert (project / "src" / "app.py").read_text() == HOISTED_HANDLER
    git("add", "-A")
    second = git("commit", "-m", "the client hoisted by the hook")
    assert second.returncode == 0, second.stdout
    assert (project / "src" / "app.py").read_text() == HOISTED_HANDLER


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_real_pre_commit_blocks_a_bad_handler_and_passes_a_good_one(tmp_path: Path) -> None:
    pytest.importorskip("pre_commit")
    snapshot = tmp_path / "wa-lint"
    snapshot_of_this_checkout(snapshot)
    project = tmp_path / "project"
    make_project(project)
    shutil.rmtree(project / ".git")
    # The README's configuration as a user copies it, only the repository's address changed.
    readme = (REPO / "README.md").read_text()
    documented = re.search(r"```yaml\n# \.pre-commit-config\.yaml\n(.*?)```", readme, re.DOTALL).group(1)
    assert "repo: https://github.com/wa-lint/wa-lint\n" in documented and "rev: main\n" in documented
    (project / ".pre-commit-config.yaml").write_text(
        documented.replace("https://github.com/wa-lint/wa-lint", str(snapshot))
        # the rule set this test asserts, in the README's commented-out args line
        .replace('# args: [--select, "PERF,SEC"]', f"args: [--select, '{PINNED_SELECT}']"))
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}  # the hook's own install
    env.update(GIT_ENV)
    # The hook environment sees the test environment's packages (hatchling to build, wa-lint's
    # dependencies to run) and builds without an index, so the test runs offline; wa-lint itself is
    # installed from the snapshot revision.
    env.update({"PRE_COMMIT_HOME": str(tmp_path / "cache"), "PYTHONPATH": str(packages_but_wa_lint(tmp_path)),
                "PIP_NO_BUILD_ISOLATION": "false", "PIP_NO_INDEX": "1"})

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=project, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, check=False)

    git("init", "-q")
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=project, env=env, check=True,
                   capture_output=True)
    git("add", "-A")
    first = git("commit", "-m", "a clean app, and the hook config (not a template) is skipped")
    assert first.returncode == 0, first.stdout
    assert "wa-lint" in first.stdout and "Passed" in first.stdout

    (project / "src" / "app.py").write_text(BAD_HANDLER)
    git("add", "src/app.py")
    bad = git("commit", "-m", "bad handler")
    assert bad.returncode != 0
    assert "src/app.py:2:5: WA001 [parse-error]" in bad.stdout
    assert "in 1 template" in bad.stdout, "the staged handler was linked through the unstaged template"

    (project / "src" / "app.py").write_text(GOOD_HANDLER.replace("return event", "return {'ok': True}"))
    git("add", "src/app.py")
    good = git("commit", "-m", "good handler")
    assert good.returncode == 0, good.stdout

    (project / "template.yaml").write_text(TEMPLATE.format(memory=""))
    git("add", "template.yaml")
    template = git("commit", "-m", "memory removed")
    assert template.returncode != 0 and "template.yaml:4:3: PERF001 [untuned-memory]" in template.stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_readmes_local_hook_runs_the_installed_wa_lint(tmp_path: Path) -> None:
    pytest.importorskip("pre_commit")
    readme = (REPO / "README.md").read_text()
    local = re.search(r"```yaml\n(repos:\n  - repo: local\n.*?)```", readme, re.DOTALL).group(1)
    project = make_project(tmp_path / "project", BAD_HANDLER, git=False)
    (project / ".pre-commit-config.yaml").write_text(local)
    installed = tmp_path / "bin"  # wa-lint as installed in the user's environment: this checkout's
    installed.mkdir()
    (installed / "wa-lint").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m wa_lint "$@"\n')
    (installed / "wa-lint").chmod(0o755)
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(tmp_path / "cache"),
           "PATH": f"{installed}{os.pathsep}{os.environ['PATH']}"}
    for command in (["git", "init", "-q"], ["git", "add", "-A"]):
        subprocess.run(command, cwd=project, env=env, check=True)
    done = subprocess.run([sys.executable, "-m", "pre_commit", "run"], cwd=project, env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    assert done.returncode == 1 and "src/app.py:2:5: WA001 [parse-error]" in done.stdout, done.stdout
