"""Property-based: arbitrary and mutated templates and Python source never raise out of the public
entry points (template loading + linking, decoding + module_facts, the whole engine).

The budget is small for CI; WA_LINT_FUZZ_LONG=1 raises it a hundredfold (see fuzz/README.md for the
coverage-guided harnesses).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import yaml
from conftest import FIXTURES
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from wa_lint.analyse.python.facts import module_facts
from wa_lint.analyse.python.parse import ParseFailure
from wa_lint.analyse.python.source import SourceError, decode_python
from wa_lint.config import Config
from wa_lint.link.linker import link_template
from wa_lint.load.template.document import JinjaSource, NotATemplate, decode, parse_template
from wa_lint.load.template.errors import TemplateError
from wa_lint.pipeline import run

LONG = os.environ.get("WA_LINT_FUZZ_LONG") == "1"
FUZZ = settings(max_examples=4000 if LONG else 40, deadline=None, derandomize=not LONG,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

SEED_TEMPLATES = [p.read_text(encoding="utf-8") for p in sorted(FIXTURES.rglob("template.yaml"))]
SEED_PYTHON = [p.read_text(encoding="utf-8") for p in sorted((FIXTURES / "demo").rglob("*.py")) if p.stat().st_size]
INTRINSICS = ["Ref", "Fn::GetAtt", "Fn::Sub", "Fn::If", "Fn::Join", "Condition", "Fn::ImportValue"]
KEYS = ["Type", "Properties", "Handler", "CodeUri", "Runtime", "MemorySize", "Timeout", "Events", "Environment",
        "Variables", "Layers", "InlineCode", "Code", "ZipFile", "PackageType", "Globals", "Function", "Metadata",
        "Queue", "FunctionName", "TargetFunctionArn", "ContentUri", "Default", "Parameters"]
TYPES = ["AWS::Serverless::Function", "AWS::Lambda::Function", "AWS::DynamoDB::Table", "AWS::Serverless::LayerVersion",
         "AWS::Lambda::EventSourceMapping", "AWS::Lambda::Url", "AWS::Lambda::Permission", "AWS::DAX::Cluster"]

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20),
                    st.sampled_from(TYPES + KEYS + ["app.handler", "src/", ".", "..", "/etc", "python3.12", "s3://b/k"]))
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS + INTRINSICS), st.text(max_size=8)), inner, max_size=5),
    ),
    max_leaves=30,
)
resources = st.dictionaries(
    st.text(min_size=1, max_size=10),
    st.one_of(values, st.fixed_dictionaries({"Type": st.sampled_from(TYPES)}, optional={"Properties": values})),
    max_size=5,
)
templates = st.fixed_dictionaries(
    {"AWSTemplateFormatVersion": st.just("2010-09-09"), "Resources": st.one_of(resources, values)},
    optional={"Transform": st.sampled_from(["AWS::Serverless-2016-10-31", 3]), "Globals": values,
              "Parameters": values},
)


@st.composite
def mutated(draw: st.DrawFn, seeds: list[str]) -> str:
    """A real file with a few random insertions, deletions and replacements."""
    text = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(0, 6))):
        where = draw(st.integers(0, len(text)))
        insert = draw(st.one_of(st.text(max_size=6), st.sampled_from(
            ["\n", "\t", ":", "- ", "{", "[", "(", "!Ref ", "&a ", "*a", "<<: ", '"', "'", "\\", "\x00", "\ufeff",
             "{{ cookiecutter.x }}", "def ", "lambda: ", "f\"{", "\r\n", "    ", "#", "% "])))
        cut = draw(st.integers(0, 8))
        text = text[:where] + insert + text[where + cut:]
    return text


def _load_and_link(text: str, name: str = "template.yaml") -> None:
    try:
        template = parse_template(Path(name), text)
    except (NotATemplate, JinjaSource, TemplateError):
        return
    link_template(template)


@FUZZ
@given(templates, st.sampled_from(["yaml", "json"]))
# Found by the long run: an unhashable Type next to Globals crashed the Globals fan-out bound.
@example({"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"0": {"Type": []}}, "Globals": {}}, "yaml")
def test_generated_templates_load_and_link(document: dict, form: str) -> None:
    if form == "json":
        text = json.dumps(document, allow_nan=True)
    else:
        text = yaml.safe_dump(document, allow_unicode=True)
    _load_and_link(text, f"template.{form}")


@FUZZ
@given(mutated(SEED_TEMPLATES))
def test_mutated_templates_load_and_link(text: str) -> None:
    _load_and_link(text)


@FUZZ
@given(st.binary(max_size=300))
def test_arbitrary_bytes_as_a_template(raw: bytes) -> None:
    try:
        text = decode(raw)
    except TemplateError:
        return
    _load_and_link(text)
    _load_and_link(text, "template.json")


@FUZZ
@given(st.one_of(mutated(SEED_PYTHON), st.text(max_size=200)))
def test_mutated_python_is_facts_or_a_parse_failure(text: str) -> None:
    try:
        module_facts(text, Path("app.py"))
    except ParseFailure:
        pass


@FUZZ
@given(st.binary(max_size=300))
def test_arbitrary_bytes_as_python(raw: bytes) -> None:
    try:
        module_facts(decode_python(raw), Path("app.py"))
    except (SourceError, ParseFailure):
        pass


@settings(FUZZ, max_examples=400 if LONG else 8, suppress_health_check=list(HealthCheck))
@given(templates, mutated(SEED_PYTHON))
def test_whole_engine_on_a_generated_project(document: dict, handler: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / ".git").mkdir()
        (root / "template.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
        for name in ("app.py", "src/app.py"):
            (root / name).parent.mkdir(exist_ok=True)
            (root / name).write_text(handler, encoding="utf-8", errors="surrogatepass")
        result = run([root], Config(select=("ALL",)))
    assert not [f for f in result.findings if f.code == "WA002"], [f.message for f in result.findings]
