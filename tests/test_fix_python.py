"""PERF101/PERF102 fixes on fixture pairs (`x.py` → `x.fixed.py`): exact output, idempotence, safety."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES, copy_pair_inputs, crlf

from wa_lint.config import Config
from wa_lint.fix.apply import fix_files
from wa_lint.pipeline import run

CASES = FIXTURES / "autofix"
# Cases whose fix is unsafe: applied only with --unsafe-fixes.
UNSAFE = {"with-block", "connection-lazy"}
SELECT = Config().with_overrides(select=("PERF101", "PERF102"))


def _copy(case: str, tmp_path: Path, transform=lambda data: data) -> Path:
    return copy_pair_inputs(CASES / case, tmp_path / case, transform)


def _fix(root: Path, unsafe: bool):
    return fix_files(lambda: run([root], SELECT, use_cache=False), unsafe=unsafe)


def _expected(case: str, name: str, transform=lambda data: data) -> bytes:
    fixed = CASES / case / name.replace(".py", ".fixed.py")
    return transform((fixed if fixed.is_file() else CASES / case / name).read_bytes())


def _bom(data: bytes) -> bytes:
    return b"\xef\xbb\xbf" + data


@pytest.mark.parametrize("transform", [lambda d: d, crlf, _bom], ids=["lf", "crlf", "bom"])
@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir()))
def test_fixture_pair_exact_output_and_second_run_is_a_no_op(case: str, transform, tmp_path: Path) -> None:
    root = _copy(case, tmp_path, transform)
    outcome = _fix(root, unsafe=True)
    assert not outcome.failures
    for path in sorted(root.iterdir()):
        assert path.read_bytes() == _expected(case, path.name, transform), path.name
    fixed_here = any(".fixed." in p.name for p in (CASES / case).iterdir())
    if fixed_here:
        # What is left at the fixed point has no fix, and says why.
        left = [f for f in outcome.result.findings if f.code in ("PERF101", "PERF102")]
        assert outcome.fixed and all(not f.fixes and "not fixed automatically: " in f.message for f in left)
    again = _fix(root, unsafe=True)
    assert again.fixed == 0 and not again.changes


@pytest.mark.parametrize("case", sorted(UNSAFE))
def test_unsafe_fixes_wait_for_unsafe_fixes(case: str, tmp_path: Path) -> None:
    root = _copy(case, tmp_path)
    outcome = _fix(root, unsafe=False)
    assert outcome.fixed == 0
    assert outcome.more_with_unsafe() == 1
    assert (root / "app.py").read_bytes() == (CASES / case / "app.py").read_bytes()


def test_event_and_invocation_arguments_are_not_fixed_and_the_finding_says_why(tmp_path: Path) -> None:
    root = _copy("event-argument", tmp_path)
    result = run([root], SELECT, use_cache=False)
    by_line = {finding.span.line: finding for finding in result.findings}
    assert not by_line[7].fixes and "configured from the event" in by_line[7].fix
    assert not by_line[9].fixes
    assert "not fixed automatically: an argument depends on `stage`" in by_line[9].message


def test_json_report_carries_the_hoisting_edits(cli, tmp_path: Path, monkeypatch) -> None:
    root = _copy("aliases", tmp_path)
    monkeypatch.chdir(root)
    report = json.loads(cli(".", "--isolated", "--no-cache", "--output-format", "json").output)
    findings = report["findings"] if isinstance(report, dict) else report
    fixes = [fix for finding in findings for fix in finding["fixes"]]
    assert len(fixes) == 2 and all(fix["applicability"] == "safe" for fix in fixes)
    assert any(edit["replacement"].startswith("\nkinesis = b3.client") for fix in fixes for edit in fix["edits"])


def test_a_name_taken_at_module_scope_is_not_reused(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import boto3\n\ns3 = 'bucket'\n\n\ndef handler(event, context):\n"
        "    s3 = boto3.client('s3')\n    return s3.list_objects(Bucket='b')\n")
    _fix(tmp_path, unsafe=False)
    text = (tmp_path / "app.py").read_text()
    assert "s3_client = boto3.client('s3')\n" in text
    assert "    s3 = s3_client\n" in text and "s3 = 'bucket'" in text


def test_a_closed_client_is_not_fixed(tmp_path: Path) -> None:
    source = ("import requests\n\n\ndef handler(event, context):\n    http = requests.Session()\n"
              "    try:\n        return http.get('https://example.com').status_code\n    finally:\n"
              "        http.close()\n")
    (tmp_path / "app.py").write_text(source)
    outcome = _fix(tmp_path, unsafe=True)
    assert (tmp_path / "app.py").read_text() == source
    assert "http.close()` ends it" in outcome.result.findings[0].message


def test_a_suffix_only_when_a_real_collision_forces_it(tmp_path: Path) -> None:
    """Another function's own local `s3_client` is no collision; a module-level one (a different client) is."""
    (tmp_path / "app.py").write_text(
        "import boto3\n\n\ndef handler(event, context):\n    return boto3.client('s3').list_buckets()\n\n\n"
        "def other(event, context):\n    s3_client = 'mine'\n    return s3_client\n")
    _fix(tmp_path, unsafe=False)
    text = (tmp_path / "app.py").read_text()
    assert "\ns3_client = boto3.client('s3')\n" in text and "return s3_client.list_buckets()" in text
    (tmp_path / "app.py").write_text(
        "import boto3\n\ns3_client = boto3.client('s3', region_name='us-east-1')\n\n\n"
        "def handler(event, context):\n    return boto3.client('s3').list_buckets()\n")
    _fix(tmp_path, unsafe=False)
    text = (tmp_path / "app.py").read_text()
    assert "s3_client_2 = boto3.client('s3')\n" in text and "return s3_client_2.list_buckets()" in text


def test_two_different_clients_of_one_service_never_share_a_name_in_one_round(tmp_path: Path) -> None:
    """Hoisted to different places (the second reads a constant defined after the first function), both
    fixes apply in one round; the later one must not rebind the earlier one's name."""
    (tmp_path / "app.py").write_text(
        "import boto3\n\n\ndef a(event, context):\n    return boto3.client('s3').list_buckets()\n\n\n"
        "REGION = 'us-east-1'\n\n\ndef handler(event, context):\n"
        "    return a(event, context), boto3.client('s3', region_name=REGION).list_buckets()\n")
    outcome = _fix(tmp_path, unsafe=False)
    text = (tmp_path / "app.py").read_text()
    assert outcome.fixed == 2, text
    assert "s3_client = boto3.client('s3')\n" in text
    assert "s3_client_2 = boto3.client('s3', region_name=REGION)\n" in text


def test_a_generic_local_takes_its_services_name_everywhere_it_is_used(tmp_path: Path) -> None:
    source = ("import boto3\n\n\ndef handler(event, context):\n    client = boto3.client('sqs')\n"
              "    client.send_message(QueueUrl='q', MessageBody='a')\n"
              "    return client.get_queue_url(QueueName='q'), {'q': client}\n")
    (tmp_path / "app.py").write_text(source)
    _fix(tmp_path, unsafe=False)
    assert (tmp_path / "app.py").read_text() == (
        "import boto3\n\nsqs_client = boto3.client('sqs')\n\n\ndef handler(event, context):\n"
        "    sqs_client.send_message(QueueUrl='q', MessageBody='a')\n"
        "    return sqs_client.get_queue_url(QueueName='q'), {'q': sqs_client}\n")
    # A use inside an f-string cannot be renamed by its position on Python 3.11: the author's name stays.
    (tmp_path / "app.py").write_text(source.replace("{'q': client}", "f'{client}'"))
    _fix(tmp_path, unsafe=False)
    text = (tmp_path / "app.py").read_text()
    assert "\nclient = boto3.client('sqs')\n" in text and "f'{client}'" in text and "sqs_client" not in text


def test_a_client_built_from_self_is_not_fixed_and_the_finding_says_why(tmp_path: Path) -> None:
    root = _copy("class-instance", tmp_path)
    result = run([root], SELECT, use_cache=False)
    (archive,) = [finding for finding in result.findings if finding.span.line == 25]
    assert not archive.fixes
    assert "not fixed automatically: an argument reads `self`, so it may differ per instance" in archive.message
    assert archive.fix.startswith("it is configured from the instance") and "in `__init__`" in archive.fix
    (resource,) = [finding for finding in result.findings if finding.span.line == 14]
    assert resource.fix.startswith("create it once at module scope"), "a client not built from self: module scope"


def test_a_statement_inside_a_try_moves_whole_and_is_unsafe(tmp_path: Path) -> None:
    source = ("import boto3\nfrom botocore.exceptions import ClientError\n\n\ndef handler(event, context):\n"
              "    try:\n        sns_client = boto3.client('sns')\n        return sns_client.publish(Message='m')\n"
              "    except ClientError:\n        return None\n")
    (tmp_path / "app.py").write_text(source)
    assert _fix(tmp_path, unsafe=False).fixed == 0
    _fix(tmp_path, unsafe=True)
    assert (tmp_path / "app.py").read_text() == (
        "import boto3\nfrom botocore.exceptions import ClientError\n\nsns_client = boto3.client('sns')\n\n\n"
        "def handler(event, context):\n    try:\n        return sns_client.publish(Message='m')\n"
        "    except ClientError:\n        return None\n")


def test_inline_template_code_is_not_fixed_and_the_finding_says_why(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n"
        "      Handler: index.handler\n      Role: arn:aws:iam::123456789012:role/r\n      Code:\n"
        "        ZipFile: |\n          import boto3\n          def handler(event, context):\n"
        "              return boto3.client('s3').list_buckets()\n")
    outcome = _fix(tmp_path, unsafe=True)
    (finding,) = outcome.result.findings
    assert outcome.fixed == 0 and not finding.fixes
    assert finding.message.endswith("(not fixed automatically: the code is inline in the template)")


# Inputs for the run's fixer: the autofix fixtures and the files of the tests above, every call in each
# offered as a fix site (most are no constructor: NotFixable answers are compared too).
_SHARED_SOURCES = [
    ("import boto3\n\ns3 = 'bucket'\n\n\ndef handler(event, context):\n    s3 = boto3.client('s3')\n"
    "    return s3.list_objects(Bucket='b')\n"),
    ("import boto3\n\n\ndef a(event, context):\n    return boto3.client('s3').list_buckets()\n\n\n"
    "REGION = 'us-east-1'\n\n\ndef handler(event, context):\n"
    "    return a(event, context), boto3.client('s3', region_name=REGION).list_buckets()\n"),
    ("import boto3\n\n\ndef handler(event, context):\n    return boto3.client('s3').list_buckets()\n\n\n"
    "def other(event, context):\n    s3_client = 'mine'\n    return s3_client\n"),
    ("import boto3\n\n\ndef a(event, context):\n    c = boto3.client('s3')\n    return c.list_buckets()\n\n\n"
    "def b(event, context):\n    c = boto3.client('s3')\n    return c.list_buckets()\n\n\n"
    "def d(event, context):\n    return boto3.client('sqs'), boto3.client('s3', region_name='x')\n"),
    # Shapes whose children sit in unusual fields: dict unpacking (a None key), keyword-only defaults,
    # decorators, lambdas, f-strings, match statements, `global`.
    ("import boto3\nimport functools\n\nCLIENT = None\n\n\n@functools.wraps(print)\n"
    "def h(event, context, *, region=None, **extra):\n    global CLIENT\n    options = {**extra, 'a': 1}\n"
    "    pick = lambda x=boto3.client('s3'): x\n    match event:\n        case {'k': value, **rest}:\n"
    "            print(f\"{value!r:>{len(rest)}}\")\n        case [first, *others] if first:\n"
    "            return boto3.client('sqs', **options)\n    return pick(), boto3.resource('dynamodb')\n"),
    # An identifier Python normalises (NFKC): the tree's name `file` is not written as such in the text.
    "import boto3\n\n\ndef handler(event, context):\n    \ufb01le = 1\n    return boto3.client('s3'), \ufb01le\n",
]


def _sites(text: str):
    import ast

    from wa_lint.analyse.python.positions import SourceMap
    from wa_lint.fix.python import Target

    source = SourceMap(text)
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Call):
            line, column, end_line, end_column = source.span(node)
            yield Target(line, column, end_line, end_column, ast.unparse(node.func))


def _answer(fixer, path: Path, text: str, target):
    from wa_lint.fix.python import NotFixable

    try:
        return fixer(path, text, target)
    except NotFixable as reason:
        return f"not: {reason}"


def _shared_cases() -> list[tuple[Path, str]]:
    files = [*sorted(CASES.rglob("*.py")), *sorted(FIXTURES.glob("PERF10[12]-*/**/*.py"))]
    cases = [(path, path.read_text()) for path in files if ".fixed." not in path.name]
    return cases + [(Path(f"shared_{n}.py"), text) for n, text in enumerate(_SHARED_SOURCES)]


@pytest.mark.parametrize("reverse", [False, True], ids=["in-order", "reversed"])
def test_one_parse_for_every_site_of_a_file_gives_each_site_the_fix_it_gets_alone(reverse: bool) -> None:
    """The run's fixer keeps a file parsed and its names indexed between fix sites: whatever the order of
    the sites (and of the files, past what it keeps), each answer is the one a fresh parse gives."""
    from wa_lint.fix.python import Hoisting, hoist

    shared = Hoisting(keep=2)
    asked = [(path, text, target) for path, text in _shared_cases() for target in _sites(text)]
    assert len(asked) > 200
    fixed = 0
    for path, text, target in reversed(asked) if reverse else asked:
        alone = _answer(hoist, path, text, target)
        assert _answer(shared.hoist, path, text, target) == alone, (path, target)
        fixed += not isinstance(alone, str)
    assert fixed >= 15, "real fixes are compared, not only the reasons there are none"


def test_the_runs_fix_answers_are_per_text_and_an_error_is_not_kept(monkeypatch) -> None:
    from wa_lint.fix import cache as fix_cache
    from wa_lint.fix.python import NotFixable, Target

    fixes = fix_cache.RunFixes(None)
    path = Path("app.py")
    text = "import boto3\n\n\ndef handler(event, context):\n    return boto3.client('s3').list_buckets()\n"
    target = Target(5, 12, 5, 30, "boto3.client")
    first = fixes.hoist(path, text, target)
    assert fixes.hoist(path, text, target) is first, "asked again, answered from memory"
    edited = text.replace("def handler", "TABLE = 'x'\n\n\ndef handler")
    moved = Target(8, 12, 8, 30, "boto3.client")
    assert fixes.hoist(path, edited, moved).edits != first.edits, "another text, its own answer"
    with pytest.raises(NotFixable, match="not found in the file"):
        fixes.hoist(path, edited, target)
    with pytest.raises(NotFixable, match="not found in the file"):
        fixes.hoist(path, edited, target)  # a kept reason is raised again
    calls = []

    def failing(*args):
        calls.append(args)
        raise ValueError("cannot say")

    monkeypatch.setattr(fixes.hoisting, "hoist", failing)
    other = Target(5, 12, 5, 31, "boto3.client")
    for _ in range(2):
        with pytest.raises(ValueError):
            fixes.hoist(path, text, other)
    assert len(calls) == 2, "what the fixer could not say is asked again, not remembered"


def test_the_fixers_name_indexes_answer_as_a_walk_of_the_tree_does() -> None:
    """The indexes a parsed file keeps (names bound per statement, names read per scope) against the
    plain walks they replace, for every name of every file and every function as the one skipped."""
    import ast

    from wa_lint.fix.python import _bound_names, _Hoister, _own_nodes, _walk

    def scopes(tree):
        return [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda))]

    checked = 0
    for path, text in _shared_cases():
        tree = ast.parse(text)
        hoister = _Hoister(path, text, tree)
        assert hoister.nodes == list(ast.walk(tree)), path
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        assert all(hoister.parents[child] is parent for child, parent in parents.items()
                   if child._fields), path  # context singletons (`Load`) have no one parent
        names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)} | {"absent"}
        functions = [scope for scope in scopes(tree) if scope is not tree]
        for name in sorted(names):
            bindings = sum(name in _bound_names(ast.Module(body=[s], type_ignores=[])) for s in tree.body)
            assert hoister._rebound_at_module(name) == (bindings > 1), (path, name)
            for skip in [None, *functions]:
                plain = any(scope is not skip and name not in (set() if scope is tree else _bound_names(scope))
                            and any(isinstance(n, ast.Name) and n.id == name for n in _own_nodes(scope))
                            for scope in scopes(tree))
                assert hoister._used_globally(name, skip) == plain, (path, name, skip)
                checked += 1
        for function in functions:
            taken = set(hoister.module_bound) | hoister.declared_global
            for scope in scopes(tree):
                bound = set() if scope is tree else _bound_names(scope)
                taken |= {n.id for n in _own_nodes(scope) if isinstance(n, ast.Name) and n.id not in bound}
            taken |= {n.id for n in ast.walk(function) if isinstance(n, ast.Name)}
            taken |= {n.arg for n in ast.walk(function) if isinstance(n, ast.arg)}
            assert hoister._taken(function) == taken, path
            for name in sorted(names | taken | {"s3_client", "file", "absent_2"}):
                assert hoister.is_taken(name, function) == (name in taken), (path, name)
            assert list(_walk(function)) == list(ast.walk(function)), path
    assert checked > 500
