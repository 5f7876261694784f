"""Parsing Python with the interpreter's own parser (`ast`), behind a guard.

CPython's parser refuses the shapes that crashed or hung libcst (HAZARDS.md) by itself, in
milliseconds: brackets nested past its limit are a SyntaxError ("too many nested parentheses"), long
operator, attribute or call chains a RecursionError "during ast construction", some a MemoryError.
Each becomes a ParseFailure with a position, never an exception out of the analysis; worker isolation
(workers.py) stays for whatever we have not thought of.

`ast` accepts the grammar of the interpreter wa-lint runs on. On Python 3.11 the commonest 3.12+ syntax
in handlers, a PEP 701 f-string reusing its own quotes (`f"{event["id"]}"`), is read through libcst (whose
parser has the newer grammar) with those inner quotes swapped, a change of no length, so every position
stays; anything else of 3.12+ (`type` aliases, generic functions, deeper nesting) is reported as such,
naming the version.
"""

from __future__ import annotations

import ast
import sys
import warnings

from wa_lint.errors import LocatedError

_RUNNING = f"{sys.version_info.major}.{sys.version_info.minor}"
# SyntaxError messages of the features newer Pythons added that this one may be refusing.
_NEWER_SYNTAX = ("f-string", "invalid syntax")
_NEWER_KEYWORDS = ("type ", "def ", "class ")


class ParseFailure(LocatedError):
    """Python code that cannot be analysed (syntax, or shapes too deep to parse safely)."""


def _newer_python_hint(error: SyntaxError) -> str:
    """A hint when the error may be syntax of a later Python than the one running (3.12+ on 3.11)."""
    if sys.version_info >= (3, 12):
        return ""
    message = error.msg or ""
    line = (error.text or "").lstrip()
    if message.startswith("f-string") or (
        message == "invalid syntax" and (line.startswith("type ") or "[" in line.split("(", 1)[0]
                                         and line.startswith(("def ", "async def ", "class ")))
    ):
        return (f" (if this is Python 3.12+ syntax, such as a PEP 701 f-string: wa-lint runs on Python {_RUNNING}, "
                "whose parser cannot read it; run wa-lint on the Python version your functions use)")
    return ""


def _failure(error: SyntaxError) -> ParseFailure:
    message = error.msg or "invalid syntax"
    line, column = error.lineno or 1, error.offset or 1
    if "too many nested parentheses" in message or "too many nested parenthesis" in message:
        return ParseFailure("brackets nested too deeply for Python's parser (over 200 levels); not analysed",
                            line, column)
    if "too many levels of indentation" in message:
        return ParseFailure("indented too deeply for Python's parser (over 100 levels); not analysed", line, column)
    hint = " (Python 2 code?)" if "print" in message or "Missing parentheses" in message else ""
    return ParseFailure(f"syntax error: {message}{hint or _newer_python_hint(error)}", line, column)


def _ast_parse(text: str) -> ast.Module:
    # Parsing warns about the user's code (invalid escapes: a SyntaxWarning on 3.12+, printed by
    # default); the warning is not ours to print, and as an error it would hide the real one.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text)


def parse(text: str) -> ast.Module:
    """The module's tree; raises ParseFailure for code that cannot be analysed."""
    try:
        return _ast_parse(text)
    except SyntaxError as error:
        if sys.version_info < (3, 12) and (error.msg or "").startswith("f-string"):
            from wa_lint.analyse.python.pep701 import quotes_swapped  # libcst: imported for these files only

            rewritten = quotes_swapped(text)
            if rewritten is not None:
                try:
                    return _ast_parse(rewritten)
                except (SyntaxError, RecursionError, MemoryError, ValueError):
                    pass
        raise _failure(error) from None
    except RecursionError:
        raise ParseFailure("expression nested too deeply for Python's parser (operators, calls or attributes "
                           "chained thousands deep); not analysed", _longest_line(text)) from None
    except MemoryError:
        raise ParseFailure("code nested too deeply for Python's parser (it ran out of memory); not analysed",
                           _longest_line(text)) from None
    except ValueError as error:  # null bytes and the like, normally caught when decoding
        raise ParseFailure(f"could not parse: {error}") from None


def _longest_line(text: str) -> int:
    """Where to point when the parser gives no position: such chains are written on one very long line."""
    lengths = [len(line) for line in text.split("\n")]
    return lengths.index(max(lengths)) + 1 if lengths else 1

