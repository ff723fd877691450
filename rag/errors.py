"""The project's exceptions. The CLI prints any `RagError` as one line and exits non-zero."""

from __future__ import annotations

__all__ = [
    "RagError",
    "ConfigError",
    "LoadError",
    "EmbedderError",
    "EmbedderMismatchError",
    "StoreError",
    "StoreLockedError",
    "StoreUnavailableError",
    "PromptError",
]


class RagError(Exception):
    """Base class: every error the product raises on purpose."""


class ConfigError(RagError):
    """A setting has a value the product cannot use."""


class LoadError(RagError):
    """A file was rejected at load time (empty, binary, too large, undecodable, malformed)."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class EmbedderError(RagError):
    """The embedding backend could not be loaded or failed."""


class EmbedderMismatchError(RagError):
    """The index was built with another embedder than the one configured now."""


class StoreError(RagError):
    """The catalog or the vector store failed."""


class StoreLockedError(StoreError):
    """Another process is writing to the same local data directory."""


class StoreUnavailableError(StoreError):
    """The vector store cannot be reached (e.g. the Chroma server is down)."""


class PromptError(RagError):
    """A prompt template is missing or a variable it needs was not given."""
