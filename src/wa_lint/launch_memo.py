"""What a command printed, found before its command line is parsed: the same words, run from the same
folder in the same environment over files that read the same, print the same bytes.

A warm run over an unchanged project prints what the printed memo (printed_memo.py) holds, but finding
that entry took parsing the command line (click), resolving the configuration and the project root and
fingerprinting wa-lint's own code first: on serverless-patterns, 0.05 of the 0.14 s such a run took,
where the look-up itself (the run memo entry's 14,877 inputs) is most of the rest. An entry here
(`.wa_lint_cache/launches/`) is keyed by everything the command's words are resolved with: the words
themselves, the current folder, the environment, which standard streams are terminals and how standard
output encodes, the interpreter and the date (the run memo's key holds the date). It names the printed
memo and run memo entries the command resolved to, and holds the statuses of what the resolving read:
wa-lint's own files (its code, rule and schema files, and the libraries whose versions its results
depend on) and the configuration file used, with what each place a path's kind decides was then (each
path named, and from its folder up to the git work tree's root, `.git` and the configuration files'
names): where the root, the cache and the configuration are.

`wa-lint` (launch.py) looks an entry up before anything else, in the `.wa_lint_cache` of the current
folder or of a folder above it or named on the command line, and prints the report when all of that
reads the same, its printed and run memo entries checked as `Run.printed` checks them (the cache refused
as a run refuses it: tracked by git). Anything else, and the command runs as it would have; the entry
is written by a command that printed a kept report, with the statuses taken as it started.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple, TextIO

from wa_lint.cache_store import (
    CACHE_DIR_NAME,
    RUN_MEMO_CHANGED_FILES,
    RUN_MEMO_ENTRY_BYTES,
    RUN_MEMO_NAMESPACE,
    Head,
    VouchedStore,
    library_files,
    shipped_by_repository,
)
from wa_lint.inputs import Inputs

_FORMAT = "1"
_MAX_ENTRY_BYTES = 16 * 1024 * 1024
# The configuration files' names, nearest first (config.py's CONFIG_FILES; not imported from there, which
# costs the replay a module it otherwise never needs; test_launch_memo.py holds them equal).
CONFIG_FILES = ("wa-lint.toml", ".wa-lint.toml", "pyproject.toml")


class StaleRun(NamedTuple):
    """The run memo entry a command resolved to, whose inputs' contents changed, as the look-up read it:
    the command takes it rather than reading it again."""

    cache: str
    key: str
    head: Head


class Launch(NamedTuple):
    """The command being run, as it was launched (`wa-lint` passes it to the command it runs)."""

    key: str
    stale: StaleRun | None = None  # what the look-up found, when it found the report's run stale


def launch_key(argv: Sequence[str], cwd: str, environ: Mapping[str, str], streams: Sequence[TextIO | None]) -> str:
    """The key of a command's entry: what its words are resolved with, and what shapes its output."""
    terminals = [stream is not None and stream.isatty() for stream in streams]
    stdout = streams[1] if len(streams) > 1 else None
    settings = [_FORMAT, sys.executable, sys.version, list(argv), cwd, sorted(environ.items()), terminals,
                getattr(stdout, "encoding", None), time.strftime("%Y-%m-%d")]
    return hashlib.sha256(json.dumps(settings).encode("utf-8", "surrogatepass")).hexdigest()


def this_launch(argv: Sequence[str]) -> Launch | None:
    """This process's command (None when its current folder is gone: there is nothing to key it by)."""
    try:
        cwd = os.getcwd()
    except OSError:
        return None
    return Launch(launch_key(argv, cwd, os.environ, (sys.stdin, sys.stdout, sys.stderr)))


class Resolving(NamedTuple):
    """What resolving a command's words read, noted before it read it: a change after shows as a change."""

    inputs: Inputs  # wa-lint's files and the configuration files found, with their statuses
    kinds: list[list[str]]  # [path, kind] for each other place asked about ("absent", "folder", "file", "other")


def resolving(paths: Sequence[Path], config_path: Path | None) -> Resolving:
    """Note what resolving `paths` (and `--config`) reads: wa-lint's own files, and from each path named
    (the current folder when none is) up to its git work tree's root, `.git` and the configuration files."""
    inputs = Inputs()
    for own in _own_files():
        inputs.note(own)
    if config_path is not None:
        inputs.note(os.path.abspath(config_path))
    kinds: list[list[str]] = []
    probed: set[str] = set()  # the folders of a pre-commit hook's files share their way up
    for path in paths or [Path(".")]:
        named = os.path.abspath(path)
        kind = _kind(named)
        kinds.append([named, kind])
        for probe in _up_to_work_tree(named if kind == "folder" else os.path.dirname(named), probed):
            for name in (*CONFIG_FILES, ".git"):
                candidate = os.path.join(probe, name)
                kind = _kind(candidate)
                if kind == "file" and name != ".git":
                    inputs.note(candidate)  # its contents are the configuration
                else:
                    kinds.append([candidate, kind])
    return Resolving(inputs, kinds)


def _up_to_work_tree(folder: str, probed: set[str]) -> Iterator[str]:
    """`folder` and the folders above it, up to the first that holds `.git` (the root when none does):
    where `find_root`, `find_cache_root` and `find_config` look (and as they look: `.git` followed
    when it is a symbolic link). Folders in `probed` are not yielded again, and those yielded are added."""
    while folder not in probed:
        probed.add(folder)
        yield folder
        parent = os.path.dirname(folder)
        if parent == folder or os.path.exists(os.path.join(folder, ".git")):
            return
        folder = parent


def _own_files() -> list[str]:
    """wa-lint's own files (its package, the rule files) and the library files its run memo's fingerprint
    covers, with the package's folders (a module added to one changes it), and click's modules, which
    turn the words into options."""
    from wa_lint.run_memo import fingerprinted_files

    package = os.path.dirname(os.path.abspath(__file__))
    found: list[str] = []
    for folder, folders, names in os.walk(package):
        folders[:] = sorted(name for name in folders if name != "__pycache__")
        found.append(folder)
        found.extend(os.path.join(folder, name) for name in sorted(names))
    return [*found, *map(str, fingerprinted_files()), *map(str, library_files("click", "*.py"))]


def _kind(path: str) -> str:
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return "absent"
    return "folder" if stat.S_ISDIR(mode) else "file" if stat.S_ISREG(mode) else "other"


class LaunchMemo(VouchedStore):
    def __init__(self, folder: Path) -> None:
        super().__init__(folder, "launches", _MAX_ENTRY_BYTES)

    def keep(self, launch: Launch, noted: Resolving, printed_key: str, run_key: str) -> None:
        """Keep what `launch` resolved to: the printed and run memo entries in this cache folder."""
        resolved = {"cache": str(self.folder), "printed": printed_key, "run": run_key, "kinds": noted.kinds}
        self._write_entry(launch.key, noted.inputs, resolved)


class Resolved(NamedTuple):
    cache: str
    printed: str
    run: str
    kinds: list[list[str]]


def _decode(value: Any) -> Resolved:
    resolved = Resolved(value["cache"], value["printed"], value["run"], value["kinds"])
    if not all(type(text) is str for text in (resolved.cache, resolved.printed, resolved.run)):
        raise TypeError("a cache folder and keys are text")
    if type(resolved.kinds) is not list or any(
            type(item) is not list or len(item) != 2 or not all(type(text) is str for text in item)
            for item in resolved.kinds):
        raise TypeError("kinds are [path, kind] pairs")
    return resolved


def replay(launch: Launch, argv: Sequence[str]) -> Any:
    """What `launch` printed last time (a `Printed`), when nothing it was resolved with or computed from
    has changed since; a `StaleRun` when only the contents of files the run read have; else None."""
    for folder in _cache_folders(argv):
        store = LaunchMemo(Path(folder))
        recalled = store.recall(launch.key, _decode)
        if recalled is not None:
            return _printed(recalled[0], folder)
    return None


def _printed(resolved: Resolved, folder: str) -> Any:
    if resolved.cache != folder or any(_kind(path) != kind for path, kind in resolved.kinds):
        return None
    cache = Path(folder)
    if shipped_by_repository(cache) is not None:
        return None
    from wa_lint.printed_memo import PrintedMemo

    # As `Run.printed` reads them.
    run_memo = VouchedStore(cache, RUN_MEMO_NAMESPACE, RUN_MEMO_ENTRY_BYTES)
    head = run_memo.head(resolved.run, RUN_MEMO_CHANGED_FILES)
    if head is None:
        return None
    if head.changed:
        return StaleRun(folder, resolved.run, head)
    return PrintedMemo(cache).printed(resolved.printed, run_memo, resolved.run, head)


def _cache_folders(argv: Sequence[str]) -> Iterator[str]:
    """Where a command's cache folder may be: in the current folder or one above it, or in a folder a
    word of the command names or one above that (`wa-lint app` run from app's parent), nearest first.
    Each holds an entry only for commands whose cache it is (the key is the whole command)."""
    seen: set[str] = set()
    starts = [os.getcwd(), *(os.path.abspath(word) for word in argv if not word.startswith("-"))]
    for start in starts:
        folder = start
        while folder not in seen:
            seen.add(folder)
            if os.path.isdir(os.path.join(folder, CACHE_DIR_NAME)):
                yield os.path.join(folder, CACHE_DIR_NAME)
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
