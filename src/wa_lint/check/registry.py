"""The rule catalogue: metadata and docs from `rules/*.md`, checks from `wa_lint.check`.

Each rule file is YAML front matter (validated against `schemas/rule.schema.json` by the test suite)
followed by the Markdown documentation that `wa-lint rule CODE` prints. Each check module follows the
contract in `check/contract.py` (`CODE`, and a `check` marked with `@subject(kind)`); the registry
validates that shape when it loads the module. The tool rules' checks (WA001, WA002, WA005) are the
`CHECKS` of `check/tool.py`.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from wa_lint.report.findings import LensRef, Severity, Violation
from wa_lint.rule_files import rules_dir

# A check as check/contract.py describes it: `check(subject, project, options)` with a `subject` kind.
CheckFunction = Callable[..., Iterable[Violation]]
# Notes to the doc tests (`<!-- not-a-test -->` before an illustrative block) are not for readers.
_DOC_NOTE = re.compile(r"^<!--.*?-->[ \t]*\n", re.MULTILINE)
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
    # A preview rule runs only in preview mode or when its exact code is selected (see `enabled_codes`).
    preview: bool
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
        if not self.check:
            return "planned"
        return "preview" if self.preview else "active"

    @property
    def fixable(self) -> str:
        """always | sometimes | never: whether `--fix` can resolve its findings."""
        return str(self.metadata.get("fixable", "never"))

    def default_options(self) -> dict[str, Any]:
        return {name: spec["default"] for name, spec in self.options.items()}


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    match = _FRONT_MATTER.match(text.replace("\r\n", "\n"))
    if not match:
        raise ValueError("missing YAML front matter between '---' lines")
    import yaml  # only when the catalogue is read (a replayed run's text report never reads it)

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    metadata = yaml.load(match.group(1), Loader=loader)
    if not isinstance(metadata, dict):
        raise ValueError("front matter is not a mapping")  # noqa: TRY004 - callers report any bad rule file as one ValueError
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
        preview=metadata.get("status", "stable") == "preview",
        options=metadata.get("options", {}),
        doc=_DOC_NOTE.sub("", body),
        source=path,
        metadata=metadata,
    )


class MissingRules(RuntimeError):
    """wa-lint's own rule files are not where it looks: a broken installation, never a clean project."""


@functools.cache
def catalogue() -> dict[str, Rule]:
    folder = rules_dir()
    paths = sorted(folder.glob("*.md"))
    if not paths:  # every check would be skipped, and the run would pass
        raise MissingRules(f"wa-lint's rule files are missing (no rule in {folder}): reinstall wa-lint")
    return {rule.code: rule for rule in map(_rule, paths)}


class InvalidCheck(TypeError):
    """A check module that does not follow check/contract.py."""


def validate(name: str, check: Any) -> None:
    """Raise InvalidCheck unless `check` is a contract check: callable, a known subject, three positional
    parameters (subject, project, options) and, optionally, a keyword-only `index`."""
    from wa_lint.check.contract import SUBJECTS

    if not callable(check):
        raise InvalidCheck(f"{name}: `check` is not a function")
    kind = getattr(check, "subject", None)
    if kind not in SUBJECTS:
        raise InvalidCheck(f"{name}: mark `check` with @subject(kind), kind one of {', '.join(SUBJECTS)} (got {kind!r})")
    try:
        signature = inspect.signature(check)
    except (TypeError, ValueError):
        return  # a builtin or C callable: nothing more to see
    index = signature.parameters.get("index")
    if index is not None and index.kind is not inspect.Parameter.KEYWORD_ONLY:
        raise InvalidCheck(f"{name}: `index` must be keyword-only (`*, index`)")
    try:
        signature.bind(None, None, None, **({"index": None} if index is not None else {}))
    except TypeError:
        raise InvalidCheck(f"{name}: `check` must take (subject, project, options) positionally") from None


def wants_index(check: CheckFunction) -> bool:
    try:
        return "index" in inspect.signature(check).parameters
    except (TypeError, ValueError):
        return False


def check_modules() -> Iterator[tuple[str, ModuleType]]:
    """(code, module) for every module of `wa_lint.check` that declares a `CODE`, its shape validated."""
    import wa_lint.check as package

    for module_info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        module = importlib.import_module(module_info.name)
        code = getattr(module, "CODE", None)
        if code:
            if not isinstance(code, str):
                raise InvalidCheck(f"{module.__name__}: CODE must be a string")
            validate(module.__name__, getattr(module, "check", None))
            yield code, module


@functools.cache
def checks() -> dict[str, CheckFunction]:
    """Every rule's check: one per module of `wa_lint.check` that declares `CODE`, and the tool rules'."""
    from wa_lint.check.tool import CHECKS as TOOL_CHECKS

    found: dict[str, CheckFunction] = {}
    for code, module in check_modules():
        if code in found:
            raise RuntimeError(f"two checks claim {code}: {module.__name__}")
        found[code] = module.check
    for code, check in TOOL_CHECKS.items():
        validate(f"wa_lint.check.tool[{code}]", check)
        if code in found:
            raise RuntimeError(f"two checks claim {code}: wa_lint.check.tool")
        found[code] = check
    return found


def enabled_codes(rules: dict[str, Rule], select_: Iterable[str] | None, extend_select: Iterable[str],
                  ignore: Iterable[str], preview: bool) -> set[str]:
    """The rules a run checks: the selection (or the default set), plus additions, minus ignores.

    A preview rule is left out unless preview mode is on or the rule's exact code was selected, as ruff
    does: a prefix such as `PERF` must not switch on rules whose precision has not been measured yet.
    """
    codes = list(rules)
    exact = {*(select_ or ()), *extend_select}
    if select_ is not None:
        chosen = select(select_, codes)
    else:
        chosen = {code for code, rule in rules.items() if rule.enabled_by_default}
    chosen |= select(extend_select, codes)
    chosen -= select(ignore, codes)
    return {code for code in chosen if preview or not rules[code].preview or code in exact}


def select(codes: Iterable[str], catalogue_codes: Iterable[str]) -> set[str]:
    """Codes matched by the given codes or prefixes (`PERF`, `SEC1`, `PERF101`, `ALL`)."""
    selected = set()
    for code in catalogue_codes:
        for pattern in codes:
            if pattern == "ALL" or code.startswith(pattern):
                selected.add(code)
    return selected
