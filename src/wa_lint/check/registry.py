"""The rule catalogue: metadata and docs from `rules/*.md`, checks from `wa_lint.check`.

Each rule file is YAML front matter (validated against `schemas/rule.schema.json` by the test suite)
followed by the Markdown documentation that `wa-lint rule CODE` prints.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import yaml

from wa_lint.report.findings import LensRef, Severity, Violation

if TYPE_CHECKING:
    from wa_lint.link.model import Project

CheckFunction = Callable[["Project", dict[str, Any]], Iterable[Violation]]
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.DOTALL)
DOC_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "References")


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    summary: str
    severity: Severity
    target: str
    lens: LensRef
    also: tuple[LensRef, ...]
    message: str
    fix: str
    references: tuple[str, ...]
    enabled_by_default: bool
    options: dict[str, dict[str, Any]]
    doc: str
    source: Path
    metadata: dict[str, Any] = field(repr=False, compare=False)

    @property
    def check(self) -> CheckFunction | None:
        return checks().get(self.code)

    @property
    def status(self) -> str:
        if self.target == "tool":
            return "built-in"
        return "active" if self.check else "planned"

    def default_options(self) -> dict[str, Any]:
        return {name: spec["default"] for name, spec in self.options.items()}


def rules_dir() -> Path:
    packaged = Path(__file__).parents[1] / "_rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "rules"


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    match = _FRONT_MATTER.match(text.replace("\r\n", "\n"))
    if not match:
        raise ValueError("missing YAML front matter between '---' lines")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    metadata = yaml.load(match.group(1), Loader=loader)  # noqa: S506 - a safe loader, our own files
    if not isinstance(metadata, dict):
        raise ValueError("front matter is not a mapping")
    return metadata, match.group(2).strip() + "\n"


def _lens(data: dict[str, Any]) -> LensRef:
    return LensRef(data["pillar"], data["question"], data["best_practice"], data.get("choice_id"), data["url"])


def _rule(path: Path) -> Rule:
    metadata, body = split_front_matter(path.read_text(encoding="utf-8"))
    return Rule(
        code=metadata["code"],
        name=metadata["name"],
        summary=metadata["summary"],
        severity=Severity.parse(metadata["severity"]),
        target=metadata["target"],
        lens=_lens(metadata["lens"]),
        also=tuple(_lens(item) for item in metadata.get("also", [])),
        message=metadata["message"],
        fix=metadata["fix"],
        references=tuple(metadata["references"]),
        enabled_by_default=metadata.get("enabled_by_default", True),
        options=metadata.get("options", {}),
        doc=body,
        source=path,
        metadata=metadata,
    )


@functools.cache
def catalogue() -> dict[str, Rule]:
    rules = (_rule(path) for path in sorted(rules_dir().glob("*.md")))
    return {rule.code: rule for rule in rules}


def check_modules() -> Iterator[tuple[str, ModuleType]]:
    """(code, module) for every module of `wa_lint.check` that declares a `CODE`."""
    import wa_lint.check as package

    for module_info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        module = importlib.import_module(module_info.name)
        code = getattr(module, "CODE", None)
        if code:
            yield code, module


@functools.cache
def checks() -> dict[str, CheckFunction]:
    """Every check module in `wa_lint.check` declares `CODE` and a `check(project, options)` function."""
    found: dict[str, CheckFunction] = {}
    for code, module in check_modules():
        if code in found:
            raise RuntimeError(f"two checks claim {code}: {module.__name__}")
        found[code] = module.check
    return found


def select(codes: Iterable[str], catalogue_codes: Iterable[str]) -> set[str]:
    """Codes matched by the given codes or prefixes (`PERF`, `SEC1`, `PERF101`, `ALL`)."""
    selected = set()
    for code in catalogue_codes:
        for pattern in codes:
            if pattern == "ALL" or code.startswith(pattern):
                selected.add(code)
    return selected
