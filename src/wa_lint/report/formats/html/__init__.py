"""The HTML report: a Well-Architected review of the app in one self-contained file.

Written for the architects and leads who read the review rather than the commit: a summary by the
Serverless Lens (pillars, questions, severities, what was and was not read), the linked model as a
picture (triggers → functions → resources, each node marked with its findings), Power Tuning curves,
and every finding with its source lines, best practice, fix and evidence.

One file with no network at all: styles are inline, there is no script (a Content-Security-Policy
meta tag forbids every script, font, frame and fetch, and images other than `data:`), the model and
the charts are inline SVG, and expandable parts are `<details>`, so it reads the same from
`file://`, as a CI artifact, or with JavaScript off; node links are plain anchors.
"""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING, TextIO

from wa_lint.report.formats.html.document import render

if TYPE_CHECKING:
    from wa_lint.pipeline import RunResult

CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def stylesheet() -> str:
    return resources.files(__name__).joinpath("style.css").read_text(encoding="utf-8")


def report(result: RunResult, out: TextIO, colour: bool) -> None:
    out.write(render(result, stylesheet(), CONTENT_SECURITY_POLICY))


__all__ = ["CONTENT_SECURITY_POLICY", "report", "stylesheet"]
