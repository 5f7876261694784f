"""The parse guard: shapes that exhaust a parser or a visitor become a ParseFailure, and real code passes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import pytest

from wa_lint.analyse.python.facts import module_facts
from wa_lint.analyse.python.parse import ParseFailure

DEEP = 3000
# Each of these raised RecursionError out of the old libcst analysis, took seconds and a gigabyte, or hung;
# CPython's parser refuses them (RecursionError / MemoryError during ast construction).
RECURSIVE_SHAPES = {
    "not": "x = " + "not " * DEEP + "a\n",
    "lambda": "x = " + "lambda: " * DEEP + "a\n",
    "conditional": "x = " + "a if b else " * DEEP + "a\n",
    "subscripts": "x = a" + "[0]" * DEEP + "\n",
    "calls": "x = a" + "()" * DEEP + "\n",
    "attributes": "def handler(event, context):\n    return a" + ".b" * 20000 + "\n",
    "operators": "def handler(event, context):\n    return a" + "+a" * 20000 + "\n",
    "operators-in-f-string": 'x = f"{a' + "+a" * 20000 + '}"\n',
    "brackets": "def handler(event, context):\n    return " + "(" * 1500 + "1" + ")" * 1500 + "\n",
    "nested-calls": "def handler(event, context):\n    return " + "f(" * 1200 + "1" + ")" * 1200 + "\n",
    "lists": "x = " + "[" * 1200 + "]" * 1200 + "\n",
}


@pytest.mark.parametrize("source", RECURSIVE_SHAPES.values(), ids=RECURSIVE_SHAPES.keys())
def test_deep_shapes_are_a_parse_failure_in_milliseconds(source: str) -> None:
    started = time.perf_counter()
    with pytest.raises(ParseFailure) as caught:
        module_facts(source, Path("deep.py"))
    assert "not analysed" in caught.value.message
    assert "too deeply" in caught.value.message
    assert time.perf_counter() - started < 2


def test_the_deepest_tree_the_parser_accepts_is_analysed_without_recursion() -> None:
    # Just under CPython's own limits: the walk and the collectors must not overflow the stack.
    depth = 0
    for depth in range(2900, 0, -100):
        source = "def handler(event, context):\n    return event" + "[0]" * depth + "\n"
        try:
            compile(source, "x.py", "exec", flags=0x400)  # ast.PyCF_ONLY_AST
        except (RecursionError, MemoryError, SyntaxError):
            continue
        break
    facts = module_facts(source, Path("deep.py"))
    assert "handler" in facts.functions and depth > 100


def test_nested_f_strings_are_analysed_or_refused_cleanly() -> None:
    source = "x = " + 'f"{' * 200 + "1" + '}"' * 200 + "\n"
    try:
        facts = module_facts(source, Path("deep.py"))
    except ParseFailure as error:
        assert "not analysed" in error.message or "syntax error" in error.message
    else:
        assert facts.functions == {}


def test_a_crashing_shape_never_takes_the_process_down() -> None:
    # 1,500 parentheses inside an f-string killed the process under libcst; the interpreter's parser refuses it.
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
    assert "rejected: " in done.stdout and "not analysed" in done.stdout


PEP_701 = 'def lambda_handler(event, context):\n    print(f"received {event["id"]}")\n    return event\n'
# 3.12+ syntax the 3.11 fallback does not rewrite: a `type` alias.
TYPE_ALIAS = 'type Payload = dict[str, str]\n\ndef lambda_handler(event, context):\n    return event\n'


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="Python 3.12+ parses `type` aliases")
def test_newer_syntax_is_a_parse_failure_that_names_the_running_python() -> None:
    with pytest.raises(ParseFailure) as caught:
        module_facts(TYPE_ALIAS, Path("app.py"))
    message = caught.value.message
    assert caught.value.line == 1
    assert f"Python {sys.version_info.major}.{sys.version_info.minor}" in message and "3.12+" in message


def test_pep_701_f_strings_are_analysed_on_every_supported_python() -> None:
    assert "lambda_handler" in module_facts(PEP_701, Path("app.py")).functions


def test_pep_701_f_strings_give_the_facts_of_the_same_code_quoted_for_python_3_11() -> None:
    reused = ('import boto3\n\ndef handler(event, context):\n'
              '    text = f"{event["id"]} {event["k"]!r:>{event["w"]}}"; client = boto3.client("s3")\n'
              '    return f\'{event[\'n\']}\', client\n')
    other = reused.replace('["id"]', "['id']").replace('["k"]', "['k']").replace('["w"]', "['w']")
    other = other.replace("[\'n\']", '["n"]')
    assert module_facts(reused, Path("app.py")) == module_facts(other, Path("app.py")), "every position kept"
    moved = other.replace("text = ", "text  = ")
    assert module_facts(moved, Path("app.py")) != module_facts(other, Path("app.py")), "facts carry columns"


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="Python 3.12+ parses any PEP 701 f-string")
@pytest.mark.parametrize("code", [
    'def handler(event, context):\n    return f"{f"{event["id"]}"}"\n',  # a string two f-strings deep
    'def handler(event, context):\n    return f"{event["it\'s"]}"\n',  # both quotes inside
    'def handler(event, context):\n    return f"{event["id"]" + "(" * 101 + ")" * 101 + "}"\n',  # too deep to risk
])
def test_pep_701_shapes_the_fallback_cannot_rewrite_stay_parse_failures(code: str) -> None:
    with pytest.raises(ParseFailure) as caught:
        module_facts(code, Path("app.py"))
    assert caught.value.line == 2


def test_ordinary_syntax_errors_carry_no_version_hint() -> None:
    with pytest.raises(ParseFailure) as caught:
        module_facts("def handler(event, context)\n    return 1\n", Path("app.py"))
    assert "3.12" not in caught.value.message and caught.value.line == 1


REAL_CODE = {
    "f-string fields": 'def handler(event, context):\n    return f"{{x}} {event[\'k\']!r:>{width}} {a + b}"\n',
    "long flat literal": "TABLE = {" + ", ".join(f"'k{i}': {i}" for i in range(3000)) + "}\n",
    "long flat call": "x = f(" + ", ".join(f"a{i} + b{i}" for i in range(2000)) + ")\n",
    "method chain": "x = (query" + ".filter(a == b).order_by(c)" * 40 + ")\n",
    "string concatenation": "SQL = (\n" + "".join(f"    'line {i} ' +\n" for i in range(150)) + "    '')\n",
    "comprehension": "x = [a for a in b if a if not a for c in a if c]\n",
    "chained comparison": "ok = 0 < a <= b < c != d is not e\n",
    "brackets 90 deep": "x = " + "(" * 90 + "event" + ")" * 90 + "\n",
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


@pytest.mark.parametrize(("raw", "expected"), [
    (b"x = 1\n", "x = 1\n"),
    (b"\n# -*- coding: latin-1 -*-\ns = 'caf\xe9'\n", "\n# -*- coding: latin-1 -*-\ns = 'caf\xe9'\n"),
    (b"# a comment\n# vim: set fileencoding=nonexistent :\nx = 1\n", "bad encoding declaration: unknown encoding: nonexistent"),
    (b"# coding: nonexistent\n", "bad encoding declaration: unknown encoding: nonexistent"),
    (b"x = 1  # not a declaration: coding: nonexistent on line 1 is one only in a comment\n",
     "x = 1  # not a declaration: coding: nonexistent on line 1 is one only in a comment\n"),
    (b"\xef\xbb\xbfx = 1\n", "x = 1\n"),
])
def test_ascii_sources_decode_as_the_tokenizer_says_declarations_on_either_first_line_included(raw, expected) -> None:
    from wa_lint.analyse.python.source import SourceError, decode_python

    try:
        assert decode_python(raw) == expected
    except SourceError as error:
        assert error.message == expected
