"""Configuration files: every key, validation errors naming file and key (exit 2), CLI precedence."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES

from wa_lint.config import Config, ConfigError, find_config, load_config

BAD = FIXTURES / "PERF001-untuned-memory" / "bad"
TEMPLATE = "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Handler: app.handler\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    return tmp_path


@pytest.mark.parametrize(("text", "key", "says"), [
    ("selekt = ['PERF']", "selekt", "unknown key"),
    ("select = 'PERF'", "select", "is not of type 'array'"),
    ("select = ['perf001']", "select.0", "does not match"),
    ("select = ['NOPE']", "select", "'NOPE' matches no rule"),
    ("ignore = ['PREF101']", "ignore", "'PREF101' matches no rule; did you mean PERF101"),
    ("[per-file-ignores]\n'a/*' = ['SEC999']", "per-file-ignores.a/*", "'SEC999' matches no rule; did you mean SEC"),
    ("fail-on = 'fatal'", "fail-on", "is not one of"),
    ("[per-file-ignores]\n'tests/*' = 'PERF'", "per-file-ignores.tests/*", "is not of type 'array'"),
    ("[severity]\nPERF999 = 'error'", "severity.PERF999", "unknown rule 'PERF999'; did you mean PERF"),
    ("[rules.PERF201]\nhot-read-rcu = 'lots'", "rules.PERF201.hot-read-rcu", "expected integer, got 'lots'"),
    ("[rules.PERF201]\nhot-read-rcu = true", "rules.PERF201.hot-read-rcu", "expected integer, got True"),
    ("[rules.PERF201]\nhot_read_rcu = 5", "rules.PERF201.hot_read_rcu", "PERF201 has no option 'hot_read_rcu'"),
    ("[rules.PERF001]\nthreshold = 5", "rules.PERF001.threshold", "(its options: min-invocations, over-provisioned-fraction, slow-duration-ms, under-provisioned-fraction, untuned-values)"),
    ("power-tuning = 'results.json'", "power-tuning", "is not valid under any of the given schemas"),
    ("[power-tuning]\n'a.json' = 'Not-An-Id'", "power-tuning", "is not valid under any of the given schemas"),
])
def test_invalid_configuration_names_file_and_key_and_exits_2(cli, project: Path, text: str, key: str,
                                                               says: str) -> None:
    config = project / "wa-lint.toml"
    config.write_text(text + "\n")
    result = cli(str(project))
    assert result.exit_code == 2
    assert f"{config}: invalid configuration at '{key}'" in result.output
    assert says in result.output


def test_every_key_loads(project: Path) -> None:
    for name in ("tuning/orders.json", "a.json", "b/c.json"):
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text("{}")
    (project / "pyproject.toml").write_text(
        "[tool.wa-lint]\n"
        "select = ['PERF', 'SEC1']\nextend-select = ['WA']\nignore = ['PERF201']\n"
        "exclude = ['build/']\nextend-exclude = ['legacy/']\nhandler-patterns = ['main']\n"
        "max-template-bytes = 1000\nmax-python-bytes = 2000\nfail-on = 'warning'\n"
        "power-tuning = {'tuning/orders.json' = 'OrdersFunction'}\n"
        "[tool.wa-lint.per-file-ignores]\n'tests/**' = ['PERF', 'SEC101']\n"
        "[tool.wa-lint.severity]\nPERF001 = 'error'\n"
        "[tool.wa-lint.rules.PERF201]\nhot-read-rcu = 2000\n"
    )
    config = load_config(find_config(project))
    assert config.select == ("PERF", "SEC1") and config.extend_select == ("WA",) and config.ignore == ("PERF201",)
    assert config.exclude == ("build/",) and config.extend_exclude == ("legacy/",)
    assert config.handler_patterns == ("main",) and config.max_template_bytes == 1000
    assert config.fail_on == "warning" and config.severity == {"PERF001": "error"}
    assert config.per_file_ignores == (("tests/**", ("PERF", "SEC101")),)
    assert config.rules == {"PERF201": {"hot-read-rcu": 2000}}
    assert config.power_tuning == (project / "tuning/orders.json",)
    assert config.power_tuning_functions == {project / "tuning/orders.json": "OrdersFunction"}
    (project / "pyproject.toml").write_text("[tool.wa-lint]\npower-tuning = ['a.json', 'b/c.json']\n")
    listed = load_config(project / "pyproject.toml")
    assert listed.power_tuning == (project / "a.json", project / "b/c.json")
    assert listed.power_tuning_functions == {}


def test_the_nearest_file_wins_and_isolated_ignores_them(cli, project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.wa-lint]\nselect = ['WA']\n")
    sub = project / "service"
    sub.mkdir()
    (sub / "template.yaml").write_text(TEMPLATE)
    assert cli(str(project)).exit_code == 0, "root config selects only WA rules"
    (sub / ".wa-lint.toml").write_text("select = ['PERF']\n")
    assert cli(str(sub)).exit_code == 1, "the nearer file wins"
    (project / "pyproject.toml").write_text("[tool.wa-lint]\nselekt = 1\n")
    assert cli(str(project)).exit_code == 2
    assert cli(str(project), "--isolated").exit_code == 1


def test_per_file_ignores_are_relative_to_the_config_file(cli, project: Path) -> None:
    (project / "legacy").mkdir()
    (project / "legacy" / "template.yaml").write_text(TEMPLATE)
    (project / "wa-lint.toml").write_text("[per-file-ignores]\n'legacy/**' = ['PERF']\n")
    output = cli(str(project)).output
    assert "template.yaml:2:3: PERF001" in output and "legacy" not in output


def test_fail_on_shows_findings_below_the_threshold_without_failing(cli, project: Path) -> None:
    (project / "wa-lint.toml").write_text("fail-on = 'error'\n")
    result = cli(str(project))
    assert result.exit_code == 0 and "PERF001" in result.output, "a warning is shown but does not fail"
    assert cli(str(project), "--fail-on", "warning").exit_code == 1, "the CLI flag overrides the file"
    (project / "wa-lint.toml").write_text("fail-on = 'error'\n[severity]\nPERF001 = 'error'\n")
    assert cli(str(project)).exit_code == 1, "a severity override counts"


def test_cli_selection_overrides_the_file(cli, project: Path) -> None:
    (project / "wa-lint.toml").write_text("select = ['WA']\n")
    assert cli(str(project)).exit_code == 0
    assert cli(str(project), "--select", "PERF001").exit_code == 1
    (project / "wa-lint.toml").write_text("ignore = ['PERF001']\n")
    assert cli(str(project)).exit_code == 0


def test_explicit_config_path(cli, project: Path, tmp_path_factory) -> None:
    elsewhere = tmp_path_factory.mktemp("cfg") / "strict.toml"
    elsewhere.write_text("select = ['WA']\n")
    assert cli(str(project), "--config", str(elsewhere)).exit_code == 0
    with pytest.raises(ConfigError, match="invalid TOML"):
        elsewhere.write_text("select = [\n")
        load_config(elsewhere)


def test_jsonschema_is_imported_only_when_a_config_file_exists(project: Path) -> None:
    probe = ("import sys\nfrom wa_lint.cli import main\n"
             "try:\n    main([sys.argv[1], '--exit-zero'])\nexcept SystemExit:\n    pass\n"
             "print('jsonschema' in sys.modules)")
    without = subprocess.run([sys.executable, "-c", probe, str(project)], capture_output=True, text=True, check=False)
    assert without.stdout.strip().endswith("False"), without.stderr
    (project / "wa-lint.toml").write_text("select = ['PERF']\n")
    with_file = subprocess.run([sys.executable, "-c", probe, str(project)], capture_output=True, text=True,
                               check=False)
    assert with_file.stdout.strip().endswith("True"), with_file.stderr


def test_defaults() -> None:
    assert Config().fail_on == "info" and Config().per_file_ignores == () and Config().base is None


def test_templates_under_test_folders_are_fixtures_unless_configured(project: Path) -> None:
    from wa_lint.pipeline import run

    for folder in ("tests/unit", "src/test/resources", "web/__snapshots__", "contest"):
        (project / folder).mkdir(parents=True)
        (project / folder / "template.yaml").write_text(TEMPLATE)
    paths = lambda result: sorted(f.span.path.relative_to(project).as_posix() for f in result.findings)
    default = run([project], Config(select=("PERF001",)))
    assert paths(default) == ["contest/template.yaml", "template.yaml"]
    assert any("3 templates under test folders" in d.message for d in default.diagnostics)
    # Asked for by path, a test folder is linted.
    assert paths(run([project / "tests"], Config(select=("PERF001",)))) == ["tests/unit/template.yaml"]
    (project / "wa-lint.toml").write_text("lint-test-templates = true\n")
    everything = run([project], load_config(project / "wa-lint.toml").with_overrides(select=("PERF001",)))
    assert len(paths(everything)) == 5


def test_the_search_from_a_relative_path_goes_up_to_the_git_root(cli, project: Path, monkeypatch) -> None:
    (project / "wa-lint.toml").write_text("select = ['WA']\n")
    service = project / "service"
    service.mkdir()
    (service / "template.yaml").write_text(TEMPLATE)
    monkeypatch.chdir(service)
    assert find_config(Path(".")) == project / "wa-lint.toml"
    assert cli(".").exit_code == 0, "the file above the current folder selects only WA rules"
    assert cli().exit_code == 0


def test_the_search_stops_at_the_git_root(cli, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.wa-lint]\nselect = ['WA']\n")  # someone else's
    repository = tmp_path / "repo"
    (repository / ".git").mkdir(parents=True)
    (repository / "template.yaml").write_text(TEMPLATE)
    assert find_config(repository) is None
    result = cli(str(repository), "-v")
    assert result.exit_code == 1 and "PERF001" in result.output
    assert "wa-lint: configuration: none found" in result.output
    (repository / ".git").rmdir()
    assert find_config(repository) == tmp_path / "pyproject.toml", "without a repository the search goes on"


def test_per_file_ignores_resolve_against_the_folder_of_the_file_that_declares_them(cli, project: Path,
                                                                                    monkeypatch) -> None:
    for folder in ("legacy", "service/legacy"):
        (project / folder).mkdir(parents=True)
        (project / folder / "template.yaml").write_text(TEMPLATE)
    (project / "service" / "template.yaml").write_text(TEMPLATE)
    (project / "service" / "wa-lint.toml").write_text("[per-file-ignores]\n'legacy/**' = ['PERF']\n")
    monkeypatch.chdir(project)

    def reported(*args: str) -> list[str]:
        output = cli(*args, "--output-format", "concise").output
        return sorted(line.split(":")[0] for line in output.splitlines() if "PERF001" in line)

    assert reported("service") == ["service/template.yaml"], "service/legacy/ is ignored, found from a relative path"
    assert reported(str(project / "service")) == ["service/template.yaml"]
    explicit = ("--config", "service/wa-lint.toml")
    assert reported(".", *explicit) == ["legacy/template.yaml", "service/template.yaml", "template.yaml"], (
        "the pattern is relative to service/, not to the project root: legacy/ at the root is reported"
    )
