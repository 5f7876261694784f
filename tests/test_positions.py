"""Our cheaper position pass gives exactly libcst's PositionProvider positions."""

from __future__ import annotations

import libcst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from conftest import FIXTURES
from wa_lint.python.positions import build_tree, positions, walk

SOURCES = [
    "import os\n\n\ndef handler(event, context):\n    return {'a': [1, 2,\n        3]}\n",
    "x = 1\r\ny = '''a\r\nb'''\r\nclass C:\r\n    def m(self): pass\r\n",
    "s = f\"{a['b']!r:>{width}}\"\nasync def f():\n    async with a as b, c: await d\n",
    "# only a comment\n",
    "x = 'caf\u00e9'\nif x:\n\tif x:\n\t\tpass\n",
]
SOURCES += [p.read_text() for p in sorted((FIXTURES / "demo").rglob("*.py"))]


@pytest.mark.parametrize("source", SOURCES)
def test_same_positions_as_libcst(source: str) -> None:
    module = libcst.parse_module(source)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    assert positions(module) == dict(expected)


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


class _WalkRecorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def __getattr__(self, name: str):
        kind, _, node_type = name.partition("_")

        def record(node: libcst.CSTNode):
            self.events.append((kind, node_type))
            if kind == "visit":
                return not (isinstance(node, libcst.FunctionDef) and node.name.value == "skip")
            return None

        return record


@pytest.mark.parametrize("source", SOURCES + ["@deco(1)\nclass A(B, metaclass=M):\n    def skip(self):\n        x = 1\n"])
def test_walk_visits_like_libcst(source: str) -> None:
    """The same visits and leaves in the same order; libcst's own visitor differs from source order only
    for the whitespace inside `as` clauses, which no analysis looks at."""
    module = libcst.parse_module(source)
    expected = _Recorder()
    module.visit(expected)
    ours = _WalkRecorder()
    walk(build_tree(module), ours)
    whitespace = {"SimpleWhitespace", "ParenthesizedWhitespace", "TrailingWhitespace", "EmptyLine", "Newline"}
    assert len(ours.events) == len(expected.events)
    assert [e for e in ours.events if e[1] not in whitespace] == [e for e in expected.events if e[1] not in whitespace]
