"""Chroma, the vector side: an embedded PersistentClient under the data dir, or an HttpClient to a server.

Only ids and vectors live here (cosine space), and in each collection's metadata the identity of the store that
wrote it ({"store": id, "writes": count}); texts and everything else live in the catalog."""

from __future__ import annotations

import contextlib
import logging
import re
import shutil
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from wording import Message

from .errors import StoreError, StoreUnavailableError
from .space import full_disk

log = logging.getLogger(__name__)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


class _Connection:
    """The client, shared by an index and its copies (a reindex's target), so that one reopened after a failure is
    the one all of them use; `opened` counts the clients made, for a collection to know it is bound to an old one."""

    client: Any = None
    opened = 0


class VectorIndex:
    """One client; `name` is the collection in use, chosen by `use()` (a reindex builds the next one beside it), or
    none (`detach()`: its vectors are lost; reads find nothing, upserts fail).

    A call that fails (other than on a collection gone) closes the client and is tried once more on a new one: after
    a failed write (a full disk), local Chroma's client hangs on the next one, even once space is freed. Every call
    is safe to repeat (ids are content-derived: an upsert or a delete twice is once)."""

    name = ""
    _col: Any = None
    _bound = 0  # the client (`_Connection.opened`) `_col` belongs to

    def __init__(self, path: Path | None = None, host: str | None = None, port: int = 8000):
        self.where = (
            Message("store.chroma_server", host=host, port=port) if host else Message("store.chroma_local", path=path)
        )
        self._path, self._host, self._port = (None if host else path), host, port
        self._conn = _Connection()
        if host:
            self._client  # noqa: B018 - connected now: a server that is down is said at open

    @property
    def _client(self) -> Any:
        """Local Chroma is opened on first use only: opening it writes to (or creates) its folder, which `collections()`
        reads without, so that a store found damaged at open is refused with nothing written."""
        if self._conn.client is None:
            self._conn.client = self._open()
            self._conn.opened += 1
        return self._conn.client

    def _open(self) -> Any:
        import chromadb

        settings = chromadb.Settings(anonymized_telemetry=False, allow_reset=False)
        try:
            if self._host:
                client = chromadb.HttpClient(host=self._host, port=self._port, settings=settings)
                client.heartbeat()
                return client
            return chromadb.PersistentClient(path=str(self._path), settings=settings)
        except Exception as e:
            self._forget_system()
            if self._path and (full := full_disk(self._path, e)):
                raise full from None
            raise StoreUnavailableError("store.unreachable", where=self.where, detail=_first_line(e)) from None

    def _forget_system(self) -> None:
        """Local Chroma keeps one `System` per path for the process, and keeps it even when it failed to start (a
        full disk) or another client of the path still holds it after its failure: the next client must not get it."""
        if self._path is not None:  # Chroma's private registry (1.5): another version without it keeps its own
            with contextlib.suppress(ImportError, AttributeError):
                from chromadb.api.shared_system_client import SharedSystemClient

                SharedSystemClient._identifier_to_system.pop(str(self._path), None)
                SharedSystemClient._identifier_to_refcount.pop(str(self._path), None)

    def collections(self, prefix: str) -> dict[str, tuple[dict[str, Any], int]]:
        """The collections whose name starts with `prefix`: name -> (its metadata, {} without; its number of
        vectors). Local Chroma is read from its own catalog, read-only, without opening it (nothing there: {});
        through the client when that catalog cannot be read as expected (another Chroma version), or from a server."""
        if self._path is not None and self._conn.client is None:
            db_path = self._path / "chroma.sqlite3"
            if not db_path.exists():
                return {}
            try:
                with contextlib.closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)) as db:
                    out: dict[str, tuple[dict[str, Any], int]] = {
                        name: ({}, n)
                        for name, n in db.execute(
                            "SELECT c.name, (SELECT count(*) FROM embeddings e JOIN segments s ON s.id = e.segment_id "
                            "WHERE s.collection = c.id AND s.scope = 'METADATA') FROM collections c "
                            "WHERE substr(c.name, 1, length(?1)) = ?1",
                            (prefix,),
                        )
                    }
                    for name, key, value in db.execute(
                        "SELECT c.name, m.key, coalesce(m.str_value, m.int_value, m.float_value, m.bool_value) "
                        "FROM collections c JOIN collection_metadata m ON m.collection_id = c.id "
                        "WHERE substr(c.name, 1, length(?1)) = ?1",
                        (prefix,),
                    ):
                        out[name][0][key] = value
                return out
            except sqlite3.Error:
                pass
        listed = [c for c in self._call(lambda: self._client.list_collections()) if c.name.startswith(prefix)]
        return {c.name: (dict(c.metadata or {}), self._call(c.count)) for c in listed}

    def use(self, name: str, create: bool = False, metadata: dict[str, Any] | None = None) -> None:
        """Work on collection `name` from now on; a reader never creates one (it may just have been dropped).
        `metadata`: a created one's."""
        if create:
            self._col = self._call(
                lambda: self._client.get_or_create_collection(
                    name, configuration={"hnsw": {"space": "cosine"}}, metadata=metadata, embedding_function=None
                )
            )
        else:
            self._col = self._call(lambda: self._client.get_collection(name, embedding_function=None))
        self.name, self._bound = name, self._conn.opened

    def detach(self, name: str) -> None:
        """No collection in use: `name`, the one that should be, is absent."""
        self._col, self.name = None, name

    @property
    def attached(self) -> bool:
        """Whether a collection is in use."""
        return self._col is not None

    def metadata(self) -> dict[str, Any]:
        """The metadata of the collection in use ({} without one)."""
        col = self._call(self._current)
        return dict(col.metadata or {}) if col is not None else {}

    def mark(self, metadata: dict[str, Any]) -> None:
        """Replace the metadata of the collection in use (none in use: nothing to mark)."""
        if self._col is not None:
            self._call(lambda: self._current().modify(metadata=metadata))

    def _current(self) -> Any:
        """The collection in use, got again from the client when that was reopened since (None: none in use)."""
        if self._col is not None and self._bound != self._conn.opened:
            client = self._client
            self._col, self._bound = client.get_collection(self.name, embedding_function=None), self._conn.opened
        return self._col

    def _reopen(self) -> None:
        """Close the client; the next call opens a new one (its collections are got again by `_current`)."""
        client, self._conn.client = self._conn.client, None
        self._conn.opened += 1  # collections of the closed client are stale even before a new one is opened
        if client is not None:
            with contextlib.suppress(Exception):
                client.close()
        self._forget_system()

    def _call(self, fn: Callable[[], Any], retry: bool = True) -> Any:
        """`fn()` (which reads the client and collection anew each time), its failure as a store error: tried once
        more on a new client, except a collection gone."""
        try:
            return fn()
        except StoreError:
            raise
        except Exception as e:  # chromadb raises many kinds (connection, validation, internal)
            text = f"{type(e).__name__} {e}".lower()
            if "does not exist" in text or "notfound" in text:
                raise CollectionGoneError("store.vectors_failed", where=self.where, detail=_first_line(e)) from None
            self._reopen()
            if retry:
                log.info("%s: %s; trying again with a new client", self.where, _first_line(e))
                return self._call(fn, retry=False)
            if self._path and (full := full_disk(self._path, e)):
                raise full from None
            if isinstance(e, (ConnectionError, OSError)) or "connect" in text:
                raise StoreUnavailableError("store.vectors_failed", where=self.where, detail=_first_line(e)) from None
            if self._path:  # local files may be damaged: how to rebuild them
                raise StoreError(
                    "store.vectors_damaged", where=self.where, detail=_first_line(e), path=self._path
                ) from None
            raise StoreError("store.vectors_failed", where=self.where, detail=_first_line(e)) from None

    def upsert(self, ids: Sequence[str], embeddings: Any) -> None:
        if len(ids):
            self._call(lambda: self._collection().upsert(ids=list(ids), embeddings=embeddings))

    def delete(self, ids: Sequence[str]) -> None:
        if len(ids) and self._col is not None:
            self._call(lambda: self._current().delete(ids=list(ids)))

    def _collection(self) -> Any:
        if self._col is None:
            raise CollectionGoneError("store.no_collection", where=self.where, name=self.name)
        return self._current()

    def query(self, embedding: Any, k: int) -> list[tuple[str, float]]:
        """(id, cosine similarity) best first. (Chroma returns fewer than k itself; no count() on this hot path.)"""
        res = self._call(
            lambda: self._collection().query(query_embeddings=[embedding], n_results=k, include=["distances"])
        )
        return [(i, 1.0 - d) for i, d in zip(res["ids"][0], res["distances"][0], strict=True)]

    def count(self) -> int:
        """Vectors in the collection in use (none in use: 0)."""
        return int(self._call(lambda: self._current().count())) if self._col is not None else 0

    def ids(self, page: int = 5000) -> set[str]:
        """Every id in the collection in use (paged: Chroma caps one `get`)."""
        out: set[str] = set()
        while self._col is not None:
            got = self._call(lambda: self._current().get(include=[], limit=page, offset=len(out)))["ids"]
            out.update(got)
            if len(got) < page:
                break
        return out

    def names(self) -> list[str]:
        """Names of every collection the client sees."""
        return [getattr(c, "name", c) for c in self._call(lambda: self._client.list_collections())]

    def drop(self, name: str) -> None:
        """Delete collection `name` (absent already: nothing to do), and its folder on disk."""
        try:
            self._call(lambda: self._client.delete_collection(name))
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
