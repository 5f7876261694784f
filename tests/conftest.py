from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
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
# The rules the golden, demo, README-sample and hostile tests assert: pinned, so that adding a default
# rule changes only that rule's own tests (and nobody regenerates golden files for it).
PINNED_RULES = ("PERF001", "PERF101", "PERF102", "PERF201", "SEC101", "WA001", "WA002", "WA004", "WA005")
PINNED_SELECT = ",".join(PINNED_RULES)
_EXPECT = re.compile(r"#\s*expect:\s*([A-Z]+[0-9]{3}(?:\s*,\s*[A-Z]+[0-9]{3})*)")


def copy_pair_inputs(case: Path, target: Path, transform: Callable[[bytes], bytes] = lambda data: data) -> Path:
    """The files of a fix fixture pair's folder `case` but its `*.fixed.*` expectations, copied into the new
    folder `target` through `transform` (CRLF, a BOM); returns `target`."""
    target.mkdir()
    for source in case.iterdir():
        if ".fixed." not in source.name:
            (target / source.name).write_bytes(transform(source.read_bytes()))
    return target


def crlf(data: bytes) -> bytes:
    """The text with Windows line endings: fixes must keep them."""
    return data.replace(b"\n", b"\r\n")


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


# Tests about one rule (its fixtures and doc examples) and about the catalogue and selection themselves see
# the real default rule set; every other test runs with the pinned one.
_REAL_DEFAULTS = {"test_fixtures", "test_catalogue", "test_selection"}


@pytest.fixture(autouse=True)
def pinned_default_rules(request, monkeypatch):
    """Rules added after PINNED_RULES are off by default here, so a new default rule changes only its own tests.

    Applies to runs in this process (the API and the CLI runner); tests that start `wa-lint` as a
    subprocess pass `--select` with PINNED_SELECT themselves.
    """
    if request.module.__name__.rsplit(".", 1)[-1] in _REAL_DEFAULTS:
        yield
        return
    from dataclasses import replace

    from wa_lint.check import registry

    rules = registry.catalogue()
    for code, rule in list(rules.items()):
        if code not in PINNED_RULES and rule.enabled_by_default:
            monkeypatch.setitem(rules, code, replace(rule, enabled_by_default=False))
    yield


def later(path: Path) -> None:
    """Give `path` a modification time one second on, as a change made after a run would carry (the
    clock moves on between runs; within one test it may not have ticked)."""
    status = os.stat(path)
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns + 10**9))


@pytest.fixture
def trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Statuses taken before a run count as old enough to trust, as they would seconds later (no
    racy-status digests: wa_lint/inputs.py)."""
    from wa_lint import inputs

    monkeypatch.setattr(inputs, "RACY_MARGIN_NS", 0)
