"""`samconfig.toml` / `samconfig.yaml`: the stack name, region and profile `sam deploy` uses.

SAM reads `<environment>.deploy.parameters`, falling back to `<environment>.global.parameters`; the
environment is `default` unless `--config-env` names another.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SAMCONFIG_FILES = ("samconfig.toml", "samconfig.yaml", "samconfig.yml")


class SamConfigError(Exception):
    """A samconfig file that cannot be read; the message names the file."""


@dataclass(frozen=True)
class DeploySettings:
    path: Path
    stack_name: str | None
    region: str | None
    profile: str | None


def find_samconfig(folders: Iterable[Path]) -> Path | None:
    """The first samconfig file in the given folders (the project root first, then template folders)."""
    for folder in dict.fromkeys(folders):
        for name in SAMCONFIG_FILES:
            candidate = folder / name
            if candidate.is_file():
                return candidate
    return None


def _load(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SamConfigError(f"{path}: cannot read: {error}") from None
    if path.suffix == ".toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise SamConfigError(f"{path}: invalid TOML: {error}") from None
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise SamConfigError(f"{path}: invalid YAML: {error}") from None


def _parameters(data: Any, environment: str, command: str) -> dict[str, Any]:
    section = data.get(environment) if isinstance(data, dict) else None
    section = section.get(command) if isinstance(section, dict) else None
    parameters = section.get("parameters") if isinstance(section, dict) else None
    return parameters if isinstance(parameters, dict) else {}


def read_samconfig(path: Path, environment: str = "default") -> DeploySettings:
    data = _load(path)
    merged = {**_parameters(data, environment, "global"), **_parameters(data, environment, "deploy")}

    def text(key: str) -> str | None:
        value = merged.get(key)
        return value if isinstance(value, str) and value else None

    return DeploySettings(path, text("stack_name"), text("region"), text("profile"))
