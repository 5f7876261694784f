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


_CHOICE = re.compile(r"^(cost|ops|perf|rel|sec)_(cost|ops|perf|rel|sec)_q([0-9]+)_a[0-9]+$")
_QUESTION = re.compile(r"^(COST|OPS|PERF|REL|SEC) ([0-9]+)$")


def test_every_choice_id_names_the_question_its_mapping_names() -> None:
    """A Serverless Lens choice id (`ops_ops_q1_a3`) belongs to the mapping's question (OPS 1); null is
    allowed (no id could be cited, CONTRIBUTING.md), a missing key is not."""
    for code, rule in catalogue().items():
        for mapping in [rule.metadata["lens"], *rule.metadata.get("also", [])]:
            assert "choice_id" in mapping, code
            choice = mapping["choice_id"]
            if choice is None:
                continue
            found, question = _CHOICE.match(choice), _QUESTION.match(mapping["question"])
            assert found and question, (code, choice)
            assert found.group(1) == found.group(2) == question.group(1).lower(), (code, choice)
            assert found.group(3) == question.group(2), (code, choice, mapping["question"])


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


def test_every_check_follows_the_contract() -> None:
    from wa_lint.check.contract import SUBJECTS
    from wa_lint.check.registry import checks

    for code, check in checks().items():
        assert check.subject in SUBJECTS, code


@pytest.mark.parametrize(("source", "problem"), [
    ("def check(subject, project, options): ...", "mark `check` with @subject"),
    ("@subject('resource')\ndef check(subject, project, options): ...", "unknown check subject"),
    ("@subject('function')\ndef check(function, project): ...", "(subject, project, options) positionally"),
    ("@subject('table')\ndef check(table, project, options, index): ...", "`index` must be keyword-only"),
    ("CHECK = 1", "`check` is not a function"),
])
def test_the_registry_rejects_a_check_module_of_the_wrong_shape(source: str, problem: str) -> None:
    from wa_lint.check.contract import subject
    from wa_lint.check.registry import InvalidCheck, validate

    namespace: dict = {"subject": subject}
    with pytest.raises((InvalidCheck, ValueError), match=re.escape(problem)):
        exec(source, namespace)  # noqa: S102 - our own test snippets
        validate("wa_lint.check.template.example", namespace.get("check"))


def test_a_well_formed_check_passes_validation_with_or_without_the_index() -> None:
    from wa_lint.check.contract import subject
    from wa_lint.check.registry import validate, wants_index

    @subject("template")
    def plain(template, project, options):
        return []

    @subject("table")
    def indexed(table, project, options, *, index):
        return []

    validate("plain", plain)
    validate("indexed", indexed)
    assert (wants_index(plain), wants_index(indexed)) == (False, True)


def test_checks_share_run_wide_tables_through_the_index_not_the_model(monkeypatch) -> None:
    """PERF201 is per table; what every table's verdict needs (the readers) is built once per run."""
    from wa_lint.check.project import hot_read_table
    from wa_lint.config import Config
    from wa_lint.pipeline import run

    calls = []
    real = hot_read_table.readers
    monkeypatch.setattr(hot_read_table, "readers", lambda project, index: calls.append(1) or real(project, index))
    result = run([FIXTURES / "PERF201-hot-read-table-without-dax" / "bad"], Config(select=("PERF201",)), use_cache=False)
    assert len(result.project.tables) >= 2 and calls == [1]
    assert result.project.lookups.keys() <= {"module-index", "custom-resource-functions"}
