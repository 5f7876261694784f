"""AWS Lambda Power Tuning results: the three shapes, malformed files, linking to functions, the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES

from wa_lint.config import Config, ConfigError, load_config
from wa_lint.evidence.power_tuning import PowerTuningError, parse_result
from wa_lint.pipeline import run

ANALYSIS = {"power": 1024, "cost": 2.1e-7, "duration": 9.8,
            "stateMachine": {"executionCost": 0.0003, "lambdaCost": 0.00001, "visualization": "https://x"}}
ARN = "arn:aws:lambda:eu-west-1:123456789012:function:shop-GetOrderFunction-1A2B3C4D5E6F:live"
TUNED = FIXTURES / "PERF001-power-tuning"


def execution(output: object, **extra: object) -> str:
    document = {"executionArn": "arn:aws:states:eu-west-1:1:execution:m:1", "status": "SUCCEEDED",
                "input": json.dumps({"lambdaARN": ARN, "num": 10, "strategy": "speed"}),
                "output": output if isinstance(output, str) else json.dumps(output), **extra}
    return json.dumps(document)


def test_bare_analysis_object() -> None:
    result = parse_result(Path("r.json"), json.dumps(ANALYSIS))
    assert (result.power, result.cost, result.duration, result.strategy, result.function_name) == (
        1024, 2.1e-7, 9.8, None, None)


def test_power_may_be_a_string_and_legacy_results_wrapper() -> None:
    result = parse_result(Path("r.json"), json.dumps({"results": {**ANALYSIS, "power": "1536"}}))
    assert result.power == 1536


def test_describe_execution_output_carries_strategy_and_function_name() -> None:
    result = parse_result(Path("r.json"), execution({**ANALYSIS, "stats": [{"value": 1024}]}))
    assert (result.power, result.strategy, result.function_name) == (1024, "speed", "shop-GetOrderFunction-1A2B3C4D5E6F")
    assert "speed strategy; 9.8 ms and $0.00000021 per invocation at 1024 MB" in result.summary()


@pytest.mark.parametrize(("text", "reason"), [
    ('{"power": 1024,', "not valid JSON: Expecting property name enclosed in double quotes at line 1 column 16"),
    ("[1, 2]", "expected a JSON object"),
    ("null", "found null"),
    ('{"power": "lots"}', "`power` must be a memory size in MB between 128 and 10240, not 'lots'"),
    ('{"power": 64}', "between 128 and 10240, not 64"),
    ('{"power": true}', "not True"),
    ('{"power": 1024, "cost": "cheap"}', "`cost` must be a number"),
    ('{"something": "else"}', "not a Power Tuning result"),
    ('{"lambdaARN": "arn:aws:lambda:eu-west-1:1:function:f", "num": 10}', "execution input"),
    (execution("not json"), "its `output` is not valid JSON"),
    (execution("[]"), "its `output` is not a JSON object"),
    (json.dumps({"executionArn": "arn", "status": "FAILED"}), "has no `output` (execution status FAILED)"),
])
def test_malformed_results_say_what_is_wrong(text: str, reason: str) -> None:
    with pytest.raises(PowerTuningError) as caught:
        parse_result(Path("r.json"), text)
    assert reason in str(caught.value)


def copy_fixture(tmp_path: Path, variant: str = "bad") -> Path:
    root = tmp_path / "app"
    shutil.copytree(TUNED / variant, root)
    return root


def test_malformed_file_is_an_error_naming_it_and_the_run_goes_on(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path)
    broken = root / "tuning" / "broken.json"
    broken.write_text('{"power": 1024, "cost": }')
    result = run([root], load_config(root / "wa-lint.toml"))
    errors = [d for d in result.diagnostics if d.kind == "error"]
    assert [(d.path, d.message.split(":")[0]) for d in errors] == [(broken, "power tuning result not used")]
    assert "not valid JSON" in errors[0].message and "line 1 column 25" in errors[0].message
    assert len([f for f in result.findings if f.code == "PERF001"]) == 5


def test_unmatched_result_is_a_note(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path)
    (root / "tuning" / "SomeOtherFunction.json").write_text(json.dumps(ANALYSIS))
    result = run([root], load_config(root / "wa-lint.toml"))
    notes = [d for d in result.diagnostics if d.path and d.path.name == "SomeOtherFunction.json"]
    assert len(notes) == 1 and notes[0].kind == "skipped"
    assert "matches no function" in notes[0].message and "file name 'SomeOtherFunction'" in notes[0].message


def test_results_without_configuration_are_not_read(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path)
    result = run([root], Config(select=("PERF001",)))
    assert result.findings == []  # every memory is explicit; nothing to compare with


def test_cli_power_tuning_option_file_and_folder(cli, tmp_path: Path) -> None:
    root = copy_fixture(tmp_path)
    (root / "wa-lint.toml").unlink()
    single = cli(str(root), "--select", "PERF001", "--power-tuning", str(root / "tuning" / "AnalysisFunction.json"))
    assert single.exit_code == 1
    assert "AnalysisFunction is configured with 256 MB" in single.output
    assert "LegacyFunction" not in single.output
    folder = cli(str(root), "--select", "PERF001", "--power-tuning", str(root / "tuning"))
    assert "ExecutionFunction is configured with 1024 MB" in folder.output
    # Without the configured mapping, the legacy file's name names no function: a note, not a guess.
    assert "legacy.json: power tuning result matches no function" in folder.output


def test_cli_malformed_result_exits_2_when_nothing_else_is_found(cli, tmp_path: Path) -> None:
    root = copy_fixture(tmp_path, "good")
    broken = root / "tuning" / "broken.json"
    broken.write_text("[]")
    result = cli(str(root))
    assert result.exit_code == 2
    assert "broken.json: power tuning result not used: expected a JSON object" in result.output
    assert result.output.startswith("error: ")
    assert cli(str(root), "--power-tuning", str(tmp_path / "missing.json")).exit_code == 2


def test_config_paths_must_exist_and_mapping_is_validated(tmp_path: Path) -> None:
    config = tmp_path / "wa-lint.toml"
    config.write_text('power-tuning = ["nowhere"]\n')
    with pytest.raises(ConfigError, match="power tuning path .*nowhere does not exist"):
        load_config(config)
    config.write_text('[power-tuning-functions]\n"r.json" = "not a logical id"\n')
    with pytest.raises(ConfigError, match="power-tuning-functions"):
        load_config(config)


def test_disagreement_message_names_both_values_the_optimum_and_where_memory_is_set() -> None:
    root = TUNED / "bad"
    result = run([root], load_config(root / "wa-lint.toml").with_overrides(select=("PERF001",)))
    messages = {f.resource: (f.message, f.fix) for f in result.findings}
    tuning = (root / "tuning").relative_to(result.project.root).as_posix()
    assert messages["ExecutionFunction"] == (
        ("ExecutionFunction is configured with 1024 MB, set in the default of parameter ReportMemory, used by the "
        "function's MemorySize (line 32), but AWS Lambda Power Tuning measured 2048 MB as optimal (balanced "
        f"strategy; 35.1 ms and $0.00000042 per invocation at 2048 MB) in {tuning}/execution-run-1.json"),
        ("set the default of parameter ReportMemory to 2048 (or pass 2048 when deploying; check which other "
        "functions use it), or re-run Power Tuning if the code changed"),
    )
    assert messages["LegacyFunction"][0].startswith(
        "LegacyFunction is configured with 512 MB, set in Globals.Function.MemorySize (line 15), but AWS Lambda "
        "Power Tuning measured 1536 MB as optimal (12.5 ms and $0.00000034 per invocation at 1536 MB)")
    assert messages["LegacyFunction"][1].startswith("add MemorySize: 1536 to LegacyFunction's Properties")


def test_a_file_named_in_the_mapping_is_read_without_being_listed(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path)
    (root / "wa-lint.toml").write_text('[power-tuning-functions]\n"tuning/legacy.json" = "LegacyFunction"\n')
    result = run([root], load_config(root / "wa-lint.toml").with_overrides(select=("PERF001",)))
    assert [f.resource for f in result.findings] == ["LegacyFunction"]


def test_disagreeing_results_carry_a_fix_and_their_evidence(tmp_path: Path) -> None:
    """The fix does what its text says: the function's own value (safe), its own MemorySize over
    Globals (safe), a parameter's default (unsafe: shared, and a deployment may pass another)."""
    from wa_lint.load.template.edit import apply_edits

    root = tmp_path / "app"
    shutil.copytree(TUNED / "bad", root)
    result = run([root], load_config(root / "wa-lint.toml").with_overrides(select=("PERF001",)))
    by_function = {finding.resource: finding for finding in result.findings}
    text = (root / "template.yaml").read_text()
    expected = {  # (applicability, text after the fix, the measured optimum)
        "AnalysisFunction": ("safe", "    Properties:\n      MemorySize: 1024\n", 1024),  # was 256
        "LegacyFunction": ("safe", ("  LegacyFunction:  # expect: PERF001\n    Type: AWS::Serverless::Function\n"
                                    "    Properties:\n      MemorySize: 1536\n"), 1536),  # Globals said 512
        "ExecutionFunction": ("unsafe", "    Default: 2048\n", 2048),  # parameter ReportMemory was 1024
        "NightlyFunction": ("safe", "      MemorySize: 256\n      Role:", 256),  # was 512
    }
    for name, (applicability, after, optimum) in expected.items():
        finding = by_function[name]
        (fix,) = finding.fixes
        assert fix.title == finding.fix and str(fix.applicability) == applicability, name
        fixed = apply_edits(text, fix.edits)
        assert after in fixed and after not in text, name
        assert len(fixed.splitlines()) - len(text.splitlines()) == (2 if name == "LegacyFunction" else 0)
        (evidence,) = finding.evidence
        assert (evidence.source, evidence.statistic, evidence.value, evidence.unit) == (
            "power-tuning", "optimum power", optimum, "MB")
        assert evidence.path is not None and evidence.path.name in finding.message
    # Nothing measured it: no edit to offer, no evidence to show.
    assert by_function["UntunedFunction"].fixes == () and by_function["UntunedFunction"].evidence == ()
    # All the fixes at once: the template then agrees with every result.
    every_edit = [edit for finding in result.findings for fix in finding.fixes for edit in fix.edits]
    (root / "template.yaml").write_text(apply_edits(text, every_edit))
    again = run([root], load_config(root / "wa-lint.toml").with_overrides(select=("PERF001",)))
    assert [finding.resource for finding in again.findings] == ["UntunedFunction"]


def test_measured_points_are_kept_by_memory_size_and_malformed_ones_dropped() -> None:
    stats = [
        {"value": 2048, "averagePrice": 4.2e-7, "averageDuration": 35.1},
        {"value": "512", "averagePrice": 5e-7, "averageDuration": 80.2},
        {"value": 64, "averagePrice": 1e-7, "averageDuration": 900},  # not a Lambda memory size
        {"value": 1024, "averageDuration": float("nan")},
        {"averagePrice": 1e-7},
        "junk",
    ]
    result = parse_result(Path("r.json"), execution({**ANALYSIS, "stats": stats}))
    assert [(p.memory, p.duration, p.cost) for p in result.points] == [
        (512, 80.2, 5e-7), (1024, None, None), (2048, 35.1, 4.2e-7)]
    assert parse_result(Path("r.json"), json.dumps({**ANALYSIS, "stats": {"not": "a list"}})).points == ()
