"""Which rules a run checks: the default set, --select/--extend-select/--ignore, and preview rules."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner

from wa_lint.check.registry import Rule, catalogue, enabled_codes
from wa_lint.cli import main


@pytest.fixture
def rules() -> dict[str, Rule]:
    """The real catalogue with PERF102 turned into a preview rule."""
    real = catalogue()
    return {**real, "PERF102": dataclasses.replace(real["PERF102"], preview=True)}


def test_default_set_leaves_out_preview_and_off_by_default_rules(rules: dict[str, Rule]) -> None:
    chosen = enabled_codes(rules, None, (), (), preview=False)
    assert "PERF101" in chosen and "PERF102" not in chosen and "WA003" not in chosen


def test_preview_mode_adds_preview_rules_but_not_off_by_default_ones(rules: dict[str, Rule]) -> None:
    chosen = enabled_codes(rules, None, (), (), preview=True)
    assert "PERF102" in chosen and "WA003" not in chosen


def test_a_prefix_does_not_switch_on_a_preview_rule_but_its_exact_code_does(rules: dict[str, Rule]) -> None:
    assert "PERF102" not in enabled_codes(rules, ("PERF",), (), (), preview=False)
    assert "PERF102" in enabled_codes(rules, ("PERF102",), (), (), preview=False)
    assert "PERF102" in enabled_codes(rules, None, ("PERF102",), (), preview=False)
    assert "PERF102" in enabled_codes(rules, ("PERF",), (), (), preview=True)


def test_ignore_wins_over_selection_and_preview(rules: dict[str, Rule]) -> None:
    assert "PERF102" not in enabled_codes(rules, ("PERF102",), (), ("PERF1",), preview=True)


def test_preview_from_the_configuration_and_the_command_line(tmp_path: Path, monkeypatch) -> None:
    from wa_lint.config import load_config

    (tmp_path / "wa-lint.toml").write_text("preview = true\n")
    assert load_config(tmp_path / "wa-lint.toml").preview is True
    (tmp_path / "wa-lint.toml").write_text("preview = 'yes'\n")
    result = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 2 and "preview" in result.output


def test_rules_listing_reports_preview_status(monkeypatch, rules: dict[str, Rule]) -> None:
    import json

    from wa_lint.check import registry

    monkeypatch.setattr(registry, "catalogue", lambda: rules)
    listed = json.loads(CliRunner().invoke(main, ["rules", "--output-format", "json"]).output)
    statuses = {row["code"]: row["status"] for row in listed}
    assert statuses["PERF102"] == "preview" and statuses["PERF101"] == "active"
