"""Every template scalar knows where it is written: lines, columns and offsets, in YAML and in JSON."""

from __future__ import annotations

import json
import os
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# Small and reproducible for CI; WA_LINT_FUZZ_LONG=1 runs ten times as many, with fresh randomness.
LONG = os.environ.get("WA_LINT_FUZZ_LONG") == "1"
PROPERTIES = settings(max_examples=600 if LONG else 60, deadline=None, derandomize=not LONG,
                      suppress_health_check=[HealthCheck.too_slow])

from wa_lint.load.template.json_loader import load_json
from wa_lint.load.template.nodes import DictNode, ListNode, Pos
from wa_lint.load.template.yaml_loader import load_yaml


def spans(node: Any, pos: Pos) -> list[tuple[str, Any, Pos]]:
    """(kind, value, position) for the node and everything under it, keys included, in document order."""
    found = [("value", node, pos)]
    if isinstance(node, DictNode):
        for key in node:
            found.append(("key", key, node.key_pos(key)))
            found += spans(node[key], node.value_pos(key))
    elif isinstance(node, ListNode):
        for index, item in enumerate(node):
            found += spans(item, node.item_pos(index))
    return found


def line_column(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def assert_consistent(text: str, pos: Pos) -> None:
    """The two descriptions of a span, lines/columns and offsets, name the same places."""
    assert (pos.line, pos.column) == line_column(text, pos.start)
    assert (pos.end_line, pos.end_column) == line_column(text, pos.end)


YAML = (
    'Plain: text\r\nNumber: 128\r\nFloat: 1.5\r\nYes: true\r\nNothing: ~\r\nNil: null\r\nEmpty:\r\n'
    "Double: \"caf\u00e9 \U0001f600\"  # a comment\r\nSingle: 'it''s'\r\n"
    "Block: |\r\n  line one\r\n  line two  \r\n\r\n\r\nFolded: >-\r\n  folded\r\n"
    "Flow: [1, \"two\", false, null, {k: 3.0}]\r\nItems:\r\n  - 7\r\n  - x\r\n  -\r\n"
    "Multi: first\r\n  second\r\nTagged: !!int 12\r\n"
)
EXPECTED = {  # what each value's span covers, as written
    "Plain": "text", "Number": "128", "Float": "1.5", "Yes": "true", "Nothing": "~", "Nil": "null",
    "Double": '"caf\u00e9 \U0001f600"', "Single": "'it''s'",
    "Block": "|\r\n  line one\r\n  line two  ", "Folded": ">-\r\n  folded",
    "Flow": '[1, "two", false, null, {k: 3.0}]', "Multi": "first\r\n  second", "Tagged": "!!int 12",
}


def test_yaml_value_spans_cover_each_scalar_as_written() -> None:
    data, problems = load_yaml(YAML)
    assert problems == []
    for key, written in EXPECTED.items():
        pos = data.value_pos(key)
        assert YAML[pos.start : pos.end] == written, key
        assert_consistent(YAML, pos)
    assert data["Number"] == 128 and data["Yes"] is True and data["Nothing"] is None and data["Empty"] is None
    flow = data["Flow"]
    assert [YAML[flow.item_pos(i).start : flow.item_pos(i).end] for i in range(4)] == ["1", '"two"', "false", "null"]
    assert YAML[flow[4].value_pos("k").start : flow[4].value_pos("k").end] == "3.0"
    items = data["Items"]
    assert [YAML[items.item_pos(i).start : items.item_pos(i).end] for i in range(2)] == ["7", "x"]
    # Past the last non-blank line of a block scalar are blank lines, not the scalar.
    assert data.value_pos("Block").end_line == 12


def test_json_value_spans_cover_each_scalar_as_written() -> None:
    text = '{\r\n  "a": 1,\r\n  "b": [true, null, -2.5e3, "x\\"y"],\r\n  "c": {"d": false},\r\n  "e": "\u00e9"\r\n}'
    data, _ = load_json(text)
    written = {kind_value: text[pos.start : pos.end] for kind_value, pos in
               (((kind, json.dumps(value)), pos) for kind, value, pos in spans(data, data.pos))}
    assert written[("value", "1")] == "1" and written[("value", "null")] == "null"
    assert written[("value", "-2500.0")] == "-2.5e3" and written[("value", '"x\\"y"')] == '"x\\"y"'
    assert written[("value", "false")] == "false" and written[("key", '"d"')] == '"d"'
    for _, _, pos in spans(data, data.pos):
        assert_consistent(text, pos)


# -- one text through both loaders ----------------------------------------------------------------
# JSON is (nearly) YAML: the same text read by the YAML loader and by the JSON loader must put every
# key and value at the same line, column and offset. This is the check that JSON columns are 1-based.

_keys = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=6)
_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=8),
)
_documents = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(_keys, inner, max_size=4)), max_leaves=20)


@PROPERTIES
@given(st.dictionaries(_keys, _documents, min_size=1, max_size=4), st.sampled_from([None, 1, 2, 4]),
       st.booleans())
def test_yaml_and_json_loaders_agree_on_every_position(data: dict, indent: int | None, crlf: bool) -> None:
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    if crlf:
        text = text.replace("\n", "\r\n")
    as_json, _ = load_json(text)
    as_yaml, _ = load_yaml(text)
    json_spans = [(kind, pos) for kind, _, pos in spans(as_json, as_json.pos)]
    yaml_spans = [(kind, pos) for kind, _, pos in spans(as_yaml, as_yaml.pos)]
    assert json_spans == yaml_spans
    for kind, value, pos in spans(as_json, as_json.pos):
        assert json.loads(text[pos.start : pos.end]) == value, "a span is its value's JSON text"
        assert_consistent(text, pos)


@PROPERTIES
@given(st.dictionaries(st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8), _documents, min_size=1,
                      max_size=4),
       st.sampled_from([None, "'", '"']))
def test_every_yaml_scalar_span_reads_back_as_its_value(data: dict, style: str | None) -> None:
    text = yaml.safe_dump(data, default_flow_style=False, default_style=style, allow_unicode=True)
    loaded, _ = load_yaml(text)
    for kind, value, pos in spans(loaded, loaded.pos):
        assert_consistent(text, pos)
        if kind == "key" or not isinstance(value, (DictNode, ListNode)):
            assert yaml.safe_load(text[pos.start : pos.end]) == value, (kind, text[pos.start : pos.end])


# -- merge keys -----------------------------------------------------------------------------------

def test_explicit_keys_win_over_merge_keys_in_either_order() -> None:
    for document in ("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  x: 3\n", "base: &b {x: 1, y: 2}\nm:\n  x: 3\n  <<: *b\n"):
        data, problems = load_yaml(document)
        assert data["m"] == {"x": 3, "y": 2}, document
        assert problems == [], "an explicit key replacing a merged one is no duplicate"
        m = data["m"]
        assert document[m.value_pos("x").start : m.value_pos("x").end] == "3"
        assert m.key_pos("x").line == (4 if document.index("<<") < document.index("x: 3") else 3)
        assert document[m.value_pos("y").start : m.value_pos("y").end] == "2", "merged values keep their spans"


def test_a_real_duplicate_after_a_merge_is_still_reported() -> None:
    data, problems = load_yaml("base: &b {x: 1}\nm:\n  <<: *b\n  x: 2\n  x: 3\n")
    assert data["m"] == {"x": 3}
    assert [(p.pos.line, p.message) for p in problems] == [(5, "duplicate key 'x' (first at line 4); the last one wins")]


def test_earlier_merge_sources_win_over_later_ones() -> None:
    data, problems = load_yaml("a: &a {x: 1}\nb: &b {x: 2, y: 2}\nm:\n  <<: [*a, *b]\n")
    assert data["m"] == {"x": 1, "y": 2} and problems == []


# -- JSON and YAML twins ---------------------------------------------------------------------------

def test_json_findings_have_the_yaml_twins_lines_and_columns() -> None:
    """fixtures/PERF001-json-twin: one template in YAML and in JSON, each key and value at the same place."""
    from conftest import FIXTURES

    from wa_lint.config import load_config
    from wa_lint.pipeline import run

    root = FIXTURES / "PERF001-json-twin" / "bad"
    result = run([root], load_config(root / "wa-lint.toml").with_overrides(select=("PERF001",)))

    def places(suffix: str) -> list[tuple[Any, ...]]:
        return sorted(
            (f.resource, f.span.line, f.span.column, f.span.end_line, f.span.end_column,
             [(e.line, e.column, e.end_line, e.end_column, e.replacement)
              for fix in f.fixes for e in fix.edits])
            for f in result.findings if f.span.path.suffix == suffix)

    yaml_places, json_places = places(".yaml"), places(".json")
    assert [place[:3] for place in json_places] == [("Small", 3, 3), ("Tuned", 9, 3)]
    assert json_places == yaml_places
    assert json_places[1][5] == [(14, 21, 14, 25, "512")], "the fix replaces the MemorySize value"
