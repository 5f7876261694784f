"""Project configuration: `[tool.wa-lint]` in pyproject.toml, or `wa-lint.toml` / `.wa-lint.toml`.

The nearest file to the linted path wins. Files are validated against `schemas/config.schema.json`;
an invalid one is a ConfigError (exit code 2) naming the file and the key.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from wa_lint.python.handlers import DEFAULT_HANDLER_PATTERNS

CONFIG_FILES = ("wa-lint.toml", ".wa-lint.toml", "pyproject.toml")


class ConfigError(Exception):
    pass


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
    severity: dict[str, str] = field(default_factory=dict)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)

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
        key = ".".join(str(part) for part in error.absolute_path) or "(top level)"
        message = error.message
        if error.validator == "additionalProperties" and not error.absolute_path:
            message = message.replace("Additional properties are not allowed", "unknown key")
        raise ConfigError(f"{path}: invalid configuration at '{key}': {message}")


def load_config(path: Path) -> Config:
    table = _table(path) or {}
    validate(table, path)

    def codes(key: str) -> tuple[str, ...] | None:
        return tuple(table[key]) if key in table else None

    return Config(
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
        severity=dict(table.get("severity", {})),
        rules={code: dict(options) for code, options in table.get("rules", {}).items()},
    )
