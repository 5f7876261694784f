"""Hostile names (logical IDs, file names) cannot forge CI commands, break a format or drive a terminal.

Parametrized over every format the CLI offers (reporters.FORMATS): a new format must add its
structural check to STRUCTURE, or this test fails.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from wa_lint.report.formats import FORMATS

# Logical IDs that try: a new line carrying a GitHub command, the URL-encoded form of one, ANSI
# escapes (clear screen, a one-byte CSI), a bidi override, a Unicode line separator.
HOSTILE_IDS = [
    "Evil\n::error file=x.py,line=1::forged",
    "Encoded%0A::warning::forged%0D%0A##[error]forged",
    "Ansi\x1b[2J\x1b]0;title\x07\x9b31m",
    "Bidi\u202eevil\u2066",
    "Sep\u2028::error::forged\r##[warning]forged",
    '"Quote</failure><x a="&amp;',
]
HOSTILE_FILES = ["::error::forged.yaml", "##[warning]x.yaml", "new\nline.yaml"]
RAW_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
COMMAND_LINE = re.compile(r"^\s*(::|##\[)", re.MULTILINE)


def _yaml_key(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid YAML double-quoted scalar


def hostile_project(root: Path) -> int:
    """Write the project; return how many PERF001 findings it must produce."""
    resources = "".join(f"  {_yaml_key(name)}:\n    Type: AWS::Lambda::Function\n" for name in HOSTILE_IDS)
    template = f'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n{resources}'
    (root / "template.yaml").write_text(template)
    names = [os.fsencode(name) for name in HOSTILE_FILES] + [b"bad-\xff-utf8.yaml"]
    for name in names:
        with open(os.path.join(os.fsencode(root), name), "wb") as handle:
            handle.write(b'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Fn:\n    Type: AWS::Lambda::Function\n')
    return len(HOSTILE_IDS) + len(names)


def _json(text: str, findings: int) -> None:
    assert len(json.loads(text)["findings"]) == findings


def _text(text: str, findings: int) -> None:
    assert len(re.findall(r"^\S.*:\d+:\d+: PERF001 ", text, re.MULTILINE)) == findings


def _sarif(text: str, findings: int) -> None:
    assert sum(len(run["results"]) for run in json.loads(text)["runs"]) == findings


def _gitlab(text: str, findings: int) -> None:
    assert len(json.loads(text)) == findings


def _junit(text: str, findings: int) -> None:
    # One testcase per rule x file; each failure lists its findings a line each.
    failures = ElementTree.fromstring(text).findall(".//failure")
    listed = sum(len(re.findall(r": [A-Z]+[0-9]{3} \[", failure.text or "")) for failure in failures)
    assert listed == findings


def _github(text: str, findings: int) -> None:
    assert len(COMMAND_LINE.findall(text)) == findings


def _html(text: str, findings: int) -> None:
    from html.parser import HTMLParser

    class Elements(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.found: list[tuple[str, dict[str, str | None]]] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.found.append((tag, dict(attrs)))

    parser = Elements()
    parser.feed(text)
    assert sum(1 for tag, attrs in parser.found if "finding" in (attrs.get("class") or "").split()) == findings
    assert not [tag for tag, _ in parser.found if tag in ("script", "iframe", "object", "embed", "x")]
    assert not [name for _, attrs in parser.found for name in attrs if name.startswith("on")]


STRUCTURE = {"text": _text, "json": _json, "sarif": _sarif, "gitlab": _gitlab, "junit": _junit, "github": _github,
             "html": _html}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    root = tmp_path_factory.mktemp("hostile-output")
    (root / ".git").mkdir()
    return root, hostile_project(root)


@pytest.mark.parametrize("output_format", FORMATS)
@pytest.mark.parametrize("to_file", [False, True], ids=["stdout", "file"])
def test_hostile_names_cannot_escape_their_field(project: tuple[Path, int], output_format: str, to_file: bool,
                                                 tmp_path: Path) -> None:
    root, findings = project
    assert output_format in STRUCTURE, f"add a structural check for the new format {output_format!r}"
    report = tmp_path / "report.out"
    command = [sys.executable, "-m", "wa_lint", ".", "--isolated", "--select", "PERF001",
               "--output-format", output_format, "--color", "never"]
    if to_file:
        command += ["-o", str(report)]
    # A UTF-8 locale makes stdout strict about undecodable file names (the C locale would hide it).
    env = {**os.environ, "LC_ALL": "C.UTF-8", "PYTHONUTF8": "0"}
    done = subprocess.run(command, cwd=root, capture_output=True, env=env, timeout=120, check=False)
    assert b"Traceback" not in done.stderr + done.stdout, done.stderr.decode(errors="replace")
    assert done.returncode == 1, done.stderr.decode(errors="replace")
    raw = report.read_bytes() if to_file else done.stdout
    text = raw.decode("utf-8")  # strict: the report is valid UTF-8 whatever the file names
    assert not RAW_UNSAFE.search(text), "a control, bidi or separator character reached the output raw"
    if output_format != "github":
        assert not COMMAND_LINE.search(text), "a line would run as a CI workflow command"
    STRUCTURE[output_format](text, findings)
    for name in ("forged", "Evil", "Ansi", "Bidi"):
        assert name in text, "hostile names are shown (escaped), not dropped"


def test_non_finite_numbers_keep_the_model_json_valid(tmp_path: Path) -> None:
    (tmp_path / "template.json").write_text(
        '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"Fn": {"Type": "AWS::Lambda::Function",'
        ' "Properties": {"MemorySize": 1e999, "Timeout": -1e999}}}}'
    )
    done = subprocess.run([sys.executable, "-m", "wa_lint", str(tmp_path), "--isolated", "--show-model",
                           "--output-format", "json"], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    model = json.loads(done.stdout, parse_constant=lambda name: pytest.fail(f"{name} is not JSON"))
    assert model["functions"][0]["memory"]["value"] == "inf"
