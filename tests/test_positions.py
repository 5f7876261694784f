"""Our cheaper position pass gives exactly libcst's PositionProvider positions."""

from __future__ import annotations

import libcst
import pytest
from conftest import FIXTURES
from libcst.metadata import MetadataWrapper, PositionProvider

from wa_lint.analyse.python.positions import TRIVIA, build_tree, walk

SOURCES = [
    "import os\n\n\ndef handler(event, context):\n    return {'a': [1, 2,\n        3]}\n",
    "x = 1\r\ny = '''a\r\nb'''\r\nclass C:\r\n    def m(self): pass\r\n",
    "x = (1,\r 2)\rs = '''a\r\rb\n\r'''\rdef f(): return s\r",
    "s = f\"{a['b']!r:>{width}}\"\nasync def f():\n    async with a as b, c: await d\n",
    "# only a comment\n",
    "from a import (\n    b,  # why\n    c as d,\n)\nwith (open(x) as f, g()):\n    pass\n",
    "x = 'caf\u00e9'\nif x:\n\tif x:\n\t\tpass\n",
]
SOURCES += [p.read_text() for p in sorted((FIXTURES / "demo").rglob("*.py"))]


@pytest.mark.parametrize("source", SOURCES)
def test_same_positions_as_libcst(source: str) -> None:
    module = libcst.parse_module(source)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    regions = {id(node): (r.start.line, r.start.column, r.end.line, r.end.column)
               for node, r in expected.items() if type(node) not in TRIVIA}
    ours = build_tree(module).positions
    assert {key: ours.get(key) for key in regions} == regions


class _Recorder(libcst.CSTVisitor):
    """Records every visit and leave, and skips the body of functions named `skip`."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, str]] = []

    def on_visit(self, node: libcst.CSTNode) -> bool:
        self.events.append(("visit", type(node).__name__))
        return not (isinstance(node, libcst.FunctionDef) and node.name.value == "skip")

    def on_leave(self, original_node: libcst.CSTNode) -> None:
        self.events.append(("leave", type(original_node).__name__))


def _recording_method(kind: str, node_type: str):
    def record(self, node: libcst.CSTNode):
        self.events.append((kind, node_type))
        if kind == "visit":
            return not (isinstance(node, libcst.FunctionDef) and node.name.value == "skip")
        return None

    return record


# A visitor with its own visit_/leave_ method for every libcst node type.
_NODE_TYPES = [name for name in dir(libcst) if isinstance(getattr(libcst, name), type)
               and issubclass(getattr(libcst, name), libcst.CSTNode)]
_WalkRecorder = type("_WalkRecorder", (), {
    "__init__": lambda self: setattr(self, "events", []),
    **{f"{kind}_{name}": _recording_method(kind, name) for name in _NODE_TYPES for kind in ("visit", "leave")},
})


@pytest.mark.parametrize("source", SOURCES + ["@deco(1)\nclass A(B, metaclass=M):\n    def skip(self):\n        x = 1\n"])
def test_walk_visits_like_libcst(source: str) -> None:
    """The same visits and leaves in the same order as libcst's own visitor, trivia (whitespace,
    comments, punctuation) aside: the walk skips it."""
    module = libcst.parse_module(source)
    expected = _Recorder()
    module.visit(expected)
    ours = _WalkRecorder()
    walk(build_tree(module), ours)
    trivia = {kind.__name__ for kind in TRIVIA}
    assert ours.events == [e for e in expected.events if e[1] not in trivia]


def test_attribute_hooks_wrap_the_attribute_and_visitors_run_in_order() -> None:
    events: list[str] = []

    class First:
        def visit_Decorator(self, node: libcst.Decorator) -> None:
            events.append("first:decorator")

        def visit_FunctionDef_body(self, node: libcst.FunctionDef) -> None:
            events.append("first:body>")

        def leave_FunctionDef_body(self, node: libcst.FunctionDef) -> None:
            events.append("first:<body")

        def visit_Return(self, node: libcst.Return) -> None:
            events.append("first:return")

    class Second:
        def visit_Return(self, node: libcst.Return) -> None:
            events.append("second:return")

    module = libcst.parse_module("@deco\ndef f(a=default()):\n    return a\n")
    walk(build_tree(module), First(), Second())
    assert events == ["first:decorator", "first:body>", "first:return", "second:return", "first:<body"]
