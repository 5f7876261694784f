"""Finding handler code: template handler strings to files, and handler-looking functions elsewhere."""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from wa_lint.files import FileSkip, is_file, read_regular
from wa_lint.link.model import Handler

if TYPE_CHECKING:  # facts.py imports libcst, which a run without Python code never needs
    from wa_lint.analyse.python.facts_model import FunctionFacts, ImportFacts, ModuleFacts

DEFAULT_HANDLER_PATTERNS = ("handler", "lambda_handler", "*_handler")
EVENT_PARAMS = ("event", "evt", "_event")
CONTEXT_PARAMS = ("context", "ctx", "_context", "_ctx", "lambda_context", "_")
TEST_DIRS = frozenset({"test", "tests", "testing", "unit_tests", "integration_tests"})
_DEF = re.compile(r"^[ \t]*def[ \t]+(\w+)[ \t]*\(", re.MULTILINE)


def module_file(root: Path, dotted: str) -> Path | None:
    """`pkg.mod` under root as `pkg/mod.py` or `pkg/mod/__init__.py`, if it exists.

    Parts need not be identifiers: Lambda imports the handler with importlib, so `email-lambda.handler`
    runs `email-lambda.py`. They must be plain names, never a way out of root.
    """
    parts = dotted.split(".")
    if not dotted or any(not part or part != Path(part).name for part in parts):
        return None
    base = root.joinpath(*parts)
    for candidate in (base.with_name(base.name + ".py"), base / "__init__.py"):
        if is_file(candidate):  # False, never an error, for a name over the file system's limits
            return candidate
    return None


def resolve_handler(handler: Handler, roots: Iterable[Path]) -> None:
    """Fill in the handler's module, file and qualified name, or say why it cannot be found."""
    text = handler.text.strip()
    module, _, name = text.rpartition(".")
    if not module or not name:
        handler.problem = f"handler '{text}' is not of the form module.function"
        handler.missing = True
        return
    # The Python runtime imports `dir/app` as `dir.app`.
    module = module.replace("/", ".").strip(".")
    roots = list(roots)
    for root in roots:
        found = module_file(root, module)
        if found:
            handler.module, handler.file, handler.qualname = module, found, name
            return
    # `app.Handler.handle`: a method of a class in app.py.
    outer, _, class_name = module.rpartition(".")
    for root in roots:
        found = module_file(root, outer) if outer else None
        if found:
            handler.module, handler.file, handler.qualname = outer, found, f"{class_name}.{name}"
            return
    where = ", ".join(str(root) for root in roots) or "no local code folder"
    handler.problem = f"handler module '{module}' not found under {where}"
    handler.missing = bool(roots)


def entry_qualname(facts: ModuleFacts, qualname: str) -> str | None:
    """The function that runs for a handler name: a function, or `__call__` of a module-level instance."""
    if qualname in facts.functions:
        return qualname
    class_name = facts.instances.get(qualname)
    if class_name and f"{class_name}.__call__" in facts.functions:
        return f"{class_name}.__call__"
    return None


def is_test_file(path: Path) -> bool:
    name = path.name
    if name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py":
        return True
    return any(part in TEST_DIRS for part in path.parts[:-1])


def may_define_handler(text: str, patterns: Iterable[str] = DEFAULT_HANDLER_PATTERNS) -> bool:
    """Cheap text test before parsing a file no template references."""
    patterns = tuple(patterns)
    return any(any(fnmatch.fnmatchcase(m, p) for p in patterns) for m in _DEF.findall(text))


def looks_like_handler(function: FunctionFacts, patterns: Iterable[str] = DEFAULT_HANDLER_PATTERNS) -> bool:
    if not function.module_level or function.in_main_guard or len(function.params) != 2:
        return False
    name = function.qualname
    event, context = function.params
    return (
        any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)
        and event in EVENT_PARAMS
        and context in CONTEXT_PARAMS
    )


def package_roots(path: Path) -> list[Path]:
    """Import roots for a file no template places: its folder, and above its outermost package."""
    roots = [path.parent]
    top = path.parent
    while is_file(top / "__init__.py") and top.parent != top:
        top = top.parent
    if top != path.parent:
        roots.append(top)
    return roots


_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
# A requirements.txt or RECORD of a real install is kilobytes; a larger one is not read.
_LIST_BYTES = 4 * 1024 * 1024


def _lines(path: Path) -> list[str]:
    """A FIFO, device or huge file here (all seen in hostile repositories) reads as empty, never hangs."""
    try:
        return read_regular(path, _LIST_BYTES).decode("utf-8", errors="replace").splitlines()
    except FileSkip:
        return []


def installed_packages(root: Path) -> frozenset[str]:
    """Top-level names of third-party packages installed into a folder: from `*.dist-info/RECORD`
    files that `pip install -t` leaves, and from a `requirements.txt` in the folder or its parent.

    Layers and code folders often carry their third-party dependencies; those are not the user's code,
    and following them would mean analysing botocore for every function.
    """
    names: set[str] = set()
    for requirements in (root / "requirements.txt", root.parent / "requirements.txt"):
        for line in _lines(requirements):
            match = _REQUIREMENT.match(line)
            if match and not line.lstrip().startswith(("-", "#")):
                names.add(match.group(1).lower().replace("-", "_").replace(".", "_"))
    try:
        records = [entry for entry in root.iterdir() if entry.name.endswith(".dist-info")]
    except OSError:
        return frozenset()
    for record in records:
        for line in _lines(record / "RECORD"):
            top = line.split(",", 1)[0].split("/", 1)[0]
            if top and not top.endswith((".dist-info", ".data")) and top != "..":
                names.add(top.removesuffix(".py"))
    return frozenset(names)


class ImportResolver:
    """Local files that imports name. Which files exist and which packages are pip-installed where does
    not change during a run, so each answer from the file system is memoised (a large app asks the same
    questions for every function that shares a code folder)."""

    def __init__(self) -> None:
        self.installed = functools.cache(installed_packages)
        self.module_file = functools.cache(module_file)

    def local_imports(self, facts: ModuleFacts, roots: Sequence[Path]) -> list[Path]:
        """Files of local modules that this module imports (from its roots or relative to itself)."""
        found: list[Path] = []
        for item in facts.imports:
            found.extend(self._import_files(facts.path, item, roots))
        return list(dict.fromkeys(found))

    def _import_files(self, path: Path, item: ImportFacts, roots: Sequence[Path]) -> list[Path]:
        if item.level:
            base = path.parent
            for _ in range(item.level - 1):
                base = base.parent
            search: Sequence[Path] = [base]
        else:
            search = roots
        parts = item.module.split(".") if item.module else []
        files: list[Path] = []
        for root in search:
            if not item.level and parts and (parts[0] in self.installed(root) or parts[0].lower() in self.installed(root)):
                continue
            # Importing a.b.c runs a/__init__.py and a/b/__init__.py too.
            for index in range(1, len(parts) + 1):
                found = self.module_file(root, ".".join(parts[:index]))
                if found:
                    files.append(found)
            for name, _alias in item.names:
                if name != "*":
                    found = self.module_file(root, ".".join([*parts, name]))
                    if found:
                        files.append(found)
            if files:
                break
        return files


def candidate_functions(facts: ModuleFacts, patterns: Iterable[str]) -> list[FunctionFacts]:
    return [function for function in facts.functions.values() if looks_like_handler(function, patterns)]
