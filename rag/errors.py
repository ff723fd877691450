"""The project's exceptions, all subclasses of `RagError`. The CLI prints any of them as one line and exits
non-zero. The base class and PromptError come from `wording` (the lowest layer, with the message catalog), the
store's errors from `vectorstore.errors`; all are re-exported here."""

from __future__ import annotations

from typing import Any

from vectorstore.errors import (
    EmbedderMismatchError,
    RagError,
    StoreDamagedError,
    StoreError,
    StoreLockedError,
    StoreUnavailableError,
)
from wording import Message, PromptError

__all__ = [
    "RagError",
    "ConfigError",
    "FeedError",
    "IngestAbortedError",
    "LoadError",
    "EmbedderError",
    "EmbedderMismatchError",
    "StoreDamagedError",
    "StoreError",
    "StoreLockedError",
    "StoreUnavailableError",
    "PromptError",
    "QueryError",
]


class ConfigError(RagError):
    """A setting has a value the product cannot use."""


class FeedError(RagError):
    """A news feed could not be added, fetched or read."""


class IngestAbortedError(RagError):
    """An ingest stopped part way (the store failed): `report` (an IngestReport) holds what was done before."""

    def __init__(self, key: str, /, report: Any, **fields: Any):
        super().__init__(key, **fields)
        self.report = report


class LoadError(RagError):
    """A file was rejected at load time (empty, binary, too large, undecodable, malformed): `reason` says why, a
    `Message` of the catalog ("indexing.<name>")."""

    def __init__(self, source: str, reason: Message):
        super().__init__("indexing.load_error", source=source, reason=reason)
        self.source = source
        self.reason = reason


class EmbedderError(RagError):
    """The embedding backend could not be loaded or failed."""


class QueryError(RagError):
    """A question the product cannot take (empty, too long)."""
