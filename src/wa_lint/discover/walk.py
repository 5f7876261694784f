"""Walking the given paths: which files are template candidates and which are Python.

Honours `.gitignore` files (nested ones too), default excludes and user excludes. Symlinked folders
are not followed and only regular files are read, so loops, sockets and FIFOs are harmless.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from wa_lint.discover.gitignore import MAX_PATTERNS, GitIgnore
from wa_lint.discover.snapshot import DiscoveryCache
from wa_lint.files import CANNOT_LIST, FileSkip, read_regular
from wa_lint.inputs import Inputs

TEMPLATE_SUFFIXES = frozenset({".yaml", ".yml", ".json", ".template"})
# Build output and environments: `.aws-sam/` holds a copy of every handler, which would double every
# finding. `cdk.out/` is deliberately not here: its `*.template.json` are the real templates.
DEFAULT_EXCLUDES = (
    ".git", ".hg", ".svn", ".aws-sam", ".serverless", ".terraform", "node_modules", ".venv", "venv",
    "__pycache__", ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".wa_lint_cache",
    ".eggs", "site-packages", ".idea", ".vscode",
)


@dataclass
class Discovered:
    root: Path
    templates: list[Path] = field(default_factory=list)
    python: list[Path] = field(default_factory=list)
    explicit: set[Path] = field(default_factory=set)
    missing: list[Path] = field(default_factory=list)
    # Why something met in the walk was not used (an unreadable folder, a .gitignore not applied).
    notes: list[tuple[Path, str]] = field(default_factory=list)
    # What the walk depended on (every folder listed, .gitignore read, path given): None when not recorded.
    inputs: Inputs | None = field(default=None, compare=False)


def find_root(paths: Sequence[Path]) -> Path:
    """The project root: the git work tree around the first path (or the current folder), else that folder."""
    start = _folder_of(paths[0]) if paths else Path.cwd()
    work_tree = _work_tree(start)
    if work_tree is not None:
        return work_tree
    cwd = Path.cwd()
    return cwd if start.is_relative_to(cwd) else start


def find_cache_root(paths: Sequence[Path]) -> Path:
    """Where the cache folder goes: the git work tree around the first path, else the folder the paths
    name (their common folder), wherever the command runs from. `wa-lint app` run from app's parent
    must not leave a cache in the parent, nor share one between the apps linted from there."""
    folders = [_folder_of(path) for path in paths] or [Path.cwd()]
    work_tree = _work_tree(folders[0])
    if work_tree is not None:
        return work_tree
    return Path(os.path.commonpath(folders)) if len(folders) > 1 else folders[0]


def _folder_of(path: Path) -> Path:
    absolute = Path(os.path.abspath(path))
    return absolute if absolute.is_dir() else absolute.parent


def _work_tree(start: Path) -> Path | None:
    probe = start
    while True:
        if (probe / ".git").exists():
            return probe
        if probe.parent == probe:
            return None
        probe = probe.parent


@dataclass(frozen=True)
class _Folder:
    """A folder met in the walk, with what its children are matched against."""

    path: str
    # Each .gitignore that applies inside this folder, from the root down, with this folder's path
    # relative to that file's folder ("" or "a/b/"): a child's relative path is one concatenation.
    rules: tuple[tuple[GitIgnore, str], ...]
    # This folder relative to the project root ("" or "a/b/"), None outside it.
    from_root: str | None


class _Ignores:
    """What is ignored: default excludes, user excludes and every .gitignore from the root down.

    Works on the text of paths: the walk meets every entry of the tree, and building a Path and
    relative Paths for each cost more than the rest of discovery together.
    """

    def __init__(self, root: Path, user_excludes: Sequence[str], notes: list[tuple[Path, str]],
                 inputs: Inputs | None = None) -> None:
        self.root = root
        self.notes = notes
        self.inputs = inputs
        self.root_text = str(root)
        self.user = GitIgnore(user_excludes)
        # Folder -> the non-empty .gitignore files that apply inside it, from the root down.
        self.chains: dict[Path, list[tuple[Path, GitIgnore]]] = {}
        self.parsed: dict[bytes, GitIgnore] = {}

    def inherited(self, folder: Path) -> list[tuple[Path, GitIgnore]]:
        """The .gitignore files that apply inside `folder` from the folders above it."""
        return [] if folder == self.root or folder.parent == folder else self.chain(folder.parent)

    def chain(self, folder: Path) -> list[tuple[Path, GitIgnore]]:
        known = self.chains.get(folder)
        if known is not None:
            return known
        own = self.read_gitignore(folder / ".gitignore")
        chain = [*self.inherited(folder), (folder, own)] if own else self.inherited(folder)
        self.chains[folder] = chain
        return chain

    def folder(self, folder: Path, chain: list[tuple[Path, GitIgnore]]) -> _Folder:
        rules = tuple((spec, "" if base == folder else folder.relative_to(base).as_posix() + "/")
                      for base, spec in chain)
        try:
            from_root: str | None = folder.relative_to(self.root).as_posix() + "/"
        except ValueError:
            from_root = None
        return _Folder(str(folder), rules, "" if from_root == "./" else from_root)

    def child_folder(self, parent: _Folder, name: str) -> _Folder:
        """A subfolder met in the walk; its own .gitignore is added when it is listed."""
        path = os.path.join(parent.path, name)
        if path == self.root_text:
            return _Folder(path, (), "")
        rules = tuple((spec, prefix + name + "/") for spec, prefix in parent.rules)
        return _Folder(path, rules, None if parent.from_root is None else parent.from_root + name + "/")

    def with_own_rules(self, folder: _Folder) -> _Folder:
        own = self.read_gitignore(Path(folder.path, ".gitignore"))
        return _Folder(folder.path, (*folder.rules, (own, "")), folder.from_root) if own else folder

    def ignored_in(self, folder: _Folder, name: str, is_dir: bool) -> bool:
        """Whether the entry `name` of `folder` is ignored."""
        if is_dir and name in DEFAULT_EXCLUDES:
            return True
        if self.user:
            if folder.from_root is not None:
                relative = folder.from_root + name
            else:
                path = os.path.join(folder.path, name)
                relative = "." if path == self.root_text else PurePath(path).as_posix()
            if self.user.match(relative, is_dir):
                return True
        # A deeper .gitignore overrides a shallower one (a `!pattern` there re-includes).
        verdict = False
        for spec, prefix in folder.rules:
            decision = spec.decide(prefix + name, is_dir)
            if decision is not None:
                verdict = decision
        return verdict

    def ignored(self, path: Path, is_dir: bool) -> bool:
        return self.ignored_in(self.folder(path.parent, self.chain(path.parent)), path.name, is_dir)

    def ignored_with_parents(self, path: Path, is_dir: bool) -> bool:
        """For paths named explicitly: ignored itself, or inside an ignored folder."""
        if self.ignored(path, is_dir):
            return True
        folder = path.parent
        while folder != self.root and folder.parent != folder and folder.is_relative_to(self.root):
            if self.ignored(folder, is_dir=True):
                return True
            folder = folder.parent
        return False


    def read_gitignore(self, file: Path) -> GitIgnore:
        """A folder's .gitignore; an empty one when it is absent, or noted and empty when it cannot be used.

        As git (2.32 on) does, a symlinked .gitignore is not followed: it could name any file on the
        machine. A FIFO or device is never opened for reading, and a huge file is not applied.
        """
        if self.inputs is not None:
            self.inputs.note(file)
        try:
            raw = read_regular(file, GITIGNORE_BYTES, follow_symlinks=False)
        except FileSkip as skip:
            if os.path.lexists(file):
                self.notes.append((file, f"not applied: {skip}"))
            return GitIgnore(())
        # Projects copy one .gitignore into many folders (serverless-patterns: 188 texts in 415 files);
        # its patterns are relative to its folder, so one parse serves every copy.
        spec = self.parsed.get(raw)
        if spec is None:
            spec = self.parsed[raw] = GitIgnore(raw.decode("utf-8", errors="replace").splitlines())
        if spec.wildcards > MAX_PATTERNS:
            limit = f"{MAX_PATTERNS:,}-pattern limit"
            self.notes.append((file, f"not applied: {spec.wildcards:,} wildcard patterns is over the {limit}"))
            return GitIgnore(())
        return spec


# Real .gitignore files are a few kilobytes; one of a megabyte is generated or hostile.
GITIGNORE_BYTES = 1024 * 1024


def _is_vendored(folder: str, names: list[str]) -> bool:
    return os.path.basename(folder) == "site-packages" or any(name.endswith(".dist-info") for name in names)


def _suffix(name: str) -> str:
    """`Path(name).suffix` without building the Path."""
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def discover(
    paths: Sequence[Path],
    root: Path,
    excludes: Sequence[str] = (),
    force_exclude: bool = False,
    progress: Callable[[int], None] | None = None,
    snapshots: DiscoveryCache | None = None,
    known: Inputs | None = None,
) -> Discovered:
    """The files to lint under `paths`; `progress(files found so far)` after each folder.

    With `snapshots`, an earlier walk's result is used when no folder it listed, no `.gitignore` it
    read and no path given has changed since (discover/snapshot.py), and a new walk is stored.
    `known`: statuses this run has taken already (the run memo's), not asked again.
    """
    if snapshots is None:
        return _walk(paths, root, excludes, force_exclude, progress, None)
    key = snapshots.key(paths, root, excludes, force_exclude)
    recalled = snapshots.recall(key, lambda stored: _decoded(stored, root), known)
    if recalled is not None:
        found: Discovered = recalled[0]
        found.inputs = recalled[1]
        if progress is not None:
            progress(len(found.python) + len(found.templates))
        return found
    snapshots.prepare()
    inputs = Inputs()
    found = _walk(paths, root, excludes, force_exclude, progress, inputs)
    found.inputs = inputs
    if not any(note.startswith(f"skipped: {CANNOT_LIST}") for _, note in found.notes):
        snapshots.keep(key, inputs, _encoded(found))  # a folder the system refused to list may list next time
    return found


def _encoded(found: Discovered) -> dict[str, Any]:
    return {"templates": [str(path) for path in found.templates], "python": [str(path) for path in found.python],
            "explicit": sorted(str(path) for path in found.explicit), "missing": [str(path) for path in found.missing],
            "notes": [[str(path), note] for path, note in found.notes]}


def _decoded(stored: Any, root: Path) -> Discovered:
    def paths(name: str) -> list[Path]:
        values = stored[name]
        if type(values) is not list or not all(type(value) is str for value in values):
            raise TypeError(f"{name}: a list of paths")
        return [Path(value) for value in values]

    notes = stored["notes"]
    if type(notes) is not list or not all(type(note) is list and len(note) == 2 and type(note[0]) is str
                                          and type(note[1]) is str for note in notes):
        raise TypeError("notes: a list of (path, text)")
    return Discovered(root, paths("templates"), paths("python"), set(paths("explicit")), paths("missing"),
                      [(Path(path), text) for path, text in notes])


def _walk(paths: Sequence[Path], root: Path, excludes: Sequence[str], force_exclude: bool,
          progress: Callable[[int], None] | None, inputs: Inputs | None) -> Discovered:
    found = Discovered(root=root)
    ignores = _Ignores(root, excludes, found.notes, inputs)
    seen: set[Path] = set()

    def add_file(path: Path, suffix: str) -> None:
        if path in seen:
            return
        seen.add(path)
        if suffix == ".py":
            found.python.append(path)
        elif suffix in TEMPLATE_SUFFIXES:
            found.templates.append(path)

    for given in paths:
        path = Path(os.path.abspath(given))
        if inputs is not None:
            inputs.note(path)
        if not path.exists() and not path.is_symlink():
            found.missing.append(given)
            continue
        if path.is_file():
            if force_exclude and ignores.ignored_with_parents(path, is_dir=False):
                continue
            found.explicit.add(path)
            add_file(path, path.suffix)
            continue
        if force_exclude and path != root and ignores.ignored_with_parents(path, is_dir=True):
            continue
        # The first folder's own .gitignore is added when it is listed, as every folder's is.
        stack = [ignores.folder(path, ignores.inherited(path))]
        while stack:
            folder = stack.pop()
            if inputs is not None:
                inputs.note(folder.path)
            try:
                entries = sorted(os.scandir(folder.path), key=_entry_name)
            except OSError as error:
                # Unreadable, or deleted while the run goes on: what it held is not linted, and we say so.
                found.notes.append((Path(folder.path), f"skipped: {CANNOT_LIST}{error.strerror or error})"))
                continue
            if inputs is not None:
                inputs.note_listing(folder.path, entries)
            names = [entry.name for entry in entries]
            if _is_vendored(folder.path, names):
                # Installed third-party code: read only if handler code imports it as a local module.
                continue
            if ".gitignore" in names:
                folder = ignores.with_own_rules(folder)
            subfolders = []
            for entry in entries:
                name = entry.name
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if not ignores.ignored_in(folder, name, is_dir=True):
                            subfolders.append(ignores.child_folder(folder, name))
                    elif (
                        # Only files we read are worth an ignore check (most of a tree is neither).
                        ((suffix := _suffix(name)) == ".py" or suffix in TEMPLATE_SUFFIXES)
                        and entry.is_file(follow_symlinks=False)
                        and not ignores.ignored_in(folder, name, is_dir=False)
                    ):
                        add_file(Path(entry.path), suffix)
                except OSError:
                    continue
            stack.extend(reversed(subfolders))
            if progress is not None:
                progress(len(found.python) + len(found.templates))
    return found


def _entry_name(entry: os.DirEntry[str]) -> str:
    return entry.name
