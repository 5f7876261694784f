"""The Python API: `wa_lint.lint(paths, config=None, **options) -> Result`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES

import wa_lint
from wa_lint.config import Config, ConfigError

DEMO = FIXTURES / "demo"
TEMPLATE = "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Handler: app.handler\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "template.yaml").write_text(TEMPLATE)
    return tmp_path


def test_lint_returns_what_the_command_reports() -> None:
    result = wa_lint.lint(DEMO, isolated=True, use_cache=False)
    assert isinstance(result, wa_lint.Result)
    assert sorted(f.code for f in result.findings) == ["PERF001", "PERF101", "PERF102", "PERF201", "SEC101"]
    assert result.stats.templates == 1 and result.stats.python_files == 6
    assert result.diagnostics == () and result.exit_code == 1
    assert result.findings == tuple(sorted(result.findings, key=lambda f: f.sort_key()))


def test_options_override_the_configuration_file_and_are_validated(project: Path) -> None:
    (project / "wa-lint.toml").write_text("select = ['WA']\n")
    assert wa_lint.lint(project).findings == (), "the nearest configuration file is used"
    assert len(wa_lint.lint(project, isolated=True).findings) == 2
    only_root = wa_lint.lint([project], select=["perf001"], per_file_ignores={"legacy/**": ["PERF"]})
    assert [f.span.path for f in only_root.findings] == [project / "template.yaml"]
    assert only_root.config.origins["select"] == "lint()"
    assert wa_lint.lint(project, fail_on="error", select=["PERF"]).exit_code == 0, "warnings below fail-on"
    with pytest.raises(ConfigError, match="select: 'PERF999' matches no rule; did you mean PERF"):
        wa_lint.lint(project, select=["PERF999"])
    with pytest.raises(ConfigError, match="unknown option 'selekt'"):
        wa_lint.lint(project, selekt=["PERF"])


def test_config_may_be_a_config_or_a_file(project: Path, tmp_path_factory) -> None:
    elsewhere = tmp_path_factory.mktemp("cfg") / "strict.toml"
    elsewhere.write_text("ignore = ['PERF001']\n")
    assert wa_lint.lint(project, config=elsewhere).findings == ()
    assert wa_lint.lint(project, config=str(elsewhere)).findings == ()
    assert len(wa_lint.lint(project, config=Config(select=("PERF001",))).findings) == 2
    with pytest.raises(ConfigError, match="invalid TOML"):
        elsewhere.write_text("select = [\n")
        wa_lint.lint(project, config=elsewhere)


def test_a_missing_path_is_an_error_not_an_exception(tmp_path: Path) -> None:
    result = wa_lint.lint([tmp_path / "nowhere"], isolated=True)
    assert [d.message for d in result.errors] == ["no such file or directory"] and result.exit_code == 2


def test_import_wa_lint_stays_cheap() -> None:
    probe = "import sys, wa_lint; print(sorted(m for m in sys.modules if m.startswith(('wa_lint', 'click', 'yaml'))))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "['wa_lint']"
    with pytest.raises(AttributeError):
        wa_lint.no_such_name  # noqa: B018
