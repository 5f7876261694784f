"""wa-lint's benchmark: whole-process timings, medians, and ratios against cfn-lint, in one run.

    python bench/run.py precommit              # one-function SAM app: wa-lint vs cfn-lint, >= 10 runs each
    python bench/run.py corpus PATH            # a real corpus: wa-lint (templates + code) vs cfn-lint
    python bench/run.py scale [--sizes ...]    # synthetic monorepos: cold, warm, one file touched
    python bench/run.py all [--corpus PATH]    # everything; prints a table and writes JSON

Every figure is a separate process started from scratch, as a user or a hook starts it. Peak RSS is
the largest resident set of any one process of the run (wa-lint's workers included), from wait4.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth import generate  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"


@dataclass
class Measure:
    seconds: float
    peak_rss_mb: float
    exit_code: int


def measure(command: list[str], cwd: Path | None = None) -> Measure:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO / "src"), os.environ.get("PYTHONPATH")]))}
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return Measure(seconds, usage.ru_maxrss / 1024, process.returncode)


def wa_lint(*args: str) -> list[str]:
    return [sys.executable, "-m", "wa_lint", *args]


def cfn_lint(*args: str) -> list[str]:
    executable = shutil.which("cfn-lint")
    if executable is None:
        sys.exit("cfn-lint is not installed: pip install -e '.[bench]'")
    return [executable, *args]


ONE_FUNCTION_TEMPLATE = """\
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
      Events:
        Hello:
          Type: Api
          Properties: {Path: /hello, Method: get}
"""
ONE_FUNCTION_HANDLER = """\
import json

import boto3

s3 = boto3.client("s3")


def lambda_handler(event, context):
    buckets = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    return {"statusCode": 200, "body": json.dumps({"buckets": buckets})}
"""


def precommit(runs: int) -> dict[str, object]:
    app = Path(tempfile.mkdtemp(prefix="wa-lint-bench-app-"))
    (app / "src").mkdir()
    (app / "template.yaml").write_text(ONE_FUNCTION_TEMPLATE)
    (app / "src" / "app.py").write_text(ONE_FUNCTION_HANDLER)
    commands = {
        "wa-lint": wa_lint("template.yaml", "src/app.py", "--isolated"),
        "wa-lint (no cache)": wa_lint("template.yaml", "src/app.py", "--isolated", "--no-cache"),
        "cfn-lint": cfn_lint("template.yaml"),
    }
    for command in commands.values():
        measure(command, app)  # warm the OS page cache and wa-lint's facts cache
    samples: dict[str, list[Measure]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():  # alternating, so drift hits every tool alike
            samples[name].append(measure(command, app))
    shutil.rmtree(app)
    medians = {name: statistics.median(m.seconds for m in values) for name, values in samples.items()}
    return {
        "runs": runs,
        "median_seconds": medians,
        "peak_rss_mb": {name: max(m.peak_rss_mb for m in values) for name, values in samples.items()},
        "ratio_wa_lint_to_cfn_lint": medians["wa-lint"] / medians["cfn-lint"],
        "ratio_wa_lint_no_cache_to_cfn_lint": medians["wa-lint (no cache)"] / medians["cfn-lint"],
    }


def model_of(path: Path) -> dict[str, Any]:
    """What wa-lint understood of the tree (`--show-model`): its templates and analysed Python files."""
    output = subprocess.run(
        wa_lint(str(path), "--isolated", "--no-cache", "--show-model", "--output-format", "json"),
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    ).stdout
    model: dict[str, Any] = json.loads(output)
    return model


def crashes_cfn_lint(template: str) -> bool:
    """cfn-lint 1.x dies on the whole run (no output for any template) when one template's `Resources`
    or `Parameters` is empty (HAZARDS.md): such templates are left out of its list, and counted."""
    from wa_lint.load.template.document import JinjaSource, NotATemplate, decode, parse_template
    from wa_lint.load.template.errors import TemplateError

    try:
        data = parse_template(Path(template), decode(Path(template).read_bytes())).data
    except (TemplateError, NotATemplate, JinjaSource, OSError):
        return False
    return any(key in data and not data[key] for key in ("Resources", "Parameters"))


def _median(measures: list[Measure]) -> Measure:
    """The run with the median wall time (its own peak RSS and exit code)."""
    return sorted(measures, key=lambda m: m.seconds)[len(measures) // 2]


def corpus(path: Path) -> dict[str, object]:
    path = path.resolve()
    model = model_of(path)
    every_template = [str(Path(t).resolve()) for t in model["templates"]]
    templates = [t for t in every_template if not crashes_cfn_lint(t)]
    handler_files = len(model["python_files"])
    results = {
        # wa-lint takes seconds: the median of three; cfn-lint takes minutes: one run each.
        "wa-lint (templates + code, cold)": _median([measure(wa_lint(str(path), "--isolated", "--no-cache"))
                                                     for _ in range(3)]),
        "cfn-lint": measure(cfn_lint(*templates)),
    }
    try:
        import cfn_lint_serverless  # noqa: F401

        # `-a` takes several values: the templates go first.
        results["cfn-lint + serverless-rules"] = measure(cfn_lint(*templates, "-a", "cfn_lint_serverless.rules"))
    except ImportError:
        print("note: cfn-lint-serverless is not installed; skipping that column", file=sys.stderr)
    # cfn-lint's exit code is a bit set of error (2), warning (4) and info (8); 1 means it crashed.
    for name, result in results.items():
        if name.startswith("cfn-lint") and result.exit_code % 2:
            print(f"note: {name} did not finish normally; its timing is not comparable", file=sys.stderr)
    rows = {
        name: {**asdict(m), "templates_per_second": (len(templates) if name.startswith("cfn-lint")
                                                     else len(every_template)) / m.seconds}
        for name, m in results.items()
    }
    rows["wa-lint (templates + code, cold)"]["handler_files_per_second"] = handler_files / results[
        "wa-lint (templates + code, cold)"].seconds
    baseline = results.get("cfn-lint + serverless-rules", results["cfn-lint"])
    return {
        "path": str(path),
        "templates": len(every_template),
        "templates_left_out_of_cfn_lint": len(every_template) - len(templates),
        "python_files_analysed": handler_files,
        "tools": rows,
        "speedup_vs_cfn_lint_serverless": baseline.seconds / results["wa-lint (templates + code, cold)"].seconds,
    }


def scale(sizes: list[int], repeat: int) -> dict[str, object]:
    """Cold, warm and one-file-touched runs on synthetic monorepos, each the median of `repeat` runs
    (cold: the cache deleted before each run; touched: a different file each time)."""
    report: dict[str, object] = {}
    for size in sizes:
        root = Path(tempfile.mkdtemp(prefix=f"wa-lint-bench-{size}-"))
        generate(root, size)
        command = wa_lint(str(root), "--isolated")
        colds = []
        for _ in range(repeat):
            shutil.rmtree(root / ".wa_lint_cache", ignore_errors=True)
            colds.append(measure(command))
        warms = [measure(command) for _ in range(repeat)]
        touched = []
        for index in range(repeat):
            touched_file = root / "services" / "service_0000" / "src" / f"fn_{index + 1:05d}.py"
            touched_file.write_text(touched_file.read_text() + "\n# touched\n")
            touched.append(measure(command))
        cold, warm, one_touched = _median(colds), _median(warms), _median(touched)
        report[str(size)] = {
            "runs": repeat,
            "cold": asdict(cold),
            "warm": asdict(warm),
            "one_file_touched": asdict(one_touched),
            "warm_to_cold": warm.seconds / cold.seconds,
            "touched_to_cold": one_touched.seconds / cold.seconds,
        }
        shutil.rmtree(root)
    return report


def _print(results: dict[str, object]) -> None:
    if "precommit" in results:
        p = results["precommit"]
        print("Pre-commit case (one-function SAM app), median of", p["runs"], "runs each:")
        for name, seconds in p["median_seconds"].items():
            print(f"  {name:<22} {seconds:6.3f} s   peak {p['peak_rss_mb'][name]:6.1f} MiB")
        print(f"  wa-lint / cfn-lint = {p['ratio_wa_lint_to_cfn_lint']:.2f}"
              f"   (no cache: {p['ratio_wa_lint_no_cache_to_cfn_lint']:.2f})")
    if "corpus" in results:
        c = results["corpus"]
        print(f"Real corpus {c['path']}: {c['templates']} templates, {c['python_files_analysed']} Python files "
              f"({c['templates_left_out_of_cfn_lint']} templates that crash cfn-lint left out of its list)")
        for name, row in c["tools"].items():
            extra = f", {row['handler_files_per_second']:.0f} handler files/s" if "handler_files_per_second" in row else ""
            print(f"  {name:<34} {row['seconds']:7.2f} s  peak {row['peak_rss_mb']:6.1f} MiB  "
                  f"{row['templates_per_second']:7.1f} templates/s{extra}")
        print(f"  speed-up vs cfn-lint + serverless-rules: {c['speedup_vs_cfn_lint_serverless']:.1f}x")
    if "scale" in results:
        print("Synthetic monorepos (functions: cold / warm / one file touched):")
        for size, row in results["scale"].items():
            print(f"  {size:>6}: {row['cold']['seconds']:7.2f} s ({row['cold']['peak_rss_mb']:.0f} MiB)"
                  f" / {row['warm']['seconds']:6.2f} s ({row['warm_to_cold']:.0%})"
                  f" / {row['one_file_touched']['seconds']:6.2f} s ({row['touched_to_cold']:.0%})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["precommit", "corpus", "scale", "all"])
    parser.add_argument("path", nargs="?", type=Path, help="corpus folder (for `corpus`)")
    parser.add_argument("--corpus", type=Path, help="corpus folder (for `all`)")
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per scale figure (the median is kept)")
    parser.add_argument("--json", type=Path, help="where to write the JSON results")
    args = parser.parse_args()
    # An installed wa-lint has its bytecode compiled by pip; a source checkout run with
    # PYTHONDONTWRITEBYTECODE would compile every module in every measured process instead.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "src" / "wa_lint")], check=True)
    results: dict[str, object] = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
    }
    if args.what in ("precommit", "all"):
        results["precommit"] = precommit(args.runs)
    corpus_path = args.path or args.corpus
    if args.what == "corpus" or (args.what == "all" and corpus_path):
        if corpus_path is None:
            parser.error("corpus needs a PATH")
        results["corpus"] = corpus(corpus_path)
    if args.what in ("scale", "all"):
        results["scale"] = scale(args.sizes, args.repeat)
    _print(results)
    target = args.json or RESULTS / f"bench-{results['date'][:19].replace(':', '')}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, indent=2) + "\n")
    print(f"JSON: {target}")


if __name__ == "__main__":
    main()
