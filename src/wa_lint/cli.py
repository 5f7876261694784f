"""The `wa-lint` command. `wa-lint PATH...` lints; `wa-lint rule CODE` and `wa-lint rules` document.

Exit codes: 0 no findings, 1 findings, 2 usage, configuration or internal error, 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import functools
import io
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

import click

from wa_lint import __version__
from wa_lint.helptext import Context
from wa_lint.launch import (
    EXIT_CLEAN,
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_INTERRUPTED,
    emit_report,
    entry,  # noqa: F401 - what scripts installed before the entry point moved name
    escape_unencodable,
    print_and_exit,
    say_error,
)
from wa_lint.progress import ProgressLine
from wa_lint.report.formats import FORMATS

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping

    from click.shell_completion import CompletionItem

    from wa_lint.config import Config
    from wa_lint.launch_memo import Launch, Resolving
    from wa_lint.result import RunResult

# The text formats (`text` is the former name of `concise`), then the machine formats.
TEXT_FORMATS = ("full", "concise")
OUTPUT_FORMATS = (*TEXT_FORMATS, *FORMATS)


class _DefaultToCheck(click.Group):
    """`wa-lint .` means `wa-lint check .`: anything that is not a subcommand goes to `check`, whose
    options `wa-lint --help` therefore shows too."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # Shell completion of the first word parses no arguments: it must offer commands too.
        completing_first_word = ctx.resilient_parsing and not args
        if not completing_first_word and (
                not args or (args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"))):
            args = ["check", *args]
        return super().parse_args(ctx, args)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        """The first word: a command, an option of `check`, or a path."""
        from click.shell_completion import CompletionItem

        check_command = self.commands["check"]
        check_context = check_command.make_context("check", [], parent=ctx, resilient_parsing=True)
        items = [*super().shell_complete(ctx, incomplete), *check_command.shell_complete(check_context, incomplete)]
        if not incomplete.startswith("-"):
            items.append(CompletionItem(incomplete, type="file"))
        return items

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, "[OPTIONS] [PATH]...")
        formatter.write_usage(ctx.command_path, "COMMAND [ARGS]...", prefix="       ")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        check_command = self.commands["check"]
        records = [record for param in check_command.get_params(ctx) if (record := param.get_help_record(ctx))]
        with formatter.section("Options (of `check`, the default command)"):
            formatter.write_dl([*records, ("--version", "Show the version and exit.")])
        self.format_commands(ctx, formatter)


def _codes(values: tuple[str, ...]) -> tuple[str, ...] | None:
    codes = tuple(code.strip().upper() for value in values for code in value.split(",") if code.strip())
    return codes or None


def write_atomically(path: Path, text: str) -> None:
    """Write a report file: regular files atomically, FIFOs and devices through, symlinks followed."""
    from wa_lint.files import write_report

    write_report(path, text)


def _use_colour(choice: str, stream: TextIO | None) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return stream is not None and stream.isatty()


def _parse_reports(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> list[tuple[str, Path]]:
    reports = []
    for value in values:
        name, colon, file = value.partition(":")
        if not colon or not file or name not in OUTPUT_FORMATS:
            raise click.BadParameter(
                f"expected FORMAT:FILE with FORMAT one of {', '.join(OUTPUT_FORMATS)}, got {value!r}")
        reports.append((name, Path(file)))
    return reports


def _complete_codes(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Rule codes for shell completion (after a comma too: `--select PERF001,SE`)."""
    from wa_lint.check.registry import catalogue

    done, comma, last = incomplete.rpartition(",")
    return [f"{done}{comma}{code}" for code in catalogue() if code.startswith(last.upper())]


def _fail(message: str) -> NoReturn:
    say_error(message)
    sys.exit(EXIT_ERROR)


def _interrupted(progress: ProgressLine | None) -> NoReturn:
    """Ctrl-C: the progress line cleared, one line said, the shell's convention for SIGINT (128 + 2)."""
    if progress:
        progress.clear()
    try:
        if sys.stderr is not None:
            sys.stderr.write("wa-lint: interrupted\n")
            sys.stderr.flush()
    except (OSError, ValueError):
        pass
    sys.exit(EXIT_INTERRUPTED)


class _Report(io.StringIO):
    """The report, kept as the pieces the reporters write until it is complete. A large one (15 MB of
    text for 25,000 findings with their source) cost twice its size as StringIO's buffer plus the
    joined copy `getvalue` makes; pieces of ASCII text cost one byte a character. It is only written
    to and then read whole (`getvalue`, `batches`): StringIO's own buffer stays empty."""

    def __init__(self) -> None:
        super().__init__()
        self.pieces: list[str] = []

    def write(self, text: str, /) -> int:
        self.pieces.append(text)
        return len(text)

    def writelines(self, lines: Iterable[Any], /) -> None:  # texts, as write takes
        self.pieces.extend(lines)

    def getvalue(self) -> str:
        return "".join(self.pieces)

    def batches(self, size: int = 1 << 20, keep: bool = False) -> Iterator[str]:
        """The text in joined batches of about `size` characters, each piece let go once in one
        (`keep`: kept, for another pass)."""
        pieces = self.pieces[::-1]
        if not keep:
            self.pieces = []
        batch: list[str] = []
        length = 0
        while pieces:
            piece = pieces.pop()
            batch.append(piece)
            length += len(piece)
            if length >= size or not pieces:
                yield "".join(batch)
                batch, length = [], 0


def _emit_report(report: str | _Report | Iterable[str]) -> None:
    problem = emit_report(report.batches() if isinstance(report, _Report) else (report,) if isinstance(report, str)
                          else report)
    if problem is not None:
        _fail(problem)


@click.group(cls=_DefaultToCheck, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wa-lint")
def main() -> None:
    """A Well-Architected linter for serverless Python on AWS.

    `wa-lint [PATH]...` lints (the `check` command is the default), `wa-lint rules` lists the
    catalogue and `wa-lint rule CODE` prints one rule's documentation.
    """


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--output-format", "output_format", type=click.Choice(OUTPUT_FORMATS), default="full",
              show_default=True,
              help="How findings are printed: full shows the source under each finding, concise (also "
                   "called text) one location line each; the others are for machines.")
@click.option("-o", "--output-file", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the report to this file instead of standard output.")
@click.option("--report", "reports", multiple=True, metavar="FORMAT:FILE", callback=_parse_reports,
              help="Also write a report in FORMAT to FILE (repeatable), e.g. --report sarif:wa-lint.sarif.")
@click.option("--sarif-output", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
              help="Also write SARIF to FILE (same as --report sarif:FILE).")
@click.option("--color", "--colour", "colour", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True, help="Colour the text report (auto: only on a terminal; NO_COLOR is honoured).")
@click.option("--select", multiple=True, metavar="CODES", shell_complete=_complete_codes,
              help="Only these rule codes or prefixes (comma-separated).")
@click.option("--extend-select", multiple=True, metavar="CODES", shell_complete=_complete_codes, help="Add rule codes or prefixes to the selection.")
@click.option("--ignore", multiple=True, metavar="CODES", shell_complete=_complete_codes, help="Skip these rule codes or prefixes.")
@click.option("--preview/--no-preview", default=None,
              help="Also run rules in preview (opt-in until measured on real apps); overrides `preview`.")
@click.option("--severity", "severities", multiple=True, metavar="CODE=LEVEL",
              help="Override a rule's severity (error, warning or info), e.g. --severity PERF001=error.")
@click.option("--exclude", multiple=True, metavar="PATTERN",
              help="Gitignore-style patterns to skip (replaces the configured list).")
@click.option("--extend-exclude", multiple=True, metavar="PATTERN", help="More gitignore-style patterns to skip.")
@click.option("--force-exclude", is_flag=True, help="Apply excludes to paths given explicitly too (pre-commit).")
@click.option("--power-tuning", "power_tuning", multiple=True, type=click.Path(path_type=Path, exists=True),
              help="AWS Lambda Power Tuning result file or folder of *.json results (repeatable).")
@click.option("--aws", "aws", is_flag=True,
              help="Read the deployed stack and its CloudWatch measurements (read-only; docs/live-mode.md).")
@click.option("--stack", metavar="NAME", help="With --aws: the deployed stack [default: stack_name in samconfig].")
@click.option("--region", metavar="REGION", help="With --aws: the stack's region [default: samconfig or AWS config].")
@click.option("--profile", metavar="PROFILE", help="With --aws: the AWS profile [default: samconfig or AWS config].")
@click.option("--config-env", default="default", show_default=True, metavar="ENV",
              help="With --aws: the samconfig environment to read.")
@click.option("--window", "window_days", type=click.IntRange(1, 455), default=14, show_default=True,
              metavar="DAYS", help="With --aws: days of CloudWatch measurements to read.")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Use this configuration file.")
@click.option("--isolated", is_flag=True, help="Ignore all configuration files.")
@click.option("--baseline", "baseline_path", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
              help="Report only findings that are not in this baseline file.")
@click.option("--write-baseline", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
              help="Record all current findings in FILE (then exit 0); later runs use it with --baseline.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]),
              help="Lowest severity that makes the exit code 1 (default info: any finding); lower ones are shown.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--statistics", is_flag=True, help="Print the number of findings per rule instead of the findings.")
@click.option("--show-files", is_flag=True, help="Print the templates and Python files the run reads, then exit.")
@click.option("--show-settings", is_flag=True,
              help="Print the resolved configuration and where each value came from, then exit.")
@click.option("--show-model", is_flag=True, help="Print the linked project model instead of findings.")
@click.option("--explain", metavar="CODE", help="Print a rule's documentation and exit.")
@click.option("-q", "--quiet", count=True,
              help="Print findings and errors only (no notes, no summary); twice: nothing, only the exit code.")
@click.option("-v", "--verbose", is_flag=True,
              help="Also say which configuration file is used, the project root and what was read.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Processes for code analysis and for the checks of a large project, at most [default: one per 32 files to parse, and one per 256 handler entries to check, up to the CPU count].")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the .wa_lint_cache/ folder.")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@click.option("--fix", is_flag=True, help="Apply safe fixes to the files, then report what remains.")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix, --fix-only or --diff: unsafe fixes too.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff and write nothing (exit 1 if any).")
@click.option("--fix-only", is_flag=True, help="Apply fixes and report nothing else (exit 0 unless an error).")
def check(paths: tuple[Path, ...], output_format: str, output_file: Path | None,
          reports: list[tuple[str, Path]], sarif_output: Path | None, colour: str,
          select: tuple[str, ...], extend_select: tuple[str, ...], ignore: tuple[str, ...],
          preview: bool | None, severities: tuple[str, ...], exclude: tuple[str, ...], extend_exclude: tuple[str, ...],
          force_exclude: bool, power_tuning: tuple[Path, ...], aws: bool, stack: str | None, region: str | None,
          profile: str | None, config_env: str, window_days: int, config_path: Path | None, isolated: bool,
          baseline_path: Path | None, write_baseline: Path | None, fail_on: str | None, exit_zero: bool,
          statistics: bool, show_files: bool, show_settings: bool, show_model: bool, explain: str | None,
          quiet: int, verbose: bool, jobs: int | None, no_cache: bool, debug: bool, fix: bool = False,
          unsafe_fixes: bool = False, diff: bool = False, fix_only: bool = False) -> None:
    """Lint PATHS (files or folders; default: the current folder)."""
    escape_unencodable()
    if explain:
        _print_rule(explain, "text")
        return
    on_terminal = sys.stderr is not None and sys.stderr.isatty() and not quiet
    progress = ProgressLine(sys.stderr) if on_terminal else None
    printing = None if fix or diff or fix_only or show_settings else _printing(
        output_format, output_file, reports, sarif_output, baseline_path, write_baseline, statistics, show_files,
        show_model, verbose, colour=colour, quiet=quiet, exit_zero=exit_zero)
    launched = _launched(paths, config_path, printing, no_cache)
    try:
        live = _live_options(aws, stack, region, profile, config_env, window_days)
        live_progress = progress.say if live and progress else None
        config = _resolve_config(paths, config_path, isolated, verbose, select=select, extend_select=extend_select,
                                 ignore=ignore, severities=severities, exclude=exclude,
                                 extend_exclude=extend_exclude, power_tuning=power_tuning, fail_on=fail_on,
                                 preview=preview, live=live)
        if show_settings:
            _show_settings(config, output_format)
            return
        if fix or diff or fix_only:
            from wa_lint.fix.apply import fix_files

            outcome = fix_files(lambda overlay=None: _run(paths, config, force_exclude, debug, jobs, no_cache,
                                                          progress, live_progress, overlay=overlay)[0],
                                unsafe=unsafe_fixes, write=not diff)
            result = outcome.result
        else:
            result, keep_printed = _run(paths, config, force_exclude, debug, jobs, no_cache, progress, live_progress,
                                        printing=printing, launched=launched)
        if progress:
            progress.clear()
        if fix or diff or fix_only:
            _report_fixes(outcome, unsafe_fixes, diff, quiet)
            if diff:
                sys.exit(EXIT_FINDINGS if outcome.changes else EXIT_CLEAN)
            if fix_only:
                sys.exit(EXIT_ERROR if outcome.failures else EXIT_CLEAN)
        try:
            if verbose:
                _say_what_was_read(result)
            _finish(result, config, output_format=output_format, output_file=output_file, colour=colour,
                    reports=[*reports, *([("sarif", sarif_output)] if sarif_output else [])],
                    baseline_path=baseline_path, write_baseline=write_baseline, exit_zero=exit_zero,
                    statistics=statistics, show_files=show_files, show_model=show_model, quiet=quiet,
                    keep_printed=None if fix or diff or fix_only else keep_printed)
        except Exception as error:  # noqa: BLE001 - a replayed run's model is built here when a report needs it
            _internal_error(error, progress, debug)
    except KeyboardInterrupt:
        _interrupted(progress)


def _resolve_config(paths: tuple[Path, ...], config_path: Path | None, isolated: bool, verbose: bool,
                    **flags: Any) -> Config:
    """The configuration file's settings (unless --isolated), then the command line's, all validated."""
    from wa_lint.config import Config, ConfigError, find_config, load_config

    start = Path(paths[0]) if paths else Path.cwd()
    try:
        config = Config()
        found = None if isolated else config_path or find_config(start)
        if found:
            config = load_config(found)
        if verbose:
            where = found or ("none (--isolated)" if isolated else
                              f"none found at or above {start}, up to the git work tree's root")
            click.echo(f"wa-lint: configuration: {where}", err=True)
        return _with_flags(config, **flags)
    except ConfigError as error:
        _fail(str(error))


def _with_flags(config: Config, select: tuple[str, ...], extend_select: tuple[str, ...], ignore: tuple[str, ...],
                severities: tuple[str, ...], exclude: tuple[str, ...], extend_exclude: tuple[str, ...],
                power_tuning: tuple[Path, ...], fail_on: str | None, preview: bool | None, live: Any) -> Config:
    """Command-line flags over the file's values; a code or prefix that names no rule is a usage error."""
    selected = {flag: _codes(values) for flag, values in
                (("--select", select), ("--extend-select", extend_select), ("--ignore", ignore))}
    severity = _severities(severities)
    if any(selected.values()) or severity:
        from wa_lint.check.registry import catalogue
        from wa_lint.config import did_you_mean, unknown_selector

        rules = catalogue()
        for flag, codes in selected.items():
            problem = unknown_selector(codes or (), rules)
            if problem:
                _fail(f"{flag}: {problem}")
        for code in severity:
            if code not in rules:
                _fail(f"--severity: unknown rule '{code}'{did_you_mean(code, rules, exact=True)}")
    return config.with_overrides(
        select=selected["--select"],
        ignore=tuple(dict.fromkeys([*config.ignore, *selected["--ignore"]])) if selected["--ignore"] else None,
        extend_select=(tuple(dict.fromkeys([*config.extend_select, *selected["--extend-select"]]))
                       if selected["--extend-select"] else None),
        severity={**config.severity, **severity} if severity else None,
        exclude=exclude or None,
        extend_exclude=tuple(dict.fromkeys([*config.extend_exclude, *extend_exclude])) if extend_exclude else None,
        power_tuning=(*config.power_tuning, *power_tuning) if power_tuning else None,
        fail_on=fail_on,
        preview=preview,
        live=live,
    )


def _severities(values: tuple[str, ...]) -> dict[str, str]:
    levels = ("error", "warning", "info")
    chosen: dict[str, str] = {}
    for value in values:
        for item in filter(None, (part.strip() for part in value.split(","))):
            code, equals, level = item.partition("=")
            if not equals or level.strip().lower() not in levels:
                _fail(f"--severity: expected CODE=LEVEL with LEVEL one of {', '.join(levels)}, got {item!r}")
            chosen[code.strip().upper()] = level.strip().lower()
    return chosen


def _report_fixes(outcome: Any, unsafe: bool, diff: bool, quiet: int) -> None:
    """The diff (with --diff) on standard output; the summary and any file that could not be fixed on
    standard error, so the report on standard output stays machine-readable."""
    from wa_lint.fix.apply import summary
    from wa_lint.report.formats import one_line

    if diff and quiet < 2:
        _emit_report(outcome.diff())
    for path, problem in sorted(outcome.failures.items()):
        click.echo(f"wa-lint: not fixed: {one_line(str(path))}: {one_line(problem)}", err=True)
    if quiet:
        return
    if diff:
        count = sum(change.fixes for change in outcome.changes.values())
        from wa_lint.words import plural

        click.echo(f"wa-lint: {plural(count, 'fix', 'fixes')} in {plural(len(outcome.changes), 'file')} "
                   "would be applied", err=True)
    else:
        click.echo(f"wa-lint: {summary(outcome, unsafe)}", err=True)


def _printing(output_format: str, output_file: Path | None, reports: list[tuple[str, Path]],
              sarif_output: Path | None, baseline_path: Path | None, write_baseline: Path | None,
              *asked: bool, colour: str, quiet: int, exit_zero: bool) -> str | None:
    """The options of what this command prints, when it prints no more than its report (which
    wa_lint/printed_memo.py keeps): one report, on standard output, in a format whose bytes follow from
    the findings; else None. `asked`: the flags that print something else (--statistics, --show-files,
    --show-model, --verbose)."""
    from wa_lint.printed_memo import KEPT_FORMATS, printed_options

    if (output_format not in KEPT_FORMATS or output_file is not None or reports or sarif_output is not None
            or baseline_path is not None or write_baseline is not None or any(asked)):
        return None
    return printed_options(output_format, _use_colour(colour, sys.stdout), quiet, exit_zero)


def _launched(paths: tuple[Path, ...], config_path: Path | None, printing: str | None,
              no_cache: bool) -> tuple[Launch, Resolving] | None:
    """The command as `wa-lint` launched it, with what resolving its words reads noted before they are
    resolved (launch_memo.py), when it may keep what it prints; else None."""
    launch = click.get_current_context().find_root().obj
    if launch is None or printing is None or no_cache:
        return None
    from wa_lint.launch_memo import resolving

    return launch, resolving(paths, config_path)


def _run(paths: tuple[Path, ...], config: Config, force_exclude: bool, debug: bool, jobs: int | None,
         no_cache: bool, progress: ProgressLine | None, live_progress: Any = None, *,
         overlay: Mapping[Path, bytes] | None = None, printing: str | None = None,
         launched: tuple[Launch, Resolving] | None = None) -> tuple[RunResult, Callable[..., None] | None]:
    """The run's result, and a call that keeps what its report prints (`printing`: the options of that,
    from `_printing`; None when the command prints more than a report). When nothing the report
    depended on has changed since this command last printed it, it is printed again and the command
    exits instead. `launched`: the command as launched, kept as printing that report (`_launched`)."""
    started = time.perf_counter()
    try:
        from wa_lint.pipeline import Run

        run = Run(list(paths), config, force_exclude=force_exclude, debug=debug, jobs=jobs, use_cache=not no_cache,
                  progress=progress, live_progress=live_progress, overlay=overlay)
        looked_up = launched[0].stale if launched is not None else None
        printed = run.printed(printing, looked_up) if printing is not None else None
        if printed is None:
            result = run.execute()
    except Exception as error:  # noqa: BLE001 - never show a user a traceback unless asked
        _internal_error(error, progress, debug)
    if printed is not None:
        if launched is not None and printing is not None:
            run.keep_launch(printing, *launched)
        print_and_exit(printed.notes, printed.pieces(time.perf_counter() - started), printed.exit_code)
    if printing is None:
        return result, None
    return result, functools.partial(run.keep_printed, printing, launched=launched)


def _internal_error(error: Exception, progress: ProgressLine | None, debug: bool) -> NoReturn:
    if progress:
        progress.clear()
    if debug:
        import traceback  # only to show an internal error

        traceback.print_exc()
    _fail(f"internal error: {type(error).__name__}: {error} (run with --debug for details)")


def _finish(result: RunResult, config: Config, *, output_format: str, output_file: Path | None, colour: str,
            reports: list[tuple[str, Path]], baseline_path: Path | None, write_baseline: Path | None,
            exit_zero: bool, statistics: bool, show_files: bool, show_model: bool, quiet: int,
            keep_printed: Callable[..., None] | None = None) -> NoReturn:
    """Print the reports and exit; `keep_printed(report pieces, notes, exit code, inputs read)` keeps
    what is printed, when the command prints only its report (`_printing`)."""
    if write_baseline or baseline_path:
        _apply_baseline(result, write_baseline, baseline_path)
    target = _Report()
    paint = _use_colour(colour, sys.stdout) and not output_file
    if keep_printed is not None:
        _print_and_keep(result, config, output_format, target, paint, quiet, exit_zero, keep_printed)
    if show_files:
        _show_files(result, output_format, target)
    elif show_model:
        from wa_lint.link.model_view import model_dict, show_text

        if output_format == "json":
            from wa_lint.report.formats import dump_json

            dump_json(model_dict(result), target)
        else:
            show_text(result, target)
    elif statistics:
        _statistics(result, output_format, target)
    else:
        _write_reports(result, output_format, target if quiet < 2 else io.StringIO(), paint, reports, quiet)
        if result.remember is not None:
            result.remember()
    if output_file:
        _write_file(output_file, target.getvalue())
    else:
        _emit_report(target)
    if show_files:
        sys.exit(EXIT_CLEAN)
    sys.exit(_exit_code(result, config, exit_zero=exit_zero or show_model or bool(write_baseline)))


def _exit_code(result: RunResult, config: Config, exit_zero: bool) -> int:
    from wa_lint.report.findings import Severity

    if any(d.kind == "error" for d in result.diagnostics) and not result.findings:
        return EXIT_ERROR
    threshold = Severity.parse(config.fail_on)
    failing = any(finding.severity >= threshold for finding in result.findings)
    return EXIT_FINDINGS if failing and not exit_zero else EXIT_CLEAN


def _print_and_keep(result: RunResult, config: Config, output_format: str, target: _Report, colour: bool,
                    quiet: int, exit_zero: bool, keep_printed: Callable[..., None]) -> NoReturn:
    """`_finish` for a command that prints only its report: the report is rendered with a stand-in for
    the run's duration (printed_memo.TOOK; JSON's number is marked after), kept with the files it read,
    then printed and the run exits."""
    from wa_lint.inputs import Inputs, recording
    from wa_lint.printed_memo import TOOK, mark_json_seconds, with_took

    notes = io.StringIO()
    read_by_reports = Inputs()
    with recording(read_by_reports):
        _write_reports(result, output_format, target if quiet < 2 else io.StringIO(), colour, [], quiet,
                       notes=notes, took=TOOK)
    exit_code = _exit_code(result, config, exit_zero)
    if result.remember is not None:
        result.remember()  # first: the report kept next names the run memo entry as it is stored now
    if output_format != "json" or quiet >= 2 or mark_json_seconds(target.pieces, result.stats.seconds):
        keep_printed(target.batches(keep=True), notes.getvalue(), exit_code, read_by_reports)
    print_and_exit(notes.getvalue(), with_took(target.batches(), result.stats.seconds), exit_code)


def _live_options(aws: bool, stack: str | None, region: str | None, profile: str | None, config_env: str,
                  window_days: int) -> Any:
    """The `--aws` options, or None; `--stack` and friends without `--aws` are a usage error, not a no-op."""
    if not aws:
        given = [name for name, value in (("--stack", stack), ("--region", region), ("--profile", profile))
                 if value]
        if given:
            _fail(f"{', '.join(given)} only apply with --aws (which reads the deployed stack)")
        return None
    from wa_lint.evidence.live.target import LiveOptions

    return LiveOptions(stack=stack, region=region, profile=profile, config_env=config_env, window_days=window_days)


def _say_what_was_read(result: RunResult) -> None:
    from wa_lint.words import plural

    stats = result.stats
    click.echo(f"wa-lint: project root: {result.project.root}", err=True)
    click.echo(f"wa-lint: {len(result.enabled)} rules enabled: {', '.join(sorted(result.enabled))}", err=True)
    click.echo(f"wa-lint: read {plural(stats.templates, 'template')}, "
               f"{plural(stats.functions, 'function')}, "
               f"{plural(stats.python_files, 'Python file')} in {stats.seconds:.2f}s", err=True)


def _show_files(result: RunResult, output_format: str, out: TextIO) -> None:
    """The files the run read: templates it recognised, Python files it analysed."""
    from wa_lint.pipeline import relative
    from wa_lint.report.formats import dump_json, line_start_safe, one_line

    files = sorted({*(("template", t.path) for t in result.project.templates),
                    *(("python", path) for path in result.project.modules)},
                   key=lambda item: item[1].as_posix())
    if output_format == "json":
        dump_json([{"path": relative(path), "kind": kind} for kind, path in files], out)
        return
    out.writelines(line_start_safe(one_line(relative(path))) + "\n" for _, path in files)


def _statistics(result: RunResult, output_format: str, out: TextIO) -> None:
    """Findings per rule, most first (ruff's --statistics)."""
    from collections import Counter

    counts = Counter(finding.code for finding in result.findings)
    names = {finding.code: (finding.name, str(finding.severity)) for finding in result.findings}
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    if output_format == "json":
        from wa_lint.report.formats import dump_json

        dump_json([{"code": code, "name": names[code][0], "severity": names[code][1], "count": count}
                   for code, count in rows], out)
        return
    width = max((len(str(count)) for _, count in rows), default=1)
    code_width = max((len(code) for code, _ in rows), default=1)
    out.writelines(f"{count:>{width}}  {code:<{code_width}}  [{names[code][0]}] {names[code][1]}\n"
                   for code, count in rows)


def _show_settings(config: Config, output_format: str) -> None:
    rows = config.settings()
    if output_format == "json":
        from wa_lint.report.formats import dump_json

        dump_json({"configuration_file": str(config.path) if config.path else None,
                   "settings": {key: {"value": _plain(value), "from": origin} for key, value, origin in rows}},
                  sys.stdout)
        return
    click.echo(f"# configuration file: {config.path or 'none'}")
    shown = [(f"{key} = {json.dumps(_plain(value), ensure_ascii=False)}", origin) for key, value, origin in rows]
    width = max(len(text) for text, _ in shown)
    for text, origin in shown:
        click.echo(f"{text:<{width}}  # {origin}")


def _plain(value: Any) -> Any:
    """A setting as JSON data (paths as text, nested settings as tables)."""
    import dataclasses

    if isinstance(value, Path):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {spec.name.replace("_", "-"): _plain(getattr(value, spec.name)) for spec in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)


def _apply_baseline(result: RunResult, write: Path | None, read: Path | None) -> None:
    from wa_lint.report import baseline
    from wa_lint.report.findings import Diagnostic
    from wa_lint.words import plural

    if write:
        _write_file(write, baseline.dumps(result.findings, result.project))
        count = len(result.findings)
        from wa_lint.report.formats import one_line

        click.echo(f"wa-lint: recorded {plural(count, 'finding')} in {one_line(str(write))}", err=True)
    if read:
        try:
            known = baseline.load(read)
        except baseline.BaselineError as error:
            _fail(str(error))
        new = baseline.new_findings(result.findings, result.project, known)
        hidden = len(result.findings) - len(new)
        result.findings = new
        if hidden:
            result.diagnostics.append(Diagnostic(
                None, f"{plural(hidden, 'known finding')} in the baseline {read} not shown", kind="baseline"))


def _write_file(path: Path, text: str) -> None:
    try:
        write_atomically(path, text)
    except OSError as error:
        _fail(f"cannot write {path}: {error.strerror or error}")


def _write_reports(result: RunResult, output_format: str, target: TextIO, colour: bool,
                   extra: list[tuple[str, Path]], quiet: int = 0, notes: TextIO | None = None,
                   took: str | None = None) -> None:
    """The main report to `target`, then each extra FORMAT:FILE report, all from the same result.

    In the text formats, notes about the run go to standard error, so a report piped or written to a
    file holds findings only.
    """
    from wa_lint.report.formats import get_reporter

    if output_format in (*TEXT_FORMATS, "text"):
        from wa_lint.report.formats.text import write

        # None: standard error was closed before the start (`2>&-`); notes never go into the report.
        if notes is None:
            notes = sys.stderr if quiet < 2 and sys.stderr is not None else io.StringIO()
        elif quiet >= 2:
            notes = io.StringIO()
        write(result, target, colour, notes=notes, full=output_format == "full", quiet=quiet > 0, took=took)
    else:
        get_reporter(output_format)(result, target, colour)
    for name, path in extra:
        buffer = io.StringIO()
        if name in TEXT_FORMATS:
            from wa_lint.report.formats.text import write

            write(result, buffer, False, full=name == "full")
        else:
            get_reporter(name)(result, buffer, False)
        _write_file(path, buffer.getvalue())
    if "github" in (output_format, *(name for name, _ in extra)):
        from wa_lint.report.formats.github import write_step_summary

        try:
            write_step_summary(result)
        except OSError as error:
            _fail(f"cannot append to $GITHUB_STEP_SUMMARY: {error.strerror or error}")


def _print_rule(code: str, output_format: str) -> None:
    from wa_lint.check.registry import catalogue
    from wa_lint.config import did_you_mean

    rules = catalogue()
    rule = rules.get(code.upper()) or next((r for r in rules.values() if r.name == code.lower()), None)
    if rule is None:
        _fail(f"unknown rule '{code}'{did_you_mean(code, rules, exact=True)} (`wa-lint rules` lists them)")
    if output_format == "json":
        from wa_lint.report.formats import dump_json

        dump_json({
            "code": rule.code, "name": rule.name, "summary": rule.summary, "severity": str(rule.severity),
            "target": rule.target, "status": rule.status, "enabled_by_default": rule.enabled_by_default,
            "fixable": rule.fixable, "lens": rule.lens.as_dict(), "also": [also.as_dict() for also in rule.also],
            "options": rule.options, "references": list(rule.references), "doc": rule.doc,
        }, sys.stdout)
        return
    lens = rule.lens
    click.echo(f"# {rule.code} {rule.name}\n")
    click.echo(f"{rule.summary}\n")
    click.echo(f"Severity: {rule.severity} · Target: {rule.target} · Status: {rule.status}")
    click.echo(f"Lens: {lens.pillar} · {lens.question} · {lens.best_practice}"
               + (f" ({lens.choice_id})" if lens.choice_id else ""))
    for also in rule.also:
        click.echo(f"Also: {also.pillar} · {also.question} · {also.best_practice}"
                   + (f" ({also.choice_id})" if also.choice_id else ""))
    if rule.options:
        click.echo("Options:")
        for name, spec in rule.options.items():
            click.echo(f"  {name} (default {spec['default']}): {spec['description']}")
    click.echo("")
    click.echo(rule.doc.rstrip())


@main.command("rule", short_help="Print one rule's documentation.")
@click.argument("code", shell_complete=_complete_codes)
@click.option("--output-format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json: the rule's metadata and documentation as one object.")
def rule_command(code: str, output_format: str) -> None:
    """Print one rule's documentation; CODE is a code or a name (PERF101, sdk-client-in-handler)."""
    _print_rule(code, output_format)


@main.command("rules")
@click.option("--output-format", "output_format", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True, help="markdown prints the README's rule table.")
def rules_command(output_format: str) -> None:
    """List the rule catalogue."""
    from wa_lint.check.registry import catalogue

    rules = catalogue()
    rows: list[dict[str, Any]] = [
        {
            "code": rule.code,
            "name": rule.name,
            "summary": rule.summary,
            "pillar": rule.lens.pillar,
            "question": rule.lens.question,
            "best_practice": rule.lens.best_practice,
            "severity": str(rule.severity),
            "target": rule.target,
            "status": rule.status,
            "enabled_by_default": rule.enabled_by_default,
            "fixable": rule.fixable,
        }
        for rule in rules.values()
    ]
    if output_format == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    if output_format == "markdown":
        click.echo("| Code | Name | Pillar | Lens question · best practice | Severity | Evidence | Status |")
        click.echo("| --- | --- | --- | --- | --- | --- | --- |")
        for row in rows:
            click.echo(f"| {row['code']} | `{row['name']}` | {row['pillar']} | {row['question']} · "
                       f"{row['best_practice']} | {row['severity']} | {row['target']} | {row['status']} |")
        return
    columns = ("code", "name", "pillar", "severity", "target")
    widths = [max(len(str(row[key])) for row in rows) for key in columns]
    for row in rows:
        cells = [str(row[key]).ljust(width) for key, width in zip(columns, widths, strict=True)]
        fix = {"always": "  fix", "sometimes": "  fix (sometimes)"}.get(row["fixable"], "")
        click.echo("  ".join(cells) + f"  {row['question']}  {row['status']}{fix}")


def _power_values(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[int, ...] | None:
    if value is None:
        return None
    try:
        values = tuple(int(part) for part in value.split(",") if part.strip())
    except ValueError:
        raise click.BadParameter(f"expected memory sizes in MB separated by commas, got {value!r}") from None
    if not values or any(not 128 <= number <= 10240 for number in values):
        raise click.BadParameter("memory sizes must be between 128 and 10240 MB")
    return values


@main.command("tune")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--function", "functions", multiple=True, metavar="LOGICAL_ID",
              help="Tune this function (repeatable) [default: the functions PERF001 flags].")
@click.option("--stack", metavar="NAME", help="The deployed stack, to resolve each lambdaARN [default: samconfig].")
@click.option("--region", metavar="REGION", help="The stack's region [default: samconfig or AWS config].")
@click.option("--profile", metavar="PROFILE", help="The AWS profile [default: samconfig or AWS config].")
@click.option("--config-env", default="default", show_default=True, metavar="ENV",
              help="The samconfig environment to read.")
@click.option("--power-values", callback=_power_values, metavar="MB,MB,...",
              help="Memory sizes to test [default: 128,256,512,1024,1536,2048,3008 or the configuration].")
@click.option("--num", type=click.IntRange(min=5), help="Invocations per memory size [default: 10].")
@click.option("--strategy", type=click.Choice(["cost", "speed", "balanced"]), help="[default: cost]")
@click.option("--balanced-weight", type=click.FloatRange(0, 1),
              help="With --strategy balanced: 0 favours speed, 1 cost [default: 0.5].")
@click.option("--output-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Write inputs/ and results/ here [default: power-tuning/ in the project].")
@click.option("--start", is_flag=True,
              help="Start the executions (this INVOKES your functions, num times per memory size) and wait.")
@click.option("--state-machine", metavar="ARN", help="With --start: the Power Tuning state machine's ARN.")
@click.option("--wait", "wait_minutes", type=click.FloatRange(min=0), default=30.0, show_default=True,
              metavar="MINUTES", help="With --start: how long to wait for the executions.")
@click.option("--poll", "poll_seconds", type=click.FloatRange(min=0), default=10.0, show_default=True,
              metavar="SECONDS", help="With --start: seconds between status checks.")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Use this configuration file.")
@click.option("--isolated", is_flag=True, help="Ignore all configuration files.")
def tune_command(paths: tuple[Path, ...], functions: tuple[str, ...], stack: str | None, region: str | None,
                 profile: str | None, config_env: str, power_values: tuple[int, ...] | None, num: int | None,
                 strategy: str | None, balanced_weight: float | None, output_dir: Path | None, start: bool,
                 state_machine: str | None, wait_minutes: float, poll_seconds: float, config_path: Path | None,
                 isolated: bool) -> None:
    """Write AWS Lambda Power Tuning execution inputs for PATHS' functions (and with --start, run them)."""
    if start != bool(state_machine):
        _fail("--start and --state-machine ARN go together: --start runs the executions on that state machine")
    from wa_lint.tune_command import TuneRequest, tune

    request = TuneRequest(
        paths=[Path(p) for p in paths], functions=functions, stack=stack, region=region, profile=profile,
        config_env=config_env, power_values=power_values, num=num, strategy=strategy,
        balanced_weight=balanced_weight, output_dir=output_dir, state_machine=state_machine if start else None,
        wait_seconds=wait_minutes * 60, poll_seconds=poll_seconds, config_path=config_path, isolated=isolated,
    )
    sys.exit(tune(request, progress=ProgressLine(sys.stderr).say if sys.stderr.isatty() else None))


@main.command("server")
def server_command() -> None:
    """Run the editor server (Language Server Protocol over standard input/output)."""
    try:
        from wa_lint.server.lsp import serve
    except ImportError as error:
        _fail(f"the editor server needs the server extra ({error.name} is missing): pip install 'wa-lint[server]'")
        return
    serve()


# Help text wraps at spaces only, never inside `wa-lint` or `--extend-select`.
for _command in (main, *main.commands.values()):
    _command.context_class = Context
