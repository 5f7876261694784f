"""Project configuration: `[tool.wa-lint]` in pyproject.toml, or `wa-lint.toml` / `.wa-lint.toml`.

The nearest file to the linted path wins, searching up to the git work tree's root and no further.
Files are validated against `schemas/config.schema.json`; an invalid one is a ConfigError (exit code 2)
naming the file and the key. Each value remembers where it came from (for `--show-settings`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wa_lint.check.registry import Rule
    from wa_lint.evidence.live.target import LiveOptions

CONFIG_FILES = ("wa-lint.toml", ".wa-lint.toml", "pyproject.toml")
# Function names that make a file no template references a handler (`handler-patterns`).
DEFAULT_HANDLER_PATTERNS = ("handler", "lambda_handler", "*_handler")


class ConfigError(Exception):
    pass


# AWS Lambda Power Tuning's own default list, plus 2048 MB (the step where a function gets more than one vCPU's
# worth of time is 1769 MB).
DEFAULT_POWER_VALUES = (128, 256, 512, 1024, 1536, 2048, 3008)


@dataclass(frozen=True)
class TuneConfig:
    """`[tool.wa-lint.tune]`: what `wa-lint tune` puts in each Power Tuning execution input."""

    power_values: tuple[int, ...] = DEFAULT_POWER_VALUES
    num: int = 10
    strategy: str = "cost"
    balanced_weight: float = 0.5
    # Function logical ID → sample event file.
    payloads: dict[str, Path] = field(default_factory=dict)
    output_dir: Path | None = None  # default: power-tuning/ in the project root


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    extend_exclude: tuple[str, ...] = ()
    handler_patterns: tuple[str, ...] = DEFAULT_HANDLER_PATTERNS
    max_template_bytes: int = 2 * 1024 * 1024
    max_python_bytes: int = 1024 * 1024
    max_python_lines: int = 10_000
    # `.wa_lint_cache/` is kept under this size: the entries used least recently go (cache_sweep.py).
    cache_max_mb: int = 512
    # Follow CodeUri, layers and imports that lead outside the project root and the paths given.
    allow_outside_root: bool = False
    # Lint templates under test folders (`tests/`, `src/test/resources`, `__snapshots__`): they are
    # fixtures of the project's tests, not the app it deploys.
    lint_test_templates: bool = False
    severity: dict[str, str] = field(default_factory=dict)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    # (gitignore-style pattern relative to `base`, codes or prefixes)
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    fail_on: str = "info"
    # Run rules still in preview (their precision on real apps not yet measured).
    preview: bool = False
    # AWS Lambda Power Tuning result files or folders, and explicit file → function logical ID links.
    power_tuning: tuple[Path, ...] = ()
    power_tuning_functions: dict[Path, str] = field(default_factory=dict)
    # `--aws`: read the deployed stack and its measurements (only ever from the command line).
    live: LiveOptions | None = None
    tune: TuneConfig = field(default_factory=TuneConfig)
    # Field name -> where its value was set (a configuration file, "command line"); absent: the default.
    origins: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def base(self) -> Path | None:
        """The folder that relative paths and patterns in the configuration file are relative to.

        Absolute, because the findings it is matched against carry absolute paths whichever way the
        file was found (`--config service/wa-lint.toml`, or the search from `.`).
        """
        return Path(os.path.abspath(self.path.parent)) if self.path else None

    def with_overrides(self, origin: str = "command line", **changes: Any) -> Config:
        """A copy with the given values (None: leave as is), each recorded as coming from `origin`."""
        given = {key: value for key, value in changes.items() if value is not None}
        return replace(self, **given, origins={**self.origins, **dict.fromkeys(given, origin)})

    def settings(self) -> list[tuple[str, Any, str]]:
        """(key as written in a configuration file, value, where it came from) for every setting."""
        rows = []
        for spec in fields(self):
            if spec.name in ("path", "origins"):
                continue
            value = getattr(self, spec.name)
            if spec.name == "per_file_ignores":
                value = dict(value)  # as the file writes it: a table of pattern -> codes
            rows.append((spec.name.replace("_", "-"), value, self.origins.get(spec.name, "default")))
        return rows


def _table(path: Path) -> dict[str, Any] | None:
    import tomllib  # only when there is a configuration file to read

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        table = tool.get("wa-lint") if isinstance(tool, dict) else None
        return table if isinstance(table, dict) else None
    return data


def find_config(start: Path) -> Path | None:
    """The nearest configuration file at or above `start`, up to the git work tree's root.

    A pyproject.toml above the repository (a monorepo's, a home folder's) belongs to someone else.
    """
    start = Path(os.path.abspath(start))  # `Path(".").parents` is empty: the search would not go up
    folder = start if start.is_dir() else start.parent
    for probe in (folder, *folder.parents):
        for name in CONFIG_FILES:
            candidate = probe / name
            if candidate.is_file() and (name != "pyproject.toml" or _table(candidate) is not None):
                return candidate
        if (probe / ".git").exists():
            return None
    return None


def validate(table: dict[str, Any], path: Path) -> None:
    import jsonschema  # only paid for when a configuration file exists

    schema = json.loads((Path(__file__).parent / "schemas" / "config.schema.json").read_text())
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(table), key=lambda e: list(e.path))
    if errors:
        error = errors[0]
        parts = [str(part) for part in error.absolute_path]
        message = error.message
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = error.schema.get("properties", {})
            parts += [str(name) for name in error.instance if name not in allowed][:1]
            message = "unknown key (the configuration reference is in README.md)"
        key = ".".join(parts) or "(top level)"
        raise ConfigError(f"{path}: invalid configuration at '{key}': {message}")
    _validate_against_catalogue(table, path)


_OPTION_TYPES: dict[str, tuple[type, ...]] = {
    "integer": (int,), "number": (int, float), "string": (str,), "boolean": (bool,), "array": (list,),
}


def _validate_against_catalogue(table: dict[str, Any], path: Path) -> None:
    """Codes must name rules, and rule options must be ones the rule declares, with the declared type."""
    from wa_lint.check.registry import catalogue

    rules = catalogue()

    def fail(key: str, message: str) -> None:
        raise ConfigError(f"{path}: invalid configuration at '{key}': {message}")

    selectors = [(key, table.get(key, [])) for key in ("select", "extend-select", "ignore")]
    selectors += [(f"per-file-ignores.{glob}", codes) for glob, codes in table.get("per-file-ignores", {}).items()]
    for key, codes in selectors:
        problem = unknown_selector(codes, rules)
        if problem:
            fail(key, problem)
    for key in ("severity", "rules"):
        for code in table.get(key, {}):
            if code not in rules:
                fail(f"{key}.{code}", f"unknown rule '{code}'{did_you_mean(code, rules, exact=True)}")
    for code, options in table.get("rules", {}).items():
        declared = rules[code].options
        for name, value in options.items():
            where = f"rules.{code}.{name}"
            if name not in declared:
                known = ", ".join(sorted(declared)) or "none"
                fail(where, f"{code} has no option '{name}' (its options: {known})")
            kind = declared[name]["type"]
            if isinstance(value, bool) != (kind == "boolean") or not isinstance(value, _OPTION_TYPES[kind]):
                fail(where, f"expected {kind}, got {value!r}")


def did_you_mean(text: str, rules: Mapping[str, Rule], exact: bool = False) -> str:
    """"; did you mean …?" naming the closest codes (or prefixes, unless a whole code is needed), else ""."""
    by_name = {rule.name: code for code, rule in rules.items()}
    if text.lower() in by_name:
        return f"; did you mean {by_name[text.lower()]} ({text.lower()})? Codes, not names, are expected"
    candidates = set(rules)
    if not exact:
        candidates |= {code.rstrip("0123456789") for code in rules}  # PERF, SEC, WA
    import difflib  # only when a code is misspelt

    close = difflib.get_close_matches(text.upper(), sorted(candidates), n=3, cutoff=0.5)
    if not close:
        return ""
    listed = close[0] if len(close) == 1 else ", ".join(close[:-1]) + f" or {close[-1]}"
    return f"; did you mean {listed}?"


def unknown_selector(codes: Iterable[str], rules: Mapping[str, Rule]) -> str | None:
    """Why the first code or prefix that selects no rule is wrong (with a suggestion), or None."""
    from wa_lint.check.registry import select

    for code in codes:
        if not select([code], rules):
            return f"'{code}' matches no rule{did_you_mean(code, rules)} (`wa-lint rules` lists them)"
    return None


def _tune(table: dict[str, Any], base: Path) -> TuneConfig:
    output_dir = table.get("output-dir")
    return TuneConfig(
        power_values=tuple(table.get("power-values", DEFAULT_POWER_VALUES)),
        num=table.get("num", TuneConfig.num),
        strategy=table.get("strategy", TuneConfig.strategy),
        balanced_weight=float(table.get("balanced-weight", TuneConfig.balanced_weight)),
        payloads={logical_id: base / file for logical_id, file in table.get("payloads", {}).items()},
        output_dir=base / output_dir if isinstance(output_dir, str) else None,
    )


def load_config(path: Path) -> Config:
    table = _table(path) or {}
    validate(table, path)

    def codes(key: str) -> tuple[str, ...] | None:
        return tuple(table[key]) if key in table else None

    # Power Tuning paths are relative to the configuration file, like excludes.
    base = path.parent
    # `power-tuning` is a list of files or folders, or a table of file -> function logical ID.
    listed = table.get("power-tuning", ())
    tuning = tuple(base / entry for entry in listed)
    tuned_functions = {base / file: logical_id for file, logical_id in table.get("power-tuning-functions", {}).items()}
    if isinstance(listed, dict):
        tuned_functions.update({base / file: logical_id for file, logical_id in listed.items()})
    missing = [p for p in (*tuning, *tuned_functions) if not p.exists()]
    if missing:
        raise ConfigError(f"{path}: power tuning path {missing[0]} does not exist (paths are relative to {base})")
    return Config(
        tune=_tune(table.get("tune", {}), base),
        path=path,
        select=codes("select"),
        extend_select=codes("extend-select") or (),
        ignore=codes("ignore") or (),
        exclude=tuple(table.get("exclude", ())),
        extend_exclude=tuple(table.get("extend-exclude", ())),
        handler_patterns=tuple(table.get("handler-patterns", DEFAULT_HANDLER_PATTERNS)),
        max_template_bytes=table.get("max-template-bytes", Config.max_template_bytes),
        max_python_bytes=table.get("max-python-bytes", Config.max_python_bytes),
        max_python_lines=table.get("max-python-lines", Config.max_python_lines),
        cache_max_mb=table.get("cache-max-mb", Config.cache_max_mb),
        allow_outside_root=table.get("allow-outside-root", Config.allow_outside_root),
        lint_test_templates=table.get("lint-test-templates", Config.lint_test_templates),
        severity=dict(table.get("severity", {})),
        rules={code: dict(options) for code, options in table.get("rules", {}).items()},
        per_file_ignores=tuple((glob, tuple(codes)) for glob, codes in table.get("per-file-ignores", {}).items()),
        fail_on=table.get("fail-on", Config.fail_on),
        preview=table.get("preview", Config.preview),
        power_tuning=tuning,
        power_tuning_functions=tuned_functions,
        origins={key.replace("-", "_"): str(path) for key in table}
        | ({"power_tuning_functions": str(path)} if isinstance(listed, dict) else {}),
    )

