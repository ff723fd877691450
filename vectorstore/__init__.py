"""Persistence only: Chroma (vectors) and a SQLite catalog (documents, chunks, lexical index, journal).

Nothing here knows about Vietnamese or answers; `rag` hands in folded terms and vectors."""

from .catalog import Catalog
from .errors import RagError, StoreError, StoreLockedError, StoreUnavailableError
from .lock import WriteLock
from .store import Store
from .vectors import VectorIndex

__all__ = [
    "Catalog",
    "RagError",
    "Store",
    "StoreError",
    "StoreLockedError",
    "StoreUnavailableError",
    "VectorIndex",
    "WriteLock",
]
