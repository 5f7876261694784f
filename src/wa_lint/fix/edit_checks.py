"""Template edit checks cached in `.wa_lint_cache/edit-checks/`, so a warm run does not load every edited
template again to offer its fixes.

A catalogue template fix is checked by loading the template with its edits applied (`check_together`):
most of what a JSON, SARIF or HTML report of a large app costs. The verdicts are a pure function of
the template's text, its syntax, how many problems its loader found, the proposed edits (offsets,
replacement, the path and the value each must leave) and the loader's code, which is what an entry
is keyed by, so it can never be stale. An entry is the list of verdicts, type-checked on the way
back; one that does not fit is a miss.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from wa_lint.cache_store import SealedStore
from wa_lint.load.template.edit import Proposal, check_together

_FORMAT = "1"


class EditChecks(SealedStore):
    def __init__(self, folder: Path, fingerprint: str | None = None) -> None:
        super().__init__(folder, "edit-checks")
        if fingerprint is None:
            from wa_lint.load.template.cache import loader_fingerprint  # edit.py is in the loader's package

            fingerprint = loader_fingerprint()
        self.fingerprint = fingerprint
        self.hits = 0
        self.misses = 0

    def key(self, proposals: Sequence[Proposal]) -> str | None:
        """The entry for these proposals (all to one template); None when a value has no JSON form."""
        template = proposals[0].template
        try:
            edits = json.dumps([[p.edit.start, p.edit.end, p.edit.replacement, list(p.path), p.expected]
                                for p in proposals], ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError):
            return None
        head = f"{_FORMAT}\0{self.fingerprint}\0{template.syntax}\0{len(template.problems)}\0{edits}\0"
        return hashlib.sha256((head + template.text).encode("utf-8", "surrogatepass")).hexdigest()

    def check_together(self, proposals: Sequence[Proposal]) -> list[bool]:
        """`check_together(proposals)`, each template's verdicts from the cache when it holds them."""
        groups: dict[int, list[int]] = {}
        for index, proposal in enumerate(proposals):
            groups.setdefault(id(proposal.template), []).append(index)
        verdicts = [False] * len(proposals)
        for indexes in groups.values():
            chosen = [proposals[index] for index in indexes]
            for index, verdict in zip(indexes, self._verdicts(chosen), strict=True):
                verdicts[index] = verdict
        return verdicts

    def _verdicts(self, proposals: Sequence[Proposal]) -> list[bool]:
        key = self.key(proposals)
        payload = self.read(key) if key is not None else None
        if payload is not None:
            try:
                found = json.loads(payload)
            except ValueError:
                found = None
            if type(found) is list and len(found) == len(proposals) and all(type(v) is bool for v in found):
                self.hits += 1
                return found
        self.misses += 1
        verdicts = check_together(proposals)
        if key is not None:
            self.write_json(key, verdicts)
        return verdicts
