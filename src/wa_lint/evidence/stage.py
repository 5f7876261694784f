"""The evidence stage: measurements from outside the code (AWS Lambda Power Tuning results now; live
metrics next), each attached to the function it measured."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from wa_lint.config import Config
from wa_lint.link.model import Function
from wa_lint.load.sources import OUTSIDE, Skip, SourceStore
from wa_lint.report.findings import Diagnostic

if TYPE_CHECKING:
    from wa_lint.evidence.power_tuning import TuningResult


@dataclass(frozen=True)
class Evidence:
    # Power Tuning results by (template path, function logical ID).
    power_tuning: dict[tuple[Path, str], TuningResult] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def evidence_stage(functions: list[Function], config: Config, store: SourceStore) -> Evidence:
    if not config.power_tuning and not config.power_tuning_functions:
        return Evidence()
    return _power_tuning(functions, config, store)


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
