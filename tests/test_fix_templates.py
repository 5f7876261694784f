"""PERF001 fixes on template pairs (`template.yaml` → `template.fixed.yaml`, JSON likewise): exact output,
the result parses and re-lints without PERF001, a second run is a no-op, and unsafe edits wait."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIXTURES

from wa_lint.config import load_config
from wa_lint.fix.apply import FixOutcome, fix_files
from wa_lint.load.template.yaml_loader import load_yaml
from wa_lint.pipeline import run

CASES = FIXTURES / "autofix-templates"
# Shared values (Globals, a parameter's Default): applied only with --unsafe-fixes.
UNSAFE = {"yaml-globals-shared", "yaml-insert-globals", "yaml-parameter-default", "json-globals-shared",
          "json-insert-globals"}
FIXED = sorted(p.parent.name for p in CASES.glob("*/template.fixed.*"))


def _template(root: Path) -> Path:
    (found,) = [p for p in root.iterdir() if p.name.startswith("template.") and ".fixed." not in p.name]
    return found


def _copy(case: str, tmp_path: Path, transform: Callable[[bytes], bytes] = lambda data: data) -> Path:
    root = tmp_path / case
    root.mkdir()
    for source in (CASES / case).rglob("*"):
        target = root / source.relative_to(CASES / case)
        if source.is_dir():
            target.mkdir(exist_ok=True)
        elif ".fixed." not in source.name:
            data = source.read_bytes()
            target.write_bytes(transform(data) if source.name.startswith("template.") else data)
    return root


def _fix(root: Path, unsafe: bool) -> FixOutcome:
    config = load_config(root / "wa-lint.toml").with_overrides(select=("PERF001",))
    return fix_files(lambda: run([root], config, use_cache=False, jobs=1), unsafe=unsafe)


def _load(template: Path, data: bytes) -> dict:
    if template.suffix == ".json":
        return json.loads(data)  # the standard library's reading, not ours
    loaded, problems = load_yaml(data.decode())
    assert not problems
    return loaded


def _crlf(data: bytes) -> bytes:
    return data.replace(b"\n", b"\r\n")


@pytest.mark.parametrize("transform", [lambda d: d, _crlf], ids=["lf", "crlf"])
@pytest.mark.parametrize("case", FIXED)
def test_template_pair_exact_output_parses_relints_clean_and_settles(case: str, transform, tmp_path: Path) -> None:
    root = _copy(case, tmp_path, transform)
    template = _template(root)
    before = template.read_bytes()
    outcome = _fix(root, unsafe=True)
    assert not outcome.failures
    (expected,) = (CASES / case).glob("template.fixed.*")
    after = template.read_bytes()
    assert after == transform(expected.read_bytes())
    loaded, original = _load(template, after), _load(template, before)
    assert loaded != original and loaded["Resources"].keys() == original["Resources"].keys()
    assert outcome.fixed and [f for f in outcome.result.findings if f.code == "PERF001"] == []
    again = _fix(root, unsafe=True)
    assert again.fixed == 0 and not again.changes and template.read_bytes() == after


@pytest.mark.parametrize("case", sorted(UNSAFE))
def test_shared_values_wait_for_unsafe_fixes(case: str, tmp_path: Path) -> None:
    root = _copy(case, tmp_path)
    before = _template(root).read_bytes()
    outcome = _fix(root, unsafe=False)
    assert outcome.fixed == 0 and outcome.more_with_unsafe() == 2 - (case == "yaml-parameter-default")
    assert _template(root).read_bytes() == before


@pytest.mark.parametrize("case", sorted(set(FIXED) - UNSAFE))
def test_a_functions_own_value_is_fixed_without_unsafe_fixes(case: str, tmp_path: Path) -> None:
    root = _copy(case, tmp_path)
    outcome = _fix(root, unsafe=False)
    assert outcome.fixed and not outcome.remaining()


def test_json_insertions_take_the_indentation_of_their_siblings(tmp_path: Path) -> None:
    for case in ("json-insert-and-replace", "json-insert-globals"):
        root = _copy(case, tmp_path)
        _fix(root, unsafe=True)
        lines = _template(root).read_text().splitlines()
        inserted = [i for i, line in enumerate(lines) if '"MemorySize"' in line]
        assert inserted, case
        for index in inserted:
            indent = lines[index][: len(lines[index]) - len(lines[index].lstrip())]
            sibling = lines[index - 1]
            assert sibling.startswith(indent) and not sibling[len(indent)].isspace(), (case, lines[index - 1:index + 1])


def test_a_parameter_shared_by_functions_whose_optima_differ_is_not_fixed_and_says_why(tmp_path: Path) -> None:
    root = _copy("yaml-parameter-disagree", tmp_path)
    before = _template(root).read_bytes()
    outcome = _fix(root, unsafe=True)
    assert outcome.fixed == 0 and _template(root).read_bytes() == before
    findings = {finding.resource: finding for finding in outcome.result.findings}
    assert set(findings) == {"OrdersFunction", "InvoicesFunction"}
    for finding in findings.values():
        assert finding.fixes == ()
        assert ("(not fixed automatically: parameter FunctionMemory is shared by InvoicesFunction, OrdersFunction "
                "whose tuned optima differ: 512 vs 1024; set MemorySize on each function)") in finding.message
    assert "set MemorySize: 512 on OrdersFunction itself" in findings["OrdersFunction"].fix


def test_globals_shared_by_functions_whose_optima_differ_gives_each_its_own(tmp_path: Path) -> None:
    root = _copy("yaml-globals-disagree", tmp_path)
    result = run([root], load_config(root / "wa-lint.toml").with_overrides(select=("PERF001",)), use_cache=False)
    for finding in result.findings:
        (fix,) = finding.fixes
        assert str(fix.applicability) == "safe" and "'s Properties (it overrides Globals)" in finding.fix
        assert ("Globals.Function.MemorySize is shared by InvoicesFunction, OrdersFunction whose tuned optima "
                "differ: 1024 vs 2048") in finding.fix


def test_globals_without_a_function_section_gets_one(tmp_path: Path) -> None:
    root = _copy("yaml-insert-globals", tmp_path)
    template = _template(root)
    text = template.read_text()
    start, end = text.index("Globals:"), text.index("Resources:")
    template.write_text(text[:start] + "Globals:\n  Api:\n    OpenApiVersion: 3.0.1\n\n" + text[end:].replace(
        "      CodeUri: orders/\n", "      CodeUri: orders/\n      Runtime: python3.12\n"))
    _fix(root, unsafe=True)
    assert "Globals:\n  Api:\n    OpenApiVersion: 3.0.1\n  Function:\n    MemorySize: 1536\n\n" in template.read_text()
