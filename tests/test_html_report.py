"""The HTML report: its structure on the demo app (a golden of sections, nodes, edges and findings, not
bytes), escaping of hostile names, the graph's layout at 100 functions, and the page in a real browser."""

from __future__ import annotations

import io
import itertools
import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import FIXTURES, PINNED_RULES, REPO
from html_tree import Element, parse

from wa_lint.config import Config
from wa_lint.pipeline import RunResult, run
from wa_lint.report.findings import Span
from wa_lint.report.formats import get_reporter
from wa_lint.report.formats.html import CONTENT_SECURITY_POLICY, graph
from wa_lint.report.formats.html.markup import el, prose
from wa_lint.report.formats.html.source import Sources, diff

TUNING = FIXTURES / "PERF001-power-tuning" / "bad" / "tuning" / "execution-run-1.json"
# Module-scoped runs start before the autouse pin of the default rules, so they pin the rule set themselves.
DEMO_CONFIG = Config(power_tuning=(TUNING,), power_tuning_functions={TUNING: "GetOrderFunction"}, select=PINNED_RULES)
# Names that would run, load or break out of their element if they were not escaped.
HOSTILE_HTML = [
    "<script>window.__pwned=1</script>",
    '"><img src=x onerror="window.__pwned=2">',
    "</title></svg><script>window.__pwned=3</script>",
    "</style><style>body{display:none}</style>",
    "<a href='javascript:window.__pwned=4'>x</a>",
    "&lt;script&gt;already-escaped",
    "Evil\n<script>window.__pwned=5</script>",
]


def render(result: RunResult) -> str:
    out = io.StringIO()
    get_reporter("html")(result, out, False)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo() -> tuple[RunResult, str]:
    cwd = os.getcwd()
    os.chdir(REPO)  # paths in the report are relative to the current folder
    try:
        result = run([Path("fixtures/demo")], DEMO_CONFIG, use_cache=False)
        return result, render(result)
    finally:
        os.chdir(cwd)


def _nodes(document: Element) -> dict[str, Element]:
    return {node.attrs["data-node"]: node for node in document.find_all("a", "node")}


def _label(node: Element) -> str:
    return node.find("text", "label").text()


# -- the golden: structure of the demo's report --------------------------------------------------------
def test_demo_report_has_the_sections_in_order(demo) -> None:
    _, text = demo
    document = parse(text)
    sections = [section.attrs["id"] for section in document.find_all("section", "part")]
    assert sections == ["summary", "model", "tuning", "findings", "notes"]
    assert [a.attrs["href"] for a in document.find("nav").find_all("a")] == [f"#{s}" for s in sections]
    meta = document.find("meta", http_equiv="Content-Security-Policy")
    assert meta.attrs["content"] == CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY and "script-src" not in CONTENT_SECURITY_POLICY


def test_demo_model_nodes_and_edges(demo) -> None:
    _, text = demo
    document = parse(text)
    nodes = _nodes(document)
    columns = {(node.classes[1], _label(node)) for node in nodes.values()}
    assert columns == {
        ("trigger", "REST API (implicit)"), ("trigger", "Schedule: Nightly"),
        ("function", "GetOrderFunction"), ("function", "ListOrdersFunction"),
        ("function", "CreateOrderFunction"), ("function", "NightlyReportFunction"),
        ("resource", "OrdersTable"),
    }
    edges = {(_label(nodes[e.attrs["data-from"]]), _label(nodes[e.attrs["data-to"]]), e.classes[1])
             for e in document.find_all("path", "edge")}
    api, schedule, table = "REST API (implicit)", "Schedule: Nightly", "OrdersTable"
    assert edges == {
        (api, "GetOrderFunction", "trigger"), (api, "ListOrdersFunction", "trigger"),
        (api, "CreateOrderFunction", "trigger"), (schedule, "NightlyReportFunction", "trigger"),
        # ORDERS_TABLE comes from Globals, so every function is configured with the table.
        ("GetOrderFunction", table, "uses"), ("ListOrdersFunction", table, "uses"),
        ("CreateOrderFunction", table, "uses"), ("NightlyReportFunction", table, "uses"),
    }
    badges = {_label(node): int(node.attrs["data-findings"]) for node in nodes.values()}
    assert badges == {api: 0, schedule: 0, "GetOrderFunction": 2, "ListOrdersFunction": 0,
                      "CreateOrderFunction": 1, "NightlyReportFunction": 1, table: 1}
    # Each node links to its row, and the row lists the node's findings.
    for anchor, node in nodes.items():
        assert node.attrs["href"] == f"#{anchor}"
        row = document.by_id(anchor)
        listed = [a.attrs["href"] for a in row.find_all("a") if a.attrs["href"].startswith("#f")]
        assert len(listed) == badges[_label(node)], _label(node)
    assert document.find("rect", "box").parent is not None
    get_order = next(node for node in nodes.values() if _label(node) == "GetOrderFunction")
    assert "warning" in get_order.find("rect", "box").classes, "a node is coloured by its worst finding"


def test_demo_findings_each_with_source_lens_fix_and_model_link(demo) -> None:
    result, text = demo
    document = parse(text)
    cards = document.find_all("details", "finding")
    shown = [(card.attrs["data-code"], card.find("span", "loc").text()) for card in cards]
    assert shown == [
        ("SEC101", "fixtures/demo/src/orders/create_order.py:18:5"),
        ("PERF101", "fixtures/demo/src/orders/get_order.py:11:16"),
        ("PERF102", "fixtures/demo/src/reports/nightly.py:11:18"),
        ("PERF001", "fixtures/demo/template.yaml:26:3"),
        ("PERF201", "fixtures/demo/template.yaml:89:3"),
    ], "grouped by pillar then question, the most severe first, then by place"
    assert {card.attrs["id"] for card in cards} == {f"f{index}" for index in range(len(result.findings))}
    by_code = {card.attrs["data-code"]: card for card in cards}
    sec101 = by_code["SEC101"]
    assert sec101.find("mark").text() == 'last_customer["id"] = claims["sub"]', "the span's own characters"
    assert sec101.find("span", "hit").find("span", "ln").text() == "18"
    lens = sec101.find("p", "lens-ref")
    assert lens.find("a").attrs["href"] == result.findings[0].lens.url and lens.find("a").attrs["href"]
    assert "SEC 3" in lens.text()
    assert "keep per-request data in local variables" in sec101.find("div", "fix").text()
    assert [a.text() for a in sec101.find("p", "in-model").find_all("a")] == ["CreateOrderFunction"]
    assert "Cost optimization" in by_code["PERF001"].find("p", "also").text(), "the rule's other Lens mapping"
    # Code spans in messages are code: `last_customer[...]`.
    assert sec101.find("summary").find("div", "message").find("code").text() == "last_customer[...]"


def test_demo_summary_by_the_lens(demo) -> None:
    _, text = demo
    document = parse(text)
    table = document.find("table", "lens")
    rows = {row.attrs["data-question"]: int(row.attrs["data-findings"]) for row in table.find_all("tr", "question-row")}
    assert rows == {"OPS 1": 0, "SEC 3": 1, "PERF 1": 4, "COST 1": 0}
    pillars = [row.attrs["data-pillar"] for row in table.find_all("tr", "pillar")]
    assert pillars == ["Operational excellence", "Security", "Reliability", "Performance efficiency",
                       "Cost optimization"]
    assert "unchecked" in table.find("tr", data_pillar="Reliability").classes
    cost = table.find("tr", data_question="COST 1")
    assert "3 also mapped here" in cost.text(), "PERF001, PERF101 and PERF102 also serve COST 1"
    tiles = {tile.classes[1]: tile.find("span", "count").text() for tile in document.find_all("div", "tile")
             if len(tile.classes) > 1}
    assert tiles == {"error": "1", "warning": "3", "info": "1"}
    read = document.find("div", "read").text()
    assert "1 template" in read and "4 functions in the templates" in read and "6 Python files analysed" in read


def test_demo_power_tuning_chart(demo) -> None:
    _, text = demo
    document = parse(text)
    figure = document.by_id("tuning").find("figure", "tuning")
    assert figure.attrs["data-function"] == "GetOrderFunction"
    points = [point.attrs["data-memory"] for point in figure.find_all("g", "point")]
    assert points == ["512", "2048"]
    markers = {label.classes[1]: label.text() for label in figure.find_all("text", "marker-label")}
    assert markers == {"optimum": "optimum 2048 MB", "configured": "configured 128 MB"}
    assert len(figure.find_all("polyline", "series")) == 2  # duration and cost
    numbers = [[cell.text() for cell in row.find_all("td")] for row in figure.find("table").find("tbody").find_all("tr")]
    assert numbers == [["512 MB", "80.2 ms", "0.5 µ$", ""], ["2048 MB", "35.1 ms", "0.42 µ$", "optimum"]]
    # Next to the finding too, and reachable from the function's row.
    perf001 = document.find("details", "finding", data_code="PERF001")
    assert len(perf001.find("figure", "tuning").find_all("g", "point")) == 2
    assert any(a.attrs["href"] == f"#{figure.attrs['id']}" for a in document.find_all("a"))


def test_the_report_loads_nothing(demo) -> None:
    _, text = demo
    document = parse(text)
    assert not document.find_all("script") and not document.find_all("link") and not document.find_all("img")
    for element in document.iter():
        for name, value in element.attrs.items():
            assert not name.startswith("on"), element.tag
            if name in ("src", "srcset", "data", "action"):
                pytest.fail(f"<{element.tag} {name}=...> loads something")
            if name == "href":
                assert value.startswith(("#", "https://")), value
    style = document.find("style").text()
    assert "@import" not in style and "url(" not in style


# -- escaping ---------------------------------------------------------------------------------------------
def _hostile_project(root: Path) -> None:
    resources = "".join(f"  {_quoted(name)}:\n    Type: AWS::Serverless::Function\n    Properties:\n"
                        f"      Runtime: python3.12\n      CodeUri: src/\n      Handler: app.handler\n"
                        f"      Environment:\n        Variables:\n          {_quoted(name + 'Var')}: !Ref {_quoted('T' + str(n))}\n"
                        for n, name in enumerate(HOSTILE_HTML))
    tables = "".join(f"  {_quoted('T' + str(n))}:\n    Type: AWS::SQS::Queue\n" for n in range(len(HOSTILE_HTML)))
    (root / "template.yaml").write_text(
        'AWSTemplateFormatVersion: "2010-09-09"\nTransform: AWS::Serverless-2016-10-31\nResources:\n' + resources + tables)
    (root / "src").mkdir()
    # A finding whose source line carries markup too.
    (root / "src" / "app.py").write_text(
        'import boto3\n\n\ndef handler(event, context):\n'
        '    return boto3.client("s3")  # </code></pre><script>window.__pwned=6</script>\n')


def _quoted(text: str) -> str:
    import json

    return json.dumps(text)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("hostile-html")
    (root / ".git").mkdir()
    _hostile_project(root)
    # A file name that is markup.
    (root / "<img src=x onerror=1>.yaml").write_text(
        'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Fn:\n    Type: AWS::Lambda::Function\n')
    result = run([root], Config(select=("PERF001", "PERF101")), use_cache=False)
    # A PERF001 per function, the one PERF101 in the code they share, and the PERF001 of the odd file name.
    assert len(result.findings) == len(HOSTILE_HTML) + 2
    path = root / "report.html"
    path.write_text(render(result), encoding="utf-8")
    return path, path.read_text(encoding="utf-8")


def test_hostile_names_are_text_not_markup(hostile) -> None:
    _, text = hostile
    document = parse(text)
    tags = {element.tag for element in document.iter()}
    assert not tags & {"script", "img", "iframe", "object", "embed"}, tags
    assert len(document.find_all("style")) == 1
    assert not [name for element in document.iter() for name in element.attrs if name.startswith("on")]
    assert not [a for a in document.find_all("a") if a.attrs.get("href", "").startswith("javascript")]
    labels = {node.find("title").text().split(" [")[0] for node in document.find_all("a", "node")}
    for name in HOSTILE_HTML:
        assert name.replace("\n", " ⏎ ") in labels, name
    assert "&lt;script&gt;already-escaped" in labels, "text that looks escaped is shown as written"
    perf101 = document.find("details", "finding", data_code="PERF101")
    assert "</code></pre><script>window.__pwned=6</script>" in perf101.find("pre", "source").text()
    assert "<img src=x onerror=1>.yaml" in document.find("div", "read").text()


def test_hostile_corpus_report_is_escaped_and_complete(tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "tests" / "hostile"))
    try:
        from hostile_corpus import build
    finally:
        sys.path.remove(str(REPO / "tests" / "hostile"))
    root = build(tmp_path)
    result = run([root], Config(), use_cache=False)
    text = render(result)
    document = parse(text)
    assert not document.find_all("script")
    assert len(document.find_all("details", "finding")) == len(result.findings)
    notes = document.find("table", "notes").find("tbody").find_all("tr")
    assert len(notes) == len(result.diagnostics) > 0
    not_read = document.find("div", "read").text()
    assert "NoSuchModule" in not_read and "could not be read" in not_read


# -- pieces -----------------------------------------------------------------------------------------------
def test_markup_escapes_children_and_attributes() -> None:
    assert el("a", '<b>"x"</b>', href='"><x') == '<a href="&quot;&gt;&lt;x">&lt;b&gt;&quot;x&quot;&lt;/b&gt;</a>'
    assert el("p", "a\nb\x1b[2J") == "<p>a ⏎ b\\x1b[2J</p>"
    assert prose("use `a<b` here") == "use <code>a&lt;b</code> here"
    assert prose("odd ` backtick") == "odd ` backtick"


@pytest.fixture(scope="module")
def synth100(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from synth import generate
    finally:
        sys.path.remove(str(REPO / "bench"))
    root = generate(tmp_path_factory.mktemp("synth") / "app", 100)
    return run([root], Config(), use_cache=False)


def test_layout_of_100_functions_is_readable_and_deterministic(synth100: RunResult) -> None:
    result = synth100
    text = render(result)
    document = parse(text)
    pictures = document.find_all("svg", "model")
    assert len(pictures) == 2  # two services of 50
    functions = [node for picture in pictures for node in picture.find_all("a", "function")]
    assert len(functions) == 100 == len(result.project.functions)
    for picture in pictures:
        for column in ("trigger", "function", "resource"):
            ys = sorted(float(node.find("rect").attrs["y"]) for node in picture.find_all("a", column))
            assert all(b - a >= graph.NODE_HEIGHT for a, b in itertools.pairwise(ys)), f"{column} nodes overlap"
        height = float(picture.attrs["viewbox"].split()[3])
        assert height < 50 * (graph.NODE_HEIGHT + graph.ROW_GAP) + 100, "one row per function, no more"
    anchors = [node.attrs["data-node"] for node in document.find_all("a", "node")]
    assert len(anchors) == len(set(anchors))
    assert text == render(result), "the same run renders the same page"


def test_layout_spaces_nodes_that_want_the_same_row() -> None:
    picture = graph.Graph(SimpleNamespace(path=Path("t.yaml")), "n")  # type: ignore[arg-type]
    functions = [picture.add(graph.FUNCTION, f"F{n}", "AWS::Serverless::Function") for n in range(3)]
    tables = [picture.add(graph.RESOURCE, f"T{n}", "AWS::DynamoDB::Table") for n in range(5)]
    lone = picture.add(graph.TRIGGER, "Schedule: Nightly", "Schedule")
    picture.edges = [graph.Edge(functions[1].anchor, table.anchor, "uses", "X") for table in tables]
    graph.layout(picture)
    ys = [table.y for table in tables]
    assert ys == sorted(ys) and all(b - a >= graph.NODE_HEIGHT + graph.ROW_GAP for a, b in itertools.pairwise(ys))
    assert ys[0] == functions[1].y, "the first starts level with the function it is linked to"
    assert lone.y == graph.TOP, "a node without links goes to the top of its column"


def test_excerpt_marks_multi_line_ranges_and_clips_long_ones(tmp_path: Path) -> None:
    path = tmp_path / "x.py"
    path.write_text("".join(f"line{n}\n" for n in range(1, 41)))
    sources = Sources(SimpleNamespace(templates=[]))  # type: ignore[arg-type]
    excerpt = parse(sources.excerpt(Span(path, 3, 3, 4, 3)) or "")
    assert [m.text() for m in excerpt.find_all("mark")] == ["ne3", "li"]
    assert [line.find("span", "ln").text() for line in excerpt.find_all("span", "line")] == ["1", "2", "3", "4", "5", "6"]
    long = parse(sources.excerpt(Span(path, 5, 1, 35, 1)) or "")
    numbers = [line.find("span", "ln").text() for line in long.find_all("span", "line")]
    assert numbers[:2] == ["3", "4"] and "⋮" in numbers and numbers[-1] == "37" and len(numbers) <= 15
    assert sources.excerpt(Span(path, 99, 1, 99, 1)) is None


def test_a_fix_with_edits_shows_its_diff(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    text = "Resources:\n  Fn:\n    Properties:\n      MemorySize: 128\n"
    path.write_text(text)
    start = text.index("128")
    fix = SimpleNamespace(title="set MemorySize to 1024", applicability="safe",
                          edits=[SimpleNamespace(path=path, start=start, end=start + 3, replacement="1024")])
    shown = parse(diff(Sources(SimpleNamespace(templates=[])), fix) or "")  # type: ignore[arg-type]
    rows = {(line.classes[1], line.text()) for line in shown.find_all("span", "line")}
    assert ("del", "-      MemorySize: 128") in rows and ("add", "+      MemorySize: 1024") in rows
    overlapping = SimpleNamespace(edits=[*fix.edits, SimpleNamespace(path=path, start=start + 1, end=start + 2,
                                                                      replacement="x")])
    assert diff(Sources(SimpleNamespace(templates=[])), overlapping) is None  # type: ignore[arg-type]


def test_cli_writes_the_html_report_alongside_text(cli, tmp_path: Path) -> None:
    target = tmp_path / "review.html"
    done = cli(str(FIXTURES / "demo"), "--isolated", "--report", f"html:{target}")
    assert done.exit_code == 1 and "PERF001" in done.output
    assert len(parse(target.read_text(encoding="utf-8")).find_all("details", "finding")) == 5


# -- in a real browser ------------------------------------------------------------------------------------
def _chromium() -> str:
    from browser import find_chromium

    found = find_chromium()
    if found is None:
        pytest.skip("no Chromium on this machine (.ci/run installs Debian's chromium package)")
    return found


def _screenshot_dir(tmp_path: Path) -> Path:
    # WA_LINT_SCREENSHOTS=folder keeps the screenshots for a person to look at.
    kept = os.environ.get("WA_LINT_SCREENSHOTS")
    return Path(kept) if kept else tmp_path


def test_demo_report_in_chromium(demo, tmp_path: Path) -> None:
    from browser import Browser

    result, text = demo
    path = tmp_path / "review.html"
    path.write_text(text, encoding="utf-8")
    with Browser(_chromium()) as browser:
        browser.open(path.as_uri())
        ids = browser.evaluate("[...document.querySelectorAll('details.finding')].map(e => e.id)")
        assert sorted(ids) == sorted(f"f{index}" for index in range(len(result.findings)))
        functions = browser.evaluate("[...document.querySelectorAll('svg.model a.node.function text.label')]"
                                     ".map(e => e.textContent)")
        assert sorted(functions) == sorted(f.logical_id for f in result.project.functions)
        assert browser.evaluate("document.querySelectorAll('figure.tuning[id] g.point').length") == 2
        # Every node's link has a target, and the picture is laid out (not collapsed to nothing).
        assert browser.evaluate("[...document.querySelectorAll('a.node')].every("
                                "a => document.getElementById(a.getAttribute('href').slice(1)))")
        box = browser.evaluate("(r => [r.width, r.height])(document.querySelector('svg.model').getBoundingClientRect())")
        assert box[0] > 600 and box[1] > 150
        assert browser.evaluate("document.documentElement.scrollWidth") <= 1280, "no sideways scrolling"
        # Following a node's link shows its row (a plain anchor: no script).
        browser.call("Page.navigate", {"url": path.as_uri() + "#n0-2"})
        assert browser.evaluate("document.querySelector(':target') && document.querySelector(':target').id") == "n0-2"
        browser.screenshot(_screenshot_dir(tmp_path) / "demo-report.png")
        assert browser.problems() == []
        assert browser.requests() == [path.as_uri()], "the report loads nothing but itself"
    assert (_screenshot_dir(tmp_path) / "demo-report.png").stat().st_size > 10_000


def test_links_show_folded_findings_and_nodes_in_chromium(synth100: RunResult, tmp_path: Path, monkeypatch) -> None:
    from browser import Browser

    from wa_lint.report.formats.html import document as page

    # Over 30 findings start folded; so do the templates when there are many (here: over one).
    monkeypatch.setattr(page, "MOST_OPEN_TEMPLATES", 1)
    assert len(synth100.findings) > page.MOST_OPEN_FINDINGS
    path = tmp_path / "review.html"
    path.write_text(render(synth100), encoding="utf-8")
    document = parse(path.read_text(encoding="utf-8"))
    assert not [d for d in document.find_all("details") if d.attrs.get("open") is not None and
                ("finding" in d.classes or "template" in d.classes)]
    node = document.find_all("tr", "node-row")[-1].attrs["id"]
    shown = "(e => e.checkVisibility())(document.querySelector('#{}'))"
    with Browser(_chromium()) as browser:
        browser.open(path.as_uri())
        assert not browser.evaluate(shown.format("f7 .body")) and not browser.evaluate(shown.format(node))
        for anchor, element in (("f7", "f7 .body"), (node, node)):
            browser.call("Page.navigate", {"url": f"{path.as_uri()}#{anchor}"})
            assert browser.evaluate(shown.format(element)), f"#{anchor} is not shown"
        browser.screenshot(_screenshot_dir(tmp_path) / "synth-100.png")
        assert browser.problems() == [] and browser.requests() == [path.as_uri()]


def test_hostile_report_runs_no_script_in_chromium(hostile) -> None:
    from browser import Browser

    path, _ = hostile
    with Browser(_chromium()) as browser:
        browser.open(path.as_uri())
        assert browser.evaluate("typeof window.__pwned") == "undefined"
        assert browser.evaluate("document.scripts.length") == 0
        assert browser.evaluate("document.querySelectorAll('img, iframe, object, embed').length") == 0
        assert browser.evaluate("[...document.querySelectorAll('*')].filter(e => [...e.attributes]"
                                ".some(a => a.name.startsWith('on'))).length") == 0
        assert browser.evaluate("getComputedStyle(document.body).display") == "block"
        assert "<script>window.__pwned=1</script>" in browser.evaluate("document.body.textContent")
        assert browser.problems() == [], "a CSP violation means markup got through"
        assert browser.requests() == [path.as_uri()]

