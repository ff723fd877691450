"""Persistence only: Chroma (vectors), a catalog (documents, chunks, lexical index, fact rows, journal) in a SQLite
file or in PostgreSQL (`postgres`, imported only when a database is set), the write lock, the free-space check, and
side files for other layers' state (the feeds').

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
