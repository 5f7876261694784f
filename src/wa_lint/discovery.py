"""Walking the given paths: which files are template candidates and which are Python.

Honours `.gitignore` files (nested ones too), default excludes and user excludes. Symlinked folders
are not followed and only regular files are read, so loops, sockets and FIFOs are harmless.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wa_lint.gitignore import GitIgnore

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



def find_root(paths: Sequence[Path]) -> Path:
    """The project root: the git work tree around the first path (or the current folder), else that folder."""
    start = Path(os.path.abspath(paths[0])) if paths else Path.cwd()
    if not start.is_dir():
        start = start.parent
    probe = start
    while True:
        if (probe / ".git").exists():
            return probe
        if probe.parent == probe:
            cwd = Path.cwd()
            return cwd if start.is_relative_to(cwd) else start
        probe = probe.parent


class _Ignores:
    def __init__(self, root: Path, user_excludes: Sequence[str]) -> None:
        self.root = root
        self.user = GitIgnore(user_excludes)
        # Folder -> the non-empty .gitignore files that apply inside it, from the root down.
        self.chains: dict[Path, list[tuple[Path, GitIgnore]]] = {}

    def chain(self, folder: Path) -> list[tuple[Path, GitIgnore]]:
        known = self.chains.get(folder)
        if known is not None:
            return known
        inherited = [] if folder == self.root or folder.parent == folder else self.chain(folder.parent)
        file = folder / ".gitignore"
        try:
            lines = file.read_text(encoding="utf-8", errors="replace").splitlines() if file.is_file() else []
        except OSError:
            lines = []
        own = GitIgnore(lines)
        chain = [*inherited, (folder, own)] if own else inherited
        self.chains[folder] = chain
        return chain

    def ignored(self, path: Path, is_dir: bool) -> bool:
        if is_dir and path.name in DEFAULT_EXCLUDES:
            return True
        try:
            relative = path.relative_to(self.root).as_posix()
        except ValueError:
            relative = path.as_posix()
        if self.user.match(relative, is_dir):
            return True
        # A deeper .gitignore overrides a shallower one (a `!pattern` there re-includes).
        verdict = False
        for folder, spec in self.chain(path.parent):
            decision = spec.decide(path.relative_to(folder).as_posix(), is_dir)
            if decision is not None:
                verdict = decision
        return verdict

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


def _is_vendored(folder: Path, names: list[str]) -> bool:
    return folder.name == "site-packages" or any(name.endswith(".dist-info") for name in names)


def discover(
    paths: Sequence[Path],
    root: Path,
    excludes: Sequence[str] = (),
    force_exclude: bool = False,
) -> Discovered:
    found = Discovered(root=root)
    ignores = _Ignores(root, excludes)
    seen: set[Path] = set()

    def add_file(path: Path) -> None:
        if path in seen:
            return
        seen.add(path)
        if path.suffix == ".py":
            found.python.append(path)
        elif path.suffix in TEMPLATE_SUFFIXES:
            found.templates.append(path)

    for given in paths:
        path = Path(os.path.abspath(given))
        if not path.exists() and not path.is_symlink():
            found.missing.append(given)
            continue
        if path.is_file():
            if force_exclude and ignores.ignored_with_parents(path, is_dir=False):
                continue
            found.explicit.add(path)
            add_file(path)
            continue
        if force_exclude and path != root and ignores.ignored_with_parents(path, is_dir=True):
            continue
        stack = [path]
        while stack:
            folder = stack.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
            except OSError:
                continue
            if _is_vendored(folder, [entry.name for entry in entries]):
                # Installed third-party code: read only if handler code imports it as a local module.
                continue
            subfolders = []
            for entry in entries:
                child = Path(entry.path)
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if not ignores.ignored(child, is_dir=True):
                            subfolders.append(child)
                    elif (
                        # Only files we read are worth an ignore check (most of a tree is neither).
                        (child.suffix == ".py" or child.suffix in TEMPLATE_SUFFIXES)
                        and entry.is_file(follow_symlinks=False)
                        and not ignores.ignored(child, is_dir=False)
                    ):
                        add_file(child)
                except OSError:
                    continue
            stack.extend(reversed(subfolders))
    return found
