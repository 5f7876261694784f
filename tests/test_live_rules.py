"""Rules that read `--aws` evidence, proved against a moto server: OPS008 on its fixtures, PERF001 measured
memory, PERF201 measured reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES, expected_markers, finding_keys
from live_aws import REGION, Moto

from wa_lint.config import Config
from wa_lint.evidence.live.target import LiveOptions
from wa_lint.pipeline import RunResult, run

LIVE_FIXTURES = sorted(folder for folder in FIXTURES.iterdir() if (folder / "deployed.json").is_file())


def lint(root: Path, *codes: str, stack: str = "app", rules: dict[str, dict[str, object]] | None = None) -> RunResult:
    config = Config(live=LiveOptions(stack=stack, region=REGION), select=codes, rules=rules or {})
    return run([root], config, use_cache=False, jobs=1)


def deploy_fixture(aws: Moto, folder: Path) -> None:
    resources = json.loads((folder / "deployed.json").read_text())["Resources"]
    for resource in resources.values():
        if resource["Type"] == "AWS::Lambda::Function":
            resource["Properties"]["Role"] = aws.role()
    aws.deploy("app", resources)


@pytest.mark.parametrize("variant", ["bad", "good"])
@pytest.mark.parametrize("folder", LIVE_FIXTURES, ids=lambda folder: folder.name)
def test_live_rule_fixture(aws: Moto, folder: Path, variant: str) -> None:
    code = folder.name.split("-", 1)[0]
    deploy_fixture(aws, folder)
    root = folder / variant
    result = lint(root, code)
    expected = expected_markers(root, {code})
    assert bool(expected) == (variant == "bad")
    assert finding_keys(result, root) == expected, [f.message for f in result.findings]


def test_drift_needs_the_account(tmp_path: Path) -> None:
    """Without --aws the rule has nothing to compare and reports nothing."""
    root = FIXTURES / "OPS008-deployed-config-drift" / "bad"
    assert run([root], Config(select=("OPS008",)), use_cache=False, jobs=1).findings == []


def test_drift_message_names_both_values(aws: Moto) -> None:
    folder = FIXTURES / "OPS008-deployed-config-drift"
    deploy_fixture(aws, folder)
    messages = [f.message for f in lint(folder / "bad", "OPS008").findings]
    assert any("GetOrder's MemorySize is 512 in the template but 1024 in the deployed function app-GetOrder-" in m
               for m in messages), messages
    assert any(m.startswith("ListOrders's Timeout is 3 in the template (the default) but 6") for m in messages)
