"""SQLite catalog: documents (with their stored text), chunks with offsets, an FTS5 lexical index, fact records
(JSON), an ingest journal and key/value metadata. The catalog is the source of truth: a vector whose chunk is not
here is invisible.

Rows are plain dicts; the lexical terms arrive already folded (the language logic lives in `rag`).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import StoreError

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, source TEXT NOT NULL UNIQUE, title TEXT NOT NULL, url TEXT, date TEXT,
    metadata TEXT NOT NULL DEFAULT '{}', text TEXT NOT NULL, n_chunks INTEGER NOT NULL, added_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    rowid INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    idx INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(terms, tokenize="unicode61 tokenchars '_'");
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_vocab USING fts5vocab(chunks_fts, 'row');
CREATE TABLE IF NOT EXISTS facts (
    record_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS facts_doc ON facts(doc_id);
CREATE TABLE IF NOT EXISTS journal (
    id INTEGER PRIMARY KEY, op TEXT NOT NULL, chunk_ids TEXT NOT NULL, at REAL NOT NULL);
"""

_DOC_COLS = "doc_id, source, title, url, date, metadata, n_chunks, added_at"


class Catalog:
    def __init__(self, path: Path | str):
        self.path = str(path)
        try:
            # autocommit mode; transactions are explicit (BEGIN IMMEDIATE) so a document's rows land together.
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(SCHEMA)
        except sqlite3.Error as e:
            raise StoreError(f"cannot open catalog {self.path}: {e}") from None
        self._mutex = threading.RLock()  # one connection shared by threads (the chat page serves several)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._mutex:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._mutex:
            return self._db.execute(sql, params).fetchall()

    # --- meta ---------------------------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0]["value"] if rows else None

    def set_meta(self, key: str, value: str | None) -> None:
        with self.transaction() as db:
            if value is None:
                db.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    # --- documents ----------------------------------------------------------------------------------------------
    def _doc(self, row: sqlite3.Row | None) -> dict[str, Any] | None:
        if row is None:
            return None
        d = dict(row)
        d["metadata"] = json.loads(d["metadata"])
        return d

    def document(self, doc_id: str) -> dict[str, Any] | None:
        rows = self._query(f"SELECT {_DOC_COLS} FROM documents WHERE doc_id = ?", (doc_id,))
        return self._doc(rows[0] if rows else None)

    def document_by_source(self, source: str) -> dict[str, Any] | None:
        rows = self._query(f"SELECT {_DOC_COLS} FROM documents WHERE source = ?", (source,))
        return self._doc(rows[0] if rows else None)

    def documents(self) -> list[dict[str, Any]]:
        return [self._doc(r) for r in self._query(f"SELECT {_DOC_COLS} FROM documents ORDER BY added_at, source")]  # type: ignore[misc]

    def document_text(self, doc_id: str) -> str | None:
        rows = self._query("SELECT text FROM documents WHERE doc_id = ?", (doc_id,))
        return rows[0]["text"] if rows else None

    def counts(self) -> tuple[int, int]:
        row = self._query("SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM chunks)")[0]
        return row[0], row[1]

    def chunk_ids(self, doc_id: str) -> list[str]:
        return [r[0] for r in self._query("SELECT chunk_id FROM chunks WHERE doc_id = ? ORDER BY idx", (doc_id,))]

    @staticmethod
    def insert_document(
        db: sqlite3.Connection, doc: dict[str, Any], chunks: list[dict[str, Any]], facts: Sequence[dict[str, Any]] = ()
    ) -> None:
        """Inside a transaction: the document row, its chunk rows, their lexical terms and its fact records
        (each a dict with a `record_id`)."""
        db.execute(
            "INSERT INTO documents(doc_id, source, title, url, date, metadata, text, n_chunks, added_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                doc["doc_id"],
                doc["source"],
                doc["title"],
                doc.get("url"),
                doc.get("date"),
                json.dumps(doc.get("metadata") or {}, ensure_ascii=False),
                doc["text"],
                len(chunks),
                time.time(),
            ),
        )
        for c in chunks:
            cur = db.execute(
                'INSERT INTO chunks(chunk_id, doc_id, idx, start, "end") VALUES (?, ?, ?, ?, ?)',
                (c["chunk_id"], doc["doc_id"], c["idx"], c["start"], c["end"]),
            )
            db.execute("INSERT INTO chunks_fts(rowid, terms) VALUES (?, ?)", (cur.lastrowid, c["terms"]))
        db.executemany(
            "INSERT INTO facts(record_id, doc_id, data) VALUES (?, ?, ?)",
            [(f["record_id"], doc["doc_id"], json.dumps(f, ensure_ascii=False)) for f in facts],
        )

    @staticmethod
    def delete_document(db: sqlite3.Connection, doc_id: str) -> None:
        """Inside a transaction: the document, its chunks and their lexical rows."""
        db.execute("DELETE FROM chunks_fts WHERE rowid IN (SELECT rowid FROM chunks WHERE doc_id = ?)", (doc_id,))
        db.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
        db.execute("DELETE FROM facts WHERE doc_id = ?", (doc_id,))
        db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))

    def facts(self) -> list[dict[str, Any]]:
        """Every fact record, in document order."""
        return [
            json.loads(r[0])
            for r in self._query(
                "SELECT f.data FROM facts f JOIN documents d USING (doc_id) ORDER BY d.added_at, f.record_id"
            )
        ]

    def facts_version(self) -> tuple[int, int]:
        """Changes whenever fact records are added or removed (for callers that cache them)."""
        row = self._query("SELECT count(*), coalesce(max(rowid), 0) FROM facts")[0]
        return row[0], row[1]

    def phrase_count(self, terms: Sequence[str]) -> int:
        """How many chunks hold these folded terms in a row (an FTS5 phrase query)."""
        if not terms:
            return 0
        phrase = '"' + " ".join(t.replace('"', '""') for t in terms) + '"'
        return int(self._query("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?", (phrase,))[0][0])

    # --- chunks and lexical search ------------------------------------------------------------------------------
    def chunks(self, chunk_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """chunk_id -> {chunk_id, doc_id, idx, start, end, text, source, title, url, date}; unknown ids omitted."""
        if not chunk_ids:
            return {}
        marks = ",".join("?" * len(chunk_ids))
        rows = self._query(
            'SELECT c.chunk_id, c.doc_id, c.idx, c.start, c."end", substr(d.text, c.start + 1, c."end" - c.start) '
            f"AS text, d.source, d.title, d.url, d.date FROM chunks c JOIN documents d USING (doc_id) "
            f"WHERE c.chunk_id IN ({marks})",
            list(chunk_ids),
        )
        return {r["chunk_id"]: dict(r) for r in rows}

    def existing_chunk_ids(self, chunk_ids: Sequence[str]) -> set[str]:
        if not chunk_ids:
            return set()
        marks = ",".join("?" * len(chunk_ids))
        return {r[0] for r in self._query(f"SELECT chunk_id FROM chunks WHERE chunk_id IN ({marks})", list(chunk_ids))}

    def doc_freqs(self, terms: Sequence[str]) -> dict[str, int]:
        """How many chunks contain each term (absent terms are omitted)."""
        if not terms:
            return {}
        marks = ",".join("?" * len(terms))
        return {
            r[0]: r[1] for r in self._query(f"SELECT term, doc FROM chunks_vocab WHERE term IN ({marks})", list(terms))
        }

    def lexical_search(self, terms: Sequence[str], limit: int) -> list[tuple[str, float]]:
        """BM25 over the terms (OR-ed). Returns (chunk_id, score) best first; score > 0."""
        if not terms:
            return []
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
        rows = self._query(
            "SELECT c.chunk_id, -bm25(chunks_fts) AS score FROM chunks_fts JOIN chunks c ON c.rowid = chunks_fts.rowid "
            "WHERE chunks_fts MATCH ? ORDER BY bm25(chunks_fts) LIMIT ?",
            (match, limit),
        )
        return [(r[0], r[1]) for r in rows]

    # --- journal ------------------------------------------------------------------------------------------------
    def journal_add(self, op: str, chunk_ids: Sequence[str]) -> int:
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO journal(op, chunk_ids, at) VALUES (?, ?, ?)",
                (op, json.dumps(list(chunk_ids)), time.time()),
            )
            return int(cur.lastrowid or 0)

    def journal_clear(self, entry_id: int) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM journal WHERE id = ?", (entry_id,))

    def journal_pending(self) -> list[tuple[int, str, list[str]]]:
        return [
            (r[0], r[1], json.loads(r[2])) for r in self._query("SELECT id, op, chunk_ids FROM journal ORDER BY id")
        ]
