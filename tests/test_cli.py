"""The command as a user runs it: exit codes, formats, colour, rule docs, the model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES, REPO

DEMO = FIXTURES / "demo"
CLEAN = FIXTURES / "PERF001-untuned-memory" / "good"
BAD = FIXTURES / "PERF001-untuned-memory" / "bad"


def test_exit_codes(cli) -> None:
    assert cli(str(CLEAN), "--isolated").exit_code == 0
    assert cli(str(BAD), "--isolated").exit_code == 1
    assert cli(str(BAD), "--isolated", "--exit-zero").exit_code == 0
    assert cli(str(BAD), "--output-format", "nonsense").exit_code == 2
    assert cli("rule", "NOPE999").exit_code == 2


def test_missing_path_is_an_error(cli, tmp_path: Path) -> None:
    result = cli(str(tmp_path / "nowhere"), "--isolated")
    assert result.exit_code == 2
    assert "no such file or directory" in result.output


def test_text_output_is_ruff_style_with_lens_fix_and_summary(cli, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    result = cli("fixtures/PERF001-untuned-memory/bad", "--isolated")
    lines = result.output.splitlines()
    assert lines[0].startswith(
        "fixtures/PERF001-untuned-memory/bad/template.yaml:11:3: PERF001 [untuned-memory] NoMemoryFunction"
    )
    assert lines[1] == "  PERF 1 · Measure, evaluate, and select optimum capacity units (Performance efficiency)"
    assert lines[2].startswith("  fix: add MemorySize")
    assert lines[-1].startswith("Found 2 findings (2 warnings) in 1 template and 1 Python file; 2 functions, 2 with local code (")
    assert "\x1b[" not in result.output, "no colour when not a terminal"


def test_colour_always_and_never(cli) -> None:
    assert "\x1b[" in cli(str(BAD), "--isolated", "--color", "always").output
    assert "\x1b[" not in cli(str(BAD), "--isolated", "--color", "never").output


def test_no_color_is_honoured_on_a_terminal(tmp_path: Path) -> None:
    script = (
        "import pty, os, sys\n"
        "pid, fd = pty.fork()\n"
        "if pid == 0:\n"
        f"    os.execvp(sys.executable, [sys.executable, '-m', 'wa_lint', {str(BAD)!r}, '--isolated'])\n"
        "out = b''\n"
        "while True:\n"
        "    try:\n        chunk = os.read(fd, 4096)\n    except OSError:\n        break\n"
        "    if not chunk:\n        break\n    out += chunk\n"
        "os.waitpid(pid, 0)\n"
        "sys.stdout.write(repr(out))\n"
    )
    coloured = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              env={**os.environ, "NO_COLOR": ""}).stdout
    env = {**os.environ, "NO_COLOR": "1"}
    plain = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env).stdout
    assert "\\x1b[" in coloured
    assert "\\x1b[" not in plain and "PERF001" in plain


def test_json_contract(cli, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.chdir(REPO)
    result = cli("fixtures/PERF001-untuned-memory/bad", "--isolated", "--output-format", "json")
    document = json.loads(result.output)
    assert set(document) == {"version", "findings", "errors", "summary"}
    finding = document["findings"][0]
    assert finding == {
        "code": "PERF001",
        "name": "untuned-memory",
        "severity": "warning",
        "path": "fixtures/PERF001-untuned-memory/bad/template.yaml",
        "line": 11,
        "column": 3,
        "end_line": 11,
        "end_column": 19,
        "message": "NoMemoryFunction sets no MemorySize, so it runs with the Lambda default of 128 MB",
        "fix": finding["fix"],
        "fixes": [],  # no measurement says which MemorySize to write
        "evidence": [],
        "resource": "NoMemoryFunction",
        "function": "NoMemoryFunction",
        "lens": {
            "pillar": "Performance efficiency",
            "question": "PERF 1",
            "best_practice": "Measure, evaluate, and select optimum capacity units",
            "choice_id": "perf_perf_q1_a3",
            "url": "https://docs.aws.amazon.com/wellarchitected/latest/serverless-applications-lens/optimize.html",
        },
    }
    assert finding["fix"].startswith("add MemorySize")
    assert document["summary"]["findings"] == 2
    assert document["summary"]["by_severity"] == {"error": 0, "warning": 2, "info": 0}


def test_output_file_is_written_whole(cli, tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.json"
    result = cli(str(BAD), "--isolated", "--output-format", "json", "-o", str(target))
    assert result.exit_code == 1 and result.output == ""
    assert json.loads(target.read_text())["summary"]["findings"] == 2
    assert [p.name for p in target.parent.iterdir()] == ["report.json"], "no temporary file left behind"


def test_rule_docs_and_catalogue(cli) -> None:
    doc = cli("rule", "PERF101").output
    assert doc.startswith("# PERF101 sdk-client-in-handler")
    assert "## Why is this bad?" in doc and "perf_perf_q1_a1" in doc
    assert cli("--explain", "sdk-client-in-handler").output == doc
    listing = json.loads(cli("rules", "--output-format", "json").output)
    by_code = {row["code"]: row for row in listing}
    assert by_code["PERF001"]["status"] == "active"
    assert {"code", "name", "pillar", "severity", "target"} <= set(by_code["SEC101"])


def test_show_model_lists_each_function_with_its_resolved_handler(cli, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    model = json.loads(cli("fixtures/demo", "--show-model", "--output-format", "json").output)
    handlers = {f["logical_id"]: (f["handler_file"], f["handler_function"]) for f in model["functions"]}
    assert handlers == {
        "GetOrderFunction": ("fixtures/demo/src/orders/get_order.py", "lambda_handler"),
        "ListOrdersFunction": ("fixtures/demo/src/orders/list_orders.py", "lambda_handler"),
        "CreateOrderFunction": ("fixtures/demo/src/orders/create_order.py", "lambda_handler"),
        "NightlyReportFunction": ("fixtures/demo/src/reports/nightly.py", "handler"),
    }
    assert "fixtures/demo/src/shared/responses.py" in model["python_files"], "local imports are followed"
    text = cli("fixtures/demo", "--show-model").output
    assert "memory: 1024 MB (from resource, parameter ReportMemory)" in text


def test_python_dash_m_and_the_default_folder(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Handler: a.b\n"
    )
    result = subprocess.run([sys.executable, "-m", "wa_lint", "--isolated"], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stdout.startswith("template.yaml:2:3: PERF001")


def test_the_command_exits_with_its_code_after_writing_everything(tmp_path: Path) -> None:
    """`python -m wa_lint` (like the `wa-lint` script) ends without interpreter teardown: the exit code
    and every byte of the report must survive that."""
    def command(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "wa_lint", "--isolated", *args], cwd=tmp_path,
                              capture_output=True, text=True)

    findings = command(str(FIXTURES / "demo"), "--output-format", "json")
    assert findings.returncode == 1
    assert len(json.loads(findings.stdout)["findings"]) == 5
    (tmp_path / "clean.py").write_text("x = 1\n")
    assert command("clean.py").returncode == 0
    usage = command("--no-such-option")
    assert usage.returncode == 2 and "No such option" in usage.stderr


def test_broken_inputs_give_findings_not_tracebacks(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources: [\n")
    (tmp_path / "junk.py").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      CodeUri: .\n      Handler: app.handler\n      MemorySize: 128\n"
    )
    (tmp_path / "app.py").write_bytes(b"def handler(event, context):\n    return '\xff'\n")
    result = subprocess.run([sys.executable, "-m", "wa_lint", "--isolated", "."], cwd=tmp_path,
                            capture_output=True, text=True)
    assert "Traceback" not in result.stderr + result.stdout
    assert result.returncode == 1
    lines = [line for line in result.stdout.splitlines() if "WA001" in line]
    assert [line.split(":")[0] for line in lines] == ["app.py", "bad.yaml"]


def test_machine_report_to_a_file_while_the_terminal_gets_text(cli, tmp_path: Path, monkeypatch) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    sarif, junit = tmp_path / "out" / "wa.sarif", tmp_path / "junit.xml"
    result = cli(str(BAD), "--isolated", "--sarif-output", str(sarif), "--report", f"junit:{junit}",
                 "--report", f"github:{tmp_path / 'gh.txt'}")
    assert result.exit_code == 1
    assert "PERF001 [untuned-memory]" in result.output and result.output.rstrip().endswith(")."), "text report"
    assert len(json.loads(sarif.read_text())["runs"][0]["results"]) == 2
    assert junit.read_text().startswith("<?xml") and (tmp_path / "gh.txt").read_text().count("::warning") == 2
    assert summary.read_text().count("| warning |") == 2, "a github report also writes the step summary"


def test_every_format_can_go_to_an_output_file(cli, tmp_path: Path) -> None:
    from wa_lint.report.formats import FORMATS

    for name in FORMATS:
        target = tmp_path / f"report.{name}"
        result = cli(str(BAD), "--isolated", "--output-format", name, "-o", str(target))
        assert result.exit_code == 1 and result.output == "", name
        assert "PERF001" in target.read_text(), name


def test_bad_report_option_is_a_usage_error(cli, tmp_path: Path) -> None:
    assert cli(str(BAD), "--report", "pdf:x.pdf").exit_code == 2
    assert cli(str(BAD), "--report", "sarif").exit_code == 2
