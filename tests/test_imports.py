"""The one import resolver (link/imports.py): relative imports, packages, CodeUri roots, layers, installed
packages, and the same answers for the engine (files to analyse) and the call graph (calls to follow)."""

from __future__ import annotations

import textwrap
from pathlib import Path, PurePosixPath, PureWindowsPath

import pytest

from wa_lint.analyse.python import callgraph
from wa_lint.analyse.python.facts import module_facts
from wa_lint.config import Config
from wa_lint.link.imports import ImportResolver, installed_packages, is_test_file, module_file
from wa_lint.pipeline import run


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def test_relative_imports_climb_from_the_importing_package(tmp_path: Path) -> None:
    tree(tmp_path, {"src/pkg/__init__.py": "", "src/pkg/sub/__init__.py": "", "src/pkg/sub/app.py": "",
                    "src/pkg/sub/near.py": "", "src/pkg/far.py": ""})
    resolver = ImportResolver()
    app = tmp_path / "src/pkg/sub/app.py"
    assert resolver.find(app, 1, ["near", "f"], [tmp_path / "src"]).path == tmp_path / "src/pkg/sub/near.py"
    found = resolver.find(app, 2, ["far", "f"], [])
    assert (found.path, found.used, found.root) == (tmp_path / "src/pkg/far.py", 1, tmp_path / "src/pkg")
    assert resolver.find(app, 1, ["far"], []) is None


def test_packages_longest_prefix_and_the_files_an_import_runs(tmp_path: Path) -> None:
    tree(tmp_path, {"src/a/__init__.py": "", "src/a/b/__init__.py": "", "src/a/b/c.py": "", "src/app.py": ""})
    root = tmp_path / "src"
    resolver = ImportResolver()
    found = resolver.find(root / "app.py", 0, ["a", "b", "c", "func"], [root])
    assert (found.path, found.used) == (root / "a/b/c.py", 3)
    assert resolver.find(root / "app.py", 0, ["a", "b"], [root]).path == root / "a/b/__init__.py"
    facts = module_facts("import a.b.c\nfrom a.b import c as alias\n", root / "app.py")
    assert resolver.local_imports(facts, [root]) == [root / "a/__init__.py", root / "a/b/__init__.py", root / "a/b/c.py"]


def test_code_uri_first_then_layers_in_order(tmp_path: Path) -> None:
    tree(tmp_path, {"src/app.py": "", "src/shared.py": "", "layer/python/shared.py": "", "layer/python/util.py": ""})
    roots = [tmp_path / "src", tmp_path / "layer/python"]
    resolver = ImportResolver()
    assert resolver.find(tmp_path / "src/app.py", 0, ["shared", "x"], roots).path == tmp_path / "src/shared.py"
    assert resolver.find(tmp_path / "src/app.py", 0, ["util", "x"], roots).root == tmp_path / "layer/python"


def test_installed_packages_and_escapes_are_never_resolved(tmp_path: Path) -> None:
    tree(tmp_path, {"src/requests/__init__.py": "", "src/yaml/__init__.py": "", "src/mine.py": "",
                    "src/PyYAML-6.0.dist-info/RECORD": "yaml/__init__.py,sha256=x,1\n",
                    "src/requirements.txt": "Requests==2.31  # pinned\n-r other.txt\n", "outside.py": ""})
    root = tmp_path / "src"
    assert {"yaml", "pyyaml", "requests"} <= installed_packages(root)
    resolver = ImportResolver()
    assert resolver.find(root / "mine.py", 0, ["requests", "get"], [root]) is None
    assert resolver.find(root / "mine.py", 0, ["yaml", "safe_load"], [root]) is None
    assert resolver.find(root / "mine.py", 0, ["mine"], [root]).path == root / "mine.py"
    assert module_file(root, "..outside") is None and module_file(root, "../outside") is None


def test_an_accept_test_can_refuse_a_file_and_the_search_goes_on(tmp_path: Path) -> None:
    tree(tmp_path, {"one/m.py": "", "two/m.py": ""})
    roots = [tmp_path / "one", tmp_path / "two"]
    found = ImportResolver().find(tmp_path / "x.py", 0, ["m"], roots, accept=lambda p: "two" in p.parts)
    assert found.path == tmp_path / "two/m.py"


def test_test_files_are_judged_below_their_root() -> None:
    assert is_test_file(Path("tests/helpers.py")) and is_test_file(Path("test_app.py"))
    assert not is_test_file(Path("app/helpers.py"))


TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      MemorySize: 256
      Layers: [!Ref Shared]
  Shared:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layer/
"""


def test_the_engine_and_the_call_graph_resolve_the_same_way(tmp_path: Path) -> None:
    # A project that itself sits in a folder named `tests`: only paths below a root say "test module".
    root = tmp_path / "tests" / "project"
    tree(root, {
        "template.yaml": TEMPLATE,
        "src/app.py": """\
            from pkg import helpers
            from tests.fakes import fake_client
            import clients
            def handler(event, context):
                fake_client()
                clients.make()
                return helpers.load(event)
        """,
        "src/pkg/__init__.py": "",
        "src/pkg/helpers.py": "from .inner import build\ndef load(event):\n    return build()\n",
        "src/pkg/inner.py": "import boto3\ndef build():\n    return boto3.client('s3')\n",
        "src/tests/__init__.py": "",
        "src/tests/fakes.py": "import boto3\ndef fake_client():\n    return boto3.client('sqs')\n",
        "layer/python/clients.py": "import boto3\ndef make():\n    return boto3.client('sns')\n",
    })
    (root / ".git").mkdir()
    result = run([root], Config(select=("PERF101",)), use_cache=False)
    got = sorted((f.span.path.name, f.span.line) for f in result.findings)
    # The layer's and the package's factories return their clients: reported where app.py calls them.
    assert got == [("app.py", 6), ("app.py", 7)], "the test helper is not followed; the layer and the package are"


def test_a_shared_modules_call_is_resolved_under_each_functions_own_roots(tmp_path: Path) -> None:
    """One layer module, two functions: its `import helper` names each function's own helper.py, so what
    the call resolves to is remembered per import roots, never shared between them."""
    function = ("  {name}:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: {folder}/\n"
                "      Handler: app.handler\n      Runtime: python3.12\n      MemorySize: 256\n"
                "      Layers: [!Ref Shared]\n")
    template = ("Transform: AWS::Serverless-2016-10-31\nResources:\n" + function.format(name="A", folder="a")
                + function.format(name="B", folder="b")
                + "  Shared:\n    Type: AWS::Serverless::LayerVersion\n    Properties:\n      ContentUri: layer/\n")
    app = "import shared\ndef handler(event, context):\n    return shared.run()\n"
    tree(tmp_path, {
        "template.yaml": template,
        "a/app.py": app,
        "a/helper.py": "def make():\n    return 1\n",
        "b/app.py": app,
        "b/helper.py": "import boto3\ndef make():\n    return boto3.client('s3').list_buckets()\n",
        "layer/python/shared.py": "import helper\ndef run():\n    return helper.make()\n",
    })
    (tmp_path / ".git").mkdir()
    result = run([tmp_path], Config(select=("PERF101",)), use_cache=False)
    assert [(f.span.path.relative_to(tmp_path).as_posix(), f.span.line, f.function) for f in result.findings] == \
        [("b/helper.py", 3, "B")]


@pytest.mark.parametrize(("separator", "root", "module"), [
    ("/", PurePosixPath("/app/src"), PurePosixPath("/app/src/lib/aws.py")),
    ("\\", PureWindowsPath(r"C:\app\src"), PureWindowsPath(r"C:\app\src\lib\aws.py")),
])
def test_the_call_graph_names_a_module_as_its_analysed_path_is_written(monkeypatch, separator, root, module) -> None:
    """On Windows an analysed module's path text has backslashes: a look-up written with slashes
    would never find it, and no call would resolve into another module."""
    monkeypatch.setattr(callgraph.os, "sep", separator)
    found, package = callgraph.module_files(root, "lib.aws")
    assert found == str(module)
    assert package == str(module.with_suffix("") / "__init__.py")


def test_a_module_lookup_records_what_it_asked_and_no_more(tmp_path: Path) -> None:
    from wa_lint.inputs import Inputs, recording

    tree(tmp_path, {"pkg/__init__.py": "", "pkg/mod.py": "", "single.py": ""})
    record = Inputs()
    with recording(record):
        assert module_file(tmp_path, "single") == tmp_path / "single.py"
        assert module_file(tmp_path, "pkg") == tmp_path / "pkg/__init__.py"
        assert module_file(tmp_path, "pkg.mod") == tmp_path / "pkg/mod.py"
        assert module_file(tmp_path, "json") is None
    asked = {Path(path).relative_to(tmp_path).as_posix(): stamp is not None for path, (stamp, _) in record.paths.items()}
    # An existing package folder is not recorded (its status changes with every file made in it); an
    # absent one is, and its __init__.py is not asked.
    assert asked == {"single.py": True, "pkg.py": False, "pkg/__init__.py": True, "pkg/mod.py": True,
                     "json.py": False, "json": False}


def test_a_module_lookup_asks_each_path_once(tmp_path: Path, monkeypatch) -> None:
    # Finding `json` absent is what records it: the record does not ask again (about 1,800 times a
    # run on serverless-patterns).
    import os

    from wa_lint.inputs import Inputs, recording

    asked: list[str] = []
    real_stat = os.stat

    def counted(path, *args, **kwargs):
        asked.append(os.fspath(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", counted)
    with recording(Inputs()):
        assert module_file(tmp_path, "json") is None
    monkeypatch.undo()
    assert asked and len(asked) == len(set(asked)), asked
