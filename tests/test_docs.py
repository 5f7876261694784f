"""The README stays true: its rule table is generated from rules/, its Quickstart is what CI runs."""

from __future__ import annotations

import re

from conftest import REPO
from update_readme import SAMPLE, SAMPLE_SELECT, is_preview_row


def test_readme_rule_table_is_current(cli) -> None:
    """Every README row is the generated row of that rule, in catalogue order, and every rule out of preview
    has one. A new rule ships in preview, so it needs no README edit; `python tests/update_readme.py` adds
    its row (and every other) when it is wanted."""
    readme = (REPO / "README.md").read_text()
    table = re.search(r"<!-- rules:start -->\n(.*?)<!-- rules:end -->", readme, re.DOTALL).group(1)
    generated = cli("rules", "--output-format", "markdown").output.splitlines()
    rows = table.splitlines()
    hint = "regenerate the README with `python tests/update_readme.py`"
    assert rows[:2] == generated[:2], hint
    assert rows == [row for row in generated if row in rows], hint  # no stale row, none out of order
    assert [row for row in generated[2:] if not is_preview_row(row)] == [row for row in rows[2:]
                                                                         if not is_preview_row(row)], hint


def test_quickstart_has_two_commands_and_ci_runs_the_second_verbatim() -> None:
    readme = (REPO / "README.md").read_text()
    block = re.search(r"## Quickstart\n\n```console\n(.*?)```", readme, re.DOTALL).group(1)
    commands = block.strip().splitlines()
    assert len(commands) == 2
    assert "wa-lint fixtures/demo" in commands[0]
    assert commands[1] in (REPO / ".ci/run").read_text().splitlines()


def test_readme_sample_output_is_what_the_demo_prints(cli, monkeypatch) -> None:
    readme = (REPO / "README.md").read_text()
    sample = re.search(SAMPLE, readme, re.DOTALL).group(2)
    monkeypatch.chdir(REPO)
    actual = cli("fixtures/demo", "--isolated", "--no-cache", "--select", SAMPLE_SELECT).output
    timing = re.compile(r"\(\d+\.\d\ds\)\.$", re.MULTILINE)
    assert sample.strip(), "the README shows a sample run"
    assert timing.sub("(…)", sample) == timing.sub("(…)", actual), "regenerate the README with `python tests/update_readme.py`"
