"""Our cheaper position pass gives exactly libcst's PositionProvider positions."""

from __future__ import annotations

import libcst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from conftest import FIXTURES
from wa_lint.python.positions import positions

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
