"""The discover stage: the files a run reads, and the files its findings may be reported in."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wa_lint.config import Config
from wa_lint.discover.snapshot import DiscoveryCache
from wa_lint.discover.walk import Discovered, discover
from wa_lint.inputs import Inputs
from wa_lint.report.findings import Diagnostic
from wa_lint.words import plural


@dataclass(frozen=True)
class Found:
    root: Path
    files: Discovered
    # Files (and folders) the user named when any file was named (pre-commit passes only staged files):
    # findings elsewhere are not reported. None means everything found is reported.
    reported_paths: frozenset[Path] | None
    # Templates elsewhere in the project that may point at a named Python file, each with whether it sits
    # in a folder above one (then it is loaded; the others only when they mention a named module,
    # `CodeUri: ../src` from an infra/ folder).
    templates_around: list[tuple[Path, bool]] = field(default_factory=list)
    named_modules: frozenset[str] = frozenset()
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # What the walk for `templates_around` depended on, when it was recorded.
    around_inputs: Inputs | None = None

    @property
    def inputs(self) -> list[Inputs]:
        """What the walks depended on (recorded when they kept snapshots)."""
        return [walked for walked in (self.files.inputs, self.around_inputs) if walked is not None]


def discover_stage(paths: Sequence[Path], root: Path, config: Config, force_exclude: bool = False,
                   progress: Callable[[int], None] | None = None, snapshots: DiscoveryCache | None = None,
                   known: Inputs | None = None) -> Found:
    """`root` is the project root (`find_root(paths)`: the git work tree, else the common folder);
    `snapshots` keeps walks of unchanged trees (None: every run walks); `known`: statuses the run has
    taken already."""
    excludes = [*(config.exclude or ()), *config.extend_exclude]
    found = discover(paths, root, excludes, force_exclude, progress, snapshots, known)
    diagnostics = [Diagnostic(missing, "no such file or directory", kind="error") for missing in found.missing]
    diagnostics += [Diagnostic(path, note) for path, note in found.notes]
    if not config.lint_test_templates:
        bases = [Path(os.path.abspath(path)) for path in paths] or [root]
        kept = [path for path in found.templates if path in found.explicit or not is_test_template(path, bases)]
        if len(kept) < len(found.templates):
            diagnostics.append(Diagnostic(root, f"{plural(len(found.templates) - len(kept), 'template')} under test folders "
                                          "not linted (lint-test-templates = true lints them)"))
            found.templates = kept
    reported = None
    if found.explicit:
        # Files were named: report findings in them (and in folders named with them), nowhere else.
        given = (Path(os.path.abspath(path)) for path in paths)
        reported = frozenset([*found.explicit, *(path for path in given if path.is_dir())])
    named = [path for path in found.explicit if path.suffix == ".py"]
    if not named:
        return Found(root, found, reported, diagnostics=diagnostics)
    # A staged handler is linked only through the template that points at it, so the project root
    # (the git work tree) is searched for templates; a named template brings its own handlers.
    found_here = set(found.templates)
    # A template in a folder above a named file is the usual SAM layout (and covers a named helper
    # module the handler imports).
    project = discover([root], root, excludes, snapshots=snapshots)
    around = [(path, any(file.is_relative_to(path.parent) for file in named))
              for path in project.templates if path not in found_here
              and (config.lint_test_templates or not is_test_template(path, [root]))]
    names = frozenset(path.parent.name if path.stem == "__init__" else path.stem for path in named)
    return Found(root, found, reported, around, names, diagnostics, project.inputs)


# Folders whose templates are test fixtures (`src/test/resources` too), compared by name.
TEST_TEMPLATE_DIRS = frozenset({"test", "tests", "testing", "unit_tests", "integration_tests", "__snapshots__"})


def is_test_template(path: Path, given: Sequence[Path]) -> bool:
    """A template in a test folder below the paths given (so `wa-lint tests/app` still lints what was asked)."""
    # On the paths' text, as `relative_to` would split them (a `Path` per template cost more than the
    # rest of a replayed walk).
    text = os.fspath(path)
    for base in given:
        folder = os.fspath(base)
        if text == folder:
            return False
        prefix = folder if folder.endswith(os.sep) else folder + os.sep
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    return any(part in TEST_TEMPLATE_DIRS for part in text.split(os.sep)[:-1])
