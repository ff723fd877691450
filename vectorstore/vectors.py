"""Chroma, the vector side: an embedded PersistentClient under the data dir, or an HttpClient to a server.

Only ids and vectors live here (cosine space); texts and metadata live in the catalog."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import StoreError, StoreUnavailableError


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


class VectorIndex:
    def __init__(self, collection: str, path: Path | None = None, host: str | None = None, port: int = 8000):
        import chromadb

        settings = chromadb.Settings(anonymized_telemetry=False, allow_reset=False)
        self.where = f"Chroma server {host}:{port}" if host else f"Chroma at {path}"
        try:
            if host:
                self._client = chromadb.HttpClient(host=host, port=port, settings=settings)
                self._client.heartbeat()
            else:
                self._client = chromadb.PersistentClient(path=str(path), settings=settings)
        except Exception as e:
            raise StoreUnavailableError(f"cannot reach {self.where}: {_first_line(e)}") from None
        self.name = collection
        self._col = self._call(self._open)

    def _open(self) -> Any:
        return self._client.get_or_create_collection(
            self.name, configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
        )

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except StoreError:
            raise
        except Exception as e:  # chromadb raises many kinds (connection, validation, internal)
            unreachable = isinstance(e, (ConnectionError, OSError)) or "connect" in f"{type(e).__name__} {e}".lower()
            raise (StoreUnavailableError if unreachable else StoreError)(f"{self.where}: {_first_line(e)}") from None

    def upsert(self, ids: Sequence[str], embeddings: Any) -> None:
        if len(ids):
            self._call(self._col.upsert, ids=list(ids), embeddings=embeddings)

    def delete(self, ids: Sequence[str]) -> None:
        if len(ids):
            self._call(self._col.delete, ids=list(ids))

    def query(self, embedding: Any, k: int) -> list[tuple[str, float]]:
        """(id, cosine similarity) best first. (Chroma returns fewer than k itself; no count() on this hot path.)"""
        res = self._call(self._col.query, query_embeddings=[embedding], n_results=k, include=["distances"])
        return [(i, 1.0 - d) for i, d in zip(res["ids"][0], res["distances"][0], strict=True)]

    def count(self) -> int:
        return int(self._call(self._col.count))

    def reset(self) -> None:
        """Drop every vector (used by reindex, e.g. after changing the embedder's dimension)."""

        def drop() -> None:
            try:
                self._client.delete_collection(self.name)
            except Exception:  # absent already
                pass

        self._call(drop)
        self._col = self._call(self._open)
