"""Coverage-guided fuzzing of Python decoding, the parse guard and fact collection (atheris).

    python fuzz/fuzz_python.py -max_total_time=600 -timeout=10 /tmp/fuzz-python fixtures/demo/src

A segfault or a hang here is a shape the tokenize pre-check in wa_lint/python/parse.py misses.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["wa_lint"]):
    from wa_lint.analyse.python.facts import module_facts
    from wa_lint.analyse.python.parse import ParseFailure
    from wa_lint.analyse.python.source import SourceError, decode_python


def test_one_input(data: bytes) -> None:
    try:
        module_facts(decode_python(data), Path("app.py"))
    except (SourceError, ParseFailure):
        pass


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
