"""The command as a user runs it: exit codes, formats, colour, rule docs, the model."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, PINNED_SELECT, REPO

DEMO = FIXTURES / "demo"
CLEAN = FIXTURES / "PERF001-untuned-memory" / "good"
BAD = FIXTURES / "PERF001-untuned-memory" / "bad"


def test_exit_codes(cli) -> None:
    assert cli(str(CLEAN), "--isolated").exit_code == 0
    assert cli(str(BAD), "--isolated").exit_code == 1
    assert cli(str(BAD), "--isolated", "--exit-zero").exit_code == 0
    assert cli(str(BAD), "--output-format", "nonsense").exit_code == 2
    assert cli("rule", "NOPE999").exit_code == 2


def test_an_installation_without_its_rule_files_is_an_error_not_a_pass(cli, tmp_path: Path, monkeypatch) -> None:
    # A copy of the source tree without the rules beside it checked nothing and said "All checks passed".
    from wa_lint.check import registry

    monkeypatch.setattr(registry, "rules_dir", lambda: tmp_path / "rules")
    registry.catalogue.cache_clear()
    try:
        result = cli(str(BAD), "--isolated", "--no-cache")
    finally:
        registry.catalogue.cache_clear()
    assert result.exit_code == 2
    assert "rule files are missing" in result.output and "reinstall wa-lint" in result.output


def test_missing_path_is_an_error(cli, tmp_path: Path) -> None:
    result = cli(str(tmp_path / "nowhere"), "--isolated")
    assert result.exit_code == 2
    assert "no such file or directory" in result.output


def test_concise_output_is_ruff_style_with_lens_fix_and_summary(cli, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    result = cli("fixtures/PERF001-untuned-memory/bad", "--isolated", "--output-format", "concise")
    timing = re.compile(r"\(\d+\.\d\ds\)")
    former = cli("fixtures/PERF001-untuned-memory/bad", "--isolated", "--output-format", "text").output
    assert timing.sub("", former) == timing.sub("", result.output), "text is concise's former name"
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
    coloured = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True,
                              env={**os.environ, "NO_COLOR": ""}).stdout
    env = {**os.environ, "NO_COLOR": "1"}
    plain = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True,
                           env=env).stdout
    colour = re.compile(r"\\x1b\[[0-9;]*m")  # the progress line's erase (\x1b[K) is not colour
    assert colour.search(coloured)
    assert not colour.search(plain) and "PERF001" in plain


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
    result = subprocess.run([sys.executable, "-m", "wa_lint", "--isolated", "--select", PINNED_SELECT], cwd=tmp_path,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert result.stdout.startswith("template.yaml:2:3: PERF001")


def test_the_command_exits_with_its_code_after_writing_everything(tmp_path: Path) -> None:
    """`python -m wa_lint` (like the `wa-lint` script) ends without interpreter teardown: the exit code
    and every byte of the report must survive that."""
    def command(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "wa_lint", "--isolated", "--select", PINNED_SELECT, *args], cwd=tmp_path,
                              capture_output=True, text=True, check=False)

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
    result = subprocess.run([sys.executable, "-m", "wa_lint", "--isolated", "--output-format", "concise", "."],
                            cwd=tmp_path, capture_output=True, text=True, check=False)
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


# -- ruff's manners ---------------------------------------------------------------------------------

def run_command(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it, with standard output and standard error apart (a lint run with the
    pinned rule set, as every test not about one rule)."""
    if args and args[0] not in ("rule", "rules", "server", "tune") and "--select" not in args:
        args = (*args, "--select", PINNED_SELECT)
    return subprocess.run([sys.executable, "-m", "wa_lint", *args], cwd=cwd, capture_output=True, text=True,
                          check=False)


def one_function(root: Path, name: str = "Fn") -> Path:
    (root / "template.yaml").write_text(
        f"Resources:\n  {name}:\n    Type: AWS::Lambda::Function\n    Properties:\n      Handler: app.handler\n")
    return root


@pytest.mark.parametrize("flag", ["--select", "--extend-select", "--ignore"])
def test_unknown_codes_on_the_command_line_are_usage_errors_with_a_suggestion(cli, flag: str) -> None:
    result = cli(str(BAD), "--isolated", flag, "PERF001,PREF101")
    assert result.exit_code == 2
    assert f"wa-lint: error: {flag}: 'PREF101' matches no rule; did you mean PERF101" in result.output
    assert "All checks passed" not in result.output and "PERF001 [" not in result.output
    assert cli(str(BAD), "--isolated", flag, "perf").exit_code in (0, 1), "prefixes, any case, are fine"


def test_unknown_severity_codes_and_levels_are_usage_errors(cli) -> None:
    unknown = cli(str(BAD), "--isolated", "--severity", "PERF999=error")
    assert unknown.exit_code == 2 and "--severity: unknown rule 'PERF999'; did you mean PERF" in unknown.output
    level = cli(str(BAD), "--isolated", "--severity", "PERF001=fatal")
    assert level.exit_code == 2 and "expected CODE=LEVEL" in level.output
    named = cli(str(BAD), "--isolated", "--select", "untuned-memory")
    assert "did you mean PERF001 (untuned-memory)?" in named.output
    raised = json.loads(cli(str(BAD), "--isolated", "--severity", "perf001=error", "--output-format", "json").output)
    assert {f["severity"] for f in raised["findings"]} == {"error"}


def test_a_missing_path_is_an_error_on_stderr_and_never_all_checks_passed(tmp_path: Path) -> None:
    done = run_command("nowhere/", "--isolated", cwd=tmp_path)
    assert done.returncode == 2
    assert "error: nowhere: no such file or directory" in done.stderr
    assert "All checks passed" not in done.stdout + done.stderr
    assert done.stdout == "No findings in 0 templates and 0 Python files, but 1 error (" + \
        done.stdout.split("(", 1)[1]


def test_notes_go_to_stderr_and_plurals_are_right(tmp_path: Path) -> None:
    one_function(tmp_path)
    (tmp_path / "skipped.yaml").write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  {{ cookiecutter.name }}:\n    Type: AWS::SNS::Topic\n")
    done = run_command(".", "--isolated", "--output-format", "concise", cwd=tmp_path)
    assert "note: skipped.yaml: skipped: unrendered cookiecutter/Jinja template" in done.stderr
    assert "note:" not in done.stdout
    assert done.stdout.splitlines()[-1].startswith(
        "Found 1 finding (1 warning) in 1 template and 0 Python files; 1 function, 0 with local code (")


def test_full_output_shows_the_source_with_a_caret_range(cli, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    lines = cli("fixtures/PERF001-untuned-memory/bad", "--isolated").output.splitlines()
    assert lines[0].startswith("fixtures/PERF001-untuned-memory/bad/template.yaml:11:3: PERF001 [untuned-memory]")
    source = (BAD / "template.yaml").read_text().splitlines()[10]
    assert lines[1:5] == ["   |", f"11 | {source}", "   |   " + "^" * len("NoMemoryFunction") + " PERF001", "   |"]
    assert lines[5].startswith("  PERF 1 · ") and lines[6].startswith("  fix: ")


def test_full_output_lines_up_under_tabs_and_wide_characters_and_survives_bad_files(tmp_path: Path) -> None:
    from wa_lint.pipeline import run
    from wa_lint.report.formats.text import write

    (tmp_path / ".git").mkdir()
    function = ("  {name}:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: .\n"
                "      Handler: {module}.handler\n      Runtime: python3.12\n      MemorySize: 256\n")
    (tmp_path / "template.yaml").write_text("Transform: AWS::Serverless-2016-10-31\nResources:\n"
                                            + function.format(name="Fn", module="app")
                                            + function.format(name="Latin", module="latin"))
    (tmp_path / "app.py").write_text(
        "import boto3\ndef handler(event, context):\n\tname = '你好'; s3 = boto3.client('s3')\n\treturn s3\n")
    (tmp_path / "latin.py").write_bytes(b"def handler(event, context):\n    return '\xff'\n")
    result = run([tmp_path], use_cache=False)
    assert [f.code for f in result.findings] == ["PERF101", "WA001"]

    def lines_of(finding_code: str) -> list[str]:
        out = io.StringIO()
        write(result, out, False, full=True)
        blocks = out.getvalue().split("\n\n")
        return next(block for block in blocks if f" {finding_code} [" in block).splitlines()

    source, carets = lines_of("PERF101")[2:4]
    assert source == "3 |     name = '你好'; s3 = boto3.client('s3')"
    # A tab is 4 columns and each of 你好 takes two: the carets start under `boto3`.
    assert carets.index("^") == source.index("boto3") + 2 and carets.endswith("^" * 18 + " PERF101")
    assert lines_of("WA001")[2:4] == ["2 |     return '\ufffd'", "  |             ^ WA001"], "invalid UTF-8 shown replaced"
    (tmp_path / "app.py").unlink()  # a file gone by the time it is reported: no snippet, no error
    assert lines_of("PERF101")[1].startswith("  PERF 1 · ")


def test_full_output_with_hostile_source_text_shows_controls_escaped(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      CodeUri: .\n      Handler: app.handler\n      MemorySize: 256\n")
    (tmp_path / "app.py").write_text(
        "import boto3\ndef handler(event, context):\n    s3 = boto3.client('s3')  # \x1b[2J\u202e\n    return s3\n")
    done = run_command(".", "--isolated", "--color", "always", cwd=tmp_path)
    assert "PERF101" in done.stdout
    assert "\x1b[2J" not in done.stdout and "\u202e" not in done.stdout
    assert "\\x1b[2J\\u202e" in done.stdout


def test_statistics_counts_per_rule_most_first(cli) -> None:
    result = cli(str(DEMO), "--isolated", "--statistics", "--select", "PERF,SEC")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "1  PERF001  [untuned-memory] warning",
        "1  PERF101  [sdk-client-in-handler] warning",
        "1  PERF102  [connection-in-handler] info",  # the demo's nightly job: severity by trigger
        "1  PERF201  [hot-read-table-without-dax] info",
        "1  SEC101   [user-data-in-global] error",
    ]
    rows = json.loads(cli(str(BAD), "--isolated", "--statistics", "--output-format", "json").output)
    assert rows == [{"code": "PERF001", "name": "untuned-memory", "severity": "warning", "count": 2}]


def test_show_files_lists_what_the_run_reads(cli, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    result = cli("fixtures/demo", "--isolated", "--show-files")
    assert result.exit_code == 0
    assert result.output.splitlines() == sorted(result.output.splitlines())
    assert "fixtures/demo/template.yaml" in result.output.splitlines()
    assert "fixtures/demo/src/shared/responses.py" in result.output.splitlines(), "imported modules too"
    listed = json.loads(cli("fixtures/demo", "--isolated", "--show-files", "--output-format", "json").output)
    assert {"path": "fixtures/demo/template.yaml", "kind": "template"} in listed and len(listed) == 7


def test_show_settings_says_where_each_value_came_from(cli, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    config = tmp_path / "wa-lint.toml"
    config.write_text("select = ['PERF']\n[per-file-ignores]\n'tests/**' = ['PERF101']\n")
    result = cli(str(tmp_path), "--show-settings", "--ignore", "PERF201")
    assert result.exit_code == 0
    assert result.output.startswith(f"# configuration file: {config}\n")
    lines = {line.split(" = ")[0]: line for line in result.output.splitlines()}
    assert lines["select"].startswith('select = ["PERF"]') and lines["select"].endswith(f"# {config}")
    assert lines["ignore"].endswith("# command line") and '["PERF201"]' in lines["ignore"]
    assert lines["per-file-ignores"].startswith('per-file-ignores = {"tests/**": ["PERF101"]}')
    assert lines["fail-on"].endswith("# default")
    data = json.loads(cli(str(tmp_path), "--show-settings", "--output-format", "json").output)
    assert data["settings"]["select"] == {"value": ["PERF"], "from": str(config)}
    assert data["settings"]["max-python-lines"] == {"value": 10000, "from": "default"}


def test_quiet_and_verbose(tmp_path: Path) -> None:
    one_function(tmp_path)
    (tmp_path / "skipped.yaml").write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  {{ cookiecutter.name }}:\n    Type: AWS::SNS::Topic\n")
    quiet = run_command(".", "--isolated", "-q", cwd=tmp_path)
    assert quiet.returncode == 1 and quiet.stderr == ""
    assert quiet.stdout.startswith("template.yaml:2:3: PERF001") and "Found" not in quiet.stdout
    silent = run_command(".", "--isolated", "-qq", cwd=tmp_path)
    assert (silent.returncode, silent.stdout, silent.stderr) == (1, "", "")
    verbose = run_command(".", "-v", cwd=tmp_path)
    assert "wa-lint: configuration: none found at or above" in verbose.stderr
    assert f"wa-lint: project root: {tmp_path}" in verbose.stderr
    assert "wa-lint: read 1 template, 1 function, 0 Python files in" in verbose.stderr


def test_top_level_help_shows_the_check_options_and_never_breaks_a_word(cli) -> None:
    for width in (60, 80, 120):
        text = cli("--help", terminal_width=width).output
        assert "--extend-select CODES" in text and "--statistics" in text and "rules" in text
        assert not re.search(r"\w-\n", text), f"a word broken at a hyphen at width {width}"
        assert "sarif:wa-lint.sarif" in text and "`wa-lint rules`" in " ".join(text.split())


def test_rule_as_json_and_a_suggestion_for_a_typo(cli) -> None:
    rule = json.loads(cli("rule", "perf101", "--output-format", "json").output)
    assert rule["code"] == "PERF101" and rule["name"] == "sdk-client-in-handler"
    assert rule["lens"]["choice_id"] == "perf_perf_q1_a1" and rule["doc"].startswith("## What it does")
    typo = cli("rule", "PERF1O1")  # a letter O for the zero
    assert typo.exit_code == 2 and re.search(r"unknown rule 'PERF1O1'; did you mean [^?]*PERF101", typo.output)


def test_ctrl_c_exits_130_without_a_traceback(cli, monkeypatch) -> None:
    import wa_lint.pipeline

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(wa_lint.pipeline.Run, "execute", interrupted)
    result = cli(str(BAD), "--isolated", "--no-cache")
    assert result.exit_code == 130
    assert result.output == "wa-lint: interrupted\n", "click's 'Aborted!' (exit 1) never shows"


def _on_a_terminal(args: list[str], cwd: Path, until: bytes | None = None, timeout: float = 120) -> tuple[int, bytes]:
    """Run wa-lint on a pseudo-terminal; send Ctrl-C (SIGINT, to wa-lint alone) once `until` appears."""
    import pty
    import select
    import signal
    import time

    pid, fd = pty.fork()
    if pid == 0:  # the child: wa-lint
        # As a terminal's foreground job: SIGINT at its default even when pytest inherited it ignored (a
        # shell without job control starts background jobs so, and Python keeps an inherited SIG_IGN).
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.chdir(cwd)
        os.execvp(sys.executable, [sys.executable, "-m", "wa_lint", *args])
    output, deadline, sent = b"", time.monotonic() + timeout, False
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        if until is not None and not sent and until in output:
            os.kill(pid, signal.SIGINT)
            sent = True
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), output


def _slow_project(root: Path, files: int = 300) -> Path:
    (root / ".git").mkdir()
    body = "".join(f"def helper_{i}(x):\n    return [x + {i} for _ in range(3)]\n\n" for i in range(150))
    for number in range(files):
        (root / f"app_{number}.py").write_text(f"{body}def lambda_handler(event, context):\n    return event\n")
    return root


def test_on_a_terminal_one_progress_line_names_the_phase_and_ctrl_c_clears_it(tmp_path: Path) -> None:
    project = _slow_project(tmp_path)
    code, output = _on_a_terminal(["--isolated", "--no-cache", "-j", "1", "."], project, until=b"analysing ")
    text = output.decode("utf-8", "replace")
    assert code == 130, text[-2000:]
    assert "Traceback" not in text and "Aborted" not in text
    assert "discovering" in text or "loading" in text or "analysing 1/" in text
    drawn = text.split("\r\x1b[K")
    assert all(not part or part.startswith("wa-lint") for part in drawn), "each redraw erases the line first"
    assert re.search(r"wa-lint \[[#.]{20}\] +\d+%  analysing \d+/\d+ files  \d+\.\ds", text)
    assert drawn[-1] == "wa-lint: interrupted\r\n", "the line is cleared before the last word"


def test_no_progress_line_when_standard_error_is_not_a_terminal(tmp_path: Path) -> None:
    project = _slow_project(tmp_path, files=30)
    done = run_command("--isolated", "--no-cache", ".", cwd=project)
    assert "\r" not in done.stderr and "analysing" not in done.stderr


def test_shell_completion_offers_commands_check_options_and_rule_codes() -> None:
    def complete(words: str) -> list[str]:
        env = {**os.environ, "_WA_LINT_COMPLETE": "bash_complete", "COMP_WORDS": words,
               "COMP_CWORD": str(len(words.split()) - 1)}
        done = subprocess.run([sys.executable, "-c", "from wa_lint.cli import main; main(prog_name='wa-lint')"],
                              env=env, capture_output=True, text=True, check=False)
        return done.stdout.splitlines()

    assert complete("wa-lint --stat") == ["plain,--statistics"], "check's options at the first word"
    assert {"plain,rule", "plain,rules", "file,ru"} <= set(complete("wa-lint ru"))
    from wa_lint.check.registry import catalogue

    security = [code for code in catalogue() if code.startswith("SEC")]
    assert complete("wa-lint rule sec") == [f"plain,{code}" for code in security]
    assert complete("wa-lint --select PERF001,SE") == [f"plain,PERF001,{code}" for code in security]


@pytest.mark.parametrize("sizes", [[], [5], [1] * 10, [3, 9, 1, 1, 7, 2, 2, 2, 10, 4], [25, 1, 1], [0, 0, 4, 0]])
@pytest.mark.parametrize("keep", [True, False])
def test_a_report_is_printed_in_batches_of_about_the_size_asked(sizes, keep) -> None:
    from wa_lint.cli import _Report

    report = _Report()
    for index, size in enumerate(sizes):
        report.write(chr(ord("a") + index) * size)
    text = report.getvalue()
    batches = list(report.batches(size=8, keep=keep))
    assert "".join(batches) == text, "every piece, once, in order"
    assert all(len(batch) >= 8 for batch in batches[:-1]), "a batch ends once it holds the size asked"
    # ... and at the first piece that takes it there: without that piece it held less.
    pieces = [chr(ord("a") + index) * size for index, size in enumerate(sizes)]
    ends, total = [], 0
    for piece in pieces:
        total += len(piece)
        ends.append(total)
    assert [len(batch) for batch in batches] == _batch_lengths(ends, 8)
    assert "".join(report.batches(size=8)) == (text if keep else ""), "kept for another pass, or let go"


def _batch_lengths(ends: list[int], size: int) -> list[int]:
    lengths, start_at = [], 0
    for index, end in enumerate(ends):
        if end - start_at >= size or index == len(ends) - 1:
            lengths.append(end - start_at)
            start_at = end
    return lengths
