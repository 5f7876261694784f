"""Every rule on its own fixtures: the findings are exactly the `# expect:` markers, nothing more."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, expected_markers, finding_keys
from wa_lint.config import Config, load_config
from wa_lint.pipeline import run
from wa_lint.check.registry import catalogue


def fixture_cases() -> list[tuple[str, Path]]:
    cases = []
    for folder in sorted(FIXTURES.iterdir()):
        code = folder.name.split("-", 1)[0]
        # A fixture with the stack it was deployed as (deployed.json) needs an account: test_live_rules.py
        # deploys it to a moto server and lints against that.
        if code in catalogue() and not (folder / "deployed.json").is_file():
            for variant in ("bad", "good"):
                if (folder / variant).is_dir():
                    cases.append((code, folder / variant))
    return cases


# Rules that judge other rules' findings need those rules to run too (their findings must be absent or
# suppressed in the fixture, since every finding is compared).
COMPANIONS = {"WA003": ("PERF001",)}


@pytest.mark.parametrize(("code", "root"), fixture_cases(), ids=lambda v: v if isinstance(v, str) else v.parent.name + "/" + v.name)
def test_rule_fixture(code: str, root: Path) -> None:
    # A fixture may carry its own wa-lint.toml (rule options, Power Tuning results); the rule is still alone,
    # with the rules it judges (COMPANIONS).
    config = load_config(root / "wa-lint.toml") if (root / "wa-lint.toml").is_file() else Config()
    result = run([root], config.with_overrides(select=(code, *COMPANIONS.get(code, ()))))
    expected = expected_markers(root, {code})
    if root.name == "good":
        assert not expected, "a good fixture carries no expect markers"
    else:
        assert expected, "a bad fixture marks at least one expected finding"
    assert finding_keys(result, root) == expected


def test_demo_app_shows_exactly_its_marked_findings() -> None:
    """The demo's markers name what each rule should find; only rules that are active are compared."""
    root = FIXTURES / "demo"
    active = {code for code, rule in catalogue().items() if rule.status == "active"}
    result = run([root], Config())
    assert finding_keys(result, root) == expected_markers(root, active)
    assert result.stats.templates == 1
