"""What the catalog keeps between questions (counts, the terms' chunk counts, the facts' version: reads each question
repeats, ~10 ms a common term in a large library) is read again once the catalog changed: by this connection's
own write, or by another connection's (another process), seen through SQLite's data_version."""

from vectorstore.catalog import Catalog


def _write(cat: Catalog, doc_id: str, terms: str) -> None:
    with cat.transaction() as db:
        doc = {"doc_id": doc_id, "source": doc_id, "title": doc_id, "text": terms}
        cat.insert_document(db, doc, [{"chunk_id": f"{doc_id}-0", "idx": 0, "start": 0, "end": 1, "terms": terms}])


def test_kept_reads_follow_writes_of_this_connection_and_of_another(tmp_path):
    mine, other = Catalog(tmp_path / "c.sqlite3"), Catalog(tmp_path / "c.sqlite3")
    _write(mine, "a", "kiem tra")
    assert mine.counts() == (1, 1) and mine.doc_freqs(["kiem", "vang"]) == {"kiem": 1}
    assert mine.facts_version() == (0, 0)
    _write(mine, "b", "kiem")
    assert mine.counts() == (2, 2) and mine.doc_freqs(["kiem", "tra"]) == {"kiem": 2, "tra": 1}
    _write(other, "c", "kiem vang")
    with other.transaction() as db:
        other.replace_facts(db, "c", [{"record_id": "c"}])
    assert mine.counts() == (3, 3) and mine.doc_freqs(["vang", "kiem"]) == {"vang": 1, "kiem": 3}
    assert mine.facts_version()[0] == 1


def test_a_write_rolled_back_leaves_nothing_kept_from_inside_it(tmp_path):
    cat = Catalog(tmp_path / "c.sqlite3")
    _write(cat, "a", "kiem")
    try:
        with cat.transaction() as db:
            cat.insert_chunk(db, "a", {"chunk_id": "a-1", "idx": 1, "start": 0, "end": 1, "terms": "kiem"}, 0)
            assert cat.counts() == (1, 2) and cat.doc_freqs(["kiem"]) == {"kiem": 2}  # read inside it
            raise RuntimeError
    except RuntimeError:
        pass
    assert cat.counts() == (1, 1) and cat.doc_freqs(["kiem"]) == {"kiem": 1}
