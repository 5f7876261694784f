"""The load stage: templates read (through the source store) into position-carrying documents."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from wa_lint.discover.stage import Found
from wa_lint.files import is_dir, is_file
from wa_lint.load.frameworks import cdk_note, framework_of, load_framework_file
from wa_lint.load.sources import Skip, SourceStore
from wa_lint.load.template.document import (
    JinjaSource,
    NotATemplate,
    Template,
    decode,
    parse_document,
    precheck,
)
from wa_lint.load.template.errors import TemplateError
from wa_lint.problems import Problem
from wa_lint.report.findings import Diagnostic

if TYPE_CHECKING:
    from wa_lint.load.template.cache import TemplateCache


@dataclass(frozen=True)
class Loaded:
    templates: list[Template] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Framework files read, by framework ("serverless": serverless.yml files translated to templates).
    frameworks: dict[str, int] = field(default_factory=dict)
    # Each framework file read, with its framework, and the files it includes (`${file(...)}`), as
    # (framework file, included file): run_parts.py counts and joins them by file.
    framework_files: dict[Path, str] = field(default_factory=dict)
    included: list[tuple[Path, Path]] = field(default_factory=list)
    # CDK apps without cdk.out (their `cdk.json`): one note names them all when there are many.
    unsynthesised: list[Path] = field(default_factory=list)


def template_cache(cache_folder: Path | None) -> TemplateCache | None:
    """The cache of loaded templates in the run's cache folder (None: the run uses no cache)."""
    if cache_folder is None:
        return None
    from wa_lint.load.template.cache import TemplateCache

    return TemplateCache(cache_folder)


def load_stage(found: Found, store: SourceStore, progress: Callable[[int, int], None] | None = None,
               cache: TemplateCache | None = None) -> Loaded:
    """The templates among `found`'s files; `progress(done, total)` after each. A child may still be
    storing `cache`'s entries when this returns (`cache.finish_writers` waits for it)."""
    loaded = Loaded()
    candidates = [*found.files.templates]
    # Read only because they mention a named module, from elsewhere in the project (pre-commit): a CDK
    # app among them that was never synthesised is no news about the files named.
    speculative: set[Path] = set()
    for path, above in found.templates_around:
        if above or _mentions(store, path, found.named_modules):
            candidates.append(path)
            if not above:
                speculative.add(path)
    if cache is not None:
        from wa_lint.load.template.written_behind import defer_when_worth_it

        defer_when_worth_it(_plain_templates(candidates, store), cache)
    unsynthesised: list[Path] = []
    for done, path in enumerate(candidates, 1):
        _load(path, store, loaded, unsynthesised, cache)
        if progress is not None:
            progress(done, len(candidates))
    if cache is not None:
        from wa_lint.load.template.written_behind import write_behind

        write_behind(cache)
    loaded.unsynthesised.extend(app for app in unsynthesised if app not in speculative)
    loaded.diagnostics.extend(_cdk_warnings(loaded.unsynthesised))
    return loaded


def _plain_templates(candidates: list[Path], store: SourceStore) -> Iterator[tuple[Path, bytes]]:
    """(path, bytes) of the readable candidates that are no framework's files (the ones `_load` may parse)."""
    for path in candidates:
        source = store.read_template(path)
        if not isinstance(source, Skip) and framework_of(path) is None:
            yield path, source.raw


# More CDK apps than this without `cdk.out` (a patterns or samples repository) get one warning, not one each.
_CDK_WARNINGS_LISTED = 3


def _cdk_warnings(apps: list[Path]) -> list[Diagnostic]:
    if len(apps) <= _CDK_WARNINGS_LISTED:
        return [Diagnostic(path, cdk_note(), kind="warning") for path in apps]
    from wa_lint.result import relative

    named = ", ".join(relative(path) for path in apps[:_CDK_WARNINGS_LISTED])
    return [Diagnostic(None, f"{len(apps)} CDK apps have no cdk.out ({named} and {len(apps) - _CDK_WARNINGS_LISTED} "
                             f"more): {cdk_note(many=True)}", kind="warning", about=apps[0])]


def _project_text(store: SourceStore, path: Path) -> str | None:
    """A project file a framework file points at (`${file(...)}`), under the same limits as templates.

    An absent one (`${file(secrets.yml)}`, kept out of git) is a deploy-time value, not a skip to note.
    """
    if not is_file(path):
        return None
    source = store.read_template(path)
    return None if isinstance(source, Skip) else source.text


def _mentions(store: SourceStore, path: Path, names: frozenset[str]) -> bool:
    source = store.read_template(path)
    text = "" if isinstance(source, Skip) else source.text
    return any(name in text for name in names)


def _load(path: Path, store: SourceStore, loaded: Loaded, unsynthesised: list[Path],
          cache: TemplateCache | None) -> None:
    source = store.read_template(path)
    if isinstance(source, Skip):
        loaded.diagnostics.append(source.diagnostic)
        return
    try:
        decode(source.raw)  # the strict decode names the first undecodable byte
        framework = framework_of(path)
        if framework is None:
            precheck(source.text)
            template = cache.load(path, source.raw, source.text) if cache else parse_document(path, source.text)
        else:
            def include(file: Path) -> str | None:
                loaded.included.append((path, file))
                return _project_text(store, file)

            translated = load_framework_file(path, source.text, include)
            loaded.frameworks[framework] = loaded.frameworks.get(framework, 0) + 1
            loaded.framework_files[path] = framework
            if translated is None:
                if framework == "cdk" and not is_dir(path.parent / "cdk.out"):
                    unsynthesised.append(path)
                return
            template = translated
    except NotATemplate:
        return
    except JinjaSource:
        loaded.diagnostics.append(Diagnostic(path, "skipped: unrendered cookiecutter/Jinja template"))
        return
    except TemplateError as error:
        loaded.problems.append(Problem(path, max(error.line, 1), max(error.column, 1), error.message,
                                       "fix the template so it loads; nothing in it was checked"))
        return
    loaded.templates.append(template)
    for problem in template.problems:
        loaded.problems.append(Problem(path, max(problem.pos.line, 1), max(problem.pos.column, 1), problem.message,
                                       "remove or rename one of the duplicate keys"))
