"""libcst parsing behind a guard.

libcst's native parser can crash the process (segfault) or hang on pathologically deep or long
expressions (see HAZARDS.md). A tokenize pass rejects those shapes first, in milliseconds, and
every exception libcst raises becomes a ParseFailure with a position.
"""

from __future__ import annotations

import ast
import io
import keyword
import tokenize
import warnings

import libcst

from wa_lint.errors import LocatedError

MAX_BRACKET_DEPTH = 100
# How deep one expression may nest through operator chains, attribute/call/subscript trailers,
# `not`/`await`/`lambda` and conditional expressions, summed over the enclosing brackets.
# libcst plus a metadata visitor overflow Python's default recursion limit at about 320 such levels.
MAX_EXPRESSION_DEPTH = 200
# Tokens that end one operand list and start an independent one at the same bracket level.
_RESETS = {",", ";", "=", ":=", "for", "in", "+=", "-=", "*=", "/=", "//=", "%=", "**=", "@=", "|=", "&=",
           "^=", "<<=", ">>=", "->"}
# Each of these adds a level to the tree libcst builds: binary/boolean/comparison chains are left-
# nested, unary operators, `not`, `await`, `lambda` and `x if c else y` right-nested.
_DEEPENS = {"+", "-", "*", "/", "//", "%", "**", "@", "|", "&", "^", "<<", ">>", "~", ".", "and", "or", "not",
            "<", ">", "<=", ">=", "==", "!=", "is", "await", "lambda", "if", "else"}
# Without tokens (see _precheck) only line length can bound operator chains.
MAX_UNTOKENIZED_LINE = 10_000
_OPEN, _CLOSE = "([{", ")]}"
# An opening bracket right after one of these is a call or subscript (a trailer), which nests too.
_TRAILER_AFTER = {tokenize.NAME, tokenize.NUMBER, tokenize.STRING}



class ParseFailure(LocatedError):
    """Python code that cannot be analysed (syntax, or shapes too deep to parse safely)."""


def _fstring_fields(literal: str) -> list[str]:
    """The code inside the replacement fields of one f-string token (tokenize sees only a STRING)."""
    fields: list[str] = []
    depth, start, quote = 0, 0, ""
    index = 0
    while index < len(literal):
        char = literal[index]
        if depth and quote:
            quote = "" if char == quote else quote
        elif depth and char in "'\"":
            quote = char
        elif char == "{":
            if depth == 0 and literal.startswith("{{", index):
                index += 2
                continue
            depth += 1
            if depth == 1:
                start = index + 1
        elif char == "}" and depth:
            depth -= 1
            if depth == 0:
                fields.append(literal[start:index])
        index += 1
    return fields


def _too_deep(message: str, token: tokenize.TokenInfo) -> ParseFailure:
    return ParseFailure(f"{message}; not analysed", *token.start)


def _scan(text: str, base_depth: int = 0, base_total: int = 0) -> None:
    # chain[i]: how deep the expression has nested since bracket level i opened; `total` is their sum,
    # roughly the depth of the tree libcst (and any visitor) has to recurse through.
    chain = [base_total]
    total = base_total
    previous: tokenize.TokenInfo | None = None
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        kind, string = token.type, token.string
        depth = base_depth + len(chain) - 1
        if kind == tokenize.OP and string in _OPEN:
            if previous is not None and (
                (previous.type in _TRAILER_AFTER and not keyword.iskeyword(previous.string))
                or previous.string in _CLOSE
            ):
                chain[-1] += 1
                total += 1
            chain.append(0)
            if depth + 1 > MAX_BRACKET_DEPTH:
                raise _too_deep(f"brackets nested deeper than {MAX_BRACKET_DEPTH} levels", token)
        elif kind == tokenize.OP and string in _CLOSE:
            if len(chain) > 1:
                total -= chain.pop()
        elif kind in (tokenize.NEWLINE, tokenize.NL) and len(chain) == 1:
            chain, total = [0], 0
        elif string in _DEEPENS and kind in (tokenize.OP, tokenize.NAME):
            chain[-1] += 1
            total += 1
        elif string in _RESETS and kind in (tokenize.OP, tokenize.NAME):
            total -= chain[-1]
            chain[-1] = 0
        elif kind == tokenize.STRING and "f" in string[: string.find(string[-1])].lower():
            for code in _fstring_fields(string):
                try:
                    _scan(f"({code})", depth, total)
                except ParseFailure as error:
                    raise _too_deep(error.message.removesuffix("; not analysed"), token) from None
                except (tokenize.TokenError, SyntaxError):
                    pass
        if total > MAX_EXPRESSION_DEPTH:
            raise _too_deep(
                f"expression nested more than {MAX_EXPRESSION_DEPTH} levels deep (operators, calls, attributes)",
                token,
            )
        if kind not in (tokenize.COMMENT, tokenize.NL):
            previous = token


def _precheck(text: str) -> None:
    """Reject, before libcst sees them, the shapes that make it crash, hang or recurse without bound."""
    try:
        _scan(text)
    except (tokenize.TokenError, SyntaxError):
        # Python 3.11's tokenizer rejects 3.12 f-strings (PEP 701) that libcst parses: without tokens,
        # bound what a crude look at the characters can: bracket depth and the longest line.
        depth = deepest = 0
        for char in text:
            if char in _OPEN:
                depth += 1
                deepest = max(deepest, depth)
            elif char in _CLOSE:
                depth = max(depth - 1, 0)
        if deepest > MAX_BRACKET_DEPTH:
            message = f"brackets nested deeper than {MAX_BRACKET_DEPTH} levels; not analysed"
            raise ParseFailure(message) from None
        if max(map(len, text.splitlines()), default=0) > MAX_UNTOKENIZED_LINE:
            raise ParseFailure(f"a line longer than {MAX_UNTOKENIZED_LINE:,} characters that Python 3.11 cannot "
                               "tokenize; not analysed") from None


def _describe_syntax_error(text: str) -> ParseFailure:
    """libcst's native parser reports poor positions; CPython's compiler names the line and the cause."""
    try:
        # Compiling warns about the user's code (invalid escapes: a SyntaxWarning on 3.12+, printed
        # by default); the warning is not ours to print, and as an error it would hide the real one.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
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
