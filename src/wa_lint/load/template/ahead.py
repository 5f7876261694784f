"""Templates parsed ahead, in parallel, on a run whose template cache lacks many of them (a cold run).

Parsing is most of loading (libyaml's compose alone costs about what our whole loader does), and the
load stage runs in the parent alone. When enough templates have no cache entry, forked children each
parse a share of them and write the entries; the parent parses its own share meanwhile and keeps the
results, then loads as usual: its share from what it kept, the children's from the entries they
wrote (reading an entry back costs about half of parsing the template). A child that crashes, or
overruns, only leaves entries unwritten: the parent parses those itself, as it always did.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from wa_lint.child_processes import context, quiet_signals, start

if TYPE_CHECKING:
    from wa_lint.load.template.cache import TemplateCache

# Templates a child is worth: a fork and a start cost a few milliseconds, a template about three.
TEMPLATES_PER_PROCESS = 48
# A child parsing its share for longer than this is stopped (its remaining templates are parsed by the
# parent): the loader bounds what a template can cost, so only a machine in trouble gets here.
SECONDS_PER_TEMPLATE_AT_MOST = 0.5


def processes_for(templates: int, cpus: int) -> int:
    """How many processes (the parent included) `templates` to parse are worth: one per
    TEMPLATES_PER_PROCESS, at most one per CPU."""
    return max(1, min(cpus, templates // TEMPLATES_PER_PROCESS))


def parse_ahead(templates: Sequence[tuple[Path, bytes, str]], cache: TemplateCache, cpus: int | None = None) -> None:
    """Parse the (path, bytes, text) of templates no cache entry holds, in parallel when they are
    worth it, so that `cache.load` finds every one of them ready."""
    missing = [item for item in templates if not cache.has_entry(item[0], item[1])]
    processes = processes_for(len(missing), cpus or os.cpu_count() or 1)
    child_context = context() if processes > 1 else None
    if child_context is None or child_context.get_start_method() != "fork":
        return  # a spawned child would re-import wa-lint and be sent every text: not worth it
    shares = [missing[index::processes] for index in range(processes)]
    children = [start(child_context, _parse_share, (share, cache, os.getpid())) for share in shares[1:]]
    try:
        for path, raw, text in shares[0]:
            cache.parse_ahead(path, raw, text)
    except BaseException:  # Ctrl-C, or SIGTERM turned into an exit: the children end now
        for child in children:
            child.kill()
        raise
    finally:
        for child, share in zip(children, shares[1:], strict=True):
            child.join(timeout=max(5.0, len(share) * SECONDS_PER_TEMPLATE_AT_MOST))
            if child.is_alive():
                child.kill()
                child.join()


def _parse_share(share: Sequence[tuple[Path, bytes, str]], cache: TemplateCache, parent: int) -> None:
    quiet_signals(parent)
    for path, raw, text in share:
        cache.parse_ahead(path, raw, text, keep=False)
