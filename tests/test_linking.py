"""Discovery and linking: which files are read, and how handlers are found."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from conftest import SAM_FUNCTION

from wa_lint.check import registry
from wa_lint.config import Config
from wa_lint.pipeline import run


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def entries(result) -> set[tuple[str, str, str | None]]:
    root = result.project.root
    return {
        (e.facts.path.relative_to(root).as_posix(), e.qualname, e.function.logical_id if e.function else None)
        for e in result.project.entries
    }


def test_dotted_slashed_class_and_instance_handlers(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    cases = {
        "a": ("pkg.mod.lambda_handler", {"a/pkg/__init__.py": "", "a/pkg/mod.py": "def lambda_handler(e, c): ..."}),
        "b": ("handlers/app.handler", {"b/handlers/app.py": "def handler(event, context): ..."}),
        "c": ("app.Handler.handle", {"c/app.py": "class Handler:\n    def handle(self, event, context): ...\n"}),
        "d": ("app.handler", {"d/app.py": "class H:\n    def __call__(self, event, context): ...\nhandler = H()\n"}),
    }
    for folder, (handler, files) in cases.items():
        write(tmp_path, files)
        write(tmp_path, {f"{folder}/template.yaml": SAM_FUNCTION.format(code_uri=".", handler=handler)})
    result = run([tmp_path], Config())
    assert entries(result) == {
        ("a/pkg/mod.py", "lambda_handler", "Fn"),
        ("b/handlers/app.py", "handler", "Fn"),
        ("c/app.py", "Handler.handle", "Fn"),
        ("d/app.py", "H.__call__", "Fn"),
    }


def test_missing_handler_is_reported_in_the_model_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path, {"template.yaml": SAM_FUNCTION.format(code_uri="src/", handler="nope.handler")})
    result = run([tmp_path], Config())
    (function,) = result.project.functions
    assert function.handler.problem.startswith("handler module 'nope' not found")
    assert result.project.entries == []


def test_handlers_found_by_signature_without_templates(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path, {
        "lambdas/orders.py": "def lambda_handler(event, context):\n    return 1\n",
        "lambdas/billing.py": "def charge_handler(event, _context):\n    return 1\n",
        "lambdas/notify.py": "def handler(evt, ctx):\n    return 1\n",
        "lambdas/helpers.py": "def handler(request):\n    return 1\n",
        "scripts/tool.py": "if __name__ == '__main__':\n    def handler(event, context): ...\n",
        "tests/test_orders.py": "def lambda_handler(event, context): ...\n",
        "lambdas/test_thing.py": "def lambda_handler(event, context): ...\n",
        "lambdas/nested.py": "def outer():\n    def handler(event, context): ...\n",
    })
    assert entries(run([tmp_path], Config())) == {
        ("lambdas/orders.py", "lambda_handler", None),
        ("lambdas/billing.py", "charge_handler", None),
        ("lambdas/notify.py", "handler", None),
    }
    custom = run([tmp_path], Config(handler_patterns=("charge_*",)))
    assert entries(custom) == {("lambdas/billing.py", "charge_handler", None)}


def test_default_excludes_gitignore_and_cdk_out(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    template = SAM_FUNCTION.format(code_uri="src/", handler="app.handler").replace("MemorySize: 256\n", "")
    write(tmp_path, {
        "template.yaml": template,
        "src/app.py": "def handler(event, context): ...\n",
        ".aws-sam/build/template.yaml": template,
        "node_modules/x/template.yaml": template,
        "ignored/template.yaml": template,
        ".gitignore": "ignored/\n",
        "cdk.out/Stack.template.json": '{"Resources": {"CdkFn": {"Type": "AWS::Lambda::Function", '
                                       '"Properties": {"Handler": "index.handler", "Runtime": "python3.12"}}}}',
    })
    result = run([tmp_path], Config())
    paths = sorted(f.span.path.relative_to(tmp_path).as_posix() for f in result.findings)
    assert paths == ["cdk.out/Stack.template.json", "template.yaml"]
    excluded = run([tmp_path], Config(extend_exclude=("cdk.out/",)))
    assert [f.span.path.name for f in excluded.findings] == ["template.yaml"]


def test_explicit_files_and_force_exclude(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path, {"gen/template.yaml": "Resources:\n  F:\n    Type: AWS::Lambda::Function\n"})
    target = tmp_path / "gen" / "template.yaml"
    assert len(run([target], Config(exclude=("gen/",))).findings) == 1
    from wa_lint.pipeline import Run

    assert Run([target], Config(exclude=("gen/",)), force_exclude=True).execute().findings == []


def test_a_failing_rule_becomes_wa002_and_the_run_goes_on(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path, {"template.yaml": "Resources:\n  A:\n    Type: AWS::Lambda::Function\n"
                                      "  B:\n    Type: AWS::Lambda::Function\n"})

    def exploding(function, project, options):
        if function.logical_id == "A":
            raise KeyError("Properties")
        yield from real(function, project, options)

    real = registry.checks()["PERF001"]
    exploding.subject = "function"
    monkeypatch.setitem(registry.checks(), "PERF001", exploding)
    result = run([tmp_path], Config())
    assert [(f.code, f.resource, f.span.line) for f in result.findings] == [("WA002", "A", 2), ("PERF001", "B", 4)]
    (internal,) = [f for f in result.findings if f.code == "WA002"]
    assert internal.message == "rule PERF001 failed: KeyError: 'Properties'"


def test_vendored_trees_are_not_walked_but_imported_local_code_is_read(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path, {
        "template.yaml": SAM_FUNCTION.format(code_uri="src/", handler="app.handler"),
        "src/app.py": "import vendored_helper\n\ndef handler(event, context):\n    return 1\n",
        "src/vendored_helper.py": "X = 1\n",
        "src/requests-2.0.dist-info/METADATA": "Name: requests\n",
        "src/requests/__init__.py": "def lambda_handler(event, context): ...\n",
        "layer/python/lib/python3.12/site-packages/lib/handler.py": "def handler(event, context): ...\n",
    })
    result = run([tmp_path], Config())
    analysed = sorted(p.relative_to(tmp_path).as_posix() for p in result.project.modules)
    assert analysed == ["src/app.py", "src/vendored_helper.py"]
    assert [e.function.logical_id for e in result.project.entries if e.function] == ["Fn"]
    assert all(e.function for e in result.project.entries), "no handler found by signature in vendored code"


def test_nested_gitignore_negation_overrides_the_parent(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    template = "Resources:\n  F:\n    Type: AWS::Lambda::Function\n"
    write(tmp_path, {
        ".gitignore": "*.yaml\n",
        "keep/.gitignore": "!stack.yaml\n",
        "keep/stack.yaml": template,
        "keep/other.yaml": template,
        "drop.yaml": template,
    })
    result = run([tmp_path], Config())
    assert [f.span.path.relative_to(tmp_path).as_posix() for f in result.findings] == ["keep/stack.yaml"]


def test_third_party_packages_installed_into_a_layer_are_not_followed(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    template = SAM_FUNCTION.format(code_uri="src/", handler="app.handler") + (
        "      Layers: [!Ref Deps]\n  Deps:\n    Type: AWS::Serverless::LayerVersion\n"
        "    Properties:\n      ContentUri: deps/\n"
    )
    write(tmp_path, {
        "template.yaml": template,
        "src/app.py": "import pika\nimport shared\n\ndef handler(event, context):\n    return 1\n",
        "deps/python/shared.py": "X = 1\n",
        "deps/python/pika/__init__.py": "from pika.connection import Connection\n",
        "deps/python/pika/connection.py": "class Connection: ...\n",
        "deps/python/pika-1.3.2.dist-info/RECORD": "pika/__init__.py,sha256=x,10\npika/connection.py,sha256=y,20\n",
        "deps/python/PyMySQL/__init__.py": "X = 1\n",
        "deps/requirements.txt": "# pinned\nPyMySQL==1.1.0 ; python_version >= '3.8'\n-r other.txt\n",
    })
    (tmp_path / "src/app.py").write_text("import pika\nimport shared\nimport PyMySQL\n\ndef handler(event, context):\n    return 1\n")
    result = run([tmp_path], Config())
    analysed = sorted(p.relative_to(tmp_path).as_posix() for p in result.project.modules)
    assert analysed == ["deps/python/shared.py", "src/app.py"]


@pytest.mark.parametrize(("layers", "linked"), [
    ('      Layers: ["{{resolve:ssm:/shared/LatestLayer}}"]\n', True),  # built elsewhere from lib/python
    ("      Layers: [arn:aws:lambda:eu-west-1:123456789012:layer:shared:3]\n", True),
    ("", False),  # no layer: the package is not on the function's path
])
def test_a_layer_built_elsewhere_is_looked_for_in_the_projects_python_folders(tmp_path: Path, layers: str,
                                                                             linked: bool) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path, {
        "template.yaml": SAM_FUNCTION.format(code_uri="src/", handler="app.handler") + layers,
        "src/app.py": "from shared.store import Store\n\ndef handler(event, context):\n    return Store().get(event)\n",
        "src/helpers.py": "X = 1\n",
        "lib/python/shared/__init__.py": "",
        "lib/python/shared/store.py": "import boto3\n\nclass Store:\n    def __init__(self):\n"
                                      "        self.client = boto3.client('dynamodb')\n\n"
                                      "    def get(self, event):\n        return event\n",
    })
    result = run([tmp_path], Config(select=("PERF101",)), use_cache=False)
    assert [(f.span.path.relative_to(tmp_path).as_posix(), f.span.line) for f in result.findings] == (
        [("lib/python/shared/store.py", 5)] if linked else [])


def test_inline_functions_with_the_same_logical_id_in_two_templates_keep_their_own_code(tmp_path: Path) -> None:
    inline = """\
    Resources:
      Fn:
        Type: AWS::Lambda::Function
        Properties:
          Runtime: python3.12
          MemorySize: 512
          Handler: index.handler
          Code:
            ZipFile: |
              import boto3
              def handler(event, context):
                  {body}
    """
    write(tmp_path, {
        "a/template.yaml": inline.format(body="return boto3.client('s3').list_buckets()"),
        "b/template.yaml": inline.format(body="return event"),
    })
    result = run([tmp_path], Config())
    assert {(f.code, f.span.path.parent.name) for f in result.findings} == {("PERF101", "a")}
    assert {path.parent.name for path, _ in result.project.inline_modules} == {"a", "b"}


def _linked(tmp_path: Path, text: str):
    from wa_lint.link.linker import link_template
    from wa_lint.load.template.document import parse_template

    path = tmp_path / "template.yaml"
    path.write_text(textwrap.dedent(text))
    return link_template(parse_template(path, path.read_text()))


def test_sam_globals_lists_concatenate_maps_merge_and_local_primitives_win(tmp_path: Path) -> None:
    functions, _, _ = _linked(tmp_path, """\
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function:
            Runtime: python3.11
            MemorySize: 512
            Layers: [!Ref SharedLayer]
            Environment: {Variables: {SHARED: "1", BOTH: global}}
        Resources:
          SharedLayer: {Type: AWS::Serverless::LayerVersion, Properties: {ContentUri: shared/}}
          OwnLayer: {Type: AWS::Serverless::LayerVersion, Properties: {ContentUri: own/}}
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.handler
              Runtime: python3.12
              Layers: [!Ref OwnLayer]
              Environment: {Variables: {OWN: "2", BOTH: local}}
        """)
    (function,) = functions
    assert function.layers == ["SharedLayer", "OwnLayer"], "SAM puts the global layers first, then the function's"
    assert function.runtime == "python3.12"
    assert function.memory is not None and function.memory.value == 512 and function.memory.source == "globals"
    assert {name: var.value for name, var in function.environment.items()} == {
        "SHARED": "1", "BOTH": "local", "OWN": "2"}


def test_only_an_api_gateway_permission_is_an_api_trigger(tmp_path: Path) -> None:
    functions, _, _ = _linked(tmp_path, """\
        Resources:
          FromS3:
            Type: AWS::Lambda::Function
            Properties: {Handler: app.handler, Runtime: python3.12, Code: src/}
          FromApi:
            Type: AWS::Lambda::Function
            Properties: {Handler: app.handler, Runtime: python3.12, Code: src/}
          S3Permission:
            Type: AWS::Lambda::Permission
            Properties: {FunctionName: !Ref FromS3, Action: lambda:InvokeFunction, Principal: s3.amazonaws.com}
          ApiPermission:
            Type: AWS::Lambda::Permission
            Properties:
              FunctionName: !GetAtt FromApi.Arn
              Action: lambda:InvokeFunction
              Principal: apigateway.amazonaws.com
        """)
    by_id = {function.logical_id: function for function in functions}
    assert by_id["FromS3"].triggers == [] and not by_id["FromS3"].has_synchronous_api_trigger
    assert [(t.name, t.type) for t in by_id["FromApi"].triggers] == [("ApiPermission", "Api")]
    assert by_id["FromApi"].has_synchronous_api_trigger


def test_a_check_failing_on_one_entry_loses_only_that_entry(tmp_path: Path, monkeypatch) -> None:
    """Per-entry containment: one WA002 where the check raised, the rule's findings for other entries kept."""
    (tmp_path / ".git").mkdir()
    client = "import boto3\n\ndef handler(event, context):\n    return boto3.client('s3')\n"
    write(tmp_path, {"a/app.py": client, "b/app.py": client,
                     "a/template.yaml": SAM_FUNCTION.format(code_uri=".", handler="app.handler"),
                     "b/template.yaml": SAM_FUNCTION.format(code_uri=".", handler="app.handler")})
    real = registry.checks()["PERF101"]

    def exploding(entry, project, options):
        if entry.facts.path.parent.name == "a":
            raise KeyError("boom")
        yield from real(entry, project, options)

    exploding.subject = real.subject
    monkeypatch.setitem(registry.checks(), "PERF101", exploding)
    result = run([tmp_path], Config(select=("PERF101", "WA002")), use_cache=False)
    assert [(f.code, f.span.path.relative_to(tmp_path).as_posix()) for f in result.findings] == [
        ("WA002", "a/app.py"), ("PERF101", "b/app.py")]
    (internal,) = [f for f in result.findings if f.code == "WA002"]
    assert internal.message == "rule PERF101 failed: KeyError: 'boom'"


def test_a_site_reached_from_two_entries_is_reported_once_for_the_first(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path, {
        # Not a factory (it returns a table, not the resource it builds): the site is inside shared.py.
        "src/shared.py": "import boto3\n\ndef table():\n    return boto3.resource('dynamodb').Table('t')\n",
        "src/one.py": "from shared import table\n\ndef handler(event, context):\n    return table()\n",
        "src/two.py": "from shared import table\n\ndef handler(event, context):\n    return table()\n",
        "template.yaml": SAM_FUNCTION.format(code_uri="src/", handler="one.handler")
        + SAM_FUNCTION.split("Resources:\n", 1)[1].replace("Fn:", "Two:").format(code_uri="src/", handler="two.handler"),
    })
    result = run([tmp_path], Config(select=("PERF101",)), use_cache=False)
    assert [(f.span.path.name, f.resource) for f in result.findings] == [("shared.py", "Fn")]


def test_linking_builds_new_functions_and_leaves_the_template_model_alone(tmp_path: Path) -> None:
    from wa_lint.link.handlers import resolve_handler
    from wa_lint.link.model import Handler

    (tmp_path / "app.py").write_text("def handler(event, context): ...\n")
    unresolved = Handler("app.handler")
    resolved = resolve_handler(unresolved, [tmp_path])
    assert (resolved.file, resolved.qualname, resolved.module) == (tmp_path / "app.py", "handler", "app")
    assert (unresolved.file, unresolved.qualname, unresolved.module) == (None, None, None)
    missing = resolve_handler(unresolved, [tmp_path / "nowhere"])
    assert missing.missing and missing.problem.startswith("handler module 'app' not found")


def test_layer_folders_are_each_files_nearest_parent_named_python() -> None:
    from wa_lint.link.stage import _layer_folders

    paths = [Path("python/x.py"), Path("/srv/python/python/a.py"), Path("a/python/b/python/c.py"),
             Path("a/python/b/d.py"), Path("python.py"), Path("x/python"), Path("src/app.py"),
             Path("/python/top.py")]
    expected = sorted({next(p for p in path.parents if p.name == "python") for path in paths
                       if any(p.name == "python" for p in path.parents)})
    assert _layer_folders(paths) == expected == [Path("/python"), Path("/srv/python/python"), Path("a/python"),
                                                 Path("a/python/b/python"), Path("python")]
