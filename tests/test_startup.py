"""Start-up stays light: a warm pre-commit-sized run imports only what it uses.

Imports were most of a warm pre-commit run's CPU. Each module below is needed only on some path (a
worker to start, a configuration file to validate, a fix to write, a traceback to show, a serverless.yml
to translate, live mode): a plain warm run over a one-function SAM app must not import it. Modules the
bare interpreter already has at start-up (a site hook may import some) are not wa-lint's doing and are
left out of the comparison.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  HelloFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.lambda_handler
      Runtime: python3.12
      MemorySize: 512
"""
HANDLER = """\
import boto3


def lambda_handler(event, context):
    return boto3.client("s3").list_buckets()
"""
# The real entry point (`wa-lint`), which ends with os._exit: the modules are printed just before.
PROBE = """\
import json, os, sys
real_exit = os._exit
def report(code):
    sys.stdout.write("\\n" + json.dumps(sorted(sys.modules)) + "\\n")
    sys.stdout.flush()
    real_exit(0)
os._exit = report
sys.argv = ["wa-lint", *sys.argv[1:]]
from wa_lint.launch import entry
entry()
"""
# Imported only where used.
DEFERRED = ("multiprocessing", "tempfile", "shutil", "traceback", "difflib", "jsonschema", "libcst", "boto3", "botocore",
            "wa_lint.load.frameworks.serverless", "wa_lint.analyse.python.facts", "wa_lint.fix.apply",
            "wa_lint.evidence.live.measurements")


def _modules(command: list[str], cwd: Path) -> set[str]:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_a_warm_pre_commit_run_imports_only_what_it_uses(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "src").mkdir()
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    (tmp_path / "src" / "app.py").write_text(HANDLER)
    # No short option: click tries `-q` as a long option first, and that failed lookup imports difflib.
    arguments = ["template.yaml", "src/app.py", "--isolated", "--quiet"]
    _modules([sys.executable, "-c", PROBE, *arguments], tmp_path)
    assert any((tmp_path / ".wa_lint_cache" / "facts").rglob("*.json")), "the cold run parsed the handler"
    replayed = _modules([sys.executable, "-c", PROBE, *arguments], tmp_path)
    assert "wa_lint.printed_memo" in replayed and "wa_lint.check.stage" not in replayed, "an unchanged app is replayed"
    bare = _modules([sys.executable, "-c", "import json, sys; print(json.dumps(sorted(sys.modules)))"], tmp_path)
    # Before its command line is parsed (launch_memo.py): neither click nor the command's modules.
    assert not {"click", "wa_lint.cli", "wa_lint.config", "wa_lint.run_memo", "dataclasses"} & (replayed - bare)
    # An edited template: the pipeline runs, with the handler's facts read from the cache.
    (tmp_path / "template.yaml").write_text(TEMPLATE.replace("MemorySize: 512", "MemorySize: 1024"))
    warm = _modules([sys.executable, "-c", PROBE, *arguments], tmp_path)
    assert "wa_lint.check.stage" in warm, "the probe ran the linter"
    for run in (replayed, warm):
        brought_in = {name for name in run - bare if name.split(".")[0] in {d.split(".")[0] for d in DEFERRED}}
        assert not {name for name in brought_in
                    if name in DEFERRED or name.startswith(tuple(f"{d}." for d in DEFERRED))}
