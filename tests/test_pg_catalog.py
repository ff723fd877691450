"""What is PostgreSQL's own in the catalog (vectorstore/postgres.py): its lexical index ranks as SQLite's FTS5 does,
a reindex's rows stay out of the serving statistics, the schema is made once, a restarted or stopped server, reads
kept per process following another replica's commits, and backups through pg_dump."""

import logging
import subprocess
import threading

import psycopg
import psycopg_pool
import pytest

from rag.vn.text import lexical_terms
from vectorstore import Catalog, Store, StoreError, StoreUnavailableError
from vectorstore.postgres import PgCatalog

ID = {"name": "hand", "model": "hand", "dim": 3, "normalized": True}

# hand-written chunks: shared words in some (document frequencies from 1 to most chunks, where FTS5's idf floor
# applies), repeated words (term frequency), lengths from 4 to 30 tokens
SENTENCES = [
    "Hà Nội công bố kế hoạch đón Tết Nguyên Đán năm 2025.",
    "Thành phố Hồ Chí Minh đón Tết với hoa, hoa và hoa.",
    "Ngân hàng Nhà nước giữ lãi suất điều hành trong năm 2025.",
    "Hà Nội mưa lớn.",
    "Giá vàng trong nước tăng, giá vàng thế giới giảm, giá xăng giữ nguyên.",
    "Đội tuyển Việt Nam thắng Thái Lan tại Hà Nội năm 2024.",
    "Năm mới, năm của kế hoạch mới: Hà Nội và thành phố Hồ Chí Minh.",
]
QUERIES = [
    "Hà Nội",
    "kế hoạch đón Tết",
    "giá vàng",
    "năm 2025",
    "hoa",
    "thành phố Hồ Chí Minh năm mới",
    "không có từ này",
]


def _chunks(sentences, prefix="c"):
    return [
        {"chunk_id": f"{prefix}{i}", "idx": 0, "start": 0, "end": len(s), "terms": " ".join(lexical_terms(s))}
        for i, s in enumerate(sentences)
    ]


def _fill(catalog, chunks):
    with catalog.transaction() as db:
        for c in chunks:
            doc = {"doc_id": c["chunk_id"], "source": f"/{c['chunk_id']}.txt", "title": "t", "text": "x" * c["end"]}
            catalog.insert_document(db, doc, [c], [{"record_id": c["chunk_id"], "events": []}])
            catalog.count_write(db)


def _scores(catalog, queries=QUERIES, limit=50):
    return {q: dict(catalog.lexical_search(lexical_terms(q), limit)) for q in queries}


def _assert_same(a, b):
    assert a.keys() == b.keys()
    for q in a:
        assert a[q].keys() == b[q].keys(), q
        assert all(a[q][i] == pytest.approx(b[q][i], abs=1e-6) for i in a[q]), q


@pytest.fixture
def both(tmp_path, database_url):
    """The same hand-written chunks in a SQLite catalog and in a PostgreSQL one."""
    sqlite, pg = Catalog(tmp_path / "c.sqlite3"), PgCatalog(database_url)
    for catalog in (sqlite, pg):
        _fill(catalog, _chunks(SENTENCES))
    yield sqlite, pg
    sqlite.close()
    pg.close()


def test_the_lexical_index_ranks_as_fts5_does(both):
    sqlite, pg = both
    scores = _scores(pg)
    _assert_same(scores, _scores(sqlite))
    assert len(scores["Hà Nội"]) == 4 and scores["không có từ này"] == {}
    # best first, and a limit keeps the best
    for q in QUERIES:
        ranked = pg.lexical_search(lexical_terms(q), 50)
        assert [s for _, s in ranked] == sorted((s for _, s in ranked), reverse=True)
        assert [s for _, s in pg.lexical_search(lexical_terms(q), 2)] == [s for _, s in ranked[:2]]
    terms = sorted({t for q in QUERIES for t in lexical_terms(q)})
    assert pg.doc_freqs(terms) == sqlite.doc_freqs(terms) and pg.doc_freqs(["ha_noi"]) == {"ha_noi": 4}
    for phrase in (["ha", "noi"], ["noi", "ha"], ["gia", "vang"], ["vang", "gia"], ["hoa", "hoa"], ["ha", "tet"]):
        assert pg.phrase_found(phrase) == sqlite.phrase_found(phrase), phrase
    assert pg.phrase_found(["ha", "noi", "cong"]) and not pg.phrase_found(["noi", "ha"])
    assert not pg.phrase_found(["ha", "khong"]) and not pg.phrase_found([])


def test_a_reindexs_rows_leave_the_serving_statistics_alone_until_the_switch(both):
    sqlite, pg = both
    before, freqs = _scores(pg), pg.doc_freqs(["ha", "hoa", "moi"])
    rebuilt = _chunks([s + " Hà Nội mới, hoa mới." for s in SENTENCES])  # the next generation: other terms
    for catalog in (sqlite, pg):
        with catalog.transaction() as db:
            catalog.put_meta(db, "building", "1")
            for old, new in zip(_chunks(SENTENCES), rebuilt, strict=True):
                catalog.insert_chunk(db, old["chunk_id"], {**new, "chunk_id": old["chunk_id"]}, 1, staged=True)
            catalog.count_write(db)
    during = _scores(pg)
    _assert_same(during, before)  # scores equal before and during the build, as SQLite's staging keeps them
    _assert_same(during, _scores(sqlite))
    assert pg.doc_freqs(["ha", "hoa", "moi"]) == freqs and pg.counts() == (len(SENTENCES), len(SENTENCES))
    for catalog in (sqlite, pg):
        with catalog.transaction() as db:
            catalog.switch_generation(db, 1)
            catalog.count_write(db)
    after = _scores(pg)
    _assert_same(after, _scores(sqlite))
    assert after != before and pg.doc_freqs(["moi"]) == {"moi": len(SENTENCES)}


def test_the_schema_is_made_once_and_a_newer_one_is_refused(database_url, caplog):
    caplog.set_level(logging.INFO, "vectorstore.postgres")
    opened, errors = [], []

    def open_one():
        try:
            opened.append(PgCatalog(database_url))
        except Exception as e:  # (an error is the failure this test looks for: kept and asserted below)
            errors.append(e)

    threads = [threading.Thread(target=open_one) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(opened) == 3
    assert [r.getMessage() for r in caplog.records if "catalog schema" in r.getMessage()] == [
        f"catalog schema 0 -> 1 in {opened[0].path}"
    ]
    _fill(opened[0], _chunks(SENTENCES[:1]))
    assert opened[1].counts() == (1, 1)
    for catalog in opened:
        catalog.close()
    with psycopg.connect(database_url, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM schema_version").fetchone() == (1,)
        conn.execute("UPDATE schema_version SET version = 2")
    with pytest.raises(StoreError, match=r"has schema version 2; this version of the product reads up to 1: upgrade"):
        PgCatalog(database_url)


def test_a_restarted_server_is_reconnected_and_a_stopped_one_is_one_clear_error(tmp_path, pg_cluster):
    url = pg_cluster.new_database()
    s = Store(tmp_path / "d", "test_col", lock_timeout=5, database_url=url)
    with s.writer():
        s.put_document(*_doc("a"), [[0.1, 1.0, 0.0]], ID)
    pg_cluster.restart()  # every pooled connection is broken now
    assert s.document("a")["source"] == "/a.txt" and s.counts() == (1, 1)
    with s.writer():
        s.put_document(*_doc("b"), [[0.2, 1.0, 0.0]], ID)
    assert s.counts() == (2, 2) and s.check(full=True).ok
    s.close()
    catalog = PgCatalog(url, connect_timeout=3)  # the pool waits this long for the server before it gives up
    pg_cluster._pg_ctl("stop", "-m", "fast")
    waits = []
    real_connection = catalog._pool.connection
    catalog._pool.connection = lambda *a, **k: waits.append(1) or real_connection(*a, **k)
    try:
        with pytest.raises(StoreUnavailableError) as e:
            catalog.documents()
        assert waits == [1]  # the pool's timeout is waited once, not again as a dropped read's retry
        catalog._pool.connection = real_connection
        assert str(e.value).startswith(f"cannot reach {catalog.path}: ") and "\n" not in str(e.value)
    finally:
        pg_cluster._pg_ctl("start")  # (the session's server: the tests after this one use it)
    # back up, it is used at once: the pool's attempts (1, 2 s apart by then, next 4 s on) come every second
    assert len(catalog.documents()) == 2
    catalog.close()


def _doc(doc_id):
    chunk = {"chunk_id": f"{doc_id}-0", "idx": 0, "start": 0, "end": 6, "terms": f"cau {doc_id}"}
    return {"doc_id": doc_id, "source": f"/{doc_id}.txt", "title": "t", "text": f"câu {doc_id}."}, [chunk]


def test_kept_reads_follow_another_replicas_commits(database_url):
    here, there = PgCatalog(database_url), PgCatalog(database_url)
    _fill(there, _chunks(SENTENCES[:2]))
    assert here.counts() == (2, 2) and here.doc_freqs(["ha", "hoa"]) == {"ha": 1, "hoa": 1}
    facts = here.facts_version()
    _fill(there, _chunks(SENTENCES[2:4], prefix="d"))  # another machine's commit
    assert here.counts() == (4, 4) and here.doc_freqs(["ha", "hoa"]) == {"ha": 2, "hoa": 1}
    assert here.facts_version() != facts and here.facts_version()[0] == 4
    assert here.lexical_search(["mua"], 5)[0][0] == "d1"
    with there.transaction() as db:
        there.delete_document(db, "c0")
        there.count_write(db)
    assert here.counts() == (3, 3) and here.doc_freqs(["ha"]) == {"ha": 1} and here.facts_version()[0] == 3
    here.close()
    there.close()


def test_a_backup_is_a_pg_dump_that_pg_restore_reads_back(tmp_path, pg_cluster):
    s = Store(tmp_path / "d", "test_col", database_url=pg_cluster.new_database())
    with s.writer():
        for n, name in enumerate(("a", "b", "c")):
            s.put_document(*_doc(name), [[0.1 * n, 1.0, 0.0]], ID)
    dump = tmp_path / "catalog.dump"
    s.backup(dump)
    with pytest.raises(StoreError, match="exists"):
        s.backup(dump)
    copy = pg_cluster.new_database()
    done = subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={copy}", str(dump)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    restored = PgCatalog(copy)
    assert restored.documents() == s.catalog.documents() and len(restored.documents()) == 3
    assert restored.chunk_ids() == s.catalog.chunk_ids() and restored.get_meta("store") == s.catalog.get_meta("store")
    assert restored.lexical_search(["b"], 5) == s.catalog.lexical_search(["b"], 5)
    restored.close()
    s.close()


def test_a_read_whose_connection_the_server_drops_while_it_runs_is_tried_again(database_url, caplog):
    caplog.set_level(logging.INFO, "vectorstore.postgres")
    catalog = PgCatalog(database_url)
    got = []
    reader = threading.Thread(target=lambda: got.append(catalog._query("SELECT pg_sleep(1.5), 7 AS n")))
    reader.start()
    with psycopg.connect(database_url, autocommit=True) as admin:
        for _ in range(100):  # the sleeping read's backend, as a restart's "administrator command" would end it
            killed = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(1.5)%%' "
                "AND pid != pg_backend_pid()"
            ).fetchall()
            if killed:
                break
            threading.Event().wait(0.05)
    reader.join(30)
    assert killed and got and got[0][0]["n"] == 7
    assert any("lost its connection" in m and "trying it again" in m for m in caplog.messages)
    catalog.close()


def test_a_refused_login_or_a_missing_database_is_one_line_at_once(pg_cluster, monkeypatch):
    url = pg_cluster.url("no_such_db")
    opened = []
    real_open = psycopg_pool.ConnectionPool.open
    monkeypatch.setattr(psycopg_pool.ConnectionPool, "open", lambda *a, **k: opened.append(1) or real_open(*a, **k))
    with pytest.raises(StoreError) as e:
        PgCatalog(url)
    assert opened == []  # refused by the first connection: the pool, which retries a refusal to its timeout, never waited
    assert str(e.value).startswith(f"PostgreSQL postgres@127.0.0.1:{pg_cluster.port}/no_such_db refused the connection")
    assert 'database "no_such_db" does not exist' in str(e.value) and "\n" not in str(e.value)


def test_pg_dump_gets_the_password_from_the_environment_never_on_its_command_line(tmp_path, database_url, monkeypatch):
    with_password = database_url.replace("postgres@", "postgres:s3cret@")  # (the test server trusts loopback)
    store = Store(tmp_path / "d", "col", database_url=with_password)
    seen = {}
    real = subprocess.run

    def run(args, **kwargs):
        seen.update(args=args, env=kwargs.get("env") or {})
        return real(args, **kwargs)

    monkeypatch.setattr(subprocess, "run", run)
    store.backup(tmp_path / "catalog.dump")
    assert not any("s3cret" in a for a in seen["args"]) and seen["env"]["PGPASSWORD"] == "s3cret"
    assert (tmp_path / "catalog.dump").stat().st_size > 0


def test_missing_vectors_under_a_shared_catalog_name_the_chroma_server_before_repair(tmp_path, database_url):
    first = Store(tmp_path / "one", "col", database_url=database_url)
    with first.writer():
        first.put_document(*_doc("a"), [[0.1, 1.0, 0.0]], {"name": "hand", "model": "hand", "dim": 3})
    other = Store(tmp_path / "two", "col", database_url=database_url)  # another machine, its own local vectors
    health = other.check()
    assert not health.ok and "set RAG_CHROMA_HOST and RAG_CHROMA_PORT" in str(health.fix)


def test_a_write_whose_lock_a_server_restart_took_is_refused_and_the_next_one_lands(tmp_path, pg_cluster):
    store = Store(tmp_path / "d", "col", database_url=pg_cluster.new_database())
    identity = {"name": "hand", "model": "hand", "dim": 3}
    with store.writer():
        pg_cluster.restart()  # the lock's session ends with it: another machine could take the lock now
        with pytest.raises(StoreUnavailableError, match="the write lock was lost with its connection"):
            store.put_document(*_doc("a"), [[0.1, 1.0, 0.0]], identity)
    with store.writer():  # the journaled vectors of the refused write are cleared, then it is written again
        store.put_document(*_doc("a"), [[0.1, 1.0, 0.0]], identity)
    assert store.counts() == (1, 1) and store.check(full=True).ok


def test_a_questions_reads_check_the_change_stamp_once(database_url, monkeypatch):
    mine, other = PgCatalog(database_url), PgCatalog(database_url)
    with mine.transaction() as db:
        mine.insert_document(db, *_doc("a"))
        mine.count_write(db)
    stamps = []
    real = PgCatalog._changes
    monkeypatch.setattr(PgCatalog, "_changes", lambda self: stamps.append(1) or real(self))
    with mine.reading():
        assert mine.counts() == (1, 1) and mine.doc_freqs(["cau"]) == {"cau": 1}
        assert [i for i, _ in mine.lexical_search(["cau"], 5)] == ["a-0"] and mine.facts_version()[0] == 0
        with other.transaction() as db:  # another replica commits in the middle of the question
            other.insert_document(db, *_doc("b"))
            other.count_write(db)
        assert mine.counts() == (1, 1)  # the question goes on with what it read at its start
    assert len(stamps) == 1
    assert mine.counts() == (2, 2) and mine.doc_freqs(["cau"]) == {"cau": 2}  # the next reads see the commit
    mine.close()
    other.close()
