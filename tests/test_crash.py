"""Real processes: SIGKILL in the middle of an ingest, then ingest again (no half document is visible, nothing is
duplicated); a reader answering through a reindex in another process, finished or killed."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

from conftest import HashEmbedding, make_settings, write

from rag import Assistant

WRITER = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {tests!r})
    from conftest import HashEmbedding, make_settings
    from rag import Assistant

    class SlowEmbedding(HashEmbedding):
        def _encode(self, texts, is_query):
            time.sleep(0.05)  # a real model takes time; gives the kill a window inside each document
            return super()._encode(texts, is_query)

    Assistant(make_settings({data!r}, lock_timeout=60), embedder=SlowEmbedding()).{call}
""")


def _count(data_dir, table="documents", where="1"):
    """Committed rows, read as another process would (0 before the catalog exists)."""
    try:
        with sqlite3.connect(data_dir / "catalog.sqlite3", timeout=5) as db:
            return db.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]
    except sqlite3.Error:
        return 0


def _write_docs(docs, n=40):
    for i in range(n):
        write(
            docs / f"{i:02d}.txt",
            "\n\n".join(f"Bài {i}, đoạn {j}: Đoàn kiểm tra số {i} làm việc tại tỉnh thứ {j}. " * 6 for j in range(3)),
        )


def test_sigkill_mid_ingest_then_reingest(tmp_path):
    docs, data = tmp_path / "docs", tmp_path / "data"
    _write_docs(docs)
    script = WRITER.format(tests=os.path.dirname(__file__), data=str(data), call=f"ingest([{str(docs)!r}])")
    proc = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.time() + 120
        while _count(data) < 5 and time.time() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert proc.poll() is None, "the writer finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()

    a = Assistant(make_settings(data), embedder=HashEmbedding())
    catalog = a.store.catalog
    n_docs, n_chunks = catalog.counts()
    assert 5 <= n_docs < 40
    for d in catalog.documents():  # every visible document is whole
        assert len(catalog.chunk_ids(d["doc_id"])) == d["n_chunks"]
    assert a.store.embedder() == HashEmbedding().identity  # recorded with the first vectors, not at the end
    hits = a.store.dense_search(HashEmbedding().embed_queries(["Đoàn kiểm tra"])[0], 500, HashEmbedding().identity)
    assert {i for i, _ in hits} <= set(catalog.existing_chunk_ids([i for i, _ in hits]))
    assert a.store.vectors.count() >= n_chunks  # orphans of the killed document may remain, invisible

    report = a.ingest([docs])
    assert len(report.unchanged) == n_docs and len(report.added) == 40 - n_docs
    n_docs, n_chunks = catalog.counts()
    assert n_docs == 40 and a.store.vectors.count() == n_chunks  # no orphan, no duplicate
    assert catalog.journal_pending() == []


def _reindex_while_reading(tmp_path, kill):
    """Ingest 40 documents, start `reindex()` in another process, and ask from this one until it ends (or is
    killed once it has rebuilt 20 chunks); once it has rebuilt 5, ingest one more document from here. Returns (this
    process's assistant, answers seen, errors seen)."""
    docs, data = tmp_path / "docs", tmp_path / "data"
    _write_docs(docs)
    a = Assistant(make_settings(data), embedder=HashEmbedding())
    a.ingest([docs])
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER.format(tests=os.path.dirname(__file__), data=str(data), call="reindex()")]
    )
    answers, errors = 0, []
    try:
        deadline = time.time() + 120
        while proc.poll() is None and time.time() < deadline:
            try:
                answers += bool(a.retrieve("Đoàn kiểm tra số 17 làm việc tại tỉnh", 3))
            except Exception as e:  # noqa: BLE001 - every failure counts
                errors.append(repr(e))
            if _count(data, "chunks", "gen = 1") >= 5 and not (tmp_path / "late").exists():
                late = write(tmp_path / "late" / "moi.txt", "Đoàn kiểm tra số 99 làm việc tại tỉnh Lai Châu.")
                if len(a.ingest([late]).added) != 1:  # waits only for one document's write (lock_timeout is 2 s)
                    errors.append("the late ingest was not added")
            if kill and _count(data, "chunks", "gen = 1") >= 20:
                proc.send_signal(signal.SIGKILL)
                break
    finally:
        proc.wait()
    return a, answers, errors


def test_a_reader_keeps_answering_through_a_reindex_in_another_process(tmp_path):
    a, answers, errors = _reindex_while_reading(tmp_path, kill=False)
    assert errors == [] and answers > 10
    assert a.store.catalog.generation() == 1 and a.retrieve("Đoàn kiểm tra số 17", 1)[0].source.endswith("17.txt")
    assert a.retrieve("Đoàn kiểm tra số 99 Lai Châu", 1)[0].source.endswith("moi.txt")  # caught up before the switch
    assert a.check().ok and a.store.vectors.names() == ["vn_news-g1"] and a.store.counts()[0] == 41


def test_a_killed_reindex_leaves_the_old_generation_serving(tmp_path):
    a, answers, errors = _reindex_while_reading(tmp_path, kill=True)
    assert errors == [] and answers > 0
    assert a.store.catalog.generation() == 0 and a.store.counts() == (41, a.store.vectors.count())
    assert sorted(a.store.vectors.names()) == ["vn_news", "vn_news-g1"]  # the half-built one, until a write
    assert a.repair() == (0, 0)  # like any write, it clears the leftover first
    assert a.store.vectors.names() == ["vn_news"] and a.check().ok
    assert a.reindex() == 41 and a.check().ok
