"""Template edits change one value's characters, or add one entry, and keep every other character."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# Small and reproducible for CI; WA_LINT_FUZZ_LONG=1 runs ten times as many, with fresh randomness.
LONG = os.environ.get("WA_LINT_FUZZ_LONG") == "1"
PROPERTIES = settings(max_examples=600 if LONG else 60, deadline=None, derandomize=not LONG,
                      suppress_health_check=[HealthCheck.too_slow])

from wa_lint.load.template.document import Template, decode, parse_template
from wa_lint.load.template.edit import (
    Proposal,
    apply_edits,
    check_together,
    insert_entry,
    propose_entry,
    propose_value,
    replace_value,
)
from wa_lint.report.findings import Edit

PROPS = ("Resources", "Fn", "Properties")

YAML = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      MemorySize: 128   # measured?
      Timeout: "30"
      Handler: 'index.handler'
      Layers: [arn:one, arn:two]
      Environment:
        Variables:
          TABLE: orders

  # The queue comes next.
  Queue:
    Type: AWS::SQS::Queue
"""


def template(text: str, name: str = "template.yaml") -> Template:
    return parse_template(Path(name), text)


def edited(text: str, edit: Edit | None, name: str = "template.yaml") -> str:
    assert edit is not None, "the edit was refused"
    return apply_edits(text, [edit])


def test_a_plain_number_is_replaced_and_nothing_else() -> None:
    edit = replace_value(template(YAML), (*PROPS, "MemorySize"), 512)
    assert edit is not None and YAML[edit.start : edit.end] == "128"
    assert (edit.line, edit.column, edit.end_line, edit.end_column) == (6, 19, 6, 22)
    assert edited(YAML, edit) == YAML.replace("MemorySize: 128 ", "MemorySize: 512 ")


def test_quoted_scalars_stay_quoted_in_their_own_style() -> None:
    assert edited(YAML, replace_value(template(YAML), (*PROPS, "Timeout"), 60)) == YAML.replace('"30"', '"60"')
    new = edited(YAML, replace_value(template(YAML), (*PROPS, "Handler"), "it's.handler"))
    assert "Handler: 'it''s.handler'\n" in new
    assert template(new).resources["Fn"]["Properties"]["Handler"] == "it's.handler"


def test_a_plain_string_that_would_read_as_something_else_is_quoted() -> None:
    for value, written in [("yes", '"yes"'), ("512", '"512"'), ("a: b", '"a: b"'), ("x #y", '"x #y"'), ("", '""')]:
        new = edited(YAML, replace_value(template(YAML), (*PROPS, "Environment", "Variables", "TABLE"), value))
        assert f"TABLE: {written}\n" in new, value
        assert template(new).resources["Fn"]["Properties"]["Environment"]["Variables"]["TABLE"] == value


def test_flow_sequence_items_are_replaced_in_place() -> None:
    new = edited(YAML, replace_value(template(YAML), (*PROPS, "Layers", 1), "arn, three"))
    assert 'Layers: [arn:one, "arn, three"]' in new


def test_refused_where_an_edit_is_not_safe() -> None:
    text = (
        "Parameters:\n  Size: {Type: Number, Default: &size 256}\nGlobals: &g\n  A: 1\n"
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n"
        "      Alias: *size\n      Block: |\n        text\n      Tagged: !!int 5\n      <<: *g\n"
        "      Ref: !Ref Size\n      Flow: {A: 1}\n"
    )
    loaded = template(text)
    for path in [("Parameters", "Size", "Default"), (*PROPS, "Alias"), (*PROPS, "Block"), (*PROPS, "Tagged"),
                 (*PROPS, "A"), (*PROPS, "Ref"), (*PROPS, "Missing"), (*PROPS, "Flow"), ()]:
        assert replace_value(loaded, path, 1) is None, path
    assert insert_entry(loaded, (*PROPS, "Flow"), "B", 2) is None, "flow-style mappings are not edited"
    assert insert_entry(loaded, PROPS, "Alias", 2) is None, "the key is there already"
    assert insert_entry(loaded, ("Globals",), "B", 2) is None, "an anchored mapping is shared"
    assert replace_value(loaded, (*PROPS, "Flow", "A"), float("nan")) is None


def test_an_entry_is_inserted_after_the_last_key_at_its_indentation() -> None:
    new = edited(YAML, insert_entry(template(YAML), PROPS, "Runtime", "python3.12"))
    assert new == YAML.replace("          TABLE: orders\n", "          TABLE: orders\n      Runtime: python3.12\n")
    queue = edited(YAML, insert_entry(template(YAML), ("Resources", "Queue"), "Properties", {"DelaySeconds": 5}))
    assert queue == YAML + "    Properties:\n      DelaySeconds: 5\n"


def test_comments_and_blank_lines_after_the_last_key_stay_where_they_are() -> None:
    text = "Resources:\n  Fn:\n    Type: AWS::X  # why\n\n    # a note for the next key\n\nOutputs: {}\n"
    new = edited(text, insert_entry(template(text), ("Resources", "Fn"), "Condition", "IsProd"))
    assert new == text.replace("AWS::X  # why\n", "AWS::X  # why\n    Condition: IsProd\n")


def test_a_mapping_in_a_sequence_item_gets_its_keys_indentation() -> None:
    text = "Resources:\n  Fn:\n    Type: AWS::X\n    Properties:\n      Items:\n        - Name: a\n          Size: 1\n"
    new = edited(text, insert_entry(template(text), (*PROPS, "Items", 0), "Extra", True))
    assert new.endswith("        - Name: a\n          Size: 1\n          Extra: true\n")


def test_block_scalar_as_the_last_value() -> None:
    text = "Resources:\n  Fn:\n    Type: AWS::X\n    Properties:\n      Code: |\n        def f(): pass\n\n  Q:\n    Type: AWS::Y\n"
    new = edited(text, insert_entry(template(text), PROPS, "Timeout", 3))
    assert new == text.replace("pass\n\n", "pass\n      Timeout: 3\n\n")
    kept = "Resources:\n  Fn:\n    Type: AWS::X\n    Properties:\n      Code: |+\n        x\n\n  Q:\n    Type: AWS::Y\n"
    assert insert_entry(template(kept), PROPS, "Timeout", 3) is None, "would cut the kept trailing line"


def test_last_values_that_end_on_a_later_line_or_run_on() -> None:
    # A flow sequence closed on a line of its own; a short-form tag over a block sequence (whose mark,
    # like a block mapping's, runs on to the next key).
    text = ("Resources:\n  Fn:\n    Type: AWS::X\n    Properties:\n      Layers:\n        [\n          !Ref L,\n"
            "        ]\n      Policy: !Join\n        - ''\n        - - a\n          - b\n\n  # next\n  Q:\n    Type: AWS::Y\n")
    new = edited(text, insert_entry(template(text), ("Resources", "Fn"), "Condition", "C"))
    assert new == text.replace("          - b\n", "          - b\n    Condition: C\n")
    new = edited(text, insert_entry(template(text), PROPS, "Timeout", 3))
    assert new == text.replace("          - b\n", "          - b\n      Timeout: 3\n")
    flow_last = text.replace("      Policy: !Join\n        - ''\n        - - a\n          - b\n", "")
    new = edited(flow_last, insert_entry(template(flow_last), PROPS, "Timeout", 3))
    assert new == flow_last.replace("        ]\n", "        ]\n      Timeout: 3\n")


def test_json_insertions_follow_the_objects_layout() -> None:
    text = ('{\n    "Resources": {\n        "Fn": {\n            "Type": "AWS::Lambda::Function",\n'
            '            "Properties": {"MemorySize": 128}\n        },\n        "Q": {}\n    }\n}\n')
    loaded = template(text, "t.json")
    multi = edited(text, insert_entry(loaded, ("Resources", "Fn"), "Condition", "IsProd"))
    assert '            "Properties": {"MemorySize": 128},\n            "Condition": "IsProd"\n        },' in multi
    single = edited(text, insert_entry(loaded, PROPS, "Timeout", 3))
    assert '"Properties": {"MemorySize": 128, "Timeout": 3}' in single
    empty = edited(text, insert_entry(loaded, ("Resources", "Q"), "Type", "AWS::SQS::Queue"))
    assert '        "Q": {\n            "Type": "AWS::SQS::Queue"\n        }\n' in empty
    minified = '{"AWSTemplateFormatVersion":"2010-09-09","Resources":{"Q":{}}}'
    assert edited(minified, insert_entry(template(minified, "m.json"), ("Resources", "Q"), "Type", "T")) == \
        minified.replace('{"Q":{}}', '{"Q":{"Type": "T"}}')
    assert edited(text, replace_value(loaded, (*PROPS, "MemorySize"), 512)) == text.replace("128", "512")


def test_an_entry_inserted_before_a_key_goes_above_its_comment_lines_and_keeps_blank_lines() -> None:
    queue_dlq = {"Type": "AWS::SQS::Queue"}
    new = edited(YAML, insert_entry(template(YAML), ("Resources",), "QueueDLQ", queue_dlq, before="Queue"))
    # The entries are separated by a blank line, so the new one is followed by one.
    assert new == YAML.replace("  # The queue comes next.\n",
                               "  QueueDLQ:\n    Type: AWS::SQS::Queue\n\n  # The queue comes next.\n")
    dense = "Resources:\n  A:\n    Type: AWS::X\n  B:\n    Type: AWS::Y\n"
    assert edited(dense, insert_entry(template(dense), ("Resources",), "N", {"Type": "AWS::Z"}, before="A")) == \
        "Resources:\n  N:\n    Type: AWS::Z\n  A:\n    Type: AWS::X\n  B:\n    Type: AWS::Y\n"
    assert insert_entry(template(YAML), ("Resources",), "N", {"Type": "Z"}, before="Missing") is None
    assert insert_entry(template(YAML), ("Resources",), "Queue", {"Type": "Z"}, before="Fn") is None  # taken


def test_json_entry_before_a_key_follows_the_files_indentation_or_stays_on_one_line() -> None:
    text = '{\n  "AWSTemplateFormatVersion": "2010-09-09",\n  "Resources": {\n    "Fn": {\n      "Type": "T"\n    }\n  }\n}\n'
    new = edited(text, insert_entry(template(text, "t.json"), ("Resources",), "G", {"Type": "U", "Properties": {"A": 1}},
                                    before="Fn"), "t.json")
    assert new == ('{\n  "AWSTemplateFormatVersion": "2010-09-09",\n  "Resources": {\n    "G": {\n      "Type": "U",\n      "Properties": {\n        "A": 1\n'
                   '      }\n    },\n    "Fn": {\n      "Type": "T"\n    }\n  }\n}\n')
    minified = '{"AWSTemplateFormatVersion":"2010-09-09","Resources":{"Q":{}}}'
    assert edited(minified, insert_entry(template(minified, "m.json"), ("Resources",), "D", {"Type": "T"}, before="Q")) \
        == minified.replace('{"Q":{}}', '{"D": {"Type": "T"}, "Q":{}}')


def test_crlf_and_bom_files_keep_their_line_endings(tmp_path: Path) -> None:
    raw = b"\xef\xbb\xbf" + YAML.replace("\n", "\r\n").encode()
    text = decode(raw)
    loaded = template(text)
    new = apply_edits(text, [replace_value(loaded, (*PROPS, "MemorySize"), 1024),  # type: ignore[list-item]
                             insert_entry(loaded, ("Resources", "Queue"), "Condition", "C")])  # type: ignore[list-item]
    assert new.count("\r\n") == new.count("\n") == YAML.count("\n") + 1
    assert (b"\xef\xbb\xbf" + new.encode()).startswith(b"\xef\xbb\xbf" + b'AWSTemplateFormatVersion')


def test_apply_edits_refuses_overlaps_and_other_files() -> None:
    path = Path("t.yaml")
    text = "abcdef"
    one, two = Edit.at(path, text, 1, 3, "X"), Edit.at(path, text, 2, 4, "Y")
    assert apply_edits(text, [Edit.at(path, text, 4, 6, "Z"), one]) == "aXdZ"
    for edits in ([one, two], [Edit.at(path, text, 2, 2, "a"), Edit.at(path, text, 2, 2, "b")],
                  [one, Edit.at(Path("u.yaml"), text, 4, 5, "")]):
        with pytest.raises(ValueError):
            apply_edits(text, edits)
    assert apply_edits(text, [Edit.at(path, text, 3, 3, "+"), Edit.at(path, text, 3, 4, "D")]) == "abc+Def"
    with pytest.raises(ValueError):
        Edit.at(path, text, 5, 9, "")
    with pytest.raises(ValueError):
        apply_edits("abc", [one, Edit.at(path, text, 4, 6, "")])


# -- properties: generated templates ---------------------------------------------------------------

# Not YAML's null spellings: as keys they are one key, "null".
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_WORDS = st.builds(str.__add__, st.sampled_from(_ALNUM[:52]), st.text(_ALNUM, max_size=7)).filter(
    lambda word: word.lower() != "null")
_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=10)
_VALUES = st.one_of(st.integers(0, 10**6), st.booleans(), _TEXT, _WORDS)
_STYLES = st.sampled_from(["plain", "double", "single"])


@st.composite
def yaml_templates(draw: st.DrawFn) -> tuple[str, dict[str, dict[str, Any]], dict[tuple[str, str], str]]:
    """A block-YAML template with random scalars, quoting, comments and blank lines; its data; each
    property's style."""
    resources = draw(st.dictionaries(_WORDS, st.dictionaries(_WORDS, _VALUES, min_size=1, max_size=5),
                                     min_size=1, max_size=3))
    lines, styles = ['AWSTemplateFormatVersion: "2010-09-09"', "Resources:"], {}
    for logical_id, properties in resources.items():
        if draw(st.booleans()):
            lines.append(draw(st.sampled_from(["", "  # a comment", "# at column one"])))
        lines += [f"  {logical_id}:", "    Type: AWS::Lambda::Function", "    Properties:"]
        for key, value in list(properties.items()):
            style = draw(_STYLES)
            written = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
            if style == "plain" and isinstance(value, str):
                style = "plain" if value and _reads_as_itself(value) else "double"
            if style == "double":
                written = json.dumps(written, ensure_ascii=False)
            elif style == "single":
                written = "'" + written.replace("'", "''") + "'"
            if style != "plain":
                properties[key] = json.dumps(value) if not isinstance(value, str) else value  # loads as text
            styles[(logical_id, key)] = style
            comment = draw(st.sampled_from(["", "  # note", "   "]))
            lines.append(f"      {key}: {written}{comment}")
        if draw(st.booleans()):
            lines.append(draw(st.sampled_from(["", "    # trailing comment", "  "])))
    return "\n".join(lines) + "\n", resources, styles


def _reads_as_itself(value: str) -> bool:
    import yaml

    try:
        return value.strip() == value and "\n" not in value and yaml.safe_load(f"k: [{value}]")["k"] == [value] \
            and yaml.safe_load(f"k: {value}")["k"] == value
    except yaml.YAMLError:
        return False


def same(got: Any, expected: Any) -> bool:
    """Equal and of the same kind: True == 1 in Python, not in a template."""
    if isinstance(expected, str):
        return isinstance(got, str) and got == expected
    return type(got) is type(expected) and got == expected


def _variants(text: str, crlf: bool, bom: bool) -> tuple[bytes, str]:
    if crlf:
        text = text.replace("\n", "\r\n")
    raw = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
    return raw, decode(raw)


def _check_unchanged_around(raw: bytes, text: str, edit: Edit, bom: bool) -> bytes:
    """The new file's bytes are the old ones with exactly the edited characters replaced."""
    new_text = apply_edits(text, [edit])
    new_raw = (b"\xef\xbb\xbf" if bom else b"") + new_text.encode("utf-8")
    prefix = len(b"\xef\xbb\xbf" if bom else b"") + len(text[: edit.start].encode())
    suffix = len(text[edit.end :].encode())
    assert new_raw[:prefix] == raw[:prefix]
    assert new_raw[len(new_raw) - suffix :] == raw[len(raw) - suffix :]
    if "\r\n" in text:
        assert edit.replacement.count("\n") == edit.replacement.count("\r\n"), "line endings kept"
    return new_raw


@PROPERTIES
@given(yaml_templates(), st.data(), st.booleans(), st.booleans())
def test_yaml_replacements_reload_to_the_new_value(generated, data, crlf: bool, bom: bool) -> None:
    source, resources, styles = generated
    raw, text = _variants(source, crlf, bom)
    loaded = template(text)
    logical_id = data.draw(st.sampled_from(sorted(resources)))
    key = data.draw(st.sampled_from(sorted(resources[logical_id])))
    value = data.draw(_VALUES)
    edit = replace_value(loaded, ("Resources", logical_id, "Properties", key), value)
    assert edit is not None
    assert loaded.resources[logical_id]["Properties"][key] == resources[logical_id][key]
    new_raw = _check_unchanged_around(raw, text, edit, bom)
    reloaded = template(decode(new_raw))
    expected = value if styles[(logical_id, key)] == "plain" else (
        value if isinstance(value, str) else json.dumps(value))
    assert same(reloaded.resources[logical_id]["Properties"][key], expected)
    assert {k: v for k, v in reloaded.resources.items() if k != logical_id} == \
        {k: v for k, v in loaded.resources.items() if k != logical_id}


@PROPERTIES
@given(yaml_templates(), st.data(), st.booleans(), st.booleans())
def test_yaml_insertions_reload_with_the_new_entry(generated, data, crlf: bool, bom: bool) -> None:
    source, resources, _ = generated
    raw, text = _variants(source, crlf, bom)
    loaded = template(text)
    logical_id = data.draw(st.sampled_from(sorted(resources)))
    # Into a mapping of scalars, one whose last value is a mapping, and the document root.
    path = data.draw(st.sampled_from([("Resources", logical_id, "Properties"), ("Resources", logical_id), ()]))
    target = at(loaded.data, path)
    key = data.draw(_WORDS.filter(lambda word: word not in target))
    value = data.draw(st.one_of(_VALUES, st.dictionaries(_WORDS, _VALUES, min_size=1, max_size=2)))
    edit = insert_entry(loaded, path, key, value)
    assert edit is not None and edit.start == edit.end
    reloaded = template(decode(_check_unchanged_around(raw, text, edit, bom)))
    assert at(reloaded.data, path) == {**target, key: value}
    assert same_except(reloaded.data, loaded.data, path)


def at(data: Any, path: tuple[str, ...]) -> Any:
    for step in path:
        data = data[step]
    return data


def same_except(new: dict[str, Any], old: dict[str, Any], path: tuple[str, ...]) -> bool:
    """Equal everywhere but in the mapping at `path` (which the caller checks)."""
    if not path:
        return True
    step = path[0]
    return new.keys() == old.keys() and all(new[k] == old[k] for k in old if k != step) and \
        same_except(new[step], old[step], path[1:])


@PROPERTIES
@given(st.dictionaries(_WORDS, st.dictionaries(_WORDS, _VALUES, max_size=4), min_size=1, max_size=3),
       st.sampled_from([None, 1, 2, 4, "\t"]), st.data(), st.booleans(), st.booleans())
def test_json_edits_reload_to_the_new_value(resources, indent, data, crlf: bool, bom: bool) -> None:
    document = {"AWSTemplateFormatVersion": "2010-09-09",
                "Resources": {name: {"Type": "AWS::Lambda::Function", "Properties": props}
                              for name, props in resources.items()}}
    raw, text = _variants(json.dumps(document, indent=indent, ensure_ascii=False), crlf, bom)
    loaded = template(text, "template.json")
    logical_id = data.draw(st.sampled_from(sorted(resources)))
    value = data.draw(_VALUES)
    properties = resources[logical_id]
    if properties and data.draw(st.booleans()):
        key = data.draw(st.sampled_from(sorted(properties)))
        edit = replace_value(loaded, ("Resources", logical_id, "Properties", key), value)
        expected = {**properties, key: value if not isinstance(properties[key], str) or isinstance(value, str)
                    else json.dumps(value)}
    else:
        key = data.draw(_WORDS.filter(lambda word: word not in properties))
        edit = insert_entry(loaded, ("Resources", logical_id, "Properties"), key, value)
        expected = {**properties, key: value}
    assert edit is not None
    reloaded = json.loads(decode(_check_unchanged_around(raw, text, edit, bom)))
    assert reloaded["Resources"][logical_id]["Properties"] == expected
    assert {k: v for k, v in reloaded["Resources"].items() if k != logical_id} == \
        {k: v for k, v in document["Resources"].items() if k != logical_id}


# -- checking many edits together -------------------------------------------------------------------

def _proposals(loaded: Template, resources: dict[str, dict[str, Any]], data: st.DataObject) -> list[Proposal]:
    """Replacements, insertions (some of one key at one place) and edits whose check must fail."""
    drawn: list[Proposal] = []
    for _ in range(data.draw(st.integers(1, 6))):
        logical_id = data.draw(st.sampled_from(sorted(resources)))
        kind = data.draw(st.sampled_from(["replace", "insert", "before", "wrong"]))
        if kind == "replace":
            key = data.draw(st.sampled_from(sorted(resources[logical_id])))
            proposal = propose_value(loaded, ("Resources", logical_id, "Properties", key), data.draw(_VALUES))
        elif kind == "before":
            proposal = propose_entry(loaded, ("Resources",), data.draw(st.sampled_from(["NewQueue", "Extra"])),
                                     {"Type": "AWS::SQS::Queue"}, before=logical_id)
        else:
            key = data.draw(st.sampled_from(["Tracing", "Timeout", "Layers"]))
            proposal = propose_entry(loaded, ("Resources", logical_id, "Properties"), key, data.draw(_VALUES))
            if proposal is not None and kind == "wrong":  # the edit loads, but not as what it claims
                proposal = Proposal(loaded, proposal.edit, proposal.path, "not what was written")
        if proposal is not None:
            drawn.append(proposal)
    return drawn


@PROPERTIES
@given(yaml_templates(), st.data())
def test_edits_checked_together_get_the_verdicts_they_get_alone(generated, data) -> None:
    source, resources, _ = generated
    loaded = template(source)
    proposals = _proposals(loaded, resources, data)
    assert check_together(proposals) == [proposal.checked() is not None for proposal in proposals]


def test_one_load_checks_edits_that_apply_together_and_a_clash_is_checked_edit_by_edit(monkeypatch) -> None:
    from wa_lint.load.template import edit as module

    loads: list[int] = []
    hold = module._hold
    monkeypatch.setattr(module, "_hold", lambda t, proposals: loads.append(len(proposals)) or hold(t, proposals))
    loaded = template(YAML)
    memory = propose_value(loaded, (*PROPS, "MemorySize"), 512)
    tracing = propose_entry(loaded, PROPS, "Tracing", "Active")
    timeout = propose_entry(loaded, PROPS, "Architectures", ["arm64"])  # where Tracing goes: the next round
    assert memory and tracing and timeout
    assert check_together([memory, tracing, timeout]) == [True, True, True] and loads == [2, 1]
    # The same new resource declared at two places: each edit is safe alone, not both at once.
    loads.clear()
    first = propose_entry(loaded, ("Resources",), "Topic", {"Type": "AWS::SNS::Topic"}, before="Queue")
    second = propose_entry(loaded, ("Resources",), "Topic", {"Type": "AWS::SNS::Topic"})
    wrong = Proposal(loaded, memory.edit, memory.path, 128)
    assert first and second and first.edit.start != second.edit.start
    assert check_together([first, second, wrong]) == [True, True, False] and loads == [3, 1, 1, 1]
