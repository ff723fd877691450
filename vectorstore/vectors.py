"""Chroma, the vector side: an embedded PersistentClient under the data dir, or an HttpClient to a server.

Only ids and vectors live here (cosine space); texts and metadata live in the catalog."""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import StoreError, StoreUnavailableError

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


class VectorIndex:
    """One client; `name` is the collection in use, chosen by `use()` (a reindex builds the next one beside it)."""

    name = ""

    def __init__(self, path: Path | None = None, host: str | None = None, port: int = 8000):
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
        self._path = None if host else path

    def use(self, name: str, create: bool = False) -> None:
        """Work on collection `name` from now on; a reader never creates one (it may just have been dropped)."""
        if create:
            self._col = self._call(
                self._client.get_or_create_collection,
                name,
                configuration={"hnsw": {"space": "cosine"}},
                embedding_function=None,
            )
        else:
            self._col = self._call(self._client.get_collection, name, embedding_function=None)
        self.name = name

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except StoreError:
            raise
        except Exception as e:  # chromadb raises many kinds (connection, validation, internal)
            text = f"{type(e).__name__} {e}".lower()
            if "does not exist" in text or "notfound" in text:
                raise CollectionGoneError(f"{self.where}: {_first_line(e)}") from None
            if isinstance(e, (ConnectionError, OSError)) or "connect" in text:
                raise StoreUnavailableError(f"{self.where}: {_first_line(e)}") from None
            hint = (
                f" (if its files are damaged: move {self._path} away and run `rag repair`, which re-embeds every "
                "chunk from the catalog)"
                if self._path
                else ""
            )
            raise StoreError(f"{self.where}: {_first_line(e)}{hint}") from None

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

    def ids(self, page: int = 5000) -> set[str]:
        """Every id in the collection in use (paged: Chroma caps one `get`)."""
        out: set[str] = set()
        while True:
            got = self._call(self._col.get, include=[], limit=page, offset=len(out))["ids"]
            out.update(got)
            if len(got) < page:
                return out

    def names(self) -> list[str]:
        """Names of every collection the client sees."""
        return [getattr(c, "name", c) for c in self._call(self._client.list_collections)]

    def drop(self, name: str) -> None:
        """Delete collection `name` (absent already: nothing to do), and its folder on disk."""
        try:
            self._call(self._client.delete_collection, name)
        except CollectionGoneError:
            pass
        self._sweep()

    def _sweep(self) -> None:
        """Chroma (local) leaves a dropped collection's segment folders on disk (chroma-core/chroma#1309): remove the
        UUID-named folders its own catalog no longer lists. Skipped when that catalog cannot be read as expected."""
        if self._path is None:
            return
        try:
            with sqlite3.connect(f"file:{self._path / 'chroma.sqlite3'}?mode=ro", uri=True) as db:
                live = {r[0] for r in db.execute("SELECT id FROM segments")}
        except sqlite3.Error:
            return
        for d in self._path.iterdir():
            if d.is_dir() and _UUID.fullmatch(d.name) and d.name not in live:
                shutil.rmtree(d, ignore_errors=True)


class CollectionGoneError(StoreError):
    """The collection in use was dropped (by a reindex in another process): reopen the serving one."""
