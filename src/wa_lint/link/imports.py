"""One import resolver: which local file an import names, under a function's import roots.

Lambda's Python runtime puts the code folder (`CodeUri`) and each layer's `python/` folder on
`sys.path`; an import is resolved against those roots in order, a relative import against the
importing file's package. The same answers serve the engine (which local modules a handler imports, to
analyse them: `local_imports`) and the call graph (which module a dotted name in a call comes from:
`find`), so the two can never disagree.

What is not the user's code is never resolved: packages pip-installed into a code or layer folder
(`*.dist-info`, or listed in a `requirements.txt` next to it) and names that would leave the root
(`..`, absolute paths). Which files exist and what is installed where does not change during a run, so
each answer from the file system is memoised.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from wa_lint import inputs
from wa_lint.files import FileSkip, is_file, path_problem, read_regular

if TYPE_CHECKING:  # the analysis, which a run without Python code never needs
    from wa_lint.analyse.python.facts_model import ImportFacts, ModuleFacts

TEST_DIRS = frozenset({"test", "tests", "testing", "unit_tests", "integration_tests"})
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
# A requirements.txt or RECORD of a real install is kilobytes; a larger one is not read.
_LIST_BYTES = 4 * 1024 * 1024


def module_file(root: Path, dotted: str) -> Path | None:
    """`pkg.mod` under root as `pkg/mod.py` or `pkg/mod/__init__.py`, if it exists.

    Parts need not be identifiers: Lambda imports the handler with importlib, so `email-lambda.handler`
    runs `email-lambda.py`. They must be plain names, never a way out of root.
    """
    parts = dotted.split(".")
    if not dotted or not all(map(_plain_name, parts)):
        return None
    # Text, not Path operations: a run asks this thousands of times, mostly of names that are not local.
    base = os.path.join(root, *parts)
    module = base + ".py"
    if is_file(module):  # False, never an error, for a name over the file system's limits
        return Path(module)
    if _absent(base):
        return None  # no package either: its __init__.py is vouched for by the folder's absence
    package = os.path.join(base, "__init__.py")
    return Path(package) if is_file(package) else None


def _plain_name(part: str) -> bool:
    """A name of one folder entry: never empty, `.` or `..`, nor holding a separator."""
    return bool(part) and part not in (".", "..") and os.sep not in part and (os.altsep is None or os.altsep not in part)


def _absent(path: str) -> bool:
    """Whether nothing is at `path`; an absent path is noted in the inputs being recorded (a folder that
    exists is not: its status changes with every file made in it, and only its __init__.py matters)."""
    if path_problem(path) or inputs.current_stamp(path) is not None:
        return False
    inputs.note_absent(path)
    return True


def is_test_file(path: Path) -> bool:
    """A test module, judged on the path below its import root (a checkout may itself sit in `tests/`)."""
    name = path.name
    if name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py":
        return True
    return any(part in TEST_DIRS for part in path.parts[:-1])


def _lines(path: Path) -> list[str]:
    """A FIFO, device or huge file here (all seen in hostile repositories) reads as empty, never hangs."""
    try:
        return read_regular(path, _LIST_BYTES).decode("utf-8", errors="replace").splitlines()
    except FileSkip:
        return []


def _normal(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


def installed_packages(root: Path) -> frozenset[str]:
    """Normalised top-level names of third-party packages installed into a folder: from the
    `*.dist-info`/`*.egg-info` folders `pip install -t` leaves (their RECORD and their names), and from a
    `requirements.txt` in the folder or its parent.

    Layers and code folders often carry their third-party dependencies; those are not the user's code,
    and following them would mean analysing botocore for every function.
    """
    names: set[str] = set()
    for requirements in (root / "requirements.txt", root.parent / "requirements.txt"):
        for line in _lines(requirements):
            match = _REQUIREMENT.match(line)
            if match and not line.lstrip().startswith(("-", "#")):
                names.add(_normal(match.group(1)))
    inputs.note(root)  # its listing: a package installed or removed changes the folder's status
    try:
        records = [entry for entry in root.iterdir() if entry.name.endswith((".dist-info", ".egg-info"))]
    except OSError:
        return frozenset(names)
    for record in records:
        names.add(_normal(record.name.split("-", 1)[0]))
        for line in _lines(record / "RECORD"):
            top = line.split(",", 1)[0].split("/", 1)[0]
            if top and not top.endswith((".dist-info", ".data")) and top != "..":
                names.add(_normal(top.removesuffix(".py")))
    return frozenset(names)


class Found(NamedTuple):
    path: Path  # the module's file
    used: int  # how many of the dotted parts name the module (the rest name something in it)
    root: Path  # the folder it was found under


class ImportResolver:
    """Resolves imports for one run (answers memoised; see the module docstring)."""

    def __init__(self, files: Callable[[Path, str], Path | None] | None = None) -> None:
        """`files` answers "which file is module `dotted` under `root`" (default: the file system; the call
        graph answers from the analysed modules, without a file-system call)."""
        self.installed = functools.cache(installed_packages)
        self.module_file = functools.cache(files or module_file)

    def search_roots(self, importer: Path, level: int, roots: Sequence[Path]) -> Sequence[Path]:
        """Where an import is looked up: the roots in order, or the importer's package for `from .. import`."""
        if not level:
            return roots
        base = importer.parent
        for _ in range(level - 1):
            base = base.parent
        return (base,)

    def is_installed(self, root: Path, top: str) -> bool:
        return _normal(top) in self.installed(root)

    def find(self, importer: Path, level: int, parts: Sequence[str], roots: Sequence[Path],
             accept: Callable[[Path], bool] | None = None,
             missed: list[tuple[Path, str]] | None = None) -> Found | None:
        """The local module named by the longest prefix of `parts` (`pkg.mod.func` → pkg/mod.py, 2 parts),
        searched root by root; `accept` can refuse a file (say, one that was not analysed). `missed`
        gets each (root, dotted name) looked up and not found before it."""
        # A prefix through a call (`make().x`) names no module.
        called = next((index for index, part in enumerate(parts) if part.endswith("()")), len(parts))
        search = self.search_roots(importer, level, roots)
        for count in range(called, 0, -1):
            dotted = ".".join(parts[:count])
            for root in search:
                if not level and self.is_installed(root, parts[0]):
                    continue
                path = self.module_file(root, dotted)
                if path is not None and (accept is None or accept(path)):
                    return Found(path, count, root)
                if missed is not None:
                    missed.append((root, dotted))
        return None

    def files_run(self, importer: Path, item: ImportFacts, roots: Sequence[Path]) -> list[Path]:
        """The local files an import statement runs: `import a.b.c` runs a/__init__.py, a/b/__init__.py
        and a/b/c.py; `from a import b` runs a/__init__.py and a/b.py when b is a module."""
        parts = item.module.split(".") if item.module else []
        files: list[Path] = []
        for root in self.search_roots(importer, item.level, roots):
            if not item.level and parts and self.is_installed(root, parts[0]):
                continue
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

    def local_imports(self, facts: ModuleFacts, roots: Sequence[Path]) -> list[Path]:
        """Files of local modules that this module imports (from its roots or relative to itself)."""
        found: list[Path] = []
        for item in facts.imports:
            found.extend(self.files_run(facts.path, item, roots))
        return list(dict.fromkeys(found))
