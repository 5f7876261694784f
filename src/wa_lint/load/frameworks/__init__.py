"""Framework files (Serverless Framework, AWS CDK) turned into templates the linker already reads."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from wa_lint.load.template.document import Template

SERVERLESS_FILE_NAMES = frozenset({"serverless.yml", "serverless.yaml", "serverless.json"})


def framework_of(path: Path) -> str | None:
    """Which framework file `path` is ("serverless", "cdk"), by its name; None for any other file."""
    # By name, without importing the translator: most runs have no serverless.yml.
    if path.name in SERVERLESS_FILE_NAMES:
        return "serverless"
    if path.name == "cdk.json":
        return "cdk"
    return None


def load_framework_file(path: Path, text: str, read: Callable[[Path], str | None]) -> Template | None:
    """The template a framework file stands for, or None when it stands for none (cdk.json).

    Raises NotATemplate (a file of that name that is not the framework's) or TemplateError.
    """
    if framework_of(path) == "serverless":
        from wa_lint.load.frameworks.serverless import translate

        return translate(path, text, read)
    return None


def cdk_note(many: bool = False) -> str:
    """What to tell the user about a `cdk.json` with no synthesized `cdk.out` beside it."""
    subject = "their functions are" if many else "a CDK app with no cdk.out: its functions are"
    return (f"{subject} defined in code wa-lint does not run; `cdk synth` writes the templates (and copies the "
            "handler code) that wa-lint links, so run it before linting (only handler-looking files were checked)")
