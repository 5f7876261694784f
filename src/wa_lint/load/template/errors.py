from __future__ import annotations

from wa_lint.errors import LocatedError


class TemplateError(LocatedError):
    """A template that cannot be read; carries the best known 1-based position."""
