"""Locate the folder shipped next to the code: `seeds/` (the wording's templates live in the `wording` package).

A checkout (or editable install) has them at the repository root; a wheel carries them in `rag/_bundled/`."""

from __future__ import annotations

from pathlib import Path

from .errors import ConfigError

__all__ = ["bundled_path"]

_PKG = Path(__file__).resolve().parent


def bundled_path(name: str) -> Path:
    for candidate in (_PKG / "_bundled" / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    raise ConfigError("resources.not_bundled", name=name, where=_PKG)
