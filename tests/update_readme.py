"""Regenerate the README's generated parts: `python tests/update_readme.py` (tests/test_docs.py checks them).

- the rule table between `<!-- rules:start -->` and `<!-- rules:end -->` (`wa-lint rules --output-format markdown`;
  the test requires a row for every rule out of preview, so a new rule, which ships in preview, needs no README edit);
- the sample output under "What it looks like" (`wa-lint fixtures/demo`, with the pinned rule set of the tests).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# The sample shows the core checks that read template and code together, as its command line says.
SAMPLE_SELECT = "PERF,SEC"
SAMPLE = r"(```console\n\$ wa-lint --select PERF,SEC fixtures/demo\n)(.*?)(```)"


def _wa_lint(*args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.run([sys.executable, "-m", "wa_lint", *args], capture_output=True, text=True, env=env,
                          cwd=REPO, check=False).stdout


def is_preview_row(row: str) -> bool:
    """A rule-table row of a rule in preview (tests/test_docs.py does not require those in the README)."""
    return row.rstrip().endswith("| preview |")


def main() -> None:
    readme = REPO / "README.md"
    text = readme.read_text()
    table = _wa_lint("rules", "--output-format", "markdown")
    text = re.sub(r"(<!-- rules:start -->\n).*?(<!-- rules:end -->)", lambda m: m.group(1) + table + m.group(2),
                  text, flags=re.DOTALL)
    demo = _wa_lint("fixtures/demo", "--isolated", "--no-cache", "--select", SAMPLE_SELECT)
    text = re.sub(SAMPLE, lambda m: m.group(1) + demo + m.group(3), text, flags=re.DOTALL)
    readme.write_text(text)


if __name__ == "__main__":
    main()
