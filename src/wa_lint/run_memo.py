"""A run's findings kept with everything it read, so a run over an unchanged project recomputes nothing.

An entry (`.wa_lint_cache/runs/`) is keyed by the run's settings (the paths given, the configuration,
the folder it runs from) and a fingerprint of all of wa-lint's code and rule files, and holds the
findings, the notes and the figures of the run, with the `Inputs` it read (wa_lint/inputs.py): every
folder the walk listed, every `.gitignore`, template, Python file and requirements list read, every
path asked about. A later run with the same key checks those statuses (a `stat` each) and, when all
read the same, hands back the stored result without loading, linking, analysing or checking anything.

The model of the project (templates, functions, facts) is not stored. The replayed result's
`project` answers what the common reports need without it (the root, the reported paths, the files'
texts read again from disk, which the statuses vouch for, and the function around each finding
that names no resource, which SARIF, GitLab and baseline fingerprints use) and runs the pipeline the
first time anything else is asked of it (an HTML or JUnit report, `--show-model`, `--show-files`): a
report that needs the model costs a normal warm run, never a wrong answer. Template fixes that were not built
when the entry was written are built the same way, when first read.

An entry also holds the run's parts (run_parts.py), first: when only the contents of some files have
changed, the parts that hold them run again and the rest of the entry is kept (`merge_parts`).

Runs that read what no file status vouches for never use the memo: `--aws` (the deployed stack and
CloudWatch), Power Tuning results named in the configuration, and texts not yet written (`--diff`).
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import itertools
import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wa_lint import __version__
from wa_lint.cache_store import (
    RUN_MEMO_ENTRY_BYTES,
    RUN_MEMO_NAMESPACE,
    VouchedStore,
    code_fingerprint,
    json_bytes,
    library_files,
)
from wa_lint.config import Config
from wa_lint.inputs import Inputs
from wa_lint.run_parts import Parts, total_stats

# The findings' classes are imported where stored results are decoded: a printed report
# (printed_memo.py) is replayed without them.
if TYPE_CHECKING:
    from wa_lint.report.findings import Diagnostic, Edit, Evidence, Finding, Fix, LensRef, Span
    from wa_lint.result import RunResult, Stats

_FORMAT = "2"


def memo_allowed(config: Config, overlay_given: bool) -> bool:
    """Whether a run's result is fully determined by files whose statuses can vouch for them."""
    return not overlay_given and config.live is None and not config.power_tuning and not config.power_tuning_functions


def fingerprinted_files() -> tuple[Path, ...]:
    """The files outside wa-lint's package that a run's result depends on: the rule files, and the
    libraries' whose versions decide how a file is read."""
    from wa_lint.rule_files import rules_dir

    return (*sorted(rules_dir().glob("*.md")), *library_files("yaml", "*.py", "_yaml*"),
            *library_files("libcst", "__init__.py", "_version.py"))


def _fingerprint(memo: Path) -> str:
    return code_fingerprint(Path(__file__).parent, f"{_FORMAT}:{__version__}:{sys.version}".encode(),
                            files=fingerprinted_files(), memo=memo)


class RunMemo(VouchedStore):
    def __init__(self, folder: Path) -> None:
        super().__init__(folder, RUN_MEMO_NAMESPACE, RUN_MEMO_ENTRY_BYTES)
        self.fingerprint = _fingerprint(folder)

    def key(self, paths: Sequence[Path], root: Path, config: Config, force_exclude: bool) -> str:
        # The root: the read policy and the paths' names follow it (`git init` moves it, not the cache).
        # Today's date: a runtime's deprecation (REL101) is judged against it.
        settings = [self.fingerprint, os.getcwd(), str(root), [str(path) for path in paths],
                    [os.path.abspath(path) for path in paths], force_exclude, _config_text(config),
                    datetime.date.today().isoformat()]
        return hashlib.sha256(json.dumps(settings).encode("utf-8", "surrogatepass")).hexdigest()

    def keep(self, key: str, result: RunResult, inputs: Inputs) -> None:
        self._write_entry_chunks(key, inputs, _encode(result))

    def keep_stored(self, key: str, stored: list[str], inputs: Inputs) -> None:
        """Keep a result already in its stored form (`merge_parts`' JSON text, in pieces)."""
        self._write_entry_chunks(key, inputs, (piece.encode("utf-8", "surrogatepass") for piece in stored))

    def keep_built_fixes(self, key: str, result: RunResult, inputs: Inputs) -> Callable[[], None] | None:
        """A call that stores `result` again if reports have built template fixes it holds unbuilt
        since now (so the next replayed JSON or SARIF report need not build them); None when it
        holds none."""
        unbuilt = _unbuilt(result)
        if not unbuilt:
            return None

        def keep_built() -> None:
            if _unbuilt(result) < unbuilt:
                self.keep(key, result, inputs)

        return keep_built


def _unbuilt(result: RunResult) -> int:
    return sum(1 for finding in result.findings for fix in finding.fixes if not _is_built(fix))


def _config_text(config: Config) -> str:
    # How large the cache may grow decides no finding.
    values = {spec.name: getattr(config, spec.name) for spec in fields(config)
              if spec.name not in ("origins", "cache_max_mb")}
    return json.dumps(values, sort_keys=True, default=_plain)


def _plain(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(map(str, value))
    if hasattr(value, "__dataclass_fields__"):
        return asdict(value)
    return str(value)


# -- the stored result ------------------------------------------------------------------------------

class StoredResult:
    def __init__(self, findings: list[Finding], diagnostics: list[Diagnostic], stats: Stats,
                 enabled: frozenset[str], reported_paths: frozenset[Path] | None, model: _Model,
                 enclosing: dict[tuple[Path, int], str | None], parts: Parts | None = None) -> None:
        self.findings, self.diagnostics, self.stats, self.enabled = findings, diagnostics, stats, enabled
        self.reported_paths = reported_paths
        self.parts = parts
        self.model = model  # where template fixes not built when stored are built, once replayed
        # (path, line) of each finding that names no resource → the function around it.
        self.enclosing = enclosing


class _Model:
    """The replayed result's project, once there is one (fixes decoded before it refer to it here)."""

    project: LazyProject | None = None
    findings: list[Finding]

    def edits(self, index: int, number: int) -> tuple[Edit, ...]:
        """The edits of a template fix as the pipeline builds them (the same run, so the same finding)."""
        if self.project is None:
            return ()
        real = self.project.real().findings
        if index >= len(real) or number >= len(real[index].fixes):
            return ()
        finding, fix = real[index], real[index].fixes[number]
        stored = self.findings[index]
        # The same finding and fix, or none: a file changed since the replay began must not lend one
        # finding another's edits (or an unsafe fix's under a safe one's name).
        if (finding.code, finding.span, fix.title, fix.applicability) != (
                stored.code, stored.span, stored.fixes[number].title, stored.fixes[number].applicability):
            return ()
        return fix.edits


def _is_built(fix: Fix) -> bool:
    from wa_lint.report.findings import DeferredFix

    if not isinstance(fix, DeferredFix):
        return True
    return fix.pending.edits is not None


# Findings encoded per chunk of the stored entry: the memo of 25,000 findings is 23 MB of JSON (twice
# that as Python text), which a whole-entry encoding held at once on top of the run.
_FINDINGS_PER_CHUNK = 500
# How a stored result begins: with the run's parts.
_PARTS_HEAD = '{"parts":'
_DECODER = json.JSONDecoder()


def _encode(result: RunResult) -> Iterator[bytes]:
    """The stored result as chunks of its JSON: `{"findings": [...], "diagnostics": ..., ...}`."""
    def span(value: Span) -> list[Any]:
        return [str(value.path), value.line, value.column, value.end_line, value.end_column]

    def edit(value: Edit) -> list[Any]:
        return [str(value.path), value.start, value.end, value.replacement, value.line, value.column,
                value.end_line, value.end_column]

    def fix(value: Fix) -> list[Any]:
        edits = [edit(item) for item in value.edits] if _is_built(value) else None
        return [value.title, value.applicability.value, edits]

    def evidence(value: Evidence) -> list[Any]:
        return [value.source, value.statistic, value.value, value.unit, value.metric,
                None if value.path is None else str(value.path), value.window]

    project = result.project
    # A finding that names no resource is fingerprinted (SARIF, GitLab, baseline) by the function around
    # it, which only the model knows: kept, so those reports need no model when replayed.
    findings = ([f.code, f.name, int(f.severity), span(f.span), f.message, f.fix,
                 [f.lens.pillar, f.lens.question, f.lens.best_practice, f.lens.choice_id, f.lens.url],
                 f.resource, f.function, [fix(item) for item in f.fixes], [evidence(item) for item in f.evidence],
                 None if f.resource else project.enclosing_function(f.span.path, f.span.line)]
                for f in result.findings)
    # The parts first: a run after a change reads them alone to learn whether the rest is of use.
    yield _PARTS_HEAD.encode() + json_bytes(None if result.parts is None else result.parts.encode()) + b',"findings":['
    separator = b""
    for chunk in iter(lambda: list(itertools.islice(findings, _FINDINGS_PER_CHUNK)), []):
        yield separator + json_bytes(chunk)[1:-1]  # the entries, without the chunk's own brackets
        separator = b","
    stats = result.stats
    reported = result.project.reported_paths
    rest = {
        "diagnostics": [[None if d.path is None else str(d.path), d.message, d.kind,
                         None if d.about is None else str(d.about)] for d in result.diagnostics],
        "stats": [stats.templates, stats.python_files, dict(stats.frameworks), stats.functions,
                  stats.functions_with_code],
        "enabled": sorted(result.enabled),
        "reported": None if reported is None else sorted(map(str, reported)),
    }
    yield b"]," + json_bytes(rest)[1:]  # `"diagnostics": ...}`: the object's other members and its end


def stored_parts(stored: str) -> tuple[Parts | None, int]:
    """The parts of a stored result's JSON (`_encode` writes them first), without parsing the rest,
    and where the rest begins; raises ValueError or TypeError when it does not begin with them."""
    if not stored.startswith(_PARTS_HEAD):
        raise ValueError("a stored result begins with its parts")
    value, end = _DECODER.raw_decode(stored, len(_PARTS_HEAD))
    return None if value is None else Parts.stored(value), end


def encoded(result: RunResult) -> Any:
    """`result` in its stored form, as JSON values (a run of a few parts: small)."""
    return json.loads(str(b"".join(_encode(result)), "utf-8", "surrogatepass"))


def merge_parts(stored: str, parts: Parts, rest_at: int, rerun: set[int],
                fresh_run: RunResult) -> tuple[Any, list[str]] | None:
    """The stored result (`_encode`'s JSON) of a run with these `parts` (`stored_parts`, with where the
    rest of the result begins), with those at the indices
    `rerun` replaced by a run of theirs (`fresh_run`), as a run of the whole project would have stored
    it: the findings sorted as the report stage sorts them, the whole run's notes from the fresh run,
    then the stages' notes file by file (`_execute` orders them so), the figures of the parts kept
    and of the fresh ones. Returned as JSON values (to decode) and as the JSON text (to keep: the kept
    findings' text is reused, encoding them again cost 0.3 s on 10,000 functions). None when nothing
    would have been checked (the whole run then says so)."""
    # The fresh part's template fixes are built now, from its run's model: a replay builds those left
    # unbuilt from a whole run.
    for finding in fresh_run.findings:
        for fix in finding.fixes:
            fix.edits  # noqa: B018 - reading the edits builds them
    fresh, fresh_parts = encoded(fresh_run), fresh_run.parts
    if fresh_parts is None:
        return None
    kept = [part for index, part in enumerate(parts.parts) if index not in rerun]
    if not any(part.checked for part in (*kept, *fresh_parts.parts)):
        return None
    replaced = frozenset().union(*(parts.parts[index].files for index in rerun))
    stored_findings, rest = _stored_findings(stored, rest_at)
    findings = [item for item in stored_findings if _list(item[0])[3][0] not in replaced]
    findings += ((item, _json_text(item)) for item in _list(fresh["findings"]))
    findings.sort(key=lambda item: _stored_order(item[0]))
    old_notes, new_notes = _list(rest["diagnostics"]), _list(fresh["diagnostics"])
    stage_notes = [note for note in old_notes[parts.run_notes:] if _note_file(note) not in replaced]
    stage_notes += new_notes[fresh_parts.run_notes:]
    stage_notes.sort(key=lambda note: "" if note[0] is None else _posix(note[0]))
    notes = {json.dumps(note): note for note in [*new_notes[:fresh_parts.run_notes], *stage_notes]}
    kept_items = [item for index, item in enumerate(parts.encode()[1]) if index not in rerun]
    merged_parts = Parts.stored([fresh_parts.run_notes, kept_items + fresh_parts.encode()[1]])
    templates, python_files, frameworks, functions, with_code = total_stats((*kept, *fresh_parts.parts))
    rest = {**rest, "diagnostics": list(notes.values()), "stats": [templates, python_files, frameworks, functions,
                                                                      with_code]}
    value = {"parts": merged_parts.encode(), "findings": [item[0] for item in findings], **rest}
    text = [_PARTS_HEAD, _json_text(merged_parts.encode()), _FINDINGS_HEAD, ",".join(item[1] for item in findings),
            "],", _json_text(rest)[1:]]
    return value, text


_FINDINGS_HEAD = ',"findings":['


def _stored_findings(stored: str, position: int) -> tuple[list[tuple[Any, str]], dict[str, Any]]:
    """A stored result's findings (from `position`, after its parts), each with its JSON text, and its
    members after them; raises ValueError on a text `_encode` did not write."""
    if not stored.startswith(_FINDINGS_HEAD, position):
        raise ValueError("the parts are followed by the findings")
    position += len(_FINDINGS_HEAD)
    findings = []
    while not stored.startswith("]", position):
        value, end = _DECODER.raw_decode(stored, position)
        findings.append((value, stored[position:end]))
        position = end + 1 if stored.startswith(",", end) else end
    rest = json.loads("{" + stored[position + 2:])  # after `],`
    if type(rest) is not dict:
        raise TypeError("a stored result is an object")
    return findings, rest


def _json_text(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _note_file(note: list[Any]) -> str | None:
    """The file a stored note is in or about."""
    about = note[0] if note[0] is not None else note[3]
    return None if about is None else str(about)


def _posix(path: str) -> str:
    return path if os.sep == "/" else path.replace(os.sep, "/")


def _stored_order(item: list[Any]) -> tuple[str, int, int, str, str]:
    """`Finding.sort_key` of a stored finding."""
    where = item[3]
    return _posix(where[0]), where[1], where[2], item[0], item[4]


def _text(value: Any) -> str:
    if type(value) is not str:
        raise TypeError("expected text")
    return value


def _maybe_text(value: Any) -> str | None:
    return None if value is None else _text(value)


def _int(value: Any) -> int:
    if type(value) is not int:
        raise TypeError("expected an integer")
    return value


def _list(value: Any, length: int | None = None) -> list[Any]:
    if type(value) is not list or (length is not None and len(value) != length):
        raise TypeError("expected a list" + ("" if length is None else f" of {length}"))
    return value


# The JSON types of a stored finding's, span's and edit's values, in order: one set look-up checks a
# whole entry (a check per value cost more than building the finding).
_OPTIONAL_TEXT: tuple[type, ...] = (str, type(None))
_FINDING_LAYOUTS: frozenset[tuple[type, ...]] = frozenset(itertools.product(
    (str,), (str,), (int,), (list,), (str,), (str,), (list,), _OPTIONAL_TEXT, _OPTIONAL_TEXT, (list,), (list,),
    _OPTIONAL_TEXT))
_SPAN_LAYOUT = (str, int, int, int, int)
_EDIT_LAYOUT = (str, int, int, str, int, int, int, int)
_LENS_LAYOUTS: frozenset[tuple[type, ...]] = frozenset(itertools.product((str,), (str,), (str,), _OPTIONAL_TEXT, (str,)))


def _layout(value: Any, layouts: frozenset[tuple[type, ...]]) -> None:
    if type(value) is not list or tuple(map(type, value)) not in layouts:
        raise TypeError("a stored value of the wrong shape")


def decode_stored(value: Any) -> StoredResult:
    """A stored result (`_encode`'s JSON values); raises TypeError, ValueError, KeyError or IndexError on
    a value it did not write."""
    from wa_lint.report.findings import (
        Applicability,
        DeferredFix,
        Diagnostic,
        Edit,
        Evidence,
        Finding,
        Fix,
        LensRef,
        Severity,
        Span,
    )
    from wa_lint.result import Stats

    known_paths: dict[str, Path] = {}  # a Path per file, not per finding: building one costs more than the rest

    def path_of(text: str) -> Path:
        known = known_paths.get(text)
        if known is None:
            known = known_paths[text] = Path(text)
        return known

    def span(item: list[Any]) -> Span:
        if tuple(map(type, item)) != _SPAN_LAYOUT:
            raise TypeError("a span is a path and four integers")
        path, line, column, end_line, end_column = item
        return Span(path_of(path), line, column, end_line, end_column)

    def edit(item: Any) -> Edit:
        if type(item) is not list or tuple(map(type, item)) != _EDIT_LAYOUT:
            raise TypeError("an edit is a path, offsets, its text and a span")
        path, start, end, replacement, line, column, end_line, end_column = item
        return Edit(path_of(path), start, end, replacement, line, column, end_line, end_column)

    def evidence(item: Any) -> Evidence:
        source, statistic, measured, unit, metric, path, window = _list(item, 7)
        if type(measured) not in (int, float, str):
            raise TypeError("a measured value is a number or text")
        return Evidence(_text(source), _text(statistic), measured, _maybe_text(unit), _maybe_text(metric),
                        None if path is None else Path(_text(path)), _maybe_text(window))

    findings: list[Finding] = []
    model = _Model()
    enclosing: dict[tuple[Path, int], str | None] = {}
    # One reference per best practice, not per finding: a rule's findings all cite the same one.
    lenses: dict[tuple[Any, ...], LensRef] = {}
    severities = {int(severity): severity for severity in Severity}
    for index, item in enumerate(_list(value["findings"])):
        _layout(item, _FINDING_LAYOUTS)
        (code, name, severity, where, message, fix_text, lens, resource, function, fixes, evidences,
         context) = item
        lens_key = tuple(lens)
        lens_ref = lenses.get(lens_key)
        if lens_ref is None:
            _layout(lens, _LENS_LAYOUTS)
            lens_ref = lenses[lens_key] = LensRef(*lens_key)
        decoded_fixes: list[Fix] = []
        for number, stored_fix in enumerate(fixes):
            title, applicability, edits = _list(stored_fix, 3)
            if edits is None:
                decoded_fixes.append(DeferredFix(functools.partial(model.edits, index, number),
                                                 Applicability(_text(applicability)), _text(title)))
            else:
                decoded_fixes.append(Fix(_text(title), tuple(edit(e) for e in _list(edits)),
                                         Applicability(_text(applicability))))
        if severity not in severities:
            raise ValueError(f"{severity} is not a severity")
        finding = Finding(
            code, name, severities[severity], span(where), message, fix_text, lens_ref, resource, function,
            tuple(decoded_fixes), tuple(evidence(e) for e in evidences) if evidences else ())
        findings.append(finding)
        if resource is None:
            enclosing[(finding.span.path, finding.span.line)] = context
    diagnostics = []
    for item in _list(value["diagnostics"]):
        path, message, kind, about = _list(item, 4)
        diagnostics.append(Diagnostic(None if path is None else Path(_text(path)), _text(message), _text(kind),
                                      None if about is None else Path(_text(about))))
    templates, python_files, frameworks, functions, with_code = _list(value["stats"], 5)
    if type(frameworks) is not dict or not all(type(count) is int for count in frameworks.values()):
        raise TypeError("framework counts are integers")
    stats = Stats(_int(templates), _int(python_files), 0.0, dict(frameworks), _int(functions), _int(with_code))
    enabled = frozenset(_text(code) for code in _list(value["enabled"]))
    reported = None if value["reported"] is None else frozenset(Path(_text(path)) for path in _list(value["reported"]))
    model.findings = findings
    parts = None if value.get("parts") is None else Parts.stored(value["parts"])
    return StoredResult(findings, diagnostics, stats, enabled, reported, model, enclosing, parts)


# -- replaying it -----------------------------------------------------------------------------------

class LazyProject:
    """A replayed run's project: the root, the reported paths and the files' texts without the model;
    anything else runs the pipeline once (`build`) and is answered by the real project."""

    def __init__(self, root: Path, reported_paths: frozenset[Path] | None, sources: Any,
                 build: Callable[[], RunResult], enclosing: dict[tuple[Path, int], str | None]) -> None:
        self.root = root
        self.reported_paths = reported_paths
        self.sources = sources
        self._build = functools.cache(build)
        self._enclosing = enclosing

    def enclosing_function(self, path: Path, line: int) -> str | None:
        """As the real project answers; from the stored result for the lines its findings are on."""
        if (path, line) in self._enclosing:
            return self._enclosing[(path, line)]
        return self._build().project.enclosing_function(path, line)

    def is_reported(self, path: Path) -> bool:
        reported = self.reported_paths
        return reported is None or path in reported or any(parent in reported for parent in path.parents)

    def real(self) -> RunResult:
        return self._build()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._build().project, name)


class _Catalogue(Mapping[str, Any]):
    """The rule catalogue, read when a report first asks for a rule (SARIF, JUnit and HTML do; the
    text and JSON reports take what they show from the findings)."""

    @functools.cached_property
    def _rules(self) -> dict[str, Any]:
        from wa_lint.check.registry import catalogue

        return catalogue()

    def __getitem__(self, code: str) -> Any:
        return self._rules[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)


def replayed(stored: StoredResult, root: Path, sources: Any, build: Callable[[], RunResult], seconds: float) -> RunResult:
    """The stored result as a run's result; unbuilt template fixes are taken from the real run when read."""
    from wa_lint.result import RunResult, Stats

    project = stored.model.project = LazyProject(root, stored.reported_paths, sources, build, stored.enclosing)
    stats = Stats(stored.stats.templates, stored.stats.python_files, seconds, stored.stats.frameworks,
                  stored.stats.functions, stored.stats.functions_with_code)
    return RunResult(stored.findings, stored.diagnostics, project, stats, _Catalogue(), stored.enabled,  # type: ignore[arg-type]
                     parts=stored.parts)
