"""Reading one file as a CloudFormation/SAM template: decide by content, load with positions."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wa_lint.link.sam_globals import check_fan_out
from wa_lint.load.template.errors import TemplateError
from wa_lint.load.template.json_loader import load_json
from wa_lint.load.template.nodes import DictNode
from wa_lint.load.template.yaml_loader import MAX_EXPANDED_VALUES, Problem, load_yaml

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
# Unrendered cookiecutter/Jinja sources are templates of templates: their YAML is not the real one.
_JINJA = re.compile(r"\{\{\s*cookiecutter\.|\{%-?\s")


@dataclass
class Template:
    path: Path
    data: DictNode
    text: str = ""
    problems: list[Problem] = field(default_factory=list)
    # Which loader read it ("yaml" or "json"): edits must be written in the same syntax.
    syntax: str = "yaml"
    # Set when the template was translated from a framework's file ("serverless", "cdk"): what the
    # framework applies when a value is not written (MemorySize 1024 for Serverless), where each
    # translated setting came from ((logical ID, property) -> "function" | "provider"), and the variables
    # left for deploy time (text, where written).
    framework: str | None = None
    defaults: dict[str, Any] = field(default_factory=dict)
    origins: dict[tuple[str, str], str] = field(default_factory=dict)
    unresolved: list[tuple[str, Any]] = field(default_factory=list)

    @functools.cached_property
    def source_lines(self) -> list[str]:
        return self.text.splitlines()

    @property
    def resources(self) -> DictNode:
        resources = self.data.get("Resources")
        return resources if isinstance(resources, DictNode) else DictNode()

    @property
    def parameters(self) -> DictNode:
        parameters = self.data.get("Parameters")
        return parameters if isinstance(parameters, DictNode) else DictNode()

    @property
    def is_sam(self) -> bool:
        transform = self.data.get("Transform")
        names = transform if isinstance(transform, list) else [transform]
        return SAM_TRANSFORM in [n for n in names if isinstance(n, str)]


class NotATemplate(Exception):
    """The file is YAML/JSON but not a CloudFormation template; it is skipped silently."""


class JinjaSource(Exception):
    """An unrendered cookiecutter/Jinja template; skipped with a note."""


_RESOURCES_KEY = re.compile(r'"Resources"\s*:|^\s*Resources\s*:', re.MULTILINE)
# Starts at `Type` (a quote before it is optional anyway), so the regex engine can skip to that word.
_RESOURCE_TYPE = re.compile(r'Type"?\s*:\s*"?AWS::')


def might_be_template(text: str) -> bool:
    """A cheap test on the raw text, so CI configs and package.json are never parsed."""
    return (
        "AWSTemplateFormatVersion" in text
        or SAM_TRANSFORM in text
        # The substring tests first: a regex scan of a large file without either word is the slow case.
        or ("Resources" in text and "AWS::" in text
            and _RESOURCES_KEY.search(text) is not None and _RESOURCE_TYPE.search(text) is not None)
    )


def is_template_data(data: Any) -> bool:
    if not isinstance(data, dict):
        return False
    if "AWSTemplateFormatVersion" in data:
        return True
    transform = data.get("Transform")
    names = transform if isinstance(transform, list) else [transform]
    if SAM_TRANSFORM in [n for n in names if isinstance(n, str)]:
        return True
    resources = data.get("Resources")
    if isinstance(resources, dict):
        return any(
            isinstance(r, dict) and isinstance(r.get("Type"), str) and r["Type"].startswith("AWS::")
            for r in resources.values()
        )
    return False


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM); raise TemplateError at the first undecodable byte."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise TemplateError(f"invalid UTF-8 (byte 0x{raw[error.start]:02x}); not read", line, column) from None


def is_jinja_source(text: str) -> bool:
    return _JINJA.search(text) is not None


def parse_template(path: Path, text: str) -> Template:
    """Raise NotATemplate, JinjaSource or TemplateError; return the loaded template otherwise."""
    precheck(text)
    return parse_document(path, text)


def precheck(text: str) -> None:
    """The cheap tests on the text that come before parsing: raise NotATemplate or JinjaSource."""
    if not might_be_template(text):
        raise NotATemplate
    if is_jinja_source(text):
        raise JinjaSource


def parse_document(path: Path, text: str) -> Template:
    """The parse after `precheck`: raise NotATemplate or TemplateError; return the loaded template."""
    stripped = text.lstrip()
    as_json = stripped.startswith("{") or (path.suffix == ".json" and stripped.startswith("["))
    if as_json:
        data, problems = load_json(text)
    else:
        data, problems = load_yaml(text)
    if not is_template_data(data):
        raise NotATemplate
    assert isinstance(data, DictNode)
    check_fan_out(data, MAX_EXPANDED_VALUES)
    return Template(path, data, text, problems, "json" if as_json else "yaml")
