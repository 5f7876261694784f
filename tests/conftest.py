from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from live_aws import aws, moto_server  # noqa: F401 - the live-mode fixtures (a moto server)

REPO = Path(__file__).resolve().parents[1]
# Subprocesses (`python -m wa_lint`) import this checkout too.
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "src"), os.environ.get("PYTHONPATH")]))
FIXTURES = REPO / "fixtures"
# One SAM function; tests fill in where its code is and which handler it names.
SAM_FUNCTION = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: {code_uri}
      Handler: {handler}
      Runtime: python3.12
      MemorySize: 256
"""
_EXPECT = re.compile(r"#\s*expect:\s*([A-Z]+[0-9]{3}(?:\s*,\s*[A-Z]+[0-9]{3})*)")


def expected_markers(root: Path, codes: set[str] | None = None) -> set[tuple[str, int | str, str]]:
    """(path relative to root, line, code) for every `# expect: CODE` marker under root.

    Files that cannot carry comments (JSON templates) list their expected findings in an `expected.json`
    at the fixture root instead: `[{"code": "PERF201", "path": "template.json", "resource": "Orders"}]`;
    those are (path, logical ID, code), and findings in JSON files are compared by logical ID.
    """
    found: set[tuple[str, int | str, str]] = set()
    listed = root / "expected.json"
    if listed.is_file():
        for item in json.loads(listed.read_text(encoding="utf-8")):
            if codes is None or item["code"] in codes:
                found.add((item["path"], item["resource"], item["code"]))
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix not in (".py", ".yaml", ".yml", ".template"):
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            match = _EXPECT.search(line)
            if match:
                for code in (c.strip() for c in match.group(1).split(",")):
                    if codes is None or code in codes:
                        found.add((path.relative_to(root).as_posix(), number, code))
    return found


def finding_keys(result, root: Path) -> set[tuple[str, int | str, str]]:
    """(path, line, code) per finding; (path, logical ID, code) for findings in JSON files."""
    return {
        (f.span.path.relative_to(root).as_posix(), f.resource if f.span.path.suffix == ".json" else f.span.line, f.code)
        for f in result.findings
    }


@pytest.fixture
def cli():
    from wa_lint.cli import main

    runner = CliRunner()

    def invoke(*args: str, **kwargs):
        return runner.invoke(main, list(args), catch_exceptions=False, **kwargs)

    return invoke
