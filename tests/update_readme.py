"""Regenerate the README's generated parts: `python tests/update_readme.py` (tests/test_docs.py checks them).

- the rule table between `<!-- rules:start -->` and `<!-- rules:end -->` (`wa-lint rules --output-format markdown`);
- the sample output under "What it looks like" (`wa-lint fixtures/demo`).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _wa_lint(*args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.run([sys.executable, "-m", "wa_lint", *args], capture_output=True, text=True, env=env,
                          cwd=REPO, check=False).stdout


def main() -> None:
    readme = REPO / "README.md"
    text = readme.read_text()
    table = _wa_lint("rules", "--output-format", "markdown")
    text = re.sub(r"(<!-- rules:start -->\n).*?(<!-- rules:end -->)", lambda m: m.group(1) + table + m.group(2),
                  text, flags=re.DOTALL)
    demo = _wa_lint("fixtures/demo", "--isolated", "--no-cache")
    text = re.sub(r"(```console\n\$ wa-lint fixtures/demo\n).*?(```)", lambda m: m.group(1) + demo + m.group(2),
                  text, flags=re.DOTALL)
    readme.write_text(text)


if __name__ == "__main__":
    main()
