"""The rule catalogue is data: validated, complete, and consistent with the checks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from conftest import FIXTURES, REPO
from wa_lint.check.registry import DOC_SECTIONS, catalogue, check_modules, split_front_matter

SCHEMA = json.loads((REPO / "src/wa_lint/schemas/rule.schema.json").read_text())
RULE_FILES = sorted((REPO / "rules").glob("*.md"))


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.stem)
def test_front_matter_is_schema_valid(path: Path) -> None:
    metadata, _ = split_front_matter(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(SCHEMA).validate(metadata)
    assert metadata["code"] == path.stem, "the file is named after its code"


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.stem)
def test_doc_has_every_section_in_order(path: Path) -> None:
    _, body = split_front_matter(path.read_text(encoding="utf-8"))
    headings = re.findall(r"^## (.+)$", body, re.MULTILINE)
    positions = [headings.index(section) for section in DOC_SECTIONS if section in headings]
    assert [h for h in headings if h in DOC_SECTIONS] == list(DOC_SECTIONS)
    assert positions == sorted(positions)


def test_codes_and_names_are_unique() -> None:
    rules = catalogue()
    names = [rule.name for rule in rules.values()]
    assert len(rules) == len(RULE_FILES)
    assert len(set(names)) == len(names)


def test_code_prefix_matches_pillar_and_evidence() -> None:
    prefixes = {"Performance efficiency": "PERF", "Security": "SEC", "Cost optimization": "COST",
                "Reliability": "REL", "Operational excellence": "OPS", "Sustainability": "SUS"}
    hundreds = {"template": "0", "code": "1", "project": "2"}
    for rule in catalogue().values():
        if rule.target == "tool":
            assert rule.code.startswith("WA0")
            continue
        assert rule.code.startswith(prefixes[rule.lens.pillar]), rule.code
        assert rule.code[len(prefixes[rule.lens.pillar])] == hundreds[rule.target], rule.code


def test_each_check_belongs_to_exactly_one_rule() -> None:
    pairs = list(check_modules())
    codes = [code for code, _ in pairs]
    assert len(codes) == len(set(codes)), "two checks claim one code"
    rules = catalogue()
    for code, module in pairs:
        assert code in rules, f"{module} checks {code}, which has no rules/{code}.md"
        assert rules[code].target != "tool", "tool findings come from the engine"


def test_every_active_rule_has_bad_and_good_fixtures() -> None:
    for rule in catalogue().values():
        if rule.status == "planned" or rule.code == "WA002":
            continue  # WA002 cannot be provoked by input; test_engine injects a failing check
        folder = FIXTURES / f"{rule.code}-{rule.name}"
        assert (folder / "bad").is_dir() and (folder / "good").is_dir(), f"{folder} needs bad/ and good/"


def test_message_placeholders_are_known() -> None:
    for rule in catalogue().values():
        for field in re.findall(r"{(\w+)}", rule.message + rule.fix):
            assert field.isidentifier()
