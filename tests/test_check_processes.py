"""A large project's checks shared out to child processes (check/processes.py) report exactly what one
process reports, and a child that fails only costs time."""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from conftest import FIXTURES

from wa_lint import files, run_parts
from wa_lint.analyse.python.callgraph import note_bound
from wa_lint.check import processes
from wa_lint.check.stage import Step, StepFindings, merged, run_checks
from wa_lint.config import Config
from wa_lint.inputs import Inputs, being_recorded, recording
from wa_lint.link.model import Project
from wa_lint.pipeline import Run
from wa_lint.report.findings import Span, Violation


@pytest.fixture
def shared_out(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Checks shared out from a handful of entries on, on two CPUs; the number of processes of each
    check stage that shared them."""
    monkeypatch.setattr(processes, "SUBJECTS_PER_PROCESS", 1)
    monkeypatch.setattr(processes, "usable_cpus", lambda: 2)
    counts: list[int] = []
    real = processes.check_in_processes

    def counting(steps, project, jobs, entries=()):
        shares = real(steps, project, jobs, entries)
        counts.append(len(shares) if shares is not None else 1)
        return shares

    monkeypatch.setattr(processes, "check_in_processes", counting)
    return counts


_HELPER = """import boto3


def put(body):
    # Per invocation, in a helper every handler calls: reported once, for the first entry.
    boto3.client("s3").put_object(Bucket="b", Key="k", Body=body)
"""
_HANDLER = """from lib import aws

SEEN = []


def handler(event, context):
    SEEN.append(event["user"])
    aws.put(event["body"])
    return {{"statusCode": 200, "name": "{name}"}}
"""


def _app_of_many_entries(root: Path, functions: int = 7) -> Path:
    """One template, `functions` handlers sharing a helper (their findings at one site must be merged
    across processes) and each keeping invocation data in module state (a finding per entry)."""
    (root / "src" / "lib").mkdir(parents=True)
    (root / "src" / "lib" / "__init__.py").write_text("")
    (root / "src" / "lib" / "aws.py").write_text(_HELPER)
    resources = []
    for number in range(functions):
        (root / "src" / f"fn{number}.py").write_text(_HANDLER.format(name=number))
        resources.append(f"  Fn{number}:\n    Type: AWS::Serverless::Function\n    Properties:\n"
                         f"      CodeUri: src/\n      Handler: fn{number}.handler\n      Runtime: python3.12\n")
    (root / "template.yaml").write_text("Transform: AWS::Serverless-2016-10-31\nResources:\n" + "".join(resources))
    (root / ".git").mkdir()
    return root


def _report(result) -> tuple:
    findings = [(f.code, f.span, f.message, f.resource, f.function,
                 [(fix.title, fix.applicability, fix.edits) for fix in f.fixes]) for f in result.findings]
    return findings, result.diagnostics


@pytest.mark.parametrize("app", ["many entries", "monorepo of fixtures"])
def test_shared_out_checks_report_what_one_process_does(tmp_path, shared_out, app: str) -> None:
    if app == "many entries":
        project = _app_of_many_entries(tmp_path / "app")
    else:
        project = tmp_path / "mono"
        for name in ("demo", "PERF101-sdk-client-in-handler/bad", "SEC101-user-data-in-global/bad",
                     "PERF102-connection-in-handler/bad"):
            shutil.copytree(FIXTURES / name, project / name.replace("/", "-"))
    alone = Run([project], Config(preview=True), jobs=1, use_cache=False).execute()
    assert not shared_out, "-j 1: one process"
    shared = Run([project], Config(preview=True), jobs=2, use_cache=False).execute()
    assert shared_out == [2], "the second run shared its checks out"
    assert _report(shared) == _report(alone)
    if app == "many entries":
        helper = [f for f in shared.findings if f.span.path.name == "aws.py" and f.code == "PERF101"]
        assert [f.resource for f in helper] == ["Fn0"], "one finding at the shared site, for the first entry"
        assert sum(f.code == "SEC101" for f in shared.findings) == 7


def test_what_the_children_read_and_looked_up_is_kept_for_the_next_run(tmp_path, shared_out, monkeypatch) -> None:
    """The run's parts hold the children's call-graph look-ups, and its memo's inputs are one
    process's (what a child reads is merged: test_what_a_child_read_and_walked...). Only entry rules
    are selected, so the parent walks its own share of the entries alone."""
    project = _app_of_many_entries(tmp_path / "app")
    looked_up: list[list[str]] = []
    real = run_parts._lookups
    monkeypatch.setattr(run_parts, "_lookups", lambda model: [looked_up.append(sorted(found)) or found
                                                              for found in real(model)])
    recorded = {}
    for jobs in (1, 2):
        shutil.rmtree(project / ".wa_lint_cache", ignore_errors=True)
        looked_up.clear()
        run = Run([project], Config(select=("PERF101", "SEC101")), jobs=jobs)
        result = run.execute()
        assert run.vouched_inputs is not None and result.parts is not None
        recorded[jobs] = (set(run.vouched_inputs.paths), result.parts.encode(), sorted(looked_up))
    assert shared_out[-1] == 2
    assert any(len(found) > 2 for found in recorded[2][2]), "the handlers' shared look-up, every asker"
    assert recorded[2] == recorded[1]


# -- the shares, with checks made for the purpose ---------------------------------------------------


def _finding(code: str, subject: int, path: Path) -> Violation:
    return Violation(code, Span.point(path, subject + 1), {"subject": subject})


def _per_subject(subject: int, project: Project, options: dict) -> list[Violation]:
    return [_finding("T001", subject, project.root / "a.py")]


def _per_template(subject: int, project: Project, options: dict) -> list[Violation]:
    return [_finding("T900", subject, project.root / "template.yaml")]


def _same_site(subject: int, project: Project, options: dict) -> list[Violation]:
    # Every entry reaches one site: reported for the first entry only, whichever process checked it.
    return [Violation("T002", Span.point(project.root / "shared.py", 3), {"subject": subject})]


def _fails_on_odd(subject: int, project: Project, options: dict) -> list[Violation]:
    if subject % 2:
        raise ValueError(f"subject {subject}")
    return [Violation("T003", Span.point(project.root / "shared.py", 9), {"subject": subject})]


def _reads_and_walks(subject: int, project: Project, options: dict) -> list[Violation]:
    files.is_file(project.root / f"asked-{subject}.txt")
    note_bound(project, project.root / f"walked-{subject}.py", "a bound")
    return []


def _steps(subjects: int, *checks) -> list[Step]:
    return [Step(f"T{number:03}", check, {}, "entry", list(range(subjects))) for number, check in enumerate(checks)] + [
        Step("T900", _per_template, {}, "template", list(range(3)))]


def _alone(steps: list[Step], project: Project) -> list[Violation]:
    return merged(steps, [run_checks(steps, [range(len(step.subjects)) for step in steps], project, False)])


def _shared(steps: list[Step], project: Project, jobs: int = 2) -> list[Violation]:
    shares = processes.check_in_processes(steps, project, jobs)
    assert shares is not None and len(shares) == 2
    return merged(steps, shares)


def test_findings_errors_and_shared_sites_merge_in_subject_order(tmp_path, shared_out) -> None:
    steps = _steps(10, _per_subject, _same_site, _fails_on_odd)
    alone = _alone(steps, Project(tmp_path))
    assert _shared(steps, Project(tmp_path)) == alone
    errors = [v for v in alone if v.code == "WA002"]
    assert len(errors) == 5, "a failing subject is a WA002 wherever it was checked, never merged away"
    assert [v.args["subject"] for v in alone if v.code == "T002"] == [0]
    assert [v.args["subject"] for v in alone if v.code == "T900"] == [0, 1, 2], "other kinds: the parent's"


def _yields_then_fails(subject: int, project: Project, options: dict):
    yield _finding("T001", subject, project.root / "a.py")
    if subject == 1:
        raise KeyError("half way")


def test_a_check_that_fails_half_way_keeps_nothing_it_yielded_for_that_subject(tmp_path) -> None:
    steps = _steps(3, _yields_then_fails)
    found = _alone(steps, Project(tmp_path))
    assert [(v.code, v.args.get("subject")) for v in found if v.code != "T900"] == [
        ("T001", 0), ("WA002", None), ("T001", 2)]


def test_the_parent_takes_the_smallest_share_and_the_shares_cover_every_subject() -> None:
    for subjects in (0, 1, 2, 7, 10, 401, 10_000):
        for count in (2, 3, 4):
            shares = [processes._share(subjects, number, count) for number in range(count)]
            assert [subject for share in shares for subject in share] == list(range(subjects))
            if subjects >= 10:
                assert len(shares[0]) < min(len(share) for share in shares[1:])


def test_what_a_child_read_and_walked_reaches_the_parents_records(tmp_path, shared_out) -> None:
    project = Project(tmp_path)
    inputs = Inputs()
    steps = _steps(6, _reads_and_walks)
    with recording(inputs):
        _shared(steps, project)
    assert {Path(path).name for path in inputs.paths} >= {f"asked-{subject}.txt" for subject in range(6)}
    notes = project.lookups["bound-notes"]
    assert {path.name for path, _ in notes} == {f"walked-{subject}.py" for subject in range(6)}


def _reads_then_writes_in_a_child(subject: int, project: Project, options: dict) -> list[Violation]:
    asked = project.root / f"made-{subject}.txt"
    files.is_file(asked)
    if os.getpid() != project.lookups["parent"]:
        asked.write_text("made after the child looked")  # the child's answer no longer holds
    return []


@pytest.mark.parametrize("changed", [False, True])
def test_a_path_that_changed_after_a_child_read_it_makes_the_result_one_not_to_keep(tmp_path, shared_out,
                                                                                    changed) -> None:
    project = Project(tmp_path)
    project.lookups["parent"] = os.getpid() if changed else -1
    inputs = Inputs()
    with recording(inputs):
        _shared(_steps(6, _reads_then_writes_in_a_child if changed else _reads_and_walks), project)
    assert inputs.doubtful is changed
    if changed:
        made = [path for path in inputs.paths if "made-" in path]
        parents = len(processes._share(6, 0, 2))  # asked by the parent before any child wrote them
        assert len(made) == 6 and all(inputs.paths[path][0] is not None for path in made[parents:]), \
            "noted as they are now"


def test_a_run_whose_children_read_doubtfully_keeps_no_result(tmp_path, shared_out, monkeypatch) -> None:
    project = _app_of_many_entries(tmp_path / "app")
    real = processes._noted

    def doubting(received, *context):
        found = real(received, *context)
        being_recorded().doubtful = True
        return found

    monkeypatch.setattr(processes, "_noted", doubting)
    run = Run([project], Config(), jobs=2)
    run.execute()
    assert shared_out == [2] and run.vouched_inputs is None, "not kept: the next run checks again"


def _dies_in_a_child(subject: int, project: Project, options: dict) -> list[Violation]:
    if os.getpid() != project.lookups["parent"]:
        os._exit(3)
    return _per_subject(subject, project, options)


def _unsendable_in_a_child(subject: int, project: Project, options: dict) -> list[Violation]:
    # A lock cannot be pickled: the child cannot send this share, so the parent checks it.
    finding = _per_subject(subject, project, options)[0]
    if os.getpid() != project.lookups["parent"]:
        finding.args["lock"] = threading.Lock()
    return [finding]


def _hangs_in_a_child(subject: int, project: Project, options: dict) -> list[Violation]:
    if os.getpid() != project.lookups["parent"]:
        time.sleep(60)
    return _per_subject(subject, project, options)


@pytest.mark.parametrize("check", [_dies_in_a_child, _unsendable_in_a_child, _hangs_in_a_child])
def test_a_child_that_fails_leaves_its_share_to_the_parent(tmp_path, shared_out, monkeypatch, check) -> None:
    monkeypatch.setattr(processes, "PATIENCE_SECONDS", 1.0)
    project = Project(tmp_path)
    project.lookups["parent"] = os.getpid()
    steps = _steps(8, check)
    started = time.monotonic()
    shared = _shared(steps, project)
    assert time.monotonic() - started < 30, "a hung child was not waited for"
    assert [v.args["subject"] for v in shared if v.code == "T001"] == list(range(8))
    assert shared == _alone(steps, project)


@pytest.mark.parametrize("stop", [BlockingIOError(11, "Resource temporarily unavailable"), KeyboardInterrupt()])
def test_a_fork_refused_or_interrupted_ends_the_children_started(tmp_path, shared_out, monkeypatch, stop) -> None:
    """A fork the system refuses leaves the checks to one process; Ctrl-C between forks stops the run."""
    started = []
    real = processes.start

    def stopped_at_second(target, args):
        if started:
            raise stop
        started.append(real(target, args))
        return started[-1]

    monkeypatch.setattr(processes, "start", stopped_at_second)
    monkeypatch.setattr(processes, "usable_cpus", lambda: 3)
    if isinstance(stop, OSError):
        assert processes.check_in_processes(_steps(9, _per_subject), Project(tmp_path), 3) is None
    else:
        with pytest.raises(KeyboardInterrupt):
            processes.check_in_processes(_steps(9, _per_subject), Project(tmp_path), 3)
    assert started and not started[0].is_alive(), "the child already started was ended"


class _Unpicklable(Exception):
    def __init__(self, first: str, second: str) -> None:  # pickles, but does not unpickle: two arguments
        super().__init__(first)


def _unreadable_in_a_child(subject: int, project: Project, options: dict) -> list[Violation]:
    finding = _per_subject(subject, project, options)[0]
    if os.getpid() != project.lookups["parent"]:
        finding.args["error"] = _Unpicklable("a", "b")
    return [finding]


def test_a_reply_the_parent_cannot_read_leaves_the_share_to_the_parent(tmp_path, shared_out) -> None:
    project = Project(tmp_path)
    project.lookups["parent"] = os.getpid()
    steps = _steps(8, _unreadable_in_a_child)
    assert _shared(steps, project) == _alone(steps, project)


def test_checks_stay_in_one_process_beside_other_threads_or_with_little_to_share(tmp_path, shared_out,
                                                                                 monkeypatch) -> None:
    steps = _steps(6, _per_subject)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert processes.check_in_processes(steps, Project(tmp_path), 2) is None, "a fork beside a thread"
    finally:
        stop.set()
        other.join()
    assert processes.check_in_processes(steps, Project(tmp_path), 1) is None, "-j 1"
    monkeypatch.setattr(processes, "SUBJECTS_PER_PROCESS", 4)
    assert processes.check_in_processes(steps, Project(tmp_path), 2) is None, "6 entries: one process's work"
    assert isinstance(processes.check_in_processes(_steps(8, _per_subject), Project(tmp_path), 2)[0][0], StepFindings)


# -- surveys: what a table or project check wants of every entry, worked out where the entry was checked


_SURVEYED_IN_PARENT: list[int] = []  # (a child's list is its own copy)


def _where_surveyed(entry: int, project: Project) -> tuple[int, int]:
    if os.getpid() == project.lookups.get("parent"):
        _SURVEYED_IN_PARENT.append(entry)
    if entry == 3:
        raise KeyError("a survey that fails for one entry")
    return entry * 10, os.getpid()


def _reads_surveys(subject: int, project: Project, options: dict, *, index) -> list[Violation]:
    found = []
    for entry in range(8):
        try:
            value, _ = index.survey(_where_surveyed, entry, project)
        except KeyError:
            found.append(_finding("T951", entry, project.root / "failed.py"))
            continue
        found.append(_finding("T950", value, project.root / "table.py"))
    return found


def _surveying_steps() -> list[Step]:
    entries = list(range(8))
    return [Step("T000", _per_subject, {}, "entry", entries),
            Step("T950", _reads_surveys, {}, "table", [0], _where_surveyed)]


def test_a_survey_of_the_entries_is_worked_out_in_the_children_and_read_as_in_one_process(tmp_path, shared_out,
                                                                                         monkeypatch) -> None:
    steps = _surveying_steps()
    parent = os.getpid()
    where: list[int] = []
    real = processes._noted

    def noting(received, *context):
        where.extend(pid for values in received[1].values() for _, pid in values.values())
        return real(received, *context)

    monkeypatch.setattr(processes, "_noted", noting)
    project = Project(tmp_path)
    project.lookups["parent"] = parent
    _SURVEYED_IN_PARENT.clear()
    shares = processes.check_in_processes(steps, project, 2, list(range(8)))
    assert shares is not None
    shared = merged(steps, shares)
    assert where and parent not in where, "the child's share of the entries was surveyed in the child"
    assert set(_SURVEYED_IN_PARENT) == {*processes._share(8, 0, 2), 3}, \
        "the parent surveys its own share, and asks again only for the survey that failed"
    assert len(where) == 8 - processes._share(8, 0, 2).stop - (3 >= processes._share(8, 0, 2).stop), \
        "every entry of the child's share but the failing one"
    assert shared == _alone(steps, Project(tmp_path))
    assert [v.args["subject"] for v in shared if v.code == "T950"] == [0, 10, 20, 40, 50, 60, 70]
    assert [v.args["subject"] for v in shared if v.code == "T951"] == [3], "a failed survey fails in the check"
