"""Templates under `prompts/`, one file each, `{name}` placeholders. One loader; a missing variable fails."""

from __future__ import annotations

import string
from functools import cache

from .errors import PromptError
from .resources import bundled_path

__all__ = ["render"]


@cache
def _template(name: str) -> str:
    try:
        return (bundled_path("prompts") / f"{name}.txt").read_text(encoding="utf-8").rstrip("\n")
    except FileNotFoundError:
        raise PromptError(f"prompt template {name!r} not found in prompts/") from None


def render(name: str, **variables: object) -> str:
    """Fill template `name`; raises PromptError naming any placeholder that `variables` lacks."""
    template = _template(name)
    needed = {f for _, f, _, _ in string.Formatter().parse(template) if f}
    missing = sorted(needed - variables.keys())
    if missing:
        raise PromptError(f"prompt {name!r} needs {', '.join(missing)}")
    return template.format(**variables)
