"""Where a template finding is reported and how a message names where a value came from.

Shared by the catalogue's template rules, so every rule words "inherited from Globals" the same way.
"""

from __future__ import annotations

from typing import Any

from wa_lint.check.template._values import MISSING, key_span
from wa_lint.link.sam_globals import inherited_keys
from wa_lint.load.template.document import Template
from wa_lint.load.template.nodes import DictNode
from wa_lint.report.findings import Span


def place(template: Template, properties: Any, key: str, fallback: Span) -> Span:
    """The key when it is written on the resource itself, else the resource's logical ID.

    A value inherited from SAM Globals is reported on each resource that inherits it, not on the
    Globals line: one line holding many findings could not be suppressed per resource.
    """
    if isinstance(properties, DictNode) and key in properties and key not in inherited_keys(properties):
        return key_span(template, properties, key, fallback)
    return fallback


def origin(template: Template, properties: Any, key: str, section: str) -> str:
    """' (line 12)', ' (inherited from Globals.Function, line 4)', or '' when the key is not written."""
    if not isinstance(properties, DictNode) or key not in properties:
        return ""
    line = key_span(template, properties, key, Span.point(template.path)).line
    if key in inherited_keys(properties):
        return f" (inherited from Globals.{section}, line {line})"
    return f" (line {line})"


def describe(shown: str, value: Any, note: str | None, where: str = "") -> str:
    """'Tracing is PassThrough from the default of parameter Mode (line 9)', 'Tracing is not set'."""
    if isinstance(value, bool):
        value = str(value).lower()  # as the template writes it
    state = "is not set" if value is MISSING else f"is {value}"
    return f"{shown} {state}{' ' + note if note else ''}{where}"
