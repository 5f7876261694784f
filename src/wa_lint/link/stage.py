"""The link stage: each template's functions, tables and resources, with handlers resolved to files.

The template half (link/linker.py) reads what the template says; this stage adds what the file system
says (import roots, the handler's module file) by building new, linked `Function` values.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from wa_lint.link.handlers import resolve_handler
from wa_lint.link.linker import layer_root, link_template
from wa_lint.link.model import Function, Resource, Table
from wa_lint.load.frameworks.cdk import in_cdk_out, source_of_asset
from wa_lint.load.sources import OUTSIDE, SourceStore
from wa_lint.load.template.document import Template
from wa_lint.report.findings import Diagnostic


@dataclass(frozen=True)
class Linked:
    templates: list[Template]
    functions: list[Function] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    # Functions whose handler resolved to a local Python file, and functions with inline Python code:
    # the code the analyse stage reads.
    handler_functions: list[Function] = field(default_factory=list)
    inline_functions: list[Function] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # (template, project files compared with one of its CDK asset handlers): the template's functions
    # are linked by what those files hold, wherever they are (run_parts.py joins them).
    asset_sources: list[tuple[Path, list[Path]]] = field(default_factory=list)


def link_stage(templates: list[Template], store: SourceStore, reported_paths: frozenset[Path] | None,
               python_files: Sequence[Path] = ()) -> Linked:
    linked = Linked(templates)
    layer_folders = _layer_folders(python_files)
    for template in templates:
        functions, tables, resources = link_template(template)
        linked.tables.extend(tables)
        linked.resources.extend(resources)
        for function in functions:
            function = replace(function, import_roots=_import_roots(template, function, store, layer_folders))
            linked.functions.append(_link_code(function, store, reported_paths, linked, python_files))
    return linked


def _from_asset_source(function: Function, store: SourceStore, python_files: Sequence[Path], linked: Linked) -> Function:
    """A CDK asset handler linked to the project folder it was copied from, when there is exactly one."""
    code, handler = function.code, function.handler
    if handler is None or handler.file is None or code.root is None or not in_cdk_out(code.root):
        return function
    compared: list[Path] = []
    source = source_of_asset(code.root, handler.file, python_files, compared)
    linked.asset_sources.append((function.template.path, compared))
    if source is None or not store.inside(source):
        return function
    roots = [source, *function.import_roots[1:]]
    return replace(function, code=replace(code, root=source), import_roots=roots,
                   handler=resolve_handler(handler, roots))


def _layer_folders(python_files: Sequence[Path]) -> list[Path]:
    """The project's folders laid out as a Python layer: a `python/` folder holding its Python files."""
    found = set()
    # On the paths' parts (a `Path` per parent cost more than the rest of linking a large app): the
    # nearest parent named `python`, as `path.parents` would give it.
    folders: dict[tuple[str, ...], Path] = {}
    for path in python_files:
        parts = path.parts
        for index in range(len(parts) - 2, -1, -1):
            if parts[index] == "python":
                folder = parts[: index + 1]
                if folder not in folders:
                    folders[folder] = Path(*folder)
                found.add(folders[folder])
                break
    return sorted(found)


def _import_roots(template: Template, function: Function, store: SourceStore,
                  layer_folders: Sequence[Path] = ()) -> list[Path]:
    roots = [function.code.root] if function.code.kind == "local" and function.code.root else []
    for layer in function.layers:
        root = layer_root(template, layer)
        if root:
            roots.append(root)
    # A layer named by an ARN, a parameter or `{{resolve:ssm:...}}` is built elsewhere, often from a
    # `python/` folder of this project (a shared library): imports the code folder and the local layers
    # do not resolve are looked for there, after them.
    listed = function.properties.get("Layers")
    if isinstance(listed, list) and len(function.layers) < len(listed):
        roots.extend(folder for folder in layer_folders if folder not in roots)
    # `CodeUri: ../src` must name the same files as the folder walk does, or one file is analysed
    # (and reported) twice under two spellings.
    return [Path(os.path.normpath(root)) for root in roots if store.inside(root)]


def _worth_linking(function: Function, reported_paths: frozenset[Path] | None) -> bool:
    """When files are named, only functions whose template or code folder holds a named file."""
    template_path = function.template.path
    if reported_paths is None or template_path in reported_paths or any(p in reported_paths for p in template_path.parents):
        return True
    return any(path.is_relative_to(root) for path in reported_paths for root in function.import_roots)


def _link_code(function: Function, store: SourceStore, reported_paths: frozenset[Path] | None,
               linked: Linked, python_files: Sequence[Path] = ()) -> Function:
    handler = function.handler
    if function.code.kind == "unusable":
        note = f"{function.logical_id}: its code folder is not a usable path ({function.code.problem}); not read"
        linked.diagnostics.append(Diagnostic(function.template.path, note))
        return function
    if handler is None or function.code.kind not in ("local", "inline"):
        return function
    if function.runtime and not function.runtime.startswith("python"):
        return function
    if not _worth_linking(function, reported_paths):
        return function
    if function.code.kind == "inline":
        # Lambda saves inline code as index.py.
        function = replace(function, handler=replace(handler, module="index", file=function.template.path,
                                                     qualname=handler.text.rpartition(".")[2]))
        linked.inline_functions.append(function)
        return function
    code_root = function.code.root
    if code_root and not store.inside(code_root):
        problem = f"its code folder {_relative(code_root)} is {OUTSIDE}"
        linked.diagnostics.append(Diagnostic(function.template.path, f"{function.logical_id}: {problem}"))
        return replace(function, handler=replace(handler, problem=problem))
    function = replace(function, handler=resolve_handler(handler, function.import_roots))
    function = _from_asset_source(function, store, python_files, linked)
    assert function.handler is not None
    if function.handler.file is not None and function.handler.file.suffix == ".py":
        linked.handler_functions.append(function)
    return function


def _relative(path: Path) -> str:
    from wa_lint.result import relative

    return relative(path)
