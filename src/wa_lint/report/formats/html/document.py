"""The page: summary by the Lens, the model, Power Tuning, the findings, what was not read."""

from __future__ import annotations

import dataclasses
import enum
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from wa_lint import __version__
from wa_lint.report.findings import Finding, LensRef, Severity
from wa_lint.report.formats.html import chart, graph
from wa_lint.report.formats.html.markup import Markup, el, lines, prose
from wa_lint.report.formats.html.source import Sources, diff, fixes_of
from wa_lint.words import plural

if TYPE_CHECKING:
    from wa_lint.check.registry import Rule
    from wa_lint.evidence.power_tuning import TuningResult
    from wa_lint.link.model import Function, Project
    from wa_lint.pipeline import RunResult

# The Lens's pillars in the order the Well-Architected Tool shows them, with their question prefixes.
PILLARS = (
    ("Operational excellence", "OPS"),
    ("Security", "SEC"),
    ("Reliability", "REL"),
    ("Performance efficiency", "PERF"),
    ("Cost optimization", "COST"),
)
SEVERITIES = (Severity.ERROR, Severity.WARNING, Severity.INFO)
# A long run's findings start folded; a short one's are all open for reading top to bottom.
MOST_OPEN_FINDINGS = 30
MOST_OPEN_TEMPLATES = 3


def _relative(path: Path) -> str:
    from wa_lint.pipeline import relative

    return relative(path)


def where(finding: Finding, name: Callable[[Path], str] = _relative) -> str:
    span = finding.span
    return f"{name(span.path)}:{span.line}:{span.column}"


def one_line(finding: Finding, name: Callable[[Path], str] = _relative) -> str:
    return f"{finding.code} {finding.name} ({finding.severity}) {where(finding, name)}: {finding.message}"


@dataclass
class Question:
    pillar: str
    question: str
    title: str | None = None
    best_practices: dict[str, str] = field(default_factory=dict)  # name → url
    findings: list[int] = field(default_factory=list)  # primary mapping
    also: list[int] = field(default_factory=list)  # a finding whose rule also serves this question
    rules: set[str] = field(default_factory=set)
    anchor: str = ""


class Page:
    """Everything the sections share: the findings' indexes, the graphs, the source reader."""

    def __init__(self, result: RunResult) -> None:
        self.result = result
        self.project: Project = result.project
        self.findings: list[Finding] = list(result.findings)
        self.rules: dict[str, Rule] = dict(result.rules)
        self.sources = Sources(self.project)
        self.name = result.names.relative  # how the page names a file: worked out once per file
        self.titles = {index: one_line(finding, self.name) for index, finding in enumerate(self.findings)}
        self.graphs = []
        gathered = graph.Index.of(self.project, self.findings)
        for number, template in enumerate(self.project.templates):
            picture = graph.build(self.project, template, f"n{number}", gathered)
            graph.add_findings(picture, self.project, self.findings, gathered)
            if picture.nodes:
                self.graphs.append(picture)
        self.node_of: dict[int, list[graph.Node]] = {}
        self.tuned: dict[str, tuple[Function, TuningResult]] = {}  # node anchor → its function's result
        for picture in self.graphs:
            for node in picture.nodes:
                for index in node.findings:
                    self.node_of.setdefault(index, []).append(node)
                function = node.function
                if function is not None:
                    tuning = self.project.power_tuning.get((function.template.path, function.logical_id))
                    if tuning is not None:
                        self.tuned[node.anchor] = (function, tuning)
        self.questions = self._questions()

    def _rule_refs(self, code: str) -> list[LensRef]:
        rule = self.rules.get(code)
        return [rule.lens, *rule.also] if rule else []

    def _questions(self) -> dict[tuple[str, str], Question]:
        questions: dict[tuple[str, str], Question] = {}

        def question(ref: LensRef) -> Question:
            key = (ref.pillar, ref.question)
            if key not in questions:
                questions[key] = Question(ref.pillar, ref.question)
            found = questions[key]
            found.best_practices.setdefault(ref.best_practice, ref.url)
            return found

        for code in sorted(self.result.enabled):
            rule = self.rules.get(code)
            if rule is None:
                continue
            for ref in self._rule_refs(code):
                asked = question(ref)
                asked.rules.add(code)
                if ref is rule.lens:
                    asked.title = asked.title or rule.metadata.get("lens", {}).get("question_title")
        for index, finding in enumerate(self.findings):
            question(finding.lens).findings.append(index)
            for ref in self._rule_refs(finding.code)[1:]:
                question(ref).also.append(index)
        order = {name: position for position, (name, _) in enumerate(PILLARS)}

        def sort_key(item: tuple[tuple[str, str], Question]) -> tuple[int, str, int, str]:
            (pillar, name), _ = item
            prefix, _, number = name.rpartition(" ")
            return (order.get(pillar, len(order)), prefix, int(number) if number.isdigit() else 0, name)

        ordered = dict(sorted(questions.items(), key=sort_key))
        for number, asked in enumerate(ordered.values()):
            asked.anchor = f"q{number}"
        return ordered


def _severity_badge(severity: Severity) -> Markup:
    return el("span", str(severity), class_=f"sev {severity}")


def _counts(indexes: Iterable[int], findings: Sequence[Finding]) -> Counter[Severity]:
    return Counter(findings[index].severity for index in indexes)


# -- summary --------------------------------------------------------------------------------------------
def _tiles(page: Page) -> Markup:
    counts = Counter(finding.severity for finding in page.findings)
    stats = page.result.stats
    tiles = [el("div", el("span", counts.get(severity, 0), class_="count"), el("span", str(severity)),
                class_=f"tile {severity}") for severity in SEVERITIES]
    tiles += [
        el("div", el("span", len(page.project.functions), class_="count"), el("span", "functions"), class_="tile"),
        el("div", el("span", stats.templates, class_="count"), el("span", "templates"), class_="tile"),
        el("div", el("span", stats.python_files, class_="count"), el("span", "Python files"), class_="tile"),
    ]
    return el("div", lines(tiles), class_="tiles")


def _lens_table(page: Page) -> Markup:
    rows: list[Markup] = []
    by_pillar: dict[str, list[Question]] = {}
    for asked in page.questions.values():
        by_pillar.setdefault(asked.pillar, []).append(asked)
    pillars = [name for name, _ in PILLARS] + [name for name in by_pillar if name not in dict(PILLARS)]
    for pillar in pillars:
        asked_here = by_pillar.get(pillar, [])
        primary = [index for asked in asked_here for index in asked.findings]
        counts = _counts(primary, page.findings)
        rows.append(el("tr", el("th", pillar, colspan=2, scope="rowgroup"),
                       [el("td", counts.get(severity, 0) or "", class_=f"n {severity}") for severity in SEVERITIES],
                       el("td", plural(len(primary), "finding") if asked_here else "no rule enabled for this pillar"),
                       class_="pillar" if asked_here else "pillar unchecked", data_pillar=pillar))
        for asked in asked_here:
            counts = _counts(asked.findings, page.findings)
            practices = [el("li", el("a", name, href=url) if url else name) for name, url in
                         asked.best_practices.items()]
            note = [plural(len(asked.findings), "finding")]
            if asked.also:
                note.append(f" (and {len(asked.also)} also mapped here)")
            rows.append(el(
                "tr",
                el("td", el("a", asked.question, href=f"#{asked.anchor}") if asked.findings else asked.question,
                   el("div", asked.title, class_="qtitle") if asked.title else None, class_="qcell"),
                el("td", el("ul", practices, class_="practices")),
                [el("td", counts.get(severity, 0) or "", class_=f"n {severity}") for severity in SEVERITIES],
                el("td", note, el("div", "rules: " + ", ".join(sorted(asked.rules)), class_="rules")
                   if asked.rules else None),
                class_="question-row", data_question=asked.question,
                data_findings=len(asked.findings),
            ))
    head = el("tr", el("th", "Lens question"), el("th", "Best practices"),
              [el("th", str(severity), class_="n") for severity in SEVERITIES], el("th", "Findings"))
    return el("table", el("thead", head), el("tbody", lines(rows)), class_="lens")


def _read_section(page: Page) -> Markup:
    project, stats = page.project, page.result.stats
    templates = [el("li", el("code", page.name(template.path))) for template in project.templates]
    python_functions = [f for f in project.functions if f.is_python]
    linked = [entry for entry in project.entries if entry.function is not None]
    found = [entry for entry in project.entries if entry.function is None]
    read = [
        el("li", plural(stats.templates, "template"), el("details", el("summary", "list"), el("ul", templates))
           if templates else None),
        el("li", f"{plural(len(project.functions), 'function')} in the templates, "
                 f"{len(python_functions)} of them Python; handler code linked for {len(linked)}"
                 + (f", inline code for {len(project.inline_modules)}" if project.inline_modules else "")),
        el("li", f"{plural(stats.python_files, 'Python file')} analysed (handler modules and the local modules "
                 f"they import)", el("details", el("summary", "list"), el("ul", [
                     el("li", el("code", name)) for name in sorted(page.name(path) for path in project.modules)]))
           if project.modules else None),
    ]
    if found:
        read.append(el("li", f"{plural(len(found), 'handler')} found by signature in files no template names",
                       el("details", el("summary", "list"), el("ul", [
                           el("li", el("code", f"{page.name(entry.facts.path)} → {entry.qualname}"))
                           for entry in found]))))
    unresolved = [el("li", el("code", f.logical_id), f": handler {f.handler.text!r} — {f.handler.problem}")
                  for f in project.functions if f.handler and f.handler.problem]
    not_read: list[Markup] = []
    if unresolved:
        not_read.append(el("li", f"handler code not found for {plural(len(unresolved), 'function')}",
                           el("details", el("summary", "list"), el("ul", unresolved))))
    parse_errors = [index for index, finding in enumerate(page.findings) if finding.code == "WA001"]
    if parse_errors:
        not_read.append(el("li", f"{plural(len(parse_errors), 'file')} could not be read: ",
                           [el("a", where(page.findings[index], page.name), href=f"#f{index}", class_="loc")
                            for index in parse_errors]))
    notes = page.result.diagnostics
    if notes:
        not_read.append(el("li", plural(len(notes), "note"), " (skipped files, errors): ",
                           el("a", "see below", href="#notes")))
    return el("div", el("div", el("h3", "What was read"), el("ul", lines(read))),
              el("div", el("h3", "What was not read"),
                 el("ul", lines(not_read)) if not_read else el("p", "Everything found was read.")),
              class_="read")


# -- model ------------------------------------------------------------------------------------------------
def _memory(function: Function) -> str:
    setting = function.memory
    if setting is None:
        return "not set (128 MB default)"
    source = setting.source + (f" {setting.parameter}" if setting.parameter else "")
    return f"{setting.value} MB (from {source})"


def _node_row(page: Page, node: graph.Node) -> Markup:
    details: list[Markup] = []
    function = node.function
    if function is not None:
        handler = function.handler
        if handler is None:
            target = f"no handler ({function.code.kind} code)"
        elif handler.file is not None:
            target = f"{handler.text} → {page.name(handler.file)} : {handler.qualname}"
        else:
            target = f"{handler.text} → {handler.problem or 'not resolved (' + function.code.kind + ' code)'}"
        details.append(el("div", el("b", "handler "), target))
        details.append(el("div", el("b", "memory "), _memory(function),
                          (" · ", el("a", "Power Tuning", href=f"#pt-{node.anchor}")) if node.anchor in page.tuned
                          else None))
        if function.runtime:
            details.append(el("div", el("b", "runtime "), function.runtime))
    findings = [el("li", _severity_badge(page.findings[index].severity), " ",
                   el("a", f"{page.findings[index].code} {page.findings[index].message}", href=f"#f{index}"))
                for index in node.findings]
    declared = f"{page.name(node.span.path)}:{node.span.line}" if node.span else "implicit"
    return el("tr", el("td", el("code", node.label)), el("td", node.column), el("td", node.type),
              el("td", declared, class_="loc"), el("td", details, el("ul", findings, class_="node-findings")
                                                   if findings else None),
              id=node.anchor, class_=f"node-row {node.column}")


def _model_section(page: Page) -> Markup:
    if not page.graphs:
        return el("p", "No template with functions or resources was read.")
    parts = [graph.legend()]
    for number, picture in enumerate(page.graphs):
        functions = len(picture.column(graph.FUNCTION))
        findings = sum(len(node.findings) for node in picture.nodes)
        body = [
            el("div", graph.svg(picture, page.titles, f"arrow{number}"), class_="picture"),
            el("table", el("thead", el("tr", el("th", "node"), el("th", "column"), el("th", "type"),
                                        el("th", "declared"), el("th", "details and findings"))),
               el("tbody", lines(_node_row(page, node) for node in picture.nodes)), class_="nodes"),
        ]
        summary = el("summary", el("code", page.name(picture.template.path)),
                     f" — {plural(functions, 'function')}, {plural(len(picture.edges), 'link')}, "
                     f"{plural(findings, 'finding')} on its nodes")
        opened = len(page.graphs) <= MOST_OPEN_TEMPLATES
        parts.append(el("details", summary, lines(body), class_="template", open=opened,
                        data_template=page.name(picture.template.path)))
    return lines(parts)


def _tuning_block(page: Page, anchor: str, with_id: bool) -> Markup:
    function, tuning = page.tuned[anchor]
    configured = chart.configured_memory(function.memory.value if function.memory else None)
    caption = [el("b", function.logical_id), f": {tuning.summary()}",
               f"; configured {configured} MB" if configured else "; configured memory not a number",
               el("div", "from ", el("code", page.name(tuning.path)), class_="from")]
    return el("figure", chart.svg(tuning, configured), el("figcaption", caption),
              el("details", el("summary", "numbers"), chart.table(tuning, configured)),
              class_="tuning", id=f"pt-{anchor}" if with_id else None, data_function=function.logical_id)


# -- findings ---------------------------------------------------------------------------------------------
def _value(value: Any) -> str:
    if isinstance(value, PurePath):
        return _relative(Path(value))
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _evidence(items: Iterable[Any]) -> Markup | None:
    rows = []
    for item in items:
        if dataclasses.is_dataclass(item) and not isinstance(item, type):
            pairs = [(f.name, getattr(item, f.name)) for f in dataclasses.fields(item)]
        elif isinstance(item, dict):
            pairs = list(item.items())
        else:
            pairs = [("", item)]
        cells = [el("span", el("b", str(name)), " ", _value(value), class_="pair") if name else _value(value)
                 for name, value in pairs if value is not None and value != ""]
        rows.append(el("li", cells))
    return el("div", el("h4", "Evidence"), el("ul", rows, class_="evidence")) if rows else None


def _fix(page: Page, finding: Finding) -> Markup | None:
    text, fixes = fixes_of(finding)
    parts: list[Markup | None] = [el("p", prose(text))] if text else []
    for fix in fixes:
        applicability = getattr(fix, "applicability", None)
        kind = _value(applicability) if applicability is not None else None
        title = getattr(fix, "title", None)
        if title and str(title) != text:
            parts.append(el("p", prose(str(title))))
        if kind:
            parts.append(el("p", el("span", f"{kind} fix", class_=f"applicability {kind}")))
        parts.append(diff(page.sources, fix, page.name))
    return el("div", el("h4", "Fix"), parts, class_="fix") if parts else None


def _finding(page: Page, index: int, opened: bool) -> Markup:
    finding = page.findings[index]
    lens = finding.lens
    nodes = page.node_of.get(index, [])
    refs = page._rule_refs(finding.code)[1:]
    body = [
        page.sources.excerpt(finding.span),
        el("p", el("b", "Lens "), f"{lens.question} · ", el("a", lens.best_practice, href=lens.url) if lens.url
           else lens.best_practice, f" ({lens.pillar})", class_="lens-ref"),
        [el("p", el("b", "Also "), f"{ref.question} · ", el("a", ref.best_practice, href=ref.url) if ref.url
            else ref.best_practice, f" ({ref.pillar})", class_="lens-ref also") for ref in refs],
        _fix(page, finding),
        _evidence(getattr(finding, "evidence", None) or ()),
        [_tuning_block(page, node.anchor, with_id=False) for node in nodes if node.anchor in page.tuned],
        el("p", el("b", "In the model "), [(el("a", node.label, href=f"#{node.anchor}"), " ") for node in nodes],
           class_="in-model") if nodes else None,
    ]
    summary = el("summary", _severity_badge(finding.severity), " ", el("code", finding.code, class_="code"), " ",
                 el("span", finding.name, class_="name"), " ", el("span", where(finding, page.name), class_="loc"),
                 el("div", prose(finding.message), class_="message"))
    return el("details", summary, el("div", lines(body), class_="body"), id=f"f{index}",
              class_=f"finding {finding.severity}", open=opened, data_code=finding.code)


def _findings_section(page: Page) -> Markup:
    if not page.findings:
        return el("p", "No findings.", class_="clean")
    opened = len(page.findings) <= MOST_OPEN_FINDINGS
    parts: list[Markup] = []
    pillar = None
    for asked in page.questions.values():
        if not asked.findings:
            continue
        if asked.pillar != pillar:
            pillar = asked.pillar
            parts.append(el("h3", pillar, class_="pillar"))
        ordered = sorted(asked.findings, key=lambda index: (-page.findings[index].severity, index))
        parts.append(el("section", el("h4", asked.question, f" — {asked.title}" if asked.title else "",
                                      class_="question"),
                        lines(_finding(page, index, opened) for index in ordered),
                        id=asked.anchor, class_="question"))
    return lines(parts)


def _notes_section(page: Page) -> Markup:
    notes = page.result.diagnostics
    if not notes:
        return el("p", "None.")
    rows = [el("tr", el("td", note.kind, class_=f"kind {note.kind}"),
               el("td", page.name(note.path) if note.path else "", class_="loc"), el("td", note.message))
            for note in notes]
    return el("table", el("thead", el("tr", el("th", "kind"), el("th", "path"), el("th", "note"))),
              el("tbody", lines(rows)), class_="notes")


# -- page -------------------------------------------------------------------------------------------------
def render(result: RunResult, stylesheet: str, policy: str) -> str:
    page = Page(result)
    project = page.project
    name = project.root.name or str(project.root)
    stats = result.stats
    subtitle = (f"{plural(len(page.findings), 'finding')} in {plural(stats.templates, 'template')} and "
                f"{plural(stats.python_files, 'Python file')} · wa-lint {__version__} · {stats.seconds:.2f}s")
    sections = [
        ("summary", "Summary by the Lens", lines(_tiles(page), _lens_table(page), _read_section(page))),
        ("model", "The model", _model_section(page)),
    ]
    if page.tuned:
        sections.append(("tuning", "Power Tuning",
                         lines(_tuning_block(page, anchor, with_id=True) for anchor in page.tuned)))
    sections += [
        ("findings", f"Findings ({len(page.findings)})", _findings_section(page)),
        ("notes", f"Notes ({len(result.diagnostics)})", _notes_section(page)),
    ]
    nav = el("nav", [el("a", title, href=f"#{anchor}") for anchor, title, _ in sections])
    body = lines(
        el("header", el("h1", "Well-Architected review: ", el("span", name, class_="project")),
           el("p", subtitle, class_="subtitle"), nav),
        el("main", lines(el("section", el("h2", title), content, id=anchor, class_="part")
                         for anchor, title, content in sections)),
        el("footer", el("p", "Generated by wa-lint, mapped to the AWS Well-Architected Serverless Applications "
                             "Lens. This file loads nothing from the network.")),
    )
    head = lines(
        el("meta", charset="utf-8"),
        el("meta", http_equiv="Content-Security-Policy", content=policy),
        el("meta", name="viewport", content="width=device-width, initial-scale=1"),
        el("meta", name="generator", content=f"wa-lint {__version__}"),
        el("title", f"wa-lint — Well-Architected review of {name}"),
        el("style", Markup(stylesheet)),
    )
    return "<!DOCTYPE html>\n" + lines(el("html", lines(el("head", head), el("body", body)), lang="en")) + "\n"


