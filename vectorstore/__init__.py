"""Persistence only: Chroma (vectors) and a SQLite catalog (documents, chunks, lexical index, journal).

Nothing here knows about Vietnamese or answers; `rag` hands in folded terms and vectors."""

from .catalog import Catalog
from .errors import (
    EmbedderMismatchError,
    RagError,
    StoreDamagedError,
    StoreError,
    StoreLockedError,
    StoreUnavailableError,
)
from .lock import WriteLock
from .store import Health, SideFiles, Store
from .vectors import VectorIndex

__all__ = [
    "Catalog",
    "EmbedderMismatchError",
    "Health",
    "SideFiles",
    "RagError",
    "Store",
    "StoreDamagedError",
    "StoreError",
    "StoreLockedError",
    "StoreUnavailableError",
    "VectorIndex",
    "WriteLock",
]
