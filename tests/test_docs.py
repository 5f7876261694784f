"""The README stays true: its rule table is generated from rules/, its Quickstart is what CI runs."""

from __future__ import annotations

import re

from conftest import PINNED_SELECT, REPO
from update_readme import without_preview_rows


def test_readme_rule_table_is_current(cli) -> None:
    """The README lists the rules that are not in preview: a new rule (which ships in preview) leaves it as it is."""
    readme = (REPO / "README.md").read_text()
    table = re.search(r"<!-- rules:start -->\n(.*?)<!-- rules:end -->", readme, re.DOTALL).group(1)
    assert table == without_preview_rows(cli("rules", "--output-format", "markdown").output), (
        "regenerate the README with `python tests/update_readme.py`"
    )


def test_quickstart_has_two_commands_and_ci_runs_the_second_verbatim() -> None:
    readme = (REPO / "README.md").read_text()
    block = re.search(r"## Quickstart\n\n```console\n(.*?)```", readme, re.DOTALL).group(1)
    commands = block.strip().splitlines()
    assert len(commands) == 2
    assert "wa-lint fixtures/demo" in commands[0]
    assert commands[1] in (REPO / ".ci/run").read_text().splitlines()


def test_readme_sample_output_is_what_the_demo_prints(cli, monkeypatch) -> None:
    readme = (REPO / "README.md").read_text()
    sample = re.search(r"```console\n\$ wa-lint fixtures/demo\n(.*?)```", readme, re.DOTALL).group(1)
    monkeypatch.chdir(REPO)
    # The sample shows the pinned rule set, so a new default rule does not change the README.
    actual = cli("fixtures/demo", "--isolated", "--no-cache", "--select", PINNED_SELECT).output
    timing = re.compile(r"\(\d+\.\d\ds\)\.$", re.MULTILINE)
    assert sample.strip(), "the README shows a sample run"
    assert timing.sub("(…)", sample) == timing.sub("(…)", actual), "regenerate the README with `python tests/update_readme.py`"
