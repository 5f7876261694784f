"""wa-lint's benchmark: every target figure of the speed work in one run, medians of interleaved runs.

    python bench/run.py all --corpus PATH [--quick]   # everything; a target-vs-measured table and JSON
    python bench/run.py precommit                     # one-function SAM app: wa-lint vs cfn-lint
    python bench/run.py corpus PATH                   # a real corpus: cold, warm, touched vs cfn-lint
    python bench/run.py scale [--sizes ...]           # synthetic monorepos: cold, warm, one file touched

Every figure is a separate process started from scratch, as a user or a hook starts it, and the
commands compared are run in rounds (one of each per round; `--repeats` warm and one-file-touched
runs, 3 by default, as those short runs move most), so a machine whose speed drifts slows every
command alike; each figure is the median over the rounds, and every target is a ratio taken within
one run. Peak RSS is the largest resident set of any one process of the run (wa-lint's workers
included), from wait4; CPU is user + system time of the process and its workers.
`--quick` skips the 10,000-function tree (minutes) for iteration. `--baseline SRC` also measures
another wa-lint source tree (e.g. main's `src`) in the same rounds, for before/after figures.

Run it with the interpreter of the virtual environment wa-lint is installed in, as a user runs
wa-lint: a base installation's site hooks (`.pth` files) run at every start, and the script reports
the interpreter's bare start-up beside the figures.
"""

from __future__ import annotations

import argparse
import atexit
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
from synth import generate

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"


@dataclass
class Measure:
    seconds: float
    peak_rss_mb: float
    exit_code: int
    cpu_seconds: float = 0.0


# Which wa-lint source tree a command runs (the checkout's own, or a baseline's).
SOURCES = {"wa-lint": REPO / "src"}


def measure(command: list[str], cwd: Path | None = None) -> Measure:
    source = Path(command[command.index("--wa-lint-src") + 1]) if "--wa-lint-src" in command else REPO / "src"
    command = [arg for index, arg in enumerate(command)
               if arg != "--wa-lint-src" and (index == 0 or command[index - 1] != "--wa-lint-src")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(source), os.environ.get("PYTHONPATH")]))}
    started = time.perf_counter()
    before = os.times()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    after = os.times()
    # The process's own CPU (wait4) plus its workers' (reaped by it, so counted in our children's times
    # only through it): ru_utime/ru_stime cover the process and its waited-for children.
    cpu = usage.ru_utime + usage.ru_stime
    cpu = max(cpu, (after.children_user + after.children_system) - (before.children_user + before.children_system))
    process.returncode = os.waitstatus_to_exitcode(status)
    return Measure(seconds, usage.ru_maxrss / 1024, process.returncode, cpu)


def wa_lint(*args: str, source: Path | None = None) -> list[str]:
    extra = ["--wa-lint-src", str(source)] if source else []
    return [sys.executable, "-m", "wa_lint", *args, *extra]


def cfn_lint(*args: str) -> list[str]:
    # The script installed beside this interpreter first: a version manager's shim on PATH (pyenv's
    # is a shell script that starts another process) would add its own start-up to every timing.
    beside = Path(sys.executable).parent / "cfn-lint"
    executable = str(beside) if beside.is_file() and os.access(beside, os.X_OK) else shutil.which("cfn-lint")
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


def model_of(path: Path) -> dict[str, Any]:
    """What wa-lint understood of the tree (`--show-model`): its templates and analysed Python files."""
    output = subprocess.run(
        wa_lint(str(path), "--isolated", "--no-cache", "--show-model", "--output-format", "json"),
        capture_output=True, text=True, check=False, env={**os.environ, "PYTHONPATH": str(REPO / "src")},
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
    """The run with the median wall time (its own peak RSS and exit code), and the median CPU time."""
    middle = sorted(measures, key=lambda m: m.seconds)[len(measures) // 2]
    return Measure(middle.seconds, middle.peak_rss_mb, middle.exit_code,
                   statistics.median(m.cpu_seconds for m in measures))


def _copy(tree: Path, prefix: str) -> Path:
    """A private copy of a tree (a corpus may be read-only, and the runs write a cache and touch files)."""
    target = Path(tempfile.mkdtemp(prefix=prefix)) / tree.name
    shutil.copytree(tree, target, symlinks=True, ignore=shutil.ignore_patterns(".wa_lint_cache", ".git"))
    return target


_TRASH: list[Path] = []


def _discard(path: Path) -> None:
    """Move `path` out of the way now and delete it when the benchmark ends.

    Deleting thousands of files just before a measured run slows that run's own file creation: ext4
    skips inodes freed in the last minute (longer while their table block is unwritten) when it allocates new
    ones, and a cold run of 10,000 functions right after deleting the previous run's 20,000 cache
    entries spent seconds of system time scanning past them, which a run in a fresh clone never pays.
    """
    if not path.exists():
        return
    if not _TRASH:
        _TRASH.append(Path(tempfile.mkdtemp(prefix="wa-lint-bench-trash-")))
        atexit.register(shutil.rmtree, _TRASH[0], ignore_errors=True)
    path.rename(Path(tempfile.mkdtemp(dir=_TRASH[0])) / path.name)


def _touch(path: Path, round_number: int) -> None:
    path.write_text(path.read_text(encoding="utf-8", errors="surrogateescape") + f"\n# touched {round_number}\n",
                    encoding="utf-8", errors="surrogateescape")


def cold_warm_touched(root: Path, touch: list[Path], rounds: int, extra: dict[str, list[str]] | None = None,
                      baseline: Path | None = None, repeats: int = 3) -> dict[str, Any]:
    """Rounds of: a cold run (cache moved away), `repeats` warm runs (nothing changed; the first right
    after the cold one), `repeats` runs each after one file is touched (a different one each time) and
    `extra` commands (competitors); medians over all of them. The short runs are repeated because
    three rounds of one each moved by a tenth or more on a shared machine."""
    variants = {"wa-lint": None, **({"baseline": baseline} if baseline else {})}
    samples: dict[str, list[Measure]] = {}
    for number in range(rounds):
        for name, source in variants.items():
            command = wa_lint(str(root), "--isolated", source=source)
            _discard(root / ".wa_lint_cache")
            samples.setdefault(f"{name} cold", []).append(measure(command))
            # Warm right after cold for every variant: measured after the competitor's long run, the same
            # replay took 0.70 s where back to back it takes 0.50-0.58 s (serverless-patterns).
            for _ in range(repeats):
                samples.setdefault(f"{name} warm", []).append(measure(command))
            for again in range(repeats):
                touched = number * repeats + again
                _touch(touch[touched % len(touch)], touched)
                samples.setdefault(f"{name} one file touched", []).append(measure(command))
            if name == "wa-lint":
                for other, other_command in (extra or {}).items():
                    samples.setdefault(other, []).append(measure(other_command))
    medians = {name: _median(values) for name, values in samples.items()}
    report: dict[str, Any] = {"rounds": rounds, "repeats": repeats,
                              "runs": {name: asdict(m) for name, m in medians.items()}}
    for name in variants:
        cold = medians[f"{name} cold"]
        report[f"{name} warm_to_cold"] = medians[f"{name} warm"].seconds / cold.seconds
        report[f"{name} touched_to_cold"] = medians[f"{name} one file touched"].seconds / cold.seconds
        report[f"{name} warm_to_cold_cpu"] = medians[f"{name} warm"].cpu_seconds / cold.cpu_seconds
        report[f"{name} touched_to_cold_cpu"] = medians[f"{name} one file touched"].cpu_seconds / cold.cpu_seconds
    return report


def corpus(path: Path, rounds: int, baseline: Path | None = None, repeats: int = 3) -> dict[str, object]:
    path = path.resolve()
    model = model_of(path)
    every_template = [str(Path(t).resolve()) for t in model["templates"]]
    templates = [t for t in every_template if not crashes_cfn_lint(t)]
    copy = _copy(path, "wa-lint-bench-corpus-")
    # cfn-lint reads the same templates from the copy; wa-lint lints the whole copy (templates and code).
    templates = [str(copy / Path(t).relative_to(path)) for t in templates]
    handlers = sorted(copy / Path(p).resolve().relative_to(path) for p in model["python_files"]
                      if Path(p).resolve().is_relative_to(path))
    extra: dict[str, list[str]] = {}
    try:
        import cfn_lint_serverless  # noqa: F401

        # `-a` takes several values: the templates go first.
        extra["cfn-lint + serverless-rules"] = cfn_lint(*templates, "-a", "cfn_lint_serverless.rules")
    except ImportError:
        print("note: cfn-lint-serverless is not installed (pip install -e '.[bench]'); comparing with plain "
              "cfn-lint", file=sys.stderr)
        extra["cfn-lint"] = cfn_lint(*templates)
    (competitor,) = extra
    touch = handlers[:: max(1, len(handlers) // (rounds * repeats))] or handlers
    report = cold_warm_touched(copy, touch, rounds, extra, baseline, repeats)
    _discard(copy.parent)
    runs = report["runs"]
    if runs[competitor]["exit_code"] % 2:
        # cfn-lint's exit code is a bit set of error (2), warning (4) and info (8); 1 means it crashed.
        print(f"note: {competitor} did not finish normally; its timing is not comparable", file=sys.stderr)
    cold = runs["wa-lint cold"]["seconds"]
    return {
        **report, "path": str(path), "templates": len(every_template),
        "templates_left_out_of_cfn_lint": len(every_template) - len(templates),
        "python_files_analysed": len(model["python_files"]), "competitor": competitor,
        "cold_to_competitor": cold / runs[competitor]["seconds"],
        **({"baseline cold_to_competitor": runs["baseline cold"]["seconds"] / runs[competitor]["seconds"]}
           if baseline else {}),
    }


def scale(sizes: list[int], rounds: int, baseline: Path | None = None, repeats: int = 3) -> dict[str, object]:
    """Cold, warm and one-file-touched runs on synthetic monorepos (bench/synth.py)."""
    report: dict[str, object] = {}
    for size in sizes:
        root = Path(tempfile.mkdtemp(prefix=f"wa-lint-bench-{size}-"))
        generate(root, size)
        touch = [root / "services" / "service_0000" / "src" / f"fn_{index + 1:05d}.py"
                 for index in range(min(rounds * repeats, size - 1))]
        report[str(size)] = cold_warm_touched(root, touch, rounds, baseline=baseline, repeats=repeats)
        _discard(root)
    return report


def precommit(runs: int, baseline: Path | None = None) -> dict[str, object]:
    app = Path(tempfile.mkdtemp(prefix="wa-lint-bench-app-"))
    (app / "src").mkdir()
    (app / "template.yaml").write_text(ONE_FUNCTION_TEMPLATE)
    (app / "src" / "app.py").write_text(ONE_FUNCTION_HANDLER)
    # "handler edited": the hook's usual case, a staged handler that changed since the last run (its
    # template's entries and everything else cached); the plain run then replays an unchanged app.
    commands = {
        "wa-lint (handler edited)": wa_lint("template.yaml", "src/app.py", "--isolated"),
        "wa-lint": wa_lint("template.yaml", "src/app.py", "--isolated"),
        "wa-lint (no cache)": wa_lint("template.yaml", "src/app.py", "--isolated", "--no-cache"),
        "cfn-lint": cfn_lint("template.yaml"),
    }
    if baseline:
        commands["baseline (handler edited)"] = wa_lint("template.yaml", "src/app.py", "--isolated", source=baseline)
        commands["baseline"] = wa_lint("template.yaml", "src/app.py", "--isolated", source=baseline)
        commands["baseline (no cache)"] = wa_lint("template.yaml", "src/app.py", "--isolated", "--no-cache",
                                                  source=baseline)
    for command in commands.values():
        measure(command, app)  # warm the OS page cache and wa-lint's caches
    samples: dict[str, list[Measure]] = {name: [] for name in commands}
    for number in range(runs):
        for name, command in commands.items():  # in rounds, so drift hits every tool alike
            if name.endswith("(handler edited)"):
                _touch(app / "src" / "app.py", number)
            samples[name].append(measure(command, app))
    shutil.rmtree(app)
    medians = {name: _median(values) for name, values in samples.items()}
    cfn = medians["cfn-lint"].seconds
    return {
        "runs": runs,
        "median_seconds": {name: m.seconds for name, m in medians.items()},
        "median_cpu_seconds": {name: m.cpu_seconds for name, m in medians.items()},
        "peak_rss_mb": {name: max(m.peak_rss_mb for m in values) for name, values in samples.items()},
        "ratio_wa_lint_to_cfn_lint": medians["wa-lint"].seconds / cfn,
        "ratio_wa_lint_no_cache_to_cfn_lint": medians["wa-lint (no cache)"].seconds / cfn,
        "ratio_wa_lint_handler_edited_to_cfn_lint": medians["wa-lint (handler edited)"].seconds / cfn,
        **({"ratio_baseline_to_cfn_lint": medians["baseline"].seconds / cfn} if baseline else {}),
    }


def interpreter_start(runs: int) -> dict[str, object]:
    """The interpreter's own start-up (`python -c pass`), which every wa-lint figure includes: where it
    is not a virtual environment, a site hook (a `.pth` file of the base installation) may add to it."""
    samples = []
    for _ in range(runs):
        samples.append(measure([sys.executable, "-c", "pass"]))
    return {"executable": sys.executable, "virtual_environment": sys.prefix != sys.base_prefix,
            "median_seconds": _median(samples).seconds, "runs": runs}


def _linearity(scale_report: dict[str, Any], name: str = "wa-lint") -> float | None:
    """The cost of a function from 1,000 to 10,000 against its cost from 100 to 1,000 (1.0: linear;
    fixed start-up costs make the small tree's total meaningless on its own)."""
    try:
        cold = {int(size): row["runs"][f"{name} cold"]["seconds"] for size, row in scale_report.items()}
        return ((cold[10000] - cold[1000]) / 9000) / ((cold[1000] - cold[100]) / 900)
    except (KeyError, ZeroDivisionError):
        return None


def targets(results: dict[str, Any]) -> list[tuple[str, str, str, bool | None]]:
    """(target, limit, measured, met) for every target figure the results hold."""
    rows: list[tuple[str, str, str, bool | None]] = []

    def row(name: str, limit: float, value: float | None, text: str, unit: str = "x") -> None:
        if value is None:
            rows.append((name, f"<= {limit:g}{unit}", "not measured", None))
        else:
            rows.append((name, f"<= {limit:g}{unit}", text, value <= limit))

    corpus_report = results.get("corpus")
    if corpus_report:
        runs = corpus_report["runs"]
        ratio = corpus_report["cold_to_competitor"]
        row(f"corpus cold vs {corpus_report['competitor']}", 0.04, ratio,
            f"{ratio:.3f}x ({runs['wa-lint cold']['seconds']:.2f} s vs {runs[corpus_report['competitor']]['seconds']:.2f} s;"
            f" {1 / ratio:.1f}x faster)")
        for what, limit in (("warm", 0.05), ("touched", 0.10)):
            value = corpus_report[f"wa-lint {what}_to_cold"]
            row(f"corpus {what} / cold", limit, value,
                f"{value:.1%} wall, {corpus_report[f'wa-lint {what}_to_cold_cpu']:.1%} CPU", "")
    scale_report = results.get("scale", {})
    for size in ("1000", "10000"):
        report = scale_report.get(size)
        for what, limit in (("warm", 0.05), ("touched", 0.10)):
            value = report[f"wa-lint {what}_to_cold"] if report else None
            text = f"{value:.1%} wall, {report[f'wa-lint {what}_to_cold_cpu']:.1%} CPU" if report and value else ""
            row(f"{int(size):,} functions {what} / cold", limit, value, text, "")
    precommit_report = results.get("precommit")
    ratio = precommit_report["ratio_wa_lint_to_cfn_lint"] if precommit_report else None
    row("pre-commit one-function app vs cfn-lint", 0.10, ratio,
        f"{ratio:.3f}x ({precommit_report['median_seconds']['wa-lint']:.3f} s vs "
        f"{precommit_report['median_seconds']['cfn-lint']:.3f} s)" if precommit_report else "")
    big = scale_report.get("10000")
    cold = big["runs"]["wa-lint cold"] if big else None
    row("10,000 functions cold", 20, cold["seconds"] if cold else None,
        f"{cold['seconds']:.1f} s wall, {cold['cpu_seconds']:.1f} s CPU" if cold else "", " s")
    row("10,000 functions cold peak RSS", 600, cold["peak_rss_mb"] if cold else None,
        f"{cold['peak_rss_mb']:.0f} MiB" if cold else "", " MiB")
    linear = _linearity(scale_report)
    row("linear 100 -> 10,000 (cost per function 1k-10k / 100-1k)", 1.25, linear,
        f"{linear:.2f}" if linear is not None else "", "")
    return rows


def _print(results: dict[str, Any]) -> None:
    start = results["interpreter"]
    where = "a virtual environment" if start["virtual_environment"] else "not a virtual environment"
    print(f"Interpreter {start['executable']} ({where}): starts in {start['median_seconds']:.3f} s "
          f"(`-c pass`, median of {start['runs']}), included in every figure below")
    if "precommit" in results:
        p = results["precommit"]
        print("Pre-commit case (one-function SAM app), median of", p["runs"], "rounds:")
        for name, seconds in p["median_seconds"].items():
            print(f"  {name:<26} {seconds:6.3f} s  CPU {p['median_cpu_seconds'][name]:6.3f} s  "
                  f"peak {p['peak_rss_mb'][name]:6.1f} MiB")
    for title, report in [("Corpus " + results["corpus"]["path"], results["corpus"])] if "corpus" in results else []:
        print(f"{title}: {report['templates']} templates ({report['templates_left_out_of_cfn_lint']} that crash "
              f"cfn-lint left out of its list), {report['python_files_analysed']} Python files; median of "
              f"{report['rounds']} rounds ({report['repeats']} warm and touched runs each):")
        for name, m in report["runs"].items():
            print(f"  {name:<34} {m['seconds']:7.2f} s  CPU {m['cpu_seconds']:7.2f} s  peak {m['peak_rss_mb']:6.1f} MiB")
    for size, report in results.get("scale", {}).items():
        print(f"Synthetic monorepo, {int(size):,} functions; median of {report['rounds']} rounds "
              f"({report['repeats']} warm and touched runs each):")
        for name, m in report["runs"].items():
            print(f"  {name:<34} {m['seconds']:7.2f} s  CPU {m['cpu_seconds']:7.2f} s  peak {m['peak_rss_mb']:6.1f} MiB")
    print("Targets (ratios within this run):")
    for name, limit, measured, met in targets(results):
        verdict = "n/a" if met is None else "met" if met else "NOT MET"
        print(f"  {name:<58} {limit:>10}  {measured:<52} {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["precommit", "corpus", "scale", "all"])
    parser.add_argument("path", nargs="?", type=Path, help="corpus folder (for `corpus`)")
    parser.add_argument("--corpus", type=Path, help="corpus folder (for `all`): AWS's serverless-patterns")
    parser.add_argument("--runs", type=int, default=11, help="pre-commit rounds")
    parser.add_argument("--rounds", type=int, default=3, help="rounds for the corpus and the synthetic trees")
    parser.add_argument("--repeats", type=int, default=3, help="warm and touched runs in each round")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--quick", action="store_true", help="skip the 10,000-function tree")
    parser.add_argument("--baseline", type=Path, help="another wa-lint `src` folder, measured in the same rounds")
    parser.add_argument("--json", type=Path, help="where to write the JSON results")
    args = parser.parse_args()
    if shutil.which("cfn-lint") is None:
        sys.exit("cfn-lint is not installed: pip install -e '.[bench]'")
    # An installed wa-lint has its bytecode compiled by pip; a source checkout run with
    # PYTHONDONTWRITEBYTECODE would compile every module in every measured process instead.
    for source in filter(None, [REPO / "src", args.baseline]):
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(source / "wa_lint")], check=True)
    version = subprocess.run(cfn_lint("--version"), capture_output=True, text=True, check=False).stdout.strip()
    results: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(), "load_average_at_start": os.getloadavg(),
        "python": sys.version.split()[0], "cfn-lint": version,
        **({"baseline": str(args.baseline)} if args.baseline else {}),
    }
    results["interpreter"] = interpreter_start(args.runs)
    sizes = [size for size in args.sizes if not (args.quick and size >= 10000)]
    if args.what in ("precommit", "all"):
        results["precommit"] = precommit(args.runs, args.baseline)
    corpus_path = args.path or args.corpus
    if args.what == "corpus" or (args.what == "all" and corpus_path):
        if corpus_path is None:
            parser.error("corpus needs a PATH")
        results["corpus"] = corpus(corpus_path, args.rounds, args.baseline, args.repeats)
    if args.what in ("scale", "all"):
        results["scale"] = scale(sizes, args.rounds, args.baseline, args.repeats)
    results["load_average_at_end"] = os.getloadavg()
    results["targets"] = [dict(zip(("target", "limit", "measured", "met"), row, strict=True))
                          for row in targets(results)]
    _print(results)
    print(f"load average: {results['load_average_at_start'][0]:.1f} at the start, "
          f"{results['load_average_at_end'][0]:.1f} at the end ({os.cpu_count()} CPUs)")
    target = args.json or RESULTS / f"bench-{results['date'][:19].replace(':', '')}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, indent=2) + "\n")
    print(f"JSON: {target}")


if __name__ == "__main__":
    main()
