"""A run after some files changed checks only their parts (run_parts.py), and gets what a whole run gets."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, later

from wa_lint.config import Config
from wa_lint.inputs import Inputs
from wa_lint.pipeline import Run
from wa_lint.result import RunResult

# Apps of a monorepo, each a rule's fixture: they see nothing of each other.
_APPS = {"orders": "demo", "clients": "PERF101-sdk-client-in-handler/bad", "hot": "PERF201-hot-read-table-without-dax/bad",
         "globals": "SEC101-user-data-in-global/bad"}


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[frozenset[str] | None]:
    """The files each pipeline run was given (None: the whole project)."""
    calls: list[frozenset[str] | None] = []
    real = Run._execute

    def recording(self, started, inputs=None, part_run=None):
        calls.append(None if part_run is None else part_run.files)
        return real(self, started, inputs, part_run)

    monkeypatch.setattr(Run, "_execute", recording)
    return calls


def _monorepo(tmp_path: Path, apps: dict[str, str] = _APPS) -> Path:
    project = tmp_path / "mono"
    for name, fixture in apps.items():
        shutil.copytree(FIXTURES / fixture, project / name)
    (project / ".git").mkdir()
    return project


def _run(project: Path, config: Config | None = None, **options) -> RunResult:
    return Run([project], config or Config(preview=True), **options).execute()


def _whole(result: RunResult) -> tuple:
    """Everything a report shows of a run: its findings (fixes' edits included), notes and figures."""
    findings = [(f.code, f.severity, f.span, f.message, f.fix, f.resource, f.function, f.evidence,
                 [(fix.title, fix.applicability, fix.edits) for fix in f.fixes]) for f in result.findings]
    stats = result.stats
    return findings, result.diagnostics, (stats.templates, stats.python_files, stats.frameworks, stats.functions,
                                          stats.functions_with_code)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, 1))
    later(path)


def _files(project: Path, *names: str) -> set[str]:
    return {os.fspath(project / name) for name in names}


def test_a_changed_handler_reruns_its_app_alone_and_the_result_is_the_whole_runs(tmp_path, trusted, runs) -> None:
    project = _monorepo(tmp_path)
    handler = project / "clients" / "src" / "direct.py"
    before = sum(f.span.path == handler for f in _run(project).findings)
    _edit(handler, "def lambda_handler(event, context):\n",
          "def lambda_handler(event, context):\n    kinesis = b3.client('kinesis')\n")
    runs.clear()
    partial = _run(project)
    (only,) = runs
    assert only is not None and os.fspath(handler) in only, "the handler's part ran"
    assert not any(path.startswith(os.fspath(project / "orders")) for path in only), "the other apps did not"
    whole = _run(project, use_cache=False)
    assert _whole(partial) == _whole(whole)
    assert sum(f.span.path == handler for f in partial.findings) == before + 1, "the new client is reported"
    runs.clear()
    assert _whole(_run(project)) == _whole(whole) and runs == [], "the merged result is kept and replayed"


def test_lines_that_moved_in_a_template_are_reported_where_they_are_now(tmp_path, trusted, runs) -> None:
    project = _monorepo(tmp_path)
    before = _run(project)
    template = project / "orders" / "template.yaml"
    template.write_text("# a comment that moves every line down\n" + template.read_text())
    later(template)
    runs.clear()
    after = _run(project)
    assert runs and runs[0] is not None, "only the template's part ran"
    assert _whole(after) == _whole(_run(project, use_cache=False))
    lines_before = sorted(f.span.line for f in before.findings if f.span.path == template)
    assert sorted(f.span.line for f in after.findings if f.span.path == template) == [line + 1 for line in lines_before]


def test_a_dax_client_in_another_app_keeps_perf201_silent_when_the_table_app_runs_alone(tmp_path, trusted, runs) -> None:
    project = _monorepo(tmp_path, {**_APPS, "cached": "PERF201-amazondax-client/good"})
    cold = _run(project)
    assert not any(f.code == "PERF201" for f in cold.findings), "DAX anywhere silences PERF201"
    handler = next((project / "hot" / "src").rglob("*.py"))
    handler.write_text(handler.read_text() + "\n# touched\n")
    later(handler)
    runs.clear()
    partial = _run(project)
    assert runs and runs[0] is not None and os.fspath(handler) in runs[0]
    assert not any(path.startswith(os.fspath(project / "cached")) for path in runs[0])
    assert _whole(partial) == _whole(_run(project, use_cache=False))
    assert not any(f.code == "PERF201" for f in partial.findings)


def test_a_part_that_now_reaches_another_apps_files_makes_the_run_whole(tmp_path, trusted, runs) -> None:
    project = _monorepo(tmp_path)
    _run(project)
    template = project / "clients" / "template.yaml"
    # A function's handler is now the orders app's: the two share a file.
    _edit(template, "      Handler: direct.lambda_handler\n",
          "      Handler: orders.get_order.lambda_handler\n      CodeUri: ../orders/src/\n")
    runs.clear()
    after = _run(project)
    assert runs[0] is not None and runs[-1] is None, "the part ran, then the whole project"
    assert _whole(after) == _whole(_run(project, use_cache=False))


@pytest.mark.parametrize("change", ["gitignore", "requirements", "new module"])
def test_changes_beyond_the_parts_files_run_the_whole_project(tmp_path, trusted, runs, change: str) -> None:
    project = _monorepo(tmp_path)
    _run(project)
    if change == "gitignore":
        (project / ".gitignore").write_text("globals/\n")
        later(project)
    elif change == "requirements":
        (project / "orders" / "src" / "requirements.txt").write_text("boto3\n")
        later(project / "orders" / "src")
    else:
        (project / "clients" / "src" / "extra.py").write_text("import boto3\n\ndef handler(event, context):\n"
                                                            "    return boto3.client('s3')\n")
        later(project / "clients" / "src")
    runs.clear()
    after = _run(project)
    assert runs == [None]
    assert _whole(after) == _whole(_run(project, use_cache=False))


def _save_by_renaming(path: Path, old: str, new: str, debris: str | None = None) -> None:
    """Save as editors' "safe write" and `sed -i` do: a new copy renamed over the file (`debris`: a
    file of the editor's own left beside it, which a walk would find)."""
    copy = path.with_name(path.name + "___jb_tmp___")
    copy.write_text(path.read_text().replace(old, new, 1))
    os.replace(copy, path)
    if debris:
        (path.parent / debris).write_text("")
    later(path)
    later(path.parent)


@pytest.mark.parametrize("debris", [None, "scratch.py"])
def test_a_file_saved_by_renaming_a_copy_over_it_reruns_its_part_alone(tmp_path, trusted, runs, debris) -> None:
    project = _monorepo(tmp_path)
    handler = project / "clients" / "src" / "direct.py"
    _run(project)
    _save_by_renaming(handler, "def lambda_handler(event, context):\n",
                      "def lambda_handler(event, context):\n    kinesis = b3.client('kinesis')\n", debris)
    runs.clear()
    after = _run(project)
    assert runs == ([None] if debris else [_part_holding(after, handler)]), \
        "a new file is a whole run; the same files, only the saved one's part"
    assert _whole(after) == _whole(_run(project, use_cache=False))
    runs.clear()
    assert _whole(_run(project)) == _whole(after) and runs == [], "and then a replay"


def test_notes_of_a_changed_part_replace_its_old_ones_in_the_whole_runs_order(tmp_path, trusted, runs) -> None:
    project = _monorepo(tmp_path)
    config = Config(preview=True, max_python_lines=40)
    long = project / "globals" / "src" / "long.py"
    long.write_text("def handler(event, context):\n" + "    pass\n" * 40)  # over the limit: a note
    assert any(note.path == long for note in _run(project, config).diagnostics)
    long.write_text("def handler(event, context):\n    pass\n")
    later(long)
    runs.clear()
    after = _run(project, config)
    assert runs and runs[0] is not None
    assert _whole(after) == _whole(_run(project, config, use_cache=False))
    assert not any(note.path == long for note in after.diagnostics)


def test_files_named_one_by_one_never_run_in_parts(tmp_path, trusted, runs) -> None:
    project = _monorepo(tmp_path)
    handler = project / "clients" / "src" / "direct.py"
    first = Run([handler], Config()).execute()
    assert first.findings, "the staged file was linted"
    assert first.parts is None, "pre-commit's staged files: the templates around them are read by what they say"


def test_files_changed_now_lists_changed_files_and_refuses_anything_else(tmp_path) -> None:
    folder = tmp_path / "app"
    folder.mkdir()
    kept, edited = folder / "kept.py", folder / "edited.py"
    kept.write_text("a = 1\n")
    edited.write_text("b = 1\n")
    recorded = Inputs(started_ns=os.stat(edited).st_mtime_ns + 10**10)
    for path in (folder, kept, edited, folder / "absent.py"):
        recorded.note(path)
    stored = json.loads(json.dumps(recorded.encode()))  # as the run memo stores it
    unchanged = Inputs.files_changed_now(stored, 4)
    assert unchanged is not None and unchanged[1] == []
    edited.write_text("b = 2\n")
    later(edited)
    now = Inputs.files_changed_now(stored, 4)
    assert now is not None and now[1] == [os.fspath(edited)]
    assert os.fspath(edited) not in now[0].paths and os.fspath(kept) in now[0].paths
    assert Inputs.files_changed_now(stored, 0) is None, "more changed files than allowed"
    assert Inputs.read_now(stored) is None
    (folder / "absent.py").write_text("c = 1\n")
    later(folder)
    assert Inputs.files_changed_now(stored, 4) is None, "a file appeared: the walk may find more"


def test_a_listed_folder_whose_entries_are_the_same_is_unchanged_whatever_its_status(tmp_path) -> None:
    folder = tmp_path / "app"
    folder.mkdir()
    edited = folder / "edited.py"
    edited.write_text("b = 1\n")
    recorded = Inputs(started_ns=os.stat(edited).st_mtime_ns + 10**10)
    recorded.note(folder)
    with os.scandir(folder) as entries:
        recorded.note_listing(os.fspath(folder), entries)
    recorded.note(edited)
    unlisted = Inputs(started_ns=recorded.started_ns)
    unlisted.note(folder)
    unlisted.note(edited)
    stored, stored_unlisted = (json.loads(json.dumps(inputs.encode())) for inputs in (recorded, unlisted))
    unchanged = Inputs.files_changed_now(stored, 4)
    assert unchanged is not None and unchanged[0].listings == recorded.listings, "kept for the next run"
    copy = folder / "edited.py.tmp"
    copy.write_text("b = 2\n")
    os.replace(copy, edited)
    later(folder)
    now = Inputs.files_changed_now(stored, 4)
    assert now is not None and now[1] == [os.fspath(edited)], "the folder holds what it held"
    assert now[0].listings == recorded.listings
    assert now[0].paths[os.fspath(folder)][1] is not None, "a status this new is vouched for by its listing too"
    assert Inputs.files_changed_now(stored_unlisted, 4) is None, "a folder nobody listed: its status alone"
    (folder / "notes").write_text("")
    stored = json.loads(json.dumps(_listed(folder, edited).encode()))
    (folder / "notes").unlink()
    (folder / "notes").mkdir()
    (folder / "notes" / "x.py").write_text("")
    later(folder)
    assert Inputs.files_changed_now(stored, 4) is None, "a file became a folder: the walk may find more"
    edited.rename(folder / "renamed.py")
    later(folder)
    assert Inputs.files_changed_now(stored, 4) is None, "another name: the walk may find otherwise"


def _listed(folder: Path, file: Path) -> Inputs:
    recorded = Inputs(started_ns=os.stat(file).st_mtime_ns + 10**10)
    recorded.note(folder)
    with os.scandir(folder) as entries:
        recorded.note_listing(os.fspath(folder), entries)
    recorded.note(file)
    return recorded


_FUNCTION = """  {name}:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      CodeUri: {code}
      Handler: {handler}
"""
_READ_BY_NAME = "import boto3\n\nTABLE = boto3.resource('dynamodb').Table('{table}')\n\n\ndef handler(event, context):\n" \
                "    return TABLE.get_item(Key={{'id': '1'}})\n"


def _app(project: Path, name: str, resources: str, code: dict[str, str] | None = None, extra: str = "") -> Path:
    folder = project / name
    folder.mkdir(parents=True)
    (folder / "template.yaml").write_text(
        f"AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\n{extra}Resources:\n{resources}")
    for path, text in (code or {}).items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text)
    return folder / "template.yaml"


def _part_holding(result: RunResult, path: Path) -> frozenset[str]:
    assert result.parts is not None
    (part,) = [part.files for part in result.parts.parts if os.fspath(path) in part.files]
    return part


def _two_apps(tmp_path: Path, first: tuple[str, dict[str, str]], second: tuple[str, dict[str, str]],
              extra: str = "") -> tuple[RunResult, Path, Path]:
    project = tmp_path / "mono"
    (project / ".git").mkdir(parents=True)
    a = _app(project, "a", first[0], first[1])
    b = _app(project, "b", second[0], second[1], extra)
    return _run(project), a, b


def test_apps_that_share_nothing_are_parts_of_their_own(tmp_path) -> None:
    handler = {"src/app.py": "def handler(event, context):\n    return 1\n"}
    result, a, b = _two_apps(tmp_path, (_FUNCTION.format(name="A", code="src/", handler="app.handler"), handler),
                             (_FUNCTION.format(name="B", code="src/", handler="app.handler"), handler))
    assert _part_holding(result, a) == _files(a.parent, "template.yaml", "src/app.py")
    assert os.fspath(b) not in _part_holding(result, a)


def test_a_table_read_by_its_literal_name_joins_the_reader_and_the_table(tmp_path) -> None:
    table = "  Orders:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      TableName: shared-orders\n"
    result, a, b = _two_apps(tmp_path, (table, {}), (_FUNCTION.format(name="Reader", code="src/", handler="app.handler"),
                                                     {"src/app.py": _READ_BY_NAME.format(table="shared-orders")}))
    assert os.fspath(b.parent / "src" / "app.py") in _part_holding(result, a)
    result, a, b = _two_apps(tmp_path / "other", (table, {}), (
        _FUNCTION.format(name="Reader", code="src/", handler="app.handler"),
        {"src/app.py": _READ_BY_NAME.format(table="another-table")}))
    assert os.fspath(b) not in _part_holding(result, a), "another name: apart"


def test_a_custom_resource_importing_an_export_joins_the_exporting_template(tmp_path) -> None:
    provider = _FUNCTION.format(name="Provider", code="src/", handler="app.handler")
    custom = "  Thing:\n    Type: Custom::Thing\n    Properties:\n      ServiceToken: !ImportValue provider-arn\n"
    project = tmp_path / "mono"
    (project / ".git").mkdir(parents=True)
    a = _app(project, "a", provider, {"src/app.py": "def handler(event, context):\n    return 1\n"},
             extra="")
    a.write_text(a.read_text() + "Outputs:\n  Arn:\n    Value: !GetAtt Provider.Arn\n    Export:\n"
                                 "      Name: provider-arn\n")
    b = _app(project, "b", custom)
    assert os.fspath(b) in _part_holding(_run(project), a)


def test_a_template_that_may_suppress_joins_every_app_with_a_function_of_that_name(tmp_path) -> None:
    handler = {"src/app.py": "def handler(event, context):\n    return 1\n"}
    suppressing = _FUNCTION.format(name="Hello", code="src/", handler="app.handler") + \
        "    Metadata:\n      wa-lint:\n        ignore: [PERF101]\n"
    result, a, b = _two_apps(tmp_path, (suppressing, handler),
                             (_FUNCTION.format(name="Hello", code="src/", handler="app.handler"), handler))
    assert os.fspath(b) in _part_holding(result, a)


def test_a_nested_stack_joins_its_parent(tmp_path) -> None:
    project = tmp_path / "mono"
    (project / ".git").mkdir(parents=True)
    parent = _app(project, "app", "  Child:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n"
                                  "      TemplateURL: stacks/child.yaml\n")
    child = project / "app" / "stacks" / "child.yaml"
    child.parent.mkdir()
    child.write_text("Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n")
    assert os.fspath(child) in _part_holding(_run(project), parent)


def _apps_sharing_code(tmp_path: Path, caller_returns: str) -> tuple[Path, Path, Path]:
    """Two apps over one code folder (project, app a's template, app b's). `pkg` has no __init__.py:
    `import pkg` follows no file, and `pkg.sub.make()` resolves into pkg/sub.py only because app b's
    handler imports it."""
    project = tmp_path / "mono"
    (project / ".git").mkdir(parents=True)
    shared = project / "shared"
    (shared / "pkg").mkdir(parents=True)
    (shared / "pkg" / "sub.py").write_text("import boto3\n\n\ndef make():\n    return boto3.client('s3')\n")
    (shared / "caller.py").write_text(f"import pkg\n\n\ndef handler(event, context):\n    return {caller_returns}\n")
    (shared / "importer.py").write_text("from pkg import sub\n\n\ndef handler(event, context):\n    return sub.make()\n")
    a = _app(project, "a", _FUNCTION.format(name="Caller", code="../shared/", handler="caller.handler"))
    b = _app(project, "b", _FUNCTION.format(name="Importer", code="../shared/", handler="importer.handler"))
    return project, a, b


def test_a_call_into_a_module_only_another_app_imports_joins_them(tmp_path) -> None:
    project, a, b = _apps_sharing_code(tmp_path, "pkg.sub.make()")
    shared = project / "shared"
    result = _run(project)
    assert any(f.span.path == shared / "caller.py" and "make" in f.message for f in result.findings), \
        "the call is followed into pkg/sub.py"
    assert os.fspath(b) in _part_holding(result, a)


def test_framework_apps_rerun_with_what_they_include_and_compare(tmp_path, trusted, runs) -> None:
    project = _monorepo(tmp_path, {"cdk": "frameworks/cdk-app", "sls": "frameworks/serverless-app",
                                   **{f"bare{n}": "frameworks/cdk-without-synth" for n in range(4)}, "orders": "demo"})
    cold = _run(project)
    assert cold.parts is not None
    # The CDK app's asset handler was compared with the source it was copied from; one note names the
    # four apps without cdk.out; serverless.yml includes settings.yml.
    assert os.fspath(project / "cdk" / "lambda" / "index.py") in _part_holding(cold, project / "cdk" / "cdk.out" /
                                                                             "OrdersStack.template.json")
    assert _files(project, *(f"bare{n}/cdk.json" for n in range(4))) <= _part_holding(cold, project / "bare0" / "cdk.json")
    assert os.fspath(project / "sls" / "settings.yml") in _part_holding(cold, project / "sls" / "serverless.yml")
    for changed in (project / "cdk" / "lambda" / "index.py", project / "sls" / "settings.yml", project / "bare2" / "cdk.json"):
        changed.write_text(changed.read_text() + "\n")
        later(changed)
        runs.clear()
        after = _run(project)
        assert runs and runs[0] is not None and os.fspath(changed) in runs[0], changed
        assert not any(path.startswith(os.fspath(project / "orders")) for path in runs[0])
        assert _whole(after) == _whole(_run(project, use_cache=False)), changed


def test_a_cdk_asset_compared_with_another_apps_file_reruns_with_it(tmp_path, trusted, runs) -> None:
    # Two copies of one CDK app: each asset handler matches two sources, so neither is linked to one.
    project = _monorepo(tmp_path, {"one": "frameworks/cdk-app", "two": "frameworks/cdk-app"})
    source = project / "one" / "lambda" / "index.py"

    def linked(result: RunResult) -> bool:
        """Whether a finding in one's source names the template's function (not the handler found by name)."""
        return any(f.span.path == source and f.function != "handler" for f in result.findings)

    assert not linked(_run(project))
    edited = project / "two" / "lambda" / "index.py"
    edited.write_text(edited.read_text() + "\n# now the one app's asset matches its own source alone\n")
    later(edited)
    after = _run(project)
    assert linked(after)
    assert _whole(after) == _whole(_run(project, use_cache=False))


def _edit_and_compare(project: Path, path: Path, old: str, new: str, runs: list, whole: bool) -> RunResult:
    """Edit `path` in place, run again, and check the run against one without the cache; `whole`:
    whether the edit must end in a run of the whole project."""
    _edit(path, old, new)
    runs.clear()
    after = _run(project)
    assert (runs[-1] is None) == whole, runs
    assert _whole(after) == _whole(_run(project, use_cache=False))
    return after


def test_an_edit_that_adds_a_call_into_a_module_another_app_had_analysed(tmp_path, trusted, runs) -> None:
    project, _, _ = _apps_sharing_code(tmp_path, "1")
    shared = project / "shared"
    _run(project)
    after = _edit_and_compare(project, shared / "caller.py", "    return 1\n", "    return pkg.sub.make()\n", runs,
                              whole=True)
    assert any(f.span.path == shared / "caller.py" and f.code == "PERF101" for f in after.findings)


def test_inline_code_reading_a_table_by_name_is_joined_with_the_table(tmp_path, trusted, runs) -> None:
    inline = "".join(
        f"  {name}Function:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n"
        f"      Handler: index.handler\n      InlineCode: |\n        import boto3\n"
        f"        client = boto3.client('dynamodb')\n        def handler(event, context):\n"
        f"            return client.get_item(TableName='catalog', Key={{'id': {{'S': 'x'}}}})\n"
        f"      Events:\n        Get: {{Type: Api, Properties: {{Path: /{name.lower()}, Method: get}}}}\n"
        for name in ("One", "Two", "Three"))
    table = "  CatalogTable:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      TableName: catalog\n" \
            "      BillingMode: PAY_PER_REQUEST\n"
    project = tmp_path / "mono"
    (project / ".git").mkdir(parents=True)
    _app(project, "api", inline)
    data = _app(project, "data", table)
    cold = _run(project)
    assert any(f.code == "PERF201" for f in cold.findings), "three readers behind an API: a hot table"
    after = _edit_and_compare(project, data, "      BillingMode", "      # a note\n      BillingMode", runs, whole=False)
    assert any(f.code == "PERF201" for f in after.findings)


def test_a_project_where_nothing_was_checked_is_no_parts_and_runs_whole(tmp_path, trusted, runs) -> None:
    project = tmp_path / "mono"
    (project / ".git").mkdir(parents=True)
    util = project / "util.py"
    util.write_text("import boto3\n\n\ndef helper(event, context):\n    return boto3.client('s3')\n")
    assert _run(project).parts is None
    after = _edit_and_compare(project, util, "def helper", "def handler", runs, whole=True)
    assert not any(note.path is None and note.kind == "warning" for note in after.diagnostics)


@pytest.mark.parametrize("edit", ["table read by name", "suppression", "dax client"])
def test_an_edit_that_relates_an_app_to_another_runs_whole(tmp_path, trusted, runs, edit: str) -> None:
    handler = {"src/app.py": "import boto3\n\nTABLE = boto3.resource('dynamodb').Table('orders-a')\n\n\n"
                             "def handler(event, context):\n    boto3.client('s3')\n"
                             "    return TABLE.get_item(Key={'id': '1'})\n"}
    table = "  Orders:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      TableName: orders-b\n"
    result, a, b = _two_apps(tmp_path, (_FUNCTION.format(name="Hello", code="src/", handler="app.handler"), handler),
                             (_FUNCTION.format(name="Hello", code="src/", handler="app.handler") + table,
                              {"src/app.py": "def handler(event, context):\n    return 1\n"}))
    assert os.fspath(b) not in _part_holding(result, a)
    project = a.parent.parent
    if edit == "table read by name":
        _edit_and_compare(project, a.parent / "src" / "app.py", "Table('orders-a')", "Table('orders-b')", runs, whole=True)
    elif edit == "suppression":
        _edit_and_compare(project, b, "      Handler: app.handler\n",
                          "      Handler: app.handler\n    Metadata:\n      wa-lint:\n        ignore: [PERF101]\n", runs,
                          whole=True)
    else:
        _edit_and_compare(project, b.parent / "src" / "app.py", "def handler", "import amazondax\n\n\ndef handler",
                          runs, whole=True)


def test_an_edited_requirements_file_runs_whole(tmp_path, trusted, runs) -> None:
    project = _monorepo(tmp_path)
    requirements = project / "orders" / "src" / "requirements.txt"
    requirements.write_text("boto3\n")
    _run(project)
    _edit_and_compare(project, requirements, "boto3\n", "boto3\nshared\n", runs, whole=True)
    assert runs[0] is None, "a file no part holds: no part is run first"


def test_a_fresh_note_goes_between_the_kept_ones_in_path_order(tmp_path, trusted, runs) -> None:
    config = Config(preview=True, max_python_lines=40)
    project = tmp_path / "mono"
    (project / ".git").mkdir(parents=True)
    long = "def handler(event, context):\n" + "    pass\n" * 40
    for name in ("a", "b", "c"):
        _app(project, name, _FUNCTION.format(name="F", code="src/", handler="app.handler"), {"src/app.py": long})
    middle = project / "b" / "src" / "app.py"
    middle.write_text("def handler(event, context):\n    pass\n")
    before = _run(project, config)
    assert [note.path.parent.parent.name for note in before.diagnostics if note.path and note.path.suffix == ".py"] == [
        "a", "c"]
    _edit(middle, "    pass\n", "    pass\n" * 40)
    runs.clear()
    after = _run(project, config)
    assert runs[0] is not None
    assert [note.path.parent.parent.name for note in after.diagnostics if note.path and note.path.suffix == ".py"] == [
        "a", "b", "c"]
    assert _whole(after) == _whole(_run(project, config, use_cache=False))


@pytest.mark.parametrize("damage", ["not a list", "a part of the wrong shape", "a finding's path a number"])
def test_a_damaged_entry_is_a_whole_run_never_an_error(tmp_path, trusted, runs, damage: str) -> None:
    from wa_lint.cache_store import json_bytes, seal

    project = _monorepo(tmp_path)
    _run(project)
    (entry,) = (project / ".wa_lint_cache" / "runs").iterdir()
    key = entry.name[:-len(".json")]
    stored = json.loads(entry.read_bytes().split(b"\n", 1)[1])
    result = stored["result"]
    if damage == "not a list":
        result["parts"] = {"parts": 1}
    elif damage == "a part of the wrong shape":
        result["parts"][1][0] = ["files", 3]
    else:
        result["findings"][0][3][0] = 7
    body = b'{"inputs":' + json_bytes(stored["inputs"]) + b',"result":' + json_bytes(result) + b"}"
    entry.write_bytes(seal(key, body) + b"\n" + body)  # sealed as the store seals: damaged, not torn
    handler = project / "clients" / "src" / "direct.py"
    _edit(handler, "def lambda_handler(event, context):\n", "def lambda_handler(event, context):  # edited\n")
    runs.clear()
    after = _run(project)
    assert runs == [None] or runs[-1] is None
    assert _whole(after) == _whole(_run(project, use_cache=False))


def test_a_racy_file_whose_digest_changed_is_a_changed_file(tmp_path) -> None:
    path = tmp_path / "app.py"
    path.write_text("a = 1\n")
    recorded = Inputs(started_ns=0)  # every status is racy: the record keeps digests
    recorded.note(path)
    stored = json.loads(json.dumps(recorded.encode()))
    assert stored[3][:1] == [0], "a racy status is kept with a digest"
    stored[3][1] = "0" * 64  # what was read then is not what the file holds now
    now = Inputs.files_changed_now(stored, 4)
    assert now is not None and now[1] == [os.fspath(path)]


def test_known_statuses_are_used_instead_of_asking_again(tmp_path) -> None:
    path = tmp_path / "app.py"
    path.write_text("a = 1\n")
    recorded = Inputs(started_ns=os.stat(path).st_mtime_ns + 10**10)
    recorded.note(path)
    stored = json.loads(json.dumps(recorded.encode()))
    known = Inputs()
    known.paths[os.fspath(path)] = (None, None)  # the run saw it gone
    assert Inputs.files_changed_now(stored, 4, known) is None
    assert Inputs.files_changed_now(stored, 4) is not None


def test_an_edited_file_that_holds_nothing_checked_runs_its_part_alone(tmp_path, trusted, runs) -> None:
    project = _monorepo(tmp_path)
    script = project / "tools" / "build.py"  # no handler: read, found to hold none, never analysed
    script.parent.mkdir()
    script.write_text("import subprocess\n\n\ndef main():\n    subprocess.run(['sam', 'build'])\n")
    _run(project)
    _edit_and_compare(project, script, "def main():", "def main(argv=None):", runs, whole=False)
    assert runs[0] == frozenset({os.fspath(script)})
