"""Coverage-guided fuzzing of template loading and linking (atheris; `pip install -e .[fuzz]`).

    python fuzz/fuzz_template.py -max_total_time=600 -timeout=10 /tmp/fuzz-templates \
        tests/hostile/corpus/templates

Any exception other than the loader's own verdicts, a hang past -timeout or a crash is a finding.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

# atheris 2.3's bytecode instrumentation on Python 3.11 turns the TemplateError that the JSON reader
# raises from deep inside its recursion into a bogus AttributeError ('str' object has no attribute
# 'value'; the same input without atheris raises TemplateError), so that module runs uninstrumented.
with atheris.instrument_imports(include=["wa_lint"], exclude=["wa_lint.load.template.json_loader"]):
    from wa_lint.load.template.document import JinjaSource, NotATemplate, decode, parse_template
    from wa_lint.load.template.errors import TemplateError
    from wa_lint.link.linker import link_template


def test_one_input(data: bytes) -> None:
    try:
        text = decode(data)
    except TemplateError:
        return
    for name in ("template.yaml", "template.json"):
        try:
            template = parse_template(Path(name), text)
        except (NotATemplate, JinjaSource, TemplateError):
            continue
        link_template(template)


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
