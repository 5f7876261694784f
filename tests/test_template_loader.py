"""Templates load into nodes with 1-based positions, long-form intrinsics, and SAM Globals merged."""

from __future__ import annotations

from pathlib import Path

import pytest

from wa_lint.link.linker import link_template
from wa_lint.load.template import yaml_loader
from wa_lint.load.template.document import NotATemplate, parse_template
from wa_lint.load.template.errors import TemplateError
from wa_lint.load.template.json_loader import load_json
from wa_lint.load.template.yaml_loader import load_yaml

SAM = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Mem:
    Type: Number
    Default: 768
Globals:
  Function:
    Runtime: python3.12
    MemorySize: 256
    Environment:
      Variables:
        SHARED: "1"
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Environment:
        Variables:
          TABLE: !Ref Table
          ARN: !GetAtt Table.Arn
          URL: !Sub "https://${Api}.execute-api.${AWS::Region}.amazonaws.com"
      Events:
        Get: {Type: Api, Properties: {Path: /, Method: get}}
        Queue: {Type: SQS, Properties: {Queue: !GetAtt Q.Arn}}
  Fn2:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      MemorySize: !Ref Mem
      FunctionUrlConfig: {AuthType: NONE}
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
  Q:
    Type: AWS::SQS::Queue
  Api:
    Type: AWS::Serverless::Api
    Properties: {StageName: prod}
"""


def test_short_tags_become_long_form() -> None:
    data, problems = load_yaml(
        "A: !Ref X\nB: !GetAtt R.Arn\nC: !Sub '${X}'\nD: !If [C, !Ref Y, !Join ['', [a, b]]]\n"
        "E: !Condition IsProd\nF: !Base64 abc\nG: !Select [0, !GetAZs '']\nH: !Not [!Equals [a, b]]\n"
        "I: !FindInMap [M, K, V]\nJ: !Split [',', 'a,b']\nK: !Cidr [x, 6, 5]\nL: !ImportValue Exported\n"
    )
    assert problems == []
    assert data["A"] == {"Ref": "X"}
    assert data["B"] == {"Fn::GetAtt": ["R", "Arn"]}
    assert data["C"] == {"Fn::Sub": "${X}"}
    assert data["D"] == {"Fn::If": ["C", {"Ref": "Y"}, {"Fn::Join": ["", ["a", "b"]]}]}
    assert data["E"] == {"Condition": "IsProd"}
    assert data["G"] == {"Fn::Select": [0, {"Fn::GetAZs": ""}]}
    assert data["H"] == {"Fn::Not": [{"Fn::Equals": ["a", "b"]}]}
    assert set(data) >= {"F", "I", "J", "K", "L"}
    assert data["L"] == {"Fn::ImportValue": "Exported"}


def test_positions_are_one_based_on_keys_values_and_mappings() -> None:
    data, _ = load_yaml("Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n")
    resources = data["Resources"]
    assert resources.key_pos("Fn").line == 2 and resources.key_pos("Fn").column == 3
    assert resources["Fn"]["Type"].pos.line == 3 and resources["Fn"]["Type"].pos.column == 11


def test_duplicate_keys_are_reported_with_both_lines() -> None:
    _, problems = load_yaml("a: 1\nb: 2\na: 3\n")
    assert [(p.pos.line, p.message) for p in problems] == [
        (3, "duplicate key 'a' (first at line 1); the last one wins")
    ]


def test_unknown_tags_and_python_tags_construct_nothing() -> None:
    data, _ = load_yaml("a: !!python/object/apply:os.system ['echo hacked']\nb: !Custom x\nc: 2024-01-01\n")
    assert isinstance(data["b"], str) and data["b"] == "x"
    assert data["c"] == "2024-01-01"  # timestamps stay text
    assert data["a"] == ["echo hacked"]


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for index in range(1, 9):
        previous, name = chr(ord("a") + index - 1), chr(ord("a") + index)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 10) + "]")
    with pytest.raises(TemplateError, match="aliases"):
        load_yaml("\n".join(lines) + "\n")


def test_a_tag_that_does_not_fit_its_text_keeps_the_text() -> None:
    data, problems = load_yaml("a: !!bool maybe\nb: !!int 0xZZ\nc: !!float abc\nd: !!bool yes\ne: !!int 12\n")
    assert data == {"a": "maybe", "b": "0xZZ", "c": "abc", "d": True, "e": 12}
    assert problems == [] and data["a"].pos.line == 1


@pytest.mark.parametrize("anchor", ["", "&x "])
def test_the_value_bound_counts_what_the_conversion_skips(monkeypatch: pytest.MonkeyPatch, anchor: str) -> None:
    # Without an anchor the conversion counts the values; an entry with a list for a key is skipped,
    # but its values count all the same, as they do in the walk made when there are aliases.
    monkeypatch.setattr(yaml_loader, "MAX_EXPANDED_VALUES", 12)
    small = f"a: {anchor}[1, 2]\n? [k]\n: [1, 2, 3]\n"
    assert load_yaml(small)[0] == {"a": [1, 2]}
    with pytest.raises(TemplateError, match="expands to more than 12 values"):
        load_yaml(f"a: {anchor}[1, 2]\n? [k]\n: [1, 2, 3, 4, 5, 6, 7]\n")


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    with pytest.raises(TemplateError, match="nesting"):
        load_yaml("a: " + "[" * 10_000 + "]" * 10_000 + "\n")
    with pytest.raises(TemplateError, match="nesting"):
        load_json("[" * 10_000 + "]" * 10_000)


def test_json_templates_keep_positions_and_duplicates() -> None:
    data, problems = load_json('{\n  "Resources": {\n    "Fn": {"Type": "AWS::Lambda::Function"},\n'
                               '    "Fn": {"Type": "AWS::SQS::Queue"}\n  }\n}\n')
    assert data["Resources"].key_pos("Fn").line == 4
    assert [p.pos.line for p in problems] == [4]
    with pytest.raises(TemplateError) as error:
        load_json('{"a": 1}\ngarbage')
    assert (error.value.line, error.value.column) == (2, 1)


def test_non_templates_are_recognised_by_content(tmp_path: Path) -> None:
    with pytest.raises(NotATemplate):
        parse_template(tmp_path / "ci.yml", "jobs:\n  test:\n    runs-on: ubuntu-latest\n")
    with pytest.raises(NotATemplate):
        parse_template(tmp_path / "package.json", '{"name": "x", "version": "1.0.0"}')
    template = parse_template(tmp_path / "stack.json", '{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}')
    assert template.resources["Q"]["Type"] == "AWS::SQS::Queue"


def test_link_merges_globals_and_resolves_references(tmp_path: Path) -> None:
    template = parse_template(tmp_path / "template.yaml", SAM)
    functions, tables, resources = link_template(template)
    fn, fn2 = functions
    assert fn.runtime == "python3.12"
    assert fn.memory is not None and fn.memory.value == 256 and fn.memory.source == "globals"
    assert fn.memory.span.line == 10, "a value from Globals points at the Globals line"
    assert fn2.memory is not None and fn2.memory.value == 768 and fn2.memory.parameter == "Mem"
    assert fn2.memory.source == "resource"
    assert set(fn.environment) == {"SHARED", "TABLE", "ARN", "URL"}
    assert fn.environment["TABLE"].target == "Table"
    assert fn.environment["ARN"].target == "Table"
    assert fn.environment["URL"].target == "Api"
    assert [(t.name, t.type, t.target) for t in fn.triggers] == [("Get", "Api", None), ("Queue", "SQS", "Q")]
    assert fn.has_synchronous_api_trigger and fn2.has_synchronous_api_trigger
    assert fn.code.kind == "local" and fn.code.root == tmp_path / "src"
    assert [t.logical_id for t in tables] == ["Table"] and tables[0].billing_mode == "PAY_PER_REQUEST"
    assert {r.logical_id for r in resources} == {"Q", "Api"}


def test_inline_code_maps_to_template_lines(tmp_path: Path) -> None:
    text = (
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Handler: index.handler\n"
        "      Code:\n        ZipFile: |\n          import boto3\n          def handler(event, context):\n"
        "              return 1\n"
    )
    template = parse_template(tmp_path / "t.yaml", text)
    (function,), _, _ = link_template(template)
    assert function.code.kind == "inline"
    assert function.code.inline_line == 8 and function.code.inline_column == 10
    assert function.code.inline.startswith("import boto3")


@pytest.mark.parametrize(
    ("properties", "kind"),
    [
        ("CodeUri: s3://bucket/key.zip", "s3"),
        ("CodeUri: {Bucket: b, Key: k}", "s3"),
        ("PackageType: Image\n      ImageUri: 123.dkr.ecr/x:latest", "image"),
        ("InlineCode: 'def handler(event, context): pass'", "inline"),
    ],
)
def test_code_locations(tmp_path: Path, properties: str, kind: str) -> None:
    text = (
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        f"    Properties:\n      Handler: app.handler\n      {properties}\n"
    )
    (function,), _, _ = link_template(parse_template(tmp_path / "t.yaml", text))
    assert function.code.kind == kind
