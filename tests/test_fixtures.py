"""Every rule on its own, with only that rule selected (so adding a rule changes only its own tests): its
fixtures give exactly the `# expect:` markers, and its doc's Example raises it while Use instead does not."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from conftest import FIXTURES, PINNED_RULES, SAM_FUNCTION, expected_markers, finding_keys

from wa_lint.check.registry import catalogue, split_front_matter
from wa_lint.config import Config, load_config
from wa_lint.pipeline import run


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
    """The demo's markers name what each rule should find; the rule set is pinned (a new rule has its own
    fixtures), and only rules that are active are compared."""
    root = FIXTURES / "demo"
    active = {code for code, rule in catalogue().items() if rule.status == "active" and code in PINNED_RULES}
    result = run([root], Config(select=PINNED_RULES))
    assert finding_keys(result, root) == expected_markers(root, active)
    assert result.stats.templates == 1


# -- each rule doc's Example / Use instead blocks, as that rule's tests (Fixit's VALID/INVALID) ---------------

_FENCE = re.compile(r"(?P<marker><!--\s*not-a-test\s*-->\s*\n)?```(?P<lang>[a-z]*)\n(?P<body>.*?)^```", re.DOTALL | re.MULTILINE)
_SECTION = re.compile(r"^## (?P<title>.+?)\n(?P<body>.*?)(?=^## |\Z)", re.DOTALL | re.MULTILINE)
_HANDLER_DEF = re.compile(r"^def (\w+)\(\s*\w+\s*,\s*\w+\s*\)", re.MULTILINE)
_CODE_URI = re.compile(r"^\s*CodeUri:\s*(\S+)", re.MULTILINE)
_HANDLER = re.compile(r"^\s*Handler:\s*([\w./-]+)", re.MULTILINE)
RUNNABLE = ("yaml", "python")
# WA002 reports a failure of wa-lint itself: no input a doc could show raises it on purpose.
NO_RUNNABLE_EXAMPLE = {
    "WA002": "an internal error has no input that raises it by design",
    # Its evidence is the deployed stack (--aws), which a doc block cannot carry; its fixtures bring one.
    "OPS008": "it compares the template with the deployed stack",
}
# The rules a tool rule's doc example judges (WA003's example suppresses a PERF101 finding).
DOC_COMPANIONS = {"WA003": ("PERF101",)}


def doc_blocks(code: str, section: str) -> list[tuple[str, str]]:
    """(language, text) of the runnable fenced blocks of one section of rules/CODE.md."""
    _, doc = split_front_matter(catalogue()[code].source.read_text(encoding="utf-8"))  # with its test notes
    for match in _SECTION.finditer(doc):
        if match.group("title").strip() == section:
            return [(fence.group("lang"), fence.group("body")) for fence in _FENCE.finditer(match.group("body"))
                    if fence.group("lang") in RUNNABLE and not fence.group("marker")]
    return []


def _template(text: str) -> str:
    """A doc's YAML as a template: a fragment of resources (`Orders: {Type: ...}`) goes under Resources."""
    if re.search(r"^(Resources|AWSTemplateFormatVersion|Transform):", text, re.MULTILINE):
        return text
    return "Resources:\n" + textwrap.indent(text, "  ")


def write_doc_project(root: Path, blocks: list[tuple[str, str]]) -> None:
    """One project from a section's blocks: the YAML is the template; the Python is the handler module its
    function names (or, with no template, a module linked by a generated minimal SAM template)."""
    yaml_blocks = [text for lang, text in blocks if lang == "yaml"]
    python_blocks = [text for lang, text in blocks if lang == "python"]
    template = "\n".join(_template(text) for text in yaml_blocks)
    if not yaml_blocks:
        handler = next((m.group(1) for text in python_blocks for m in _HANDLER_DEF.finditer(text)), "lambda_handler")
        template = SAM_FUNCTION.format(code_uri=".", handler=f"app.{handler}")
    (root / "template.yaml").write_text(template)
    code_uri = _CODE_URI.search(template)
    handler_text = _HANDLER.search(template)
    folder = root / (code_uri.group(1) if code_uri else ".")
    module = handler_text.group(1).rpartition(".")[0].replace(".", "/") if handler_text else "app"
    for number, text in enumerate(python_blocks):
        path = folder / (f"{module}.py" if number == 0 else f"module_{number}.py")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def doc_cases() -> list[tuple[str, str]]:
    return [(code, section) for code in sorted(catalogue()) for section in ("Example", "Use instead")
            if doc_blocks(code, section)]


@pytest.mark.parametrize(("code", "section"), doc_cases(), ids=lambda v: v)
def test_rule_doc_example_raises_the_rule_and_use_instead_does_not(code: str, section: str, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write_doc_project(tmp_path, doc_blocks(code, section))
    result = run([tmp_path], Config(select=(code, *DOC_COMPANIONS.get(code, ()))), use_cache=False)
    codes = [finding.code for finding in result.findings]
    if section == "Example":
        assert code in codes, f"rules/{code}.md: its Example does not raise {code} ({result.diagnostics})"
    else:
        assert code not in codes, f"rules/{code}.md: its Use instead raises {code}: {result.findings}"


def test_every_rule_doc_has_a_runnable_example_and_use_instead() -> None:
    """A block that only illustrates is marked `<!-- not-a-test -->` on the line before its fence; every
    rule keeps at least one runnable block in each section."""
    for code in catalogue():
        if code in NO_RUNNABLE_EXAMPLE:
            continue
        for section in ("Example", "Use instead"):
            assert doc_blocks(code, section), f"rules/{code}.md: no runnable yaml/python block under ## {section}"


def test_doc_blocks_are_read_as_marked(tmp_path: Path) -> None:
    """The harness itself: a marked block is skipped, an unmarked one runs, other languages are prose."""
    doc = ("## Example\n```python\nx = 1\n```\n<!-- not-a-test -->\n```python\ny = 2\n```\n```toml\na = 1\n```\n"
           "## Use instead\n```yaml\nOrders:\n  Type: AWS::DynamoDB::Table\n```\n")
    blocks = [(f.group("lang"), f.group("body"), bool(f.group("marker"))) for f in _FENCE.finditer(doc)]
    assert blocks == [("python", "x = 1\n", False), ("python", "y = 2\n", True), ("toml", "a = 1\n", False),
                      ("yaml", "Orders:\n  Type: AWS::DynamoDB::Table\n", False)]
    assert _template("Orders:\n  Type: AWS::DynamoDB::Table\n").startswith("Resources:\n  Orders:\n")
