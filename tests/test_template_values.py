"""The values a template property can take at deploy time (check/template/_values.py)."""

from __future__ import annotations

from pathlib import Path

from wa_lint.check.template._values import MISSING, NO_VALUE, branches, branches_at, key_span, lookup, truthy
from wa_lint.link.linker import span
from wa_lint.load.template.document import parse_template

TEMPLATE = """\
Parameters:
  Mode:
    Type: String
    Default: PassThrough
  Free:
    Type: String
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      TracingConfig:
        Mode: !If [IsProd, Active, !Ref Mode]
      Literal: Active
      Unknown: !Ref Free
      Removed: !If [IsProd, !Ref AWS::NoValue, 3]
      Nested: !If [IsProd, {Mode: Active}, !Ref AWS::NoValue]
      Imported: !ImportValue Shared
"""


def properties():
    template = parse_template(Path("t.yaml"), TEMPLATE)
    return template, template.resources["Fn"]["Properties"]


def test_if_branches_and_parameter_defaults_are_expanded_with_notes() -> None:
    template, props = properties()
    found = [(b.value, b.note) for b in branches(template, props["TracingConfig"]["Mode"])]
    assert found == [
        ("Active", "when condition IsProd is true"),
        ("PassThrough", "when condition IsProd is false, from the default of parameter Mode"),
    ]


def test_literals_pass_through_and_unknown_parameters_yield_nothing() -> None:
    template, props = properties()
    assert [(b.value, b.note) for b in branches(template, props["Literal"])] == [("Active", None)]
    assert list(branches(template, props["Unknown"])) == []
    assert [b.value for b in branches(template, props["Removed"])] == [NO_VALUE, 3]


def test_truthy_lookup_and_key_span() -> None:
    assert truthy(True) and truthy("True") and truthy(" true") and not truthy("false") and not truthy(1)
    template, props = properties()
    assert lookup(props, "TracingConfig", "Mode") is props["TracingConfig"]["Mode"]
    assert lookup(props, "Literal", "Mode") is None and lookup(props, "Nope") is None
    fallback = span(template, template.resources.key_pos("Fn"))
    assert key_span(template, props, "Literal", fallback).line == 15
    assert key_span(template, props, "Absent", fallback) == fallback


def test_references_finds_every_ref_getatt_and_sub_name_inside_a_value() -> None:
    from wa_lint.check.template._values import references

    template = parse_template(Path("t.yaml"), """\
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt Dlq.Arn
        other: [!Ref Param, {"Fn::GetAtt": "Dotted.Arn"}]
      Text: !Sub '{"arn": "${Second.Arn}", "escaped": "${!NotOne}", "region": "${AWS::Region}"}'
      Pair: !Sub ['${Third}', {Unused: !Ref Fourth}]
""")
    props = template.resources["Queue"]["Properties"]
    assert references(props["RedrivePolicy"]) == {"Dlq", "Param", "Dotted"}
    assert references(props["Text"]) == {"Second"}
    assert references(props["Pair"]) == {"Third", "Fourth"}
    assert references("plain text") == set()


def test_resources_in_returns_one_templates_resources_of_the_types_asked() -> None:
    from wa_lint.check.template._values import resources_in
    from wa_lint.link.linker import link_template
    from wa_lint.link.model import Project

    text = "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n  T:\n    Type: AWS::SNS::Topic\n  R:\n    Type: AWS::SQS::Queue\n"
    first, second = parse_template(Path("a.yaml"), text), parse_template(Path("b.yaml"), text)
    project = Project(root=Path("."), templates=[first, second])
    for template in (first, second):
        project.resources.extend(link_template(template)[2])
    queues = resources_in(project, first, "AWS::SQS::Queue")
    assert [r.logical_id for r in queues] == ["Q", "R"] and all(r.template is first for r in queues)
    assert [r.logical_id for r in resources_in(project, second, "AWS::SNS::Topic", "AWS::SQS::Queue")] == ["T", "Q", "R"]
    assert resources_in(project, second, "AWS::Lambda::Permission") == []


def test_functions_in_returns_one_templates_functions() -> None:
    from wa_lint.check.template._values import functions_in
    from wa_lint.link.linker import link_template
    from wa_lint.link.model import Project

    text = "Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties: {Handler: a.b}\n"
    first, second = parse_template(Path("a.yaml"), text), parse_template(Path("b.yaml"), "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n")
    project = Project(root=Path("."), templates=[first, second], functions=link_template(first)[0])
    assert [f.logical_id for f in functions_in(project, first)] == ["F"]
    assert functions_in(project, second) == []


def test_branches_at_walks_keys_through_conditions_and_reports_unset_levels() -> None:
    template, props = properties()
    found = [(b.value, b.note) for b in branches_at(template, props, "TracingConfig", "Mode")]
    assert found == [
        ("Active", "when condition IsProd is true"),
        ("PassThrough", "when condition IsProd is false, from the default of parameter Mode"),
    ]
    nested = [(b.value, b.note) for b in branches_at(template, props, "Nested", "Mode")]
    assert nested == [("Active", "when condition IsProd is true"), (MISSING, "when condition IsProd is false")]
    assert [b.value for b in branches_at(template, props, "Absent", "Mode")] == [MISSING]
    assert [b.value for b in branches_at(template, props, "Literal", "Mode")] == []  # a string has no keys
    assert list(branches_at(template, props, "Imported", "Mode")) == []  # unknown until deploy: no guess
    assert list(branches_at(template, props, "Unknown")) == []
