"""Positions from `ast` in the units findings use (1-based character columns), and the shared walk."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from wa_lint.analyse.python.facts import module_facts
from wa_lint.analyse.python.facts_model import ModuleFacts
from wa_lint.analyse.python.positions import SourceMap, split_lines
from wa_lint.analyse.python.walk import Collector, Context, walk


def _call_columns(source: str) -> list[tuple[int, int, int, int]]:
    facts = module_facts(source, Path("app.py"))
    return [(c.line, c.column, c.end_line, c.end_column) for body in facts.bodies.values() for c in body.calls]


def test_columns_count_characters_not_utf8_bytes() -> None:
    # `é` is two bytes and `🚀` four: ast's offsets on these lines are larger than the character columns.
    source = 'def h(event, context):\n    x = "é🚀"; boto3.client("s3")\n    return boto3.client("sqs")\n'
    line = source.splitlines()[1]
    start = line.index("boto3") + 1
    assert _call_columns(source) == [(2, start, 2, start + len('boto3.client("s3")')), (3, 12, 3, 31)]
    assert line.encode().index(b"boto3") + 1 != start  # the byte offset would be wrong here


def test_a_call_spanning_lines_ends_at_the_right_character_of_its_last_line() -> None:
    source = 'def h(event, context):\n    return f(\n        "ü", é)\n'
    assert _call_columns(source) == [(2, 12, 3, 16)]


def test_inline_code_offsets_shift_lines_and_columns() -> None:
    facts = module_facts("def h(e, c):\n    return ö(1)\n", Path("t.yaml"), line_offset=10, column_offset=4)
    call = facts.bodies["h"].calls[0]
    assert (call.line, call.column, call.end_column) == (12, 16, 20)
    assert facts.functions["h"].location.line == 11


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_lines_end_where_the_tokenizer_ends_them(newline: str) -> None:
    source = newline.join(["x = 1", "s = 'a\fb'", "def f(): return é()", ""])
    assert len(split_lines(source)) == 3
    tree = ast.parse(source)
    call = tree.body[2].body[0].value  # type: ignore[attr-defined]
    assert SourceMap(source).span(call) == (3, 17, 3, 20)
    assert SourceMap(source).segment(call) == "é()"


def test_names_of_definitions_are_located_on_their_name() -> None:
    source = "class Classy:\n    async  def classify(self): ...\n@deco\ndef  défaut(): ...\n"
    facts = module_facts(source, Path("app.py"))
    assert facts.classes["Classy"] == type(facts.classes["Classy"])(1, 7, 1, 13)
    method = facts.functions["Classy.classify"].location
    assert (method.line, method.column, method.end_column) == (2, 16, 24)
    default = facts.functions["défaut"].location
    assert (default.line, default.column, default.end_column) == (4, 6, 12)


def test_call_text_is_the_call_without_enclosing_parentheses() -> None:
    facts = module_facts("import boto3\ndef h(e, c):\n    return (boto3.client('s3'))\n", Path("app.py"))
    assert facts.bodies["h"].calls[0].text == "boto3.client('s3')"


def test_walk_runs_collectors_in_order_with_definitions_outside_their_bodies() -> None:
    events: list[str] = []

    class First(Collector):
        def visit_Name(self, node: ast.Name) -> None:
            events.append(f"first:{node.id}@{'.'.join(n for _, n in self.context.scope)}")

        def visit_FunctionDef_body(self, node: ast.FunctionDef) -> None:
            events.append("first:body>")

        def leave_FunctionDef_body(self, node: ast.FunctionDef) -> None:
            events.append("first:<body")

    class Second(Collector):
        def visit_Name(self, node: ast.Name) -> None:
            events.append(f"second:{node.id}")

    source = "@deco\ndef f(a=default):\n    return a if test else other\n"
    context = Context(ModuleFacts(Path("x.py")), SourceMap(source))
    walk(ast.parse(source), context, [First(context), Second(context)])
    assert events == [
        "first:deco@", "second:deco", "first:default@", "second:default", "first:body>",
        "first:a@f", "second:a", "first:test@f", "second:test", "first:other@f", "second:other", "first:<body",
    ]


def test_a_lint_run_on_python_code_never_imports_libcst(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("import boto3\ndef lambda_handler(event, context):\n"
                                             "    return boto3.client('s3')\n")
    (tmp_path / "template.yaml").write_text(textwrap.dedent("""\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties: {CodeUri: src/, Handler: app.lambda_handler, Runtime: python3.12, MemorySize: 256}
    """))
    script = textwrap.dedent(f"""
        import sys
        from wa_lint.config import Config
        from wa_lint.pipeline import run
        from wa_lint.analyse.python.workers import analyse_bytes
        from pathlib import Path
        result = run([Path({str(tmp_path)!r})], Config(), jobs=1, use_cache=False)
        analyse_bytes(Path("a.py"), b"import boto3\\n")
        print(sorted(f.code for f in result.findings), "libcst" in sys.modules)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "False", done.stdout
    assert "PERF101" in done.stdout


EVERY_SHAPE = '''\
import a.b as c
from .x import (y as z, w)
global_name = {**base, "k": [i async for i in aiter() if i], ("t",): {s for s in b}}
@deco(x=1)
async def f(p, /, q: int = 1, *args, r, s=2, **kw) -> "T":
    global g
    nonlocal_ = lambda m, *n: (m, n)
    async with ctx() as (u, v), other():
        pass
    try:
        del w[0], w.x
    except* ValueError as e:
        raise RuntimeError("x") from e
    finally:
        assert p, f"{p!r:>{q}} {{}}"
    match p:
        case {"k": [1, *rest], **more} if rest:
            return more
        case Point(x=0, y=_) | None:
            pass
        case str() as text:
            yield text
    while (n := n - 1) > 0:
        break
    else:
        continue_ = not p if q else -q
    x: list[int] = [a for a in b for b in c]
    q **= await thing[1:2:3, ...]
class K(Base, metaclass=Meta):
    def m(self): return super().m()
'''


def test_children_are_every_child_node_for_every_kind_of_node() -> None:
    from collections import Counter

    from wa_lint.analyse.python.walk import children

    skip = (ast.expr_context, ast.operator, ast.boolop, ast.cmpop, ast.unaryop, ast.type_ignore)
    tree = ast.parse(EVERY_SHAPE)
    kinds = set()
    for node in ast.walk(tree):
        kinds.add(type(node))
        want = Counter(id(child) for child in ast.iter_child_nodes(node) if not isinstance(child, skip))
        assert Counter(id(child) for child in children(node)) == want, type(node).__name__
    assert {ast.MatchMapping, ast.MatchClass, ast.TryStar, ast.NamedExpr, ast.Lambda, ast.arguments} <= kinds


def test_the_walk_visits_every_node_once_in_source_order_with_its_scope() -> None:
    from collections import Counter

    skip = (ast.expr_context, ast.operator, ast.boolop, ast.cmpop, ast.unaryop, ast.type_ignore)
    kinds = {kind for kind in vars(ast).values() if isinstance(kind, type) and issubclass(kind, ast.AST)
             and not issubclass(kind, skip)}
    seen: list[tuple[ast.AST, str | None, str]] = []

    def record(self: Collector, node: ast.AST) -> None:
        seen.append((node, self.context.enclosing_function(), self.context.qualname("x")))

    # Every node type visited: none is dropped as having nothing to do.
    Everything = type("Everything", (Collector,), {f"visit_{kind.__name__}": record for kind in kinds})
    tree = ast.parse(EVERY_SHAPE)
    context = Context(ModuleFacts(Path("x.py")), SourceMap(EVERY_SHAPE))
    walk(tree, context, [Everything(context)])
    want = Counter(id(node) for node in ast.walk(tree) if not isinstance(node, skip))
    assert Counter(id(node) for node, _, _ in seen) == want
    # Statements and names in source order (what the collectors that follow values rely on).
    names = [node.id for node, _, _ in seen if isinstance(node, ast.Name)]
    assert names == [
        "global_name", "base", "i", "i", "aiter", "i", "s", "s", "b", "deco", "int", "nonlocal_", "m", "n", "ctx",
        "u", "v", "other", "w", "w", "ValueError", "RuntimeError", "e", "p", "p", "q", "p", "rest", "more", "Point",
        "str", "text", "n", "n", "continue_", "p", "q", "q", "x", "list", "int", "a", "a", "b", "b", "c", "q",
        "thing", "Base", "Meta", "super"]
    scopes = {node.id: (function, qualname) for node, function, qualname in seen if isinstance(node, ast.Name)}
    # Decorators and bases run where the definition is.
    assert scopes["deco"] == scopes["Meta"] == (None, "x")
    assert scopes["rest"] == ("f", "f.x") and scopes["super"] == ("K.m", "K.m.x")
    methods = [(function, qualname) for node, function, qualname in seen if isinstance(node, ast.FunctionDef)]
    assert methods == [(None, "K.x")], "a method is defined in its class body, in no function"
    assert context.scope == [] and context.functions == [] and context.qualnames == []
