"""The evidence stage: measurements from outside the code, each attached to what it measured: AWS Lambda
Power Tuning results, and with `--aws` the deployed stack and its CloudWatch metrics (boto3 is imported
only then)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from wa_lint.config import Config
from wa_lint.link.model import Function, Project
from wa_lint.load.sources import OUTSIDE, Skip, SourceStore
from wa_lint.report.findings import Diagnostic

if TYPE_CHECKING:
    from wa_lint.evidence.live.measurements import LiveEvidence
    from wa_lint.evidence.power_tuning import TuningResult


@dataclass(frozen=True)
class Evidence:
    # Power Tuning results by (template path, function logical ID).
    power_tuning: dict[tuple[Path, str], TuningResult] = field(default_factory=dict)
    # What `--aws` read from the deployed stack and CloudWatch; None without `--aws`.
    live: LiveEvidence | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)


def evidence_stage(linked: Project, config: Config, store: SourceStore,
                   live_progress: Callable[[str], None] | None = None) -> Evidence:
    """`linked`: the templates' half of the model (templates, functions, tables, resources), read only."""
    tuned = Evidence()
    if config.power_tuning or config.power_tuning_functions:
        tuned = _power_tuning(linked.functions, config, store)
    live, notes = _live(linked, config, live_progress)
    return Evidence(tuned.power_tuning, live, [*tuned.diagnostics, *notes])


def _live(linked: Project, config: Config,
          progress: Callable[[str], None] | None) -> tuple[LiveEvidence | None, list[Diagnostic]]:
    """`--aws`: join the deployed stack and its measurements to the model."""
    options = config.live
    if options is None:
        return None, []
    from wa_lint.evidence.live.target import TargetError, resolve_target

    folders = [linked.root, *(template.path.parent for template in linked.templates)]
    try:
        target = resolve_target(options, folders)
    except TargetError as error:
        return None, [Diagnostic(None, f"--aws: {error}; only static findings are reported", kind="live")]
    try:
        from wa_lint.evidence.live.collect import collect
    except ImportError as error:
        return None, [Diagnostic(None, f"--aws needs boto3 ({error.name} is missing): pip install 'wa-lint[live]'",
                                 kind="error")]
    live = collect(linked, target, options, progress)
    where = f"stack {live.stack}" + (f" in {live.region}" if live.region else "")
    notes = [Diagnostic(None, f"--aws ({where}): {problem.message}", kind="live") for problem in live.problems]
    if live.resources:
        notes.append(Diagnostic(None, (
            f"--aws: {where} ({target.source}): {len(live.functions)} functions and {len(live.tables)} "
            f"tables read, CloudWatch over {live.window_days} days"), kind="live"))
    return live, notes


def _power_tuning(functions: list[Function], config: Config, store: SourceStore) -> Evidence:
    """Read the Power Tuning results once and attach each to the function it measured."""
    from wa_lint.evidence.power_tuning import PowerTuningError, functions_for, parse_result, result_files

    evidence = Evidence()
    sources: dict[tuple[Path, str], Path] = {}
    # A file named in the mapping is a result too, even when no listed folder holds it. A listed
    # folder leading out of the project (`tuning -> /`) is not walked: the file system is not ours.
    listed = []
    for path in [*config.power_tuning, *config.power_tuning_functions]:
        if store.inside(path):
            listed.append(path)
        else:
            evidence.diagnostics.append(Diagnostic(path, f"power tuning results {OUTSIDE}"))
    for path in result_files(listed):
        source = store.read_template(path)
        if isinstance(source, Skip):
            evidence.diagnostics.append(source.diagnostic)
            continue
        try:
            result = parse_result(path, source.raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, PowerTuningError) as error:
            reason = "not UTF-8 text" if isinstance(error, UnicodeDecodeError) else str(error)
            # The user named this file: an unusable one is an error, not a silent skip.
            evidence.diagnostics.append(Diagnostic(path, f"power tuning result not used: {reason}", kind="error"))
            continue
        measured, how = functions_for(result, functions, config.power_tuning_functions)
        if not measured:
            evidence.diagnostics.append(Diagnostic(
                path, f"power tuning result matches no function in the templates ({how}); "
                      "link it with power-tuning-functions in the configuration"))
        for function in measured:
            key = (function.template.path, function.logical_id)
            if key in sources:
                evidence.diagnostics.append(Diagnostic(
                    path, f"second power tuning result for {function.logical_id} (also {sources[key]}); "
                          "using this one"))
            sources[key] = path
            evidence.power_tuning[key] = result
    return evidence
