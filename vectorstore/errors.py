"""Errors of the persistence layer. `RagError`, the base of every error of the product, comes from `wording` (the
lowest layer, with the catalog that words every message); `rag.errors` re-exports all of them."""

from __future__ import annotations

from wording import RagError

__all__ = [
    "RagError",
    "StoreError",
    "StoreLockedError",
    "StoreUnavailableError",
    "StoreDamagedError",
    "EmbedderMismatchError",
]


class StoreError(RagError):
    """The catalog or the vector store failed."""


class StoreLockedError(StoreError):
    """Another process is writing to the same local data directory."""


class StoreUnavailableError(StoreError):
    """The vector store cannot be reached (e.g. the Chroma server is down)."""


class StoreDamagedError(StoreError):
    """The catalog's file is damaged, or the catalog and the vectors disagree (`rag check` says which; `rag repair`)."""


class EmbedderMismatchError(StoreError):
    """The index was built with another embedder than the one in use now."""
