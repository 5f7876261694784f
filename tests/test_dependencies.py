"""Every third-party module the package imports is a declared dependency (a fresh install must work)."""

from __future__ import annotations

import ast
import sys
import tomllib

from conftest import REPO

# Import name -> distribution name, where they differ.
DISTRIBUTIONS = {"yaml": "pyyaml"}
# Imported only in optional paths that declare their own extra.
OPTIONAL = {"boto3": "live", "botocore": "live", "pygls": "server", "lsprotocol": "server"}


def _declared() -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    names = set()
    for requirement in project["dependencies"]:
        name = requirement.split(";")[0]
        for separator in "<>=!~[ ":
            name = name.split(separator)[0]
        names.add(name.strip().lower().replace("_", "-"))
    return names


def test_runtime_imports_are_declared() -> None:
    declared = _declared()
    optional = tomllib.loads((REPO / "pyproject.toml").read_text())["project"].get("optional-dependencies", {})
    undeclared = {}
    for path in sorted((REPO / "src" / "wa_lint").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top in sys.stdlib_module_names or top == "wa_lint" or top == "__future__":
                    continue
                distribution = DISTRIBUTIONS.get(top, top).lower()
                if top in OPTIONAL and distribution in " ".join(optional.get(OPTIONAL[top], [])).lower():
                    continue
                if distribution not in declared:
                    undeclared.setdefault(top, []).append(str(path.relative_to(REPO)))
    assert undeclared == {}
