"""The steps of `wa-lint tune`: lint for PERF001 (with the stack, to know each function's ARN), write one
Power Tuning execution input per function, and with `--start` run them and keep the results where
`--power-tuning` reads them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import click

from wa_lint.config import Config, ConfigError, find_config, load_config
from wa_lint.link.model import Function, Project
from wa_lint.words import plural

EXIT_OK, EXIT_ERROR = 0, 2


@dataclass
class TuneRequest:
    paths: list[Path]
    functions: tuple[str, ...] = ()
    stack: str | None = None
    region: str | None = None
    profile: str | None = None
    config_env: str = "default"
    power_values: tuple[int, ...] | None = None
    num: int | None = None
    strategy: str | None = None
    balanced_weight: float | None = None
    output_dir: Path | None = None
    state_machine: str | None = None  # set: start the executions
    wait_seconds: float = 1800.0
    poll_seconds: float = 10.0
    config_path: Path | None = None
    isolated: bool = False
    problems: list[str] = field(default_factory=list)


def _say(message: str) -> None:
    click.echo(f"wa-lint tune: {message}", err=True)


def _config(request: TuneRequest) -> Config:
    config = Config()
    if not request.isolated:
        found = request.config_path or find_config(request.paths[0] if request.paths else Path.cwd())
        if found:
            config = load_config(found)
    changes: dict[str, Any] = {"power_values": request.power_values, "num": request.num, "strategy": request.strategy,
               "balanced_weight": request.balanced_weight}
    tune = replace(config.tune, **{key: value for key, value in changes.items() if value is not None})
    return replace(config, tune=tune)


def _targets(request: TuneRequest, project: Project, flagged: list[str]) -> list[Function] | None:
    if request.functions:
        known = {function.logical_id for function in project.functions}
        unknown = [name for name in request.functions if name not in known]
        if unknown:
            _say(f"error: no function {', '.join(unknown)} in the templates (known: {', '.join(sorted(known))})")
            return None
        return [function for function in project.functions if function.logical_id in request.functions]
    return [function for function in project.functions if function.logical_id in flagged]


def _arn(function: Function, project: Project) -> tuple[str | None, str]:
    """The deployed function's ARN, or why it is not known (what the user must give)."""
    live = project.live
    if live is None:
        return None, "its lambdaARN needs the deployed stack: pass --stack NAME (or set stack_name in samconfig.toml)"
    resource = live.deployed.get((function.template.path, function.logical_id))
    if resource is None:
        reason = "the stack could not be read (see the note above)" if live.problems else "it is not in the stack"
        return None, f"no deployed function in stack {live.stack} for it: {reason}"
    deployed = live.functions.get(resource.physical_id)
    if deployed is None:
        return None, (f"lambda:GetFunctionConfiguration on {resource.physical_id} failed (see the note above); "
                      "its ARN is needed")
    return deployed.arn, ""


def tune(request: TuneRequest, progress: Callable[[str], None] | None = None) -> int:
    from wa_lint.evidence.live.target import LiveOptions
    from wa_lint.evidence.tune import TuneError, execution_input, file_names, is_placeholder, payload_for
    from wa_lint.pipeline import run

    try:
        config = _config(request)
    except ConfigError as error:
        _say(f"error: {error}")
        return EXIT_ERROR
    live = LiveOptions(stack=request.stack, region=request.region, profile=request.profile,
                       config_env=request.config_env)
    lint_config = config.with_overrides(select=("PERF001",), extend_select=(), live=live)
    result = run(request.paths, lint_config, live_progress=progress)
    if progress:
        click.echo("\r\x1b[K", nl=False, err=True)
    project = result.project
    for diagnostic in result.diagnostics:
        if diagnostic.kind in ("live", "error"):
            _say(("error: " if diagnostic.kind == "error" else "note: ") + diagnostic.message)
    flagged = [f.function for f in result.findings if f.code == "PERF001" and f.function]
    targets = _targets(request, project, flagged)
    if targets is None:
        return EXIT_ERROR
    if not targets:
        _say("PERF001 flags no function, so there is nothing to tune; name one with --function LOGICAL_ID")
        return EXIT_OK
    output = request.output_dir or config.tune.output_dir or project.root / "power-tuning"
    names = file_names(targets)
    inputs: dict[str, dict[str, Any]] = {}
    failed = False
    for function in targets:
        arn, why = _arn(function, project)
        if arn is None:
            _say(f"error: {function.logical_id}: {why}")
            failed = True
            continue
        siblings = sum(1 for f in project.functions if f.template is function.template)
        try:
            payload = payload_for(function, config.tune.payloads, siblings)
        except TuneError as error:
            _say(f"error: {function.logical_id}: {error}")
            failed = True
            continue
        document = execution_input(arn, config.tune, payload)
        path = output / "inputs" / names[id(function)]
        _write(path, document)
        inputs[path.stem] = document
        if payload.source is None:
            _say(f"wrote {_shown(path)}: its payload is a PLACEHOLDER; replace it with a sample event for "
                 f"{function.logical_id} before starting (or map one in [tool.wa-lint.tune.payloads])")
        else:
            _say(f"wrote {_shown(path)} (payload from {_shown(payload.source)})")
    if request.state_machine and inputs:
        startable = {name: document for name, document in inputs.items() if not is_placeholder(document)}
        for name in inputs.keys() - startable.keys():
            _say(f"error: {name}: not started, its payload is still the placeholder")
            failed = True
        if startable and not _start(request, project, startable, output / "results", progress):
            failed = True
    return EXIT_ERROR if failed else EXIT_OK


def _start(request: TuneRequest, project: Project, inputs: dict[str, dict[str, Any]], results: Path,
           progress: Callable[[str], None] | None) -> bool:
    from wa_lint.evidence.live.aws import Account, LiveError
    from wa_lint.evidence.live.tuning import start_and_wait
    from wa_lint.evidence.power_tuning import PowerTuningError, parse_result

    live = project.live
    assert request.state_machine is not None
    try:
        account = Account(live.region if live else request.region, request.profile)
    except LiveError as error:
        _say(f"error: {error.message}")
        return False
    _say(f"starting {plural(len(inputs), 'Power Tuning execution')} on {request.state_machine}: this invokes the functions")
    executions = start_and_wait(account, request.state_machine, inputs, request.wait_seconds, request.poll_seconds,
                                progress or (lambda _: None))
    if progress:
        click.echo("\r\x1b[K", nl=False, err=True)
    ok = True
    written = False
    for execution in executions:
        if execution.status != "SUCCEEDED" or execution.description is None:
            _say(f"error: {execution.name}: {execution.error or execution.status}")
            ok = False
            continue
        path = results / f"{execution.name}.json"
        text = json.dumps(execution.description, indent=2) + "\n"
        try:
            tuned = parse_result(path, text)
        except PowerTuningError as error:
            _say(f"error: {execution.name}: the execution succeeded but its output is not a Power Tuning result: "
                 f"{error}")
            ok = False
            continue
        _write_text(path, text)
        written = True
        _say(f"wrote {_shown(path)}: {tuned.summary()}")
    if written:
        _say(f"next: wa-lint --power-tuning {_shown(results)} (or power-tuning = [\"{_shown(results)}\"] in the "
             "configuration) compares MemorySize with these results")
    return ok


def _shown(path: Path) -> str:
    from wa_lint.pipeline import relative

    return relative(path)


def _write(path: Path, document: dict[str, Any]) -> None:
    _write_text(path, json.dumps(document, indent=2) + "\n")


def _write_text(path: Path, text: str) -> None:
    from wa_lint.files import write_report

    write_report(path, text)
