"""The linked model of one template as a picture: triggers → functions → the resources they touch.

Nodes come from the model only (functions, their triggers' sources, `EnvVar.target`), never from a
second reading of the template. The layout is layered and deterministic: functions in template
order in the middle column, each trigger and resource at the mean height of the functions it is
linked to, then pushed down just enough not to overlap; the same project always gives the same
picture, and 100 functions stay readable as a tall column rather than a tangle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from wa_lint.report.findings import Finding, Severity, Span
from wa_lint.report.formats.html.markup import LINE_BREAK, Markup, el, escape, join

if TYPE_CHECKING:
    from wa_lint.link.model import Function, Project
    from wa_lint.load.template.document import Template

TRIGGER, FUNCTION, RESOURCE = "trigger", "function", "resource"
COLUMNS = (TRIGGER, FUNCTION, RESOURCE)
# Event types without a source resource in the model that one implicit resource serves for every
# function of the template (SAM's ServerlessRestApi / ServerlessHttpApi).
SHARED_SOURCES = {"Api": "REST API (implicit)", "HttpApi": "HTTP API (implicit)"}
_FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")

NODE_WIDTH, NODE_HEIGHT, ROW_GAP, COLUMN_GAP, MARGIN, TOP = 230, 30, 10, 110, 12, 30
LABEL_CHARACTERS = 30


@dataclass
class Node:
    anchor: str  # the id of the node's row in the report: made from counters, never from names
    column: str
    label: str
    type: str
    logical_id: str | None = None  # the resource's logical ID, when the node is a resource
    span: Span | None = None  # where the resource is declared
    findings: list[int] = field(default_factory=list)  # indexes into the run's findings
    severities: list[Severity] = field(default_factory=list)
    function: Function | None = None
    y: float = 0.0

    @property
    def worst(self) -> Severity | None:
        return max(self.severities) if self.severities else None


@dataclass(frozen=True)
class Edge:
    source: str  # anchors
    target: str
    kind: str  # "trigger" (source invokes the function) | "uses" (the function is configured with the resource)
    label: str


@dataclass
class Graph:
    template: Template
    prefix: str
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    def column(self, name: str) -> list[Node]:
        return [node for node in self.nodes if node.column == name]

    def add(self, column: str, label: str, kind: str, logical_id: str | None = None,
            span: Span | None = None) -> Node:
        node = Node(f"{self.prefix}-{len(self.nodes)}", column, label, kind, logical_id, span)
        self.nodes.append(node)
        return node


@dataclass
class Index:
    """What each template's graph is built from, gathered in one pass over the project and the findings
    (per template, each pass cost a scan of every function, resource and finding of the run)."""

    functions: dict[int, list[Function]]  # by id(template), in project order
    declared: dict[int, dict[str, tuple[str, Span]]]  # by id(template): each resource's type and span
    mentions: dict[str, list[int]]  # logical ID → the findings naming it (as function or resource)
    ancestors: dict[Path, frozenset[Path]] = field(default_factory=dict)  # filled as asked

    def parents(self, path: Path) -> frozenset[Path]:
        known = self.ancestors.get(path)
        if known is None:
            known = self.ancestors[path] = frozenset(path.parents)
        return known

    @classmethod
    def of(cls, project: Project, findings: Sequence[Finding]) -> Index:
        functions: dict[int, list[Function]] = {}
        for function in project.functions:
            functions.setdefault(id(function.template), []).append(function)
        declared: dict[int, dict[str, tuple[str, Span]]] = {}
        for group in (project.tables, project.resources, project.functions):
            for resource in group:
                declared.setdefault(id(resource.template), {})[resource.logical_id] = (resource.type, resource.span)
        mentions: dict[str, list[int]] = {}
        for index, finding in enumerate(findings):
            for name in dict.fromkeys(n for n in (finding.function, finding.resource) if n):
                mentions.setdefault(name, []).append(index)
        return cls(functions, declared, mentions)


def build(project: Project, template: Template, prefix: str, index: Index | None = None) -> Graph:
    """The graph of one template's functions; node anchors are `prefix` + a counter."""
    index = index or Index.of(project, ())
    functions = index.functions.get(id(template), [])
    declared = index.declared.get(id(template), {})
    types = {logical_id: kind for logical_id, (kind, _) in declared.items()}
    graph = Graph(template, prefix)
    nodes: dict[tuple[str, str], Node] = {}
    edges: list[Edge] = []

    def node(key: tuple[str, str], column: str, label: str, kind: str, logical_id: str | None = None) -> Node:
        if key not in nodes:
            nodes[key] = graph.add(column, label, kind, logical_id, declared[logical_id][1] if logical_id else None)
        return nodes[key]

    for function in functions:
        node(("function", function.logical_id), FUNCTION, function.logical_id, function.type,
             function.logical_id).function = function
    # Sources first, so that a queue that triggers one function and is written by another is drawn
    # once, on the trigger side.
    for function in functions:
        target = nodes[("function", function.logical_id)]
        for trigger in function.triggers:
            if trigger.target and trigger.target in types and types[trigger.target] not in _FUNCTION_TYPES:
                source = node(("resource", trigger.target), TRIGGER, trigger.target, types[trigger.target],
                              trigger.target)
            elif trigger.type in SHARED_SOURCES:
                source = node(("shared", trigger.type), TRIGGER, SHARED_SOURCES[trigger.type], trigger.type)
            else:
                source = node(("trigger", f"{function.logical_id}\0{trigger.name}"), TRIGGER,
                              f"{trigger.type}: {trigger.name}", trigger.type)
            edges.append(Edge(source.anchor, target.anchor, "trigger", f"{trigger.name} ({trigger.type})"))
    for function in functions:
        target = nodes[("function", function.logical_id)]
        for name, variable in function.environment.items():
            used = variable.target
            if not used or used not in types or types[used] in _FUNCTION_TYPES:
                continue
            resource = node(("resource", used), RESOURCE, used, types[used], used)
            edges.append(Edge(target.anchor, resource.anchor, "uses", name))
    graph.edges = list(dict.fromkeys(edges))  # two variables naming one table are one arrow
    return graph


def add_findings(graph: Graph, project: Project, findings: Sequence[Finding], index: Index | None = None) -> None:
    """Mark each node with the findings about it (by logical ID, in its template or its code).

    Resources with findings that no function touches (a table nobody reads yet) are added to the
    resource column, so every finding about a resource has a node to be found from.
    """
    index = index or Index.of(project, findings)
    template_path = graph.template.path
    by_id: dict[str, Node] = {node.logical_id: node for node in graph.nodes if node.logical_id}
    owned_code = {node.logical_id: _code_paths(node.function) for node in graph.nodes if node.function}
    declared = index.declared.get(id(graph.template), {})
    # Only a finding naming one of the graph's nodes or the template's resources can mark a node.
    named = sorted({number for name in {*by_id, *declared} for number in index.mentions.get(name, ())})
    for number in named:
        finding = findings[number]
        for name in dict.fromkeys(n for n in (finding.function, finding.resource) if n):
            node = by_id.get(name)
            path = finding.span.path
            in_template = path == template_path
            in_code = node is not None and any(path == p or p in index.parents(path) for p in owned_code.get(name, ()))
            if node is None and in_template and name in declared:
                node = by_id[name] = graph.add(RESOURCE, name, declared[name][0], name, declared[name][1])
            if node is not None and (in_template or in_code) and number not in node.findings:
                node.findings.append(number)
                node.severities.append(finding.severity)


def _code_paths(function: Function | None) -> list[Path]:
    if function is None:
        return []
    paths = [function.template.path]
    if function.handler and function.handler.file:
        paths.append(function.handler.file)
    paths.extend(function.import_roots)
    return paths


# -- layout -------------------------------------------------------------------------------------------
def layout(graph: Graph) -> float:
    """Set every node's y; return the picture's height."""
    step = NODE_HEIGHT + ROW_GAP
    functions = graph.column(FUNCTION)
    for row, node in enumerate(functions):
        node.y = TOP + row * step
    by_anchor = {node.anchor: node for node in graph.nodes}
    neighbours: dict[str, list[float]] = {}
    for edge in graph.edges:
        source, target = by_anchor[edge.source], by_anchor[edge.target]
        if source.column != FUNCTION and target.column == FUNCTION:
            neighbours.setdefault(source.anchor, []).append(target.y)
        if target.column != FUNCTION and source.column == FUNCTION:
            neighbours.setdefault(target.anchor, []).append(source.y)
    for column in (TRIGGER, RESOURCE):
        wanted = []
        for order, node in enumerate(graph.column(column)):
            near = neighbours.get(node.anchor)
            wanted.append((sum(near) / len(near) if near else float("inf"), order, node))
        wanted.sort(key=lambda item: (item[0], item[1]))
        floor: float = TOP
        for desired, _, node in wanted:
            node.y = max(floor, desired if desired != float("inf") else floor)
            floor = node.y + step
    bottom = max((node.y for node in graph.nodes), default=TOP)
    return bottom + NODE_HEIGHT + MARGIN


def _x(column: str) -> float:
    return MARGIN + COLUMNS.index(column) * (NODE_WIDTH + COLUMN_GAP)


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARACTERS else label[: LABEL_CHARACTERS - 1] + "…"


def _edge_path(source: Node, target: Node) -> str:
    middle = NODE_HEIGHT / 2
    if COLUMNS.index(source.column) < COLUMNS.index(target.column):
        x1, x2 = _x(source.column) + NODE_WIDTH, _x(target.column)
    else:  # a function using a resource drawn on the trigger side: leave from its left edge
        x1, x2 = _x(source.column), _x(target.column) + NODE_WIDTH
    y1, y2 = source.y + middle, target.y + middle
    bend = (x2 - x1) / 2
    return f"M{x1:.1f},{y1:.1f} C{x1 + bend:.1f},{y1:.1f} {x2 - bend:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"


def _node(node: Node, titles: dict[int, str]) -> Markup:
    x = _x(node.column)
    worst = node.worst
    badge = None
    if node.findings:
        badge = el("g", el("circle", cx=x + NODE_WIDTH - 4, cy=node.y + 4, r=10, class_=f"badge {worst}"),
                   el("text", len(node.findings), x=x + NODE_WIDTH - 4, y=node.y + 8, class_="badge-count"))
    about = [f"{node.label} [{node.type}]", *(titles[index] for index in node.findings)]
    return el(
        "a",
        el("title", Markup(LINE_BREAK.join(escape(line) for line in about))),
        el("rect", x=x, y=node.y, width=NODE_WIDTH, height=NODE_HEIGHT, rx=6,
           class_=f"box {worst}" if worst else "box"),
        el("text", _short(node.label), x=x + 10, y=node.y + 19, class_="label"),
        badge,
        href=f"#{node.anchor}",
        class_=f"node {node.column}",
        data_node=node.anchor,
        data_findings=len(node.findings),
    )


def svg(graph: Graph, titles: dict[int, str], marker: str) -> Markup:
    """The picture: `titles` are the findings' one-line summaries by index, for the nodes' tooltips."""
    height = layout(graph)
    width = 2 * MARGIN + 3 * NODE_WIDTH + 2 * COLUMN_GAP
    by_anchor = {node.anchor: node for node in graph.nodes}
    headings = [el("text", name, x=_x(column) + 4, y=TOP - 10, class_="column-heading")
                for column, name in zip(COLUMNS, ("triggers", "functions", "resources used"), strict=True)]
    edges = [
        el("path", el("title", edge.label), d=_edge_path(by_anchor[edge.source], by_anchor[edge.target]),
           class_=f"edge {edge.kind}", data_from=edge.source, data_to=edge.target, marker_end=f"url(#{marker})")
        for edge in graph.edges
    ]
    arrow = el("defs", el("marker", el("path", d="M0,0 L8,4 L0,8 z", class_="arrow"), id=marker, viewBox="0 0 8 8",
                          refX=8, refY=4, markerWidth=7, markerHeight=7, orient="auto-start-reverse"))
    return el("svg", arrow, el("g", headings), el("g", edges, class_="edges"),
              el("g", [_node(node, titles) for node in graph.nodes], class_="nodes"),
              xmlns="http://www.w3.org/2000/svg", viewBox=f"0 0 {width:.0f} {height:.0f}",
              width=width, class_="model", role="img",
              aria_label=f"{len(graph.column(FUNCTION))} functions, their triggers and the resources they use")


def legend() -> Markup:
    return join(el("p", "Arrows: solid — invokes the function; dashed — the function is configured with the "
                   "resource (an environment variable refers to it). A badge counts a node's findings, coloured "
                   "by the worst; select a node to see them.", class_="legend"))
