"""The checks of template fixes' edits cached in `.wa_lint_cache/edit-checks/`: a warm run loads no edited
template again, and an entry that does not fit (or belongs to other edits or another text) is a miss."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wa_lint.fix.edit_checks import EditChecks
from wa_lint.load.template import edit as module
from wa_lint.load.template.document import parse_template
from wa_lint.load.template.edit import Proposal, propose_entry, propose_value

TEXT = """\
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      MemorySize: 128
      Handler: index.handler
"""
PROPS = ("Resources", "Fn", "Properties")


@pytest.fixture
def loads(monkeypatch) -> list[int]:
    counted: list[int] = []
    hold = module._hold
    monkeypatch.setattr(module, "_hold", lambda t, proposals: counted.append(len(proposals)) or hold(t, proposals))
    return counted


def _proposals(text: str = TEXT) -> list[Proposal]:
    template = parse_template(Path("template.yaml"), text)
    found = [propose_value(template, (*PROPS, "MemorySize"), 512), propose_entry(template, PROPS, "Tracing", "Active")]
    wrong = propose_entry(template, PROPS, "Timeout", 30)
    assert all(found) and wrong
    return [*found, Proposal(template, wrong.edit, wrong.path, 31)]  # type: ignore[list-item]


def test_a_second_check_of_the_same_edits_loads_nothing(tmp_path: Path, loads: list[int]) -> None:
    first = EditChecks(tmp_path / ".wa_lint_cache").check_together(_proposals())
    assert first == [True, True, False] and loads
    loads.clear()
    again = EditChecks(tmp_path / ".wa_lint_cache")
    assert again.check_together(_proposals()) == first and not loads and again.hits == 1


def test_other_text_or_other_edits_are_a_miss(tmp_path: Path, loads: list[int]) -> None:
    cache = tmp_path / ".wa_lint_cache"
    EditChecks(cache).check_together(_proposals())
    loads.clear()
    EditChecks(cache).check_together(_proposals(TEXT.replace("128", "256")))
    assert loads
    loads.clear()
    assert EditChecks(cache).check_together(_proposals()[:2]) == [True, True] and loads


@pytest.mark.parametrize("payload", [[True], [True, 1, False], {"a": 1}, "x", [True, True, None]])
def test_an_entry_that_does_not_fit_is_a_miss(tmp_path: Path, loads: list[int], payload) -> None:
    checks = EditChecks(tmp_path / ".wa_lint_cache")
    proposals = _proposals()
    key = checks.key(proposals)
    assert key is not None
    checks.write(key, json.dumps(payload).encode())
    loads.clear()
    assert checks.check_together(proposals) == [True, True, False] and loads and checks.misses == 1
