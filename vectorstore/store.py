"""The store: catalog + vectors + writer lock, with every write journaled so a crash leaves no half document.

Write protocol for one document (ids are content-derived, so a retry upserts the same ids, never duplicates):
  1. journal the chunk ids about to change (committed)   2. upsert the new vectors into Chroma
  3. one SQLite transaction: old rows out, new rows + lexical terms in   4. delete vectors no longer referenced
  5. clear the journal entry.
Queries only see chunks present in the catalog, so vectors written before a crash in step 2-3 are invisible;
`recover()` (run before each write session) deletes journaled vectors that the catalog does not reference.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .catalog import Catalog
from .lock import WriteLock
from .vectors import VectorIndex


class Store:
    def __init__(
        self,
        data_dir: Path,
        collection: str,
        chroma_host: str | None = None,
        chroma_port: int = 8000,
        lock_timeout: float = 30.0,
    ):
        data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir = data_dir
        self.catalog = Catalog(data_dir / "catalog.sqlite3")
        self.vectors = VectorIndex(collection, path=data_dir / "chroma", host=chroma_host, port=chroma_port)
        self._lock = WriteLock(data_dir / "write.lock", lock_timeout)

    def close(self) -> None:
        """Close the catalog (the vectors need no closing)."""
        self.catalog.close()

    @contextmanager
    def writer(self) -> Iterator[Store]:
        """Hold the data dir's write lock; finishes any write a crashed process left half done."""
        with self._lock:
            self.recover()
            yield self

    def recover(self) -> int:
        """Drop vectors of journaled writes that never committed (or were replaced). Returns entries recovered."""
        pending = self.catalog.journal_pending()
        for entry_id, _op, ids in pending:
            live = self.catalog.existing_chunk_ids(ids)
            self.vectors.delete([i for i in ids if i not in live])
            self.catalog.journal_clear(entry_id)
        return len(pending)

    def put_document(
        self,
        doc: dict[str, Any],
        chunks: list[dict[str, Any]],
        embeddings: Any,
        replaces: str | None = None,
        facts: Sequence[dict[str, Any]] = (),
    ) -> None:
        """Add `doc` with its chunks and fact records (replacing document `replaces` if given). Call inside
        `writer()`."""
        new_ids = [c["chunk_id"] for c in chunks]
        old_ids = self.catalog.chunk_ids(replaces) if replaces else []
        entry = self.catalog.journal_add("put", new_ids + old_ids)
        self.vectors.upsert(new_ids, embeddings)
        with self.catalog.transaction() as db:
            if replaces:
                Catalog.delete_document(db, replaces)
            Catalog.insert_document(db, doc, chunks, facts)
        self.vectors.delete([i for i in old_ids if i not in set(new_ids)])
        self.catalog.journal_clear(entry)

    def remove_document(self, doc_id: str) -> None:
        ids = self.catalog.chunk_ids(doc_id)
        entry = self.catalog.journal_add("remove", ids)
        with self.catalog.transaction() as db:
            Catalog.delete_document(db, doc_id)
        self.vectors.delete(ids)
        self.catalog.journal_clear(entry)

    def dense_search(self, embedding: Any, k: int) -> list[tuple[str, float]]:
        """Nearest chunks that the catalog knows (vectors of uncommitted writes are skipped)."""
        hits = self.vectors.query(embedding, k)
        live = self.catalog.existing_chunk_ids([i for i, _ in hits])
        return [(i, s) for i, s in hits if i in live]
