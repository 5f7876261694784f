"""Project configuration: `[tool.wa-lint]` in pyproject.toml, or `wa-lint.toml` / `.wa-lint.toml`.

The nearest file to the linted path wins. Files are validated against `schemas/config.schema.json`;
an invalid one is a ConfigError (exit code 2) naming the file and the key.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wa_lint.link.handlers import DEFAULT_HANDLER_PATTERNS

if TYPE_CHECKING:
    from wa_lint.evidence.live.target import LiveOptions

CONFIG_FILES = ("wa-lint.toml", ".wa-lint.toml", "pyproject.toml")


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

    @property
    def base(self) -> Path | None:
        """The folder that relative paths and patterns in the configuration file are relative to."""
        return self.path.parent if self.path else None

    def with_overrides(self, **changes: Any) -> Config:
        return replace(self, **{key: value for key, value in changes.items() if value is not None})


def _table(path: Path) -> dict[str, Any] | None:
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
    from wa_lint.check.registry import catalogue, select

    rules = catalogue()

    def fail(key: str, message: str) -> None:
        raise ConfigError(f"{path}: invalid configuration at '{key}': {message}")

    selectors = [(key, table.get(key, [])) for key in ("select", "extend-select", "ignore")]
    selectors += [(f"per-file-ignores.{glob}", codes) for glob, codes in table.get("per-file-ignores", {}).items()]
    for key, codes in selectors:
        for code in codes:
            if not select([code], rules):
                fail(key, f"'{code}' matches no rule (`wa-lint rules` lists them)")
    for key in ("severity", "rules"):
        for code in table.get(key, {}):
            if code not in rules:
                fail(f"{key}.{code}", f"unknown rule '{code}'")
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
        allow_outside_root=table.get("allow-outside-root", Config.allow_outside_root),
        lint_test_templates=table.get("lint-test-templates", Config.lint_test_templates),
        severity=dict(table.get("severity", {})),
        rules={code: dict(options) for code, options in table.get("rules", {}).items()},
        per_file_ignores=tuple((glob, tuple(codes)) for glob, codes in table.get("per-file-ignores", {}).items()),
        fail_on=table.get("fail-on", Config.fail_on),
        preview=table.get("preview", Config.preview),
        power_tuning=tuning,
        power_tuning_functions=tuned_functions,
    )

