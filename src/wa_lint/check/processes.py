"""A large project's entry checks shared out to child processes (one per further CPU the process may
use and per 128 entries, up to `-j`).

The check stage runs after the analysis workers have finished, in the parent alone: on 10,000
functions it was a third of a cold run (6 s on 2 CPUs), most of it the call-following rules' walks
of each entry. A check reads the model and its own memo tables only, so each subject can be checked
in any process: children forked after the analysis check a share of every entry rule's subjects (the
same contiguous share of each rule's list, so an entry's walk is worked out in one process) while the
parent checks the first, smaller share and every other rule whole (project rules order the entries
themselves; template rules' fixes hold the template and are built later, so they never travel). A
child sends back its violations and what its checks noted beyond them: the bounds its walks reached,
the call graph's module look-ups (which relate the run's parts, run_parts.py) and the paths it read
(which the run memo must vouch for). The check stage merges the
shares in subject order, so the findings, and their order, are those of one process.

A child that dies, or has sent nothing by the time the parent is done and has waited as long again
(at least `PATIENCE_SECONDS`), is ended and its share checked by the parent.
"""

from __future__ import annotations

import gc
import itertools
import os
import time
from collections.abc import Sequence
from typing import Any

from wa_lint.analyse.python.callgraph import ModuleIndex
from wa_lint.check.index import Index, Survey
from wa_lint.check.stage import Step, StepFindings, run_checks, survey_ahead, surveys
from wa_lint.child_processes import (
    Child,
    End,
    can_fork,
    pipe,
    quiet_signals,
    single_threaded,
    start,
    usable_cpus,
)
from wa_lint.inputs import being_recorded
from wa_lint.link.model import Project

# Entries (of the entry rule with the most subjects) a process is worth: a fork of a large parent and
# the pages its checks then copy cost tens of milliseconds; checking an entry about half a millisecond.
# At 128 serverless-patterns' 399 entries are shared (cold 2.23 -> 2.13 s, same CPU), and 300
# functions' (0.69 -> 0.66 s), medians of 10 and 12 interleaved pairs; at 256 neither was.
SUBJECTS_PER_PROCESS = 128
# Of the entry rules' subjects, the parent checks this many children's shares: it also checks every
# other rule. On 10,000 functions, with PERF201's survey of the entries in the children, a half-share
# balanced the two processes best (check stage 3.5 s; 4.6 s at a quarter, which the child overran).
PARENT_SHARE = 0.5
PATIENCE_SECONDS = 30.0


def check_in_processes(steps: Sequence[Step], project: Project, jobs: int,
                       entries: Sequence[Any] = ()) -> list[list[StepFindings]] | None:
    """Each share's `StepFindings` per step, the parent's first; None when the work is not worth a second
    process, other threads run beside this one, or the system cannot fork (the caller then checks
    everything itself). `entries`: the project's entries in the entry rules' order, whose surveys
    (check/contract.py) are shared out like the entry rules' subjects."""
    table = surveys(steps)
    most = max([len(step.subjects) for step in steps if step.kind == "entry"] + [len(entries) if table else 0])
    processes = min(jobs, usable_cpus(), most // SUBJECTS_PER_PROCESS)
    if processes < 2 or not single_threaded():
        return None
    if not can_fork():
        return None  # a spawned child would be sent the whole model: not worth it
    shares = [[_share(len(step.subjects), number, processes) if step.kind == "entry"
               else range(len(step.subjects) if number == 0 else 0) for step in steps]
              for number in range(processes)]
    entry_shares = [_share(len(entries), number, processes) if table else range(0) for number in range(processes)]
    record = being_recorded()
    mark = len(record.paths) if record is not None else 0
    children: list[tuple[Child, End]] = []
    found = []
    try:
        for ranges, entry_share in zip(shares[1:], entry_shares[1:], strict=True):
            children.append(_started((steps, ranges, project, mark, entries, entry_share)))
    except BaseException as error:  # Ctrl-C between forks too: the children started end now
        _end(children)
        if isinstance(error, OSError):
            return None  # no process or pipe to be had (a container's limits, memory): one process does it
        raise
    try:
        began = time.monotonic()
        index = Index()
        survey_ahead(steps, entries, entry_shares[0], project, index)
        # The checks that read surveys wait for the children's; the others run meanwhile.
        later = [step.survey is not None for step in steps]
        first = run_checks(steps, _kept(shares[0], [not wait for wait in later]), project, False, index)
        patience = max(PATIENCE_SECONDS, time.monotonic() - began)
        for (child, reader), ranges in zip(children, shares[1:], strict=True):
            received = _received(reader, patience)
            if received is None:
                child.kill()
                found.append(run_checks(steps, ranges, project, debug=False))
            else:
                found.append(_noted(received, project, index, table, entries))
        then = run_checks(steps, _kept(shares[0], later), project, False, index)
        found.insert(0, [after if wait else before for before, after, wait in zip(first, then, later, strict=True)])
    finally:  # also on Ctrl-C, or SIGTERM turned into an exit: the children end now
        _end(children)
    return found


def _kept(ranges: Sequence[range], keep: Sequence[bool]) -> list[range]:
    """The ranges of the steps to run now; none of the others' subjects."""
    return [share if kept else range(0) for share, kept in zip(ranges, keep, strict=True)]


def _started(share: tuple[Any, ...]) -> tuple[Child, End]:
    """A child checking `share` (steps, ranges, project, mark, entries, entry share), and the end of its
    pipe to read from."""
    reader, writer = pipe(duplex=False)
    try:
        return start(_check_share, (*share, writer, os.getpid())), reader
    except BaseException:
        reader.close()
        raise
    finally:
        writer.close()


def _end(children: Sequence[tuple[Child, End]]) -> None:
    for child, reader in children:
        reader.close()
        if child.is_alive():
            child.kill()
        child.join()


def _share(subjects: int, number: int, processes: int) -> range:
    """The `number`th of `processes` contiguous shares of an entry rule's subjects: the parent's, the
    first, is the smallest (PARENT_SHARE of a child's), as it also checks every other rule."""
    total = PARENT_SHARE + processes - 1

    def boundary(upto: float) -> int:
        return round(subjects * upto / total)

    return range(boundary(0 if number == 0 else PARENT_SHARE + number - 1), boundary(PARENT_SHARE + number))


def _received(reader: End, patience: float) -> Any:
    try:
        return reader.recv() if reader.poll(patience) else None
    except Exception:  # noqa: BLE001 - any reason: its share is redone
        # It died (a crash, the kernel ending it for memory), or sent what does not unpickle.
        return None


def _check_share(steps: Sequence[Step], ranges: Sequence[range], project: Project, mark: int,
                 entries: Sequence[Any], entry_share: range, writer: End, parent: int) -> None:
    quiet_signals(parent)
    # The inherited model is left out of any collection here: a collection writes into every object it
    # visits, which would copy every page the fork shares.
    gc.freeze()
    try:
        index = Index()
        surveyed = survey_ahead(steps, entries, entry_share, project, index)
        found = run_checks(steps, ranges, project, False, index)
        modules = project.lookups.get("module-index")
        askers, looked_at = (modules.askers, modules.looked_at) if isinstance(modules, ModuleIndex) else ({}, {})
        record = being_recorded()
        read = list(itertools.islice(record.paths.items(), mark, None)) if record is not None else []
        writer.send((found, surveyed, project.lookups.get("bound-notes", {}), askers, looked_at, read))
    except BaseException:  # noqa: BLE001 - whatever went wrong, the parent checks this share itself
        os._exit(1)
    # Not the usual exit: that would flush streams the parent had written to and not flushed yet.
    os._exit(0)


def _noted(received: Any, project: Project, index: Index, table: dict[str, Survey],
           entries: Sequence[Any]) -> list[StepFindings]:
    """A child's findings, with its surveys of its entries taken into the parent's `index` (`table`: the
    surveys by code) and what its checks noted added to the parent's own notes."""
    found, surveyed, bounds, askers, looked_at, read = received
    for code, values in surveyed.items():
        for position, value in values.items():
            index.surveyed(table[code], entries[position], value)
    if bounds:
        notes = project.lookups.setdefault("bound-notes", {})
        assert isinstance(notes, dict)
        notes.update(bounds)
    if askers:
        module_index = ModuleIndex.of(project)
        for key, modules in askers.items():
            module_index.askers.setdefault(key, set()).update(modules)
        for key, files in looked_at.items():
            module_index.looked_at.setdefault(key, files)
    record = being_recorded()
    if record is not None:
        for path, (stamp, _) in read:
            # Noted here, after the parent's own records (an absent path is vouched for by a folder
            # recorded before it), and compared: a path that changed since the child read it makes
            # the run's result one not to keep.
            record.note(path)
            if record.paths[path][0] != stamp:
                record.doubtful = True
    return list(found)
