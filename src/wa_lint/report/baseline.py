"""Baselines: `--write-baseline FILE` records today's findings, `--baseline FILE` shows only new ones.

A finding is recorded by its identity (fingerprints.Identity: code, path relative to the project root,
logical ID or enclosing function, hash of the normalised reported lines), never by line number, so
the baseline survives unrelated edits above or below. Identities are counted: if a baseline holds two
identical findings and the code now has three, one is new.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from wa_lint import __version__
from wa_lint.files import FileSkip, read_regular
from wa_lint.link.model import Project
from wa_lint.report.findings import Finding
from wa_lint.report.fingerprints import Fingerprinter, Identity

FORMAT_VERSION = 1
# A baseline of 100,000 findings is about 30 MB; a larger file is not one we wrote.
MAX_BYTES = 256 * 1024 * 1024


class BaselineError(Exception):
    pass


def document(findings: list[Finding], project: Project) -> dict[str, Any]:
    fingerprinter = Fingerprinter(project)
    counts = Counter(fingerprinter.identity(finding) for finding in findings)
    messages = {fingerprinter.identity(finding): finding.message for finding in findings}
    entries = [
        {"code": identity.code, "path": identity.path, "context": identity.context, "snippet": identity.snippet,
         "count": count, "message": messages[identity]}
        for identity, count in sorted(counts.items(), key=lambda item: (item[0].path, item[0].code,
                                                                        item[0].context, item[0].snippet))
    ]
    return {"wa-lint-baseline": FORMAT_VERSION, "written-by": __version__, "findings": entries}


def dumps(findings: list[Finding], project: Project) -> str:
    return json.dumps(document(findings, project), indent=2, ensure_ascii=False) + "\n"


def load(path: Path) -> Counter[Identity]:
    try:
        data = json.loads(read_regular(path, MAX_BYTES).decode("utf-8"))
    except FileSkip as skip:
        raise BaselineError(f"cannot read baseline {path}: {skip}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BaselineError(f"{path} is not a wa-lint baseline: {error}") from None
    except RecursionError:
        raise BaselineError(f"{path} is not a wa-lint baseline: nested too deeply") from None
    if not isinstance(data, dict) or data.get("wa-lint-baseline") != FORMAT_VERSION:
        raise BaselineError(f"{path} is not a wa-lint baseline (version {FORMAT_VERSION}); "
                            "write one with --write-baseline")
    counts: Counter[Identity] = Counter()
    try:
        for entry in data["findings"]:
            identity = Identity(entry["code"], entry["path"], entry["context"], entry["snippet"])
            counts[identity] += int(entry.get("count", 1))
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise BaselineError(f"{path}: malformed baseline entry ({error})") from None
    return counts


def new_findings(findings: list[Finding], project: Project, baseline: Counter[Identity]) -> list[Finding]:
    """The findings the baseline does not account for, in their original order."""
    remaining = Counter(baseline)
    fingerprinter = Fingerprinter(project)
    new = []
    for finding in findings:
        identity = fingerprinter.identity(finding)
        if remaining[identity] > 0:
            remaining[identity] -= 1
        else:
            new.append(finding)
    return new
