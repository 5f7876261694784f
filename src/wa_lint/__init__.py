"""wa-lint: a Well-Architected linter for serverless Python on AWS.

`wa_lint.lint(paths, config=None, **options)` runs it from Python (see wa_lint.api); it is imported on
first use, so `import wa_lint` stays cheap for the command line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Result", "__version__", "lint"]

if TYPE_CHECKING:
    from wa_lint.api import Result, lint


def __getattr__(name: str) -> Any:
    if name in ("lint", "Result"):
        from wa_lint import api

        return getattr(api, name)
    raise AttributeError(f"module 'wa_lint' has no attribute {name!r}")
