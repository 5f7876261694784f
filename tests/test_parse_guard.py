"""The parse guard: shapes that crash, hang or exhaust libcst become a ParseFailure, and real code passes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

from wa_lint.analyse.python.facts import module_facts
from wa_lint.analyse.python.parse import ParseFailure

DEEP = 3000
# Each of these raised RecursionError out of module_facts, took seconds and a gigabyte, or hung.
RECURSIVE_SHAPES = {
    "not": "x = " + "not " * DEEP + "a\n",
    "lambda": "x = " + "lambda: " * DEEP + "a\n",
    "conditional": "x = " + "a if b else " * DEEP + "a\n",
    "subscripts": "x = a" + "[0]" * DEEP + "\n",
    "calls": "x = a" + "()" * DEEP + "\n",
    "brackets-and-operators": "x = " + "(a+" * 90 + "a" + "+a" * 300 + ")" * 90 + "\n",
    "operators-in-f-string": 'x = f"{a' + "+a" * 20000 + '}"\n',
    "await": "async def f():\n    return " + "await " * DEEP + "a\n",
}


@pytest.mark.parametrize("source", RECURSIVE_SHAPES.values(), ids=RECURSIVE_SHAPES.keys())
def test_deep_shapes_are_a_parse_failure(source: str) -> None:
    with pytest.raises(ParseFailure) as caught:
        module_facts(source, Path("deep.py"))
    assert "not analysed" in caught.value.message or "too deeply" in caught.value.message


def test_nested_f_strings_are_analysed_or_refused_cleanly() -> None:
    # 200 nested f-strings (PEP 701) parse; the tree walk is iterative, so analysing them is fine too.
    source = "x = " + 'f"{' * 200 + "1" + '}"' * 200 + "\n"
    try:
        facts = module_facts(source, Path("deep.py"))
    except ParseFailure as error:
        assert "not analysed" in error.message or "too deeply" in error.message
    else:
        assert facts.functions == {}


def test_a_segfaulting_shape_inside_an_f_string_is_rejected_before_libcst() -> None:
    # tokenize sees an f-string as one STRING token: 1,500 parentheses inside it killed the process.
    source = 'x = f"{' + "(" * 1500 + "1" + ")" * 1500 + '}"\n'
    script = textwrap.dedent(f"""
        from pathlib import Path
        from wa_lint.analyse.python.facts import module_facts
        from wa_lint.analyse.python.parse import ParseFailure
        try:
            module_facts({source!r}, Path("x.py"))
        except ParseFailure as error:
            print("rejected:", error.message)
    """)
    done = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "rejected: brackets nested deeper than 100 levels" in done.stdout


REAL_CODE = {
    "f-string fields": 'def handler(event, context):\n    return f"{{x}} {event[\'k\']!r:>{width}} {a + b}"\n',
    "long flat literal": "TABLE = {" + ", ".join(f"'k{i}': {i}" for i in range(3000)) + "}\n",
    "long flat call": "x = f(" + ", ".join(f"a{i} + b{i}" for i in range(2000)) + ")\n",
    "method chain": "x = (query" + ".filter(a == b).order_by(c)" * 40 + ")\n",
    "string concatenation": "SQL = (\n" + "".join(f"    'line {i} ' +\n" for i in range(150)) + "    '')\n",
    "comprehension": "x = [a for a in b if a if not a for c in a if c]\n",
    "chained comparison": "ok = 0 < a <= b < c != d is not e\n",
}


@pytest.mark.parametrize("source", REAL_CODE.values(), ids=REAL_CODE.keys())
def test_real_code_shapes_pass_the_guard(source: str) -> None:
    module_facts(source, Path("real.py"))


def test_warnings_about_the_users_code_are_not_printed_nor_mistaken_for_the_error() -> None:
    source = 'PATTERN = "C:\\Temp\\new"\nPATTERN = "\\d+\\T"\ndef handler(event, context):\n    return {\n'
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a printed warning would fail the test
        with pytest.raises(ParseFailure) as caught:
            module_facts(source, Path("app.py"))
    assert "never closed" in caught.value.message
