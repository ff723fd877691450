"""The persistence layer alone, with hand-made 3-d vectors."""

import multiprocessing
import time

import pytest

from vectorstore import Catalog, Store, StoreLockedError, WriteLock


def _store(tmp_path):
    return Store(tmp_path / "d", "test_col", lock_timeout=0.5)


def _doc(doc_id, source, n=2):
    text = " ".join(f"câu {i}." for i in range(n))
    chunks = [
        {"chunk_id": f"{doc_id}-{i}", "idx": i, "start": 0, "end": 5, "terms": f"cau so_{i} {doc_id}"} for i in range(n)
    ]
    return {"doc_id": doc_id, "source": source, "title": "t", "text": text}, chunks


def _vec(n, x):
    return [[x, 1.0, 0.0]] * n


def test_put_replace_remove_keep_catalog_and_vectors_in_step(tmp_path):
    s = _store(tmp_path)
    with s.writer():
        s.put_document(*_doc("a", "/a.txt", 3), _vec(3, 0.1))
        s.put_document(*_doc("b", "/b.txt", 2), _vec(2, 0.9))
        assert s.catalog.counts() == (2, 5) and s.vectors.count() == 5
        s.put_document(*_doc("a2", "/a.txt", 1), _vec(1, 0.2), replaces="a")
        assert s.catalog.document("a") is None and s.catalog.document_by_source("/a.txt")["doc_id"] == "a2"
        assert s.catalog.counts() == (2, 3) and s.vectors.count() == 3
        s.remove_document("b")
    assert s.catalog.counts() == (1, 1) and s.vectors.count() == 1
    assert [i for i, _ in s.catalog.lexical_search(["a2"], 5)] == ["a2-0"]
    assert s.catalog.lexical_search(["b"], 5) == []


def test_uncommitted_vectors_are_invisible_and_recovered(tmp_path):
    s = _store(tmp_path)
    doc, chunks = _doc("a", "/a.txt", 2)
    with s.writer():
        s.put_document(doc, chunks, _vec(2, 0.5))
    # a crash between the vector upsert and the catalog commit:
    s.catalog.journal_add("put", ["z-0", "z-1"])
    s.vectors.upsert(["z-0", "z-1"], _vec(2, 0.5))
    assert {i for i, _ in s.dense_search([0.5, 1.0, 0.0], 10)} == {"a-0", "a-1"}
    assert s.recover() == 1
    assert s.vectors.count() == 2 and s.catalog.journal_pending() == []


def test_failed_catalog_write_rolls_back_whole_document(tmp_path, monkeypatch):
    s = _store(tmp_path)
    doc, chunks = _doc("a", "/a.txt", 2)
    original = Catalog.insert_document

    def insert_then_fail(db, doc, chunks, facts=()):
        original(db, doc, chunks, facts)  # every row written...
        raise OSError("disk full")  # ...then the transaction fails before COMMIT

    monkeypatch.setattr(Catalog, "insert_document", staticmethod(insert_then_fail))
    with pytest.raises(OSError):
        with s.writer():
            s.put_document(doc, chunks, _vec(2, 0.5))
    assert s.catalog.counts() == (0, 0) and s.catalog.lexical_search(["cau"], 5) == []
    assert s.dense_search([0.5, 1.0, 0.0], 5) == []  # its vectors exist but are invisible
    with s.writer():  # the next writer deletes them
        pass
    assert s.vectors.count() == 0


def _hold_lock(path, marker, seconds):
    with WriteLock(path, 1):
        marker.write_text("held")
        time.sleep(seconds)


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
