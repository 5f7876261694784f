"""The template cache's entries of a cold run written behind the run, by a child at low priority.

On a run whose template cache lacks many templates (a cold run), storing an entry for each (every node
encoded with its position, the JSON sealed and written) costs two thirds of parsing the template, and
reading one back costs three quarters of a parse (both build every node): parsing in forked children
that stored entries for the parent to read back made serverless-patterns' load stage 0.79 s against
0.46 s with no cache at all. So the parent parses every template itself and stores nothing while it
loads (`TemplateCache.defer_writes`); once the templates are loaded, a forked child stores their
verdicts at the lowest CPU priority, in the time the run leaves a core idle (the link stage, a check
stage in one process), and the run waits for it at the end of its stages. A child that crashes or
overruns only leaves entries unwritten: the next run parses those templates again.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from wa_lint.child_processes import can_fork, quiet_signals, single_threaded, start, usable_cpus

if TYPE_CHECKING:
    from wa_lint.load.template.cache import TemplateCache, Verdict

# Missing entries a child is worth: a fork and a start cost a few milliseconds, an entry about one.
TEMPLATES_PER_PROCESS = 48
# A child storing verdicts for longer than this (and than the least wait) is ended when the run is done
# with it: the loader bounds what a template can cost, so only a machine in trouble gets here.
SECONDS_PER_TEMPLATE_AT_MOST = 0.5
LEAST_WAIT_SECONDS = 5.0


def defer_when_worth_it(templates: Iterable[tuple[Path, bytes]], cache: TemplateCache) -> None:
    """Defer the cache's writes when enough of the (path, bytes) templates lack an entry, and a child
    can be forked to store them (`write_behind`) on a CPU of its own."""
    missing = sum(1 for path, raw in templates if not cache.has_entry(path, raw))
    # On one CPU no time is left idle for the child: the parent stores the entries as it parses. A
    # spawned child would be sent every template.
    if missing >= TEMPLATES_PER_PROCESS and usable_cpus() > 1 and single_threaded() and can_fork():
        cache.defer_writes()


def write_behind(cache: TemplateCache) -> None:
    """Start a child storing the verdicts parsed while writes were deferred; when the system refuses
    the fork (a container's process limit, memory), store them here."""
    verdicts = cache.unwritten()
    if not verdicts:
        return
    try:
        child = start(_store, (verdicts, cache, os.getpid()))
    except OSError:
        for key, verdict in verdicts.items():
            cache.store(key, verdict)
        return
    cache.add_writer(child, max(LEAST_WAIT_SECONDS, len(verdicts) * SECONDS_PER_TEMPLATE_AT_MOST))


def _store(verdicts: dict[str, Verdict], cache: TemplateCache, parent: int) -> None:
    quiet_signals(parent)
    try:
        os.nice(19)  # only the time the run leaves idle
    except OSError:
        pass
    for key, verdict in verdicts.items():
        cache.store(key, verdict)
