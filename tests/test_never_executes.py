"""wa-lint never imports, executes or evaluates what it reads: no call in its source could.

The behaviour is tested end to end by tests/hostile (a handler and a template that would create a
file if run); this keeps the dangerous calls from creeping in at all.
"""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

FORBIDDEN_NAMES = {"eval", "exec", "compile", "__import__", "execfile"}
FORBIDDEN_ATTRIBUTES = {
    ("yaml", "load"), ("yaml", "load_all"), ("yaml", "full_load"), ("yaml", "unsafe_load"),
    ("yaml", "unsafe_load_all"), ("runpy", "run_path"), ("runpy", "run_module"), ("pickle", "loads"),
    ("marshal", "loads"), ("importlib", "import_module"), ("subprocess", "run"), ("subprocess", "Popen"),
    ("os", "system"), ("os", "popen"),
}
# Our own check modules (walking the wa_lint.check package) and rule files: never the user's input.
ALLOWED = {("registry.py", "importlib.import_module"), ("registry.py", "yaml.load"),  # rules/*.md, a safe loader
           # Messages from wa-lint's own forked children, over an unnamed pipe only they hold (what
           # multiprocessing's connections unpickled before): no file, nothing another process can write.
           ("child_processes.py", "pickle.loads")}


def _calls(path: Path) -> list[tuple[str, int]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in FORBIDDEN_NAMES:
            found.append((func.id, node.lineno))
        elif (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
              and (func.value.id, func.attr) in FORBIDDEN_ATTRIBUTES):
            found.append((f"{func.value.id}.{func.attr}", node.lineno))
    return [(name, line) for name, line in found if (path.name, name) not in ALLOWED]


def test_no_source_file_can_run_what_it_reads() -> None:
    offences = {}
    for path in sorted((REPO / "src" / "wa_lint").rglob("*.py")):
        calls = _calls(path)
        if calls:
            offences[path.relative_to(REPO).as_posix()] = calls
    assert not offences, offences


def test_the_scan_sees_what_it_forbids(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import yaml\nyaml.load(text)\neval('1')\n")
    assert _calls(sample) == [("yaml.load", 2), ("eval", 3)]
