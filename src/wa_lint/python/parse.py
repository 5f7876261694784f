"""libcst parsing behind a guard.

libcst's native parser can crash the process (segfault) or hang on pathologically deep or long
expressions (see HAZARDS.md). A tokenize pass rejects those shapes first, in milliseconds, and
every exception libcst raises becomes a ParseFailure with a position.
"""

from __future__ import annotations

import ast
import io
import tokenize

import libcst

MAX_BRACKET_DEPTH = 100
# Longest run of chained binary operators / attribute dots at one bracket level.
MAX_OPERATOR_CHAIN = 500
_RESETS = {",", ";", ":", "=", "(", ")", "[", "]", "{", "}", "lambda", "if", "else", "for", "in"}
_CHAIN = {"+", "-", "*", "/", "//", "%", "**", "@", "|", "&", "^", "<<", ">>", ".", "and", "or",
          "<", ">", "<=", ">=", "==", "!="}


class ParseFailure(Exception):
    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def _precheck(text: str) -> None:
    depth = 0
    chain = [0]
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            string = token.string
            if token.type == tokenize.OP and string in "([{":
                depth += 1
                chain.append(0)
                if depth > MAX_BRACKET_DEPTH:
                    raise ParseFailure(
                        f"brackets nested deeper than {MAX_BRACKET_DEPTH} levels; not analysed", *token.start
                    )
            elif token.type == tokenize.OP and string in ")]}":
                depth = max(depth - 1, 0)
                if len(chain) > 1:
                    chain.pop()
            elif token.type in (tokenize.NEWLINE, tokenize.NL) and depth == 0:
                chain = [0]
            elif string in _CHAIN and token.type in (tokenize.OP, tokenize.NAME):
                chain[-1] += 1
                if chain[-1] > MAX_OPERATOR_CHAIN:
                    raise ParseFailure(
                        f"expression chains more than {MAX_OPERATOR_CHAIN} operators; not analysed", *token.start
                    )
            elif string in _RESETS:
                chain[-1] = 0
    except (tokenize.TokenError, SyntaxError, IndentationError):
        # libcst reports syntax errors itself, with better messages.
        return


def _describe_syntax_error(text: str) -> ParseFailure:
    """libcst's native parser reports poor positions; CPython's compiler names the line and the cause."""
    try:
        ast.parse(text)
    except SyntaxError as error:
        hint = " (Python 2 code?)" if "print" in (error.msg or "") or "Missing parentheses" in (error.msg or "") else ""
        return ParseFailure(f"syntax error: {error.msg}{hint}", error.lineno or 1, error.offset or 1)
    except (RecursionError, MemoryError, ValueError):
        pass
    return ParseFailure("syntax error: libcst cannot parse this file")


def parse(text: str) -> libcst.Module:
    _precheck(text)
    try:
        return libcst.parse_module(text)
    except libcst.ParserSyntaxError:
        raise _describe_syntax_error(text) from None
    except RecursionError:
        raise ParseFailure("code nested too deeply to analyse") from None
    except Exception as error:  # libcst's native parser raises assorted types on odd input
        raise ParseFailure(f"could not parse: {type(error).__name__}: {error}") from None
