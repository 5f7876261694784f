"""Suppressions: comments in Python and YAML, template Metadata, per-file-ignores; WA003 and WA004."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from wa_lint.config import Config
from wa_lint.link.model import Project
from wa_lint.pipeline import run
from wa_lint.report.findings import Finding, Span
from wa_lint.report.suppressions import Suppressor

FUNCTION = "    Type: AWS::Serverless::Function\n    Properties:\n      Handler: app.handler\n      Runtime: python3.12\n"


def template(*resources: str, head: str = "") -> str:
    return "AWSTemplateFormatVersion: '2010-09-09'\n" + head + "Resources:\n" + "".join(resources)


def findings(root: Path, *codes: str) -> list[tuple[str, int, str]]:
    result = run([root], Config(select=codes or ("PERF001",)))
    return [(f.span.path.name, f.span.line, f.code) for f in result.findings]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    return tmp_path


def test_yaml_comment_on_or_just_above_the_key(project: Path) -> None:
    (project / "template.yaml").write_text(template(
        "  # wa-lint: ignore[PERF001] measured: 128 MB won\n  Above:\n" + FUNCTION,
        "  Trailing:  # wa-lint: ignore[PERF001] measured\n" + FUNCTION,
        "  # wa-lint: ignore[PERF001] too far away\n\n  Gap:\n" + FUNCTION,
        "  OtherCode:  # wa-lint: ignore[SEC101]\n" + FUNCTION,
        "  Prefix:  # noqa: PERF001\n" + FUNCTION,
    ))
    assert [line for _, line, _ in findings(project)] == [16, 21], "only Gap and OtherCode are reported"
    assert ("template.yaml", 14, "WA003") in findings(project, "PERF001", "WA003")


def test_yaml_comment_on_a_property_line_does_not_cover_the_resource(project: Path) -> None:
    (project / "template.yaml").write_text(template(
        "  Fn:\n    Type: AWS::Serverless::Function  # wa-lint: ignore[PERF001]\n"
        "    Properties:\n      Handler: app.handler\n"))
    assert findings(project) == [("template.yaml", 3, "PERF001")]


def test_metadata_on_a_resource_and_at_the_root_including_json(project: Path) -> None:
    metadata = "    Metadata:\n      wa-lint:\n        ignore:\n          - code: PERF001\n            reason: measured\n"
    (project / "a.yaml").write_text(template("  Quiet:\n" + metadata + FUNCTION, "  Loud:\n" + FUNCTION))
    (project / "b.yaml").write_text(template(
        "  One:\n" + FUNCTION, "  Two:\n" + FUNCTION,
        head="Metadata:\n  wa-lint:\n    ignore: [PERF]\n"))
    (project / "c.json").write_text(
        '{"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Metadata": {"wa-lint": {"ignore": '
        '[{"code": "PERF001", "reason": "JSON has no comments"}]}}, "Properties": {"Handler": "a.b"}},'
        ' "Other": {"Type": "AWS::Lambda::Function", "Properties": {"Handler": "a.b"}}}}')
    assert findings(project) == [("a.yaml", 13, "PERF001"), ("c.json", 1, "PERF001")]


def test_python_comments_on_the_line_the_line_before_and_file_wide(project: Path) -> None:
    (project / "template.yaml").write_text(template(
        "  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: app.handler\n"
        "      MemorySize: 512\n"))
    broken = "def handler(event, context):\n    print 'x'{}\n    return event\n"
    for suffix, reported in [("  # wa-lint: ignore[WA001] kept as it was", False), ("  # noqa: WA001", False),
                             ("  # noqa: E501", True), ("  # wa-lint: ignore[PERF001]", True),
                             ("  # wa-lint: ignore", True), ("  # wa-lint: ignore[WA]", False)]:
        (project / "app.py").write_text(broken.format(suffix))
        assert bool(findings(project, "WA001")) is reported, suffix
    (project / "app.py").write_text("def handler(event, context):\n    # wa-lint: ignore[WA001] py2 on purpose\n"
                                    "    print 'x'\n")
    assert findings(project, "WA001") == []
    (project / "app.py").write_text("# wa-lint: file-ignore[WA001] a Python 2 file kept for reference\n"
                                    "def handler(event, context):\n\n    print 'x'\n")
    assert findings(project, "WA001") == []
    (project / "app.py").write_text("def handler(event, context):\n    s = '# wa-lint: ignore[WA001]'\n"
                                    "    print s\n")
    assert findings(project, "WA001") == [("app.py", 3, "WA001")], "a string is not a comment"


def _finding(project: Path, path: Path, line: int, **changes) -> Finding:
    (project / "t.yaml").write_text(template("  Fn:\n" + FUNCTION))
    base = run([project / "t.yaml"], Config(select=("PERF001",))).findings[0]
    return replace(base, span=Span(path, line, 5, line, 9), function=None, **changes)


def test_multi_line_findings_and_metadata_covering_handler_code(project: Path) -> None:
    code = project / "src" / "app.py"
    code.parent.mkdir()
    code.write_text("x = call(\n    1,\n)  # wa-lint: ignore[PERF001] on the last line of the statement\ny = 2\n")
    multi = _finding(project, code, 1, resource=None)
    multi = replace(multi, span=Span(code, 1, 5, 3, 2))
    single = _finding(project, code, 4, resource=None)
    meta = template("  Fn:\n    Metadata:\n      wa-lint:\n        ignore: [PERF001]\n" + FUNCTION)
    (project / "t.yaml").write_text(meta)
    result = run([project / "t.yaml"], Config(select=("PERF001",)))
    suppressor = Suppressor(Config(), result.project, {"PERF001"}, result.rules)
    handler_finding = replace(single, function="Fn")
    kept, problems = suppressor.apply([multi, single, handler_finding])
    assert kept == [single] and problems == []


def test_unused_suppressions_only_with_wa003_and_only_for_rules_that_ran(project: Path) -> None:
    (project / "template.yaml").write_text(template(
        "  Fn:  # wa-lint: ignore[PERF001] stale\n" + FUNCTION.replace("Properties:\n", "Properties:\n      MemorySize: 256\n"),
        "  Other:  # wa-lint: ignore[SEC101] a rule that did not run\n" + FUNCTION.replace(
            "Properties:\n", "Properties:\n      MemorySize: 256\n")))
    assert findings(project, "PERF001") == []
    assert findings(project, "PERF001", "WA003") == [("template.yaml", 3, "WA003")]


def test_blanket_suppressions_are_reported_by_default_and_suppress_nothing(project: Path) -> None:
    (project / "template.yaml").write_text(template("  Fn:  # wa-lint: ignore\n" + FUNCTION))
    result = run([project], Config())
    assert sorted((f.code, f.span.line) for f in result.findings) == [("PERF001", 3), ("WA004", 3)]


def test_per_file_ignores_apply_before_comments(project: Path) -> None:
    (project / "template.yaml").write_text(template("  Fn:  # wa-lint: ignore[PERF001]\n" + FUNCTION))
    config = Config(per_file_ignores=(("*.yaml", ("PERF",)),), extend_select=("WA003",))
    result = run([project], config)
    assert [f.code for f in result.findings] == ["WA003"], "the comment silenced nothing the file ignore had not"


def test_suppressor_reads_nothing_for_files_without_directives(project: Path) -> None:
    (project / "plain.py").write_text("x = 1\n")
    suppressor = Suppressor(Config(), Project(project), set(), [])
    assert suppressor.suppressions(project / "plain.py") == []


def test_upper_case_directive_alone_in_a_file_is_still_read(project: Path) -> None:
    (project / "template.yaml").write_text(template("  Fn:\n" + FUNCTION.replace("python3.12", "python3.12\n"
                                                                                   "      MemorySize: 256")))
    (project / "app.py").write_text("def handler(event, context):\n    return event  # WA-LINT: IGNORE\n")
    assert findings(project, "WA004") == [("app.py", 2, "WA004")]


@pytest.mark.parametrize("suppression", [
    "  # wa-lint: ignore[PERF101] a one-off batch job\n  Job:\n",
    "  Job:  # wa-lint: ignore[PERF101] a one-off batch job\n",
    "  Job:\n    Metadata:\n      wa-lint:\n        ignore: [PERF101]\n",
])
def test_a_comment_on_a_function_key_covers_its_handler_code_as_metadata_does(project: Path,
                                                                              suppression: str) -> None:
    function = ("    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/\n"
                "      Handler: {module}.handler\n      Runtime: python3.12\n      MemorySize: 256\n")
    (project / "template.yaml").write_text(template(
        suppression + function.format(module="job"), "  Api:  # wa-lint: ignore[PERF001]\n" + function.format(
            module="api")))
    (project / "src").mkdir()
    handler = "import boto3\n\ndef handler(event, context):\n    return boto3.client('s3').list_buckets()\n"
    for module in ("job", "api"):
        (project / "src" / f"{module}.py").write_text(handler)
    assert findings(project, "PERF101") == [("api.py", 4, "PERF101")], "Job's code is covered, Api's is not"
    assert findings(project, "PERF101", "WA003") == [("api.py", 4, "PERF101")], "so it is not unused (WA003)"
