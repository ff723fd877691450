"""SIGKILL in the middle of an ingest, then ingest again: no half document is visible, nothing is duplicated."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

from rag import Assistant

from conftest import HashEmbedding, make_settings, write

WRITER = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {tests!r})
    from conftest import HashEmbedding, make_settings
    from rag import Assistant

    class SlowEmbedding(HashEmbedding):
        def _encode(self, texts, is_query):
            time.sleep(0.05)  # a real model takes time; gives the kill a window inside each document
            return super()._encode(texts, is_query)

    Assistant(make_settings({data!r}), embedder=SlowEmbedding()).ingest([{docs!r}])
""")


def _committed_docs(data_dir):
    try:
        with sqlite3.connect(data_dir / "catalog.sqlite3", timeout=5) as db:
            return db.execute("SELECT count(*) FROM documents").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_sigkill_mid_ingest_then_reingest(tmp_path):
    docs, data = tmp_path / "docs", tmp_path / "data"
    for i in range(40):
        write(
            docs / f"{i:02d}.txt",
            "\n\n".join(f"Bài {i}, đoạn {j}: Đoàn kiểm tra số {i} làm việc tại tỉnh thứ {j}. " * 6 for j in range(3)),
        )
    script = WRITER.format(tests=os.path.dirname(__file__), data=str(data), docs=str(docs))
    proc = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.time() + 120
        while _committed_docs(data) < 5 and time.time() < deadline and proc.poll() is None:
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
    hits = a.store.dense_search(HashEmbedding().embed_queries(["Đoàn kiểm tra"])[0], 500)
    assert {i for i, _ in hits} <= set(catalog.existing_chunk_ids([i for i, _ in hits]))
    assert a.store.vectors.count() >= n_chunks  # orphans of the killed document may remain, invisible

    report = a.ingest([docs])
    assert len(report.unchanged) == n_docs and len(report.added) == 40 - n_docs
    n_docs, n_chunks = catalog.counts()
    assert n_docs == 40 and a.store.vectors.count() == n_chunks  # no orphan, no duplicate
    assert catalog.journal_pending() == []
