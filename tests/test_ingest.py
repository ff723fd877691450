"""Ingest, dedupe, update, remove, reindex and the embedder check, with the hash embedding."""

import pytest

from rag import Assistant, EmbedderMismatchError, RagError

from conftest import HashEmbedding, SEEDS, make_settings, write


def test_ingest_dedupe_update_remove(fake_assistant, tmp_path):
    a = fake_assistant
    f = write(
        tmp_path / "in" / "a.txt", "Đoàn kiểm tra số 7 làm việc tại Cà Mau.\nNgày 3/5, ông Trần Văn Ba phát biểu."
    )
    r = a.ingest([tmp_path / "in"])
    assert [x.status for x in r.results] == ["added"]
    assert a.ingest([f]).unchanged and a.store.catalog.counts()[0] == 1

    copy = write(tmp_path / "copy.txt", f.read_text(encoding="utf-8"))
    r = a.ingest([copy])
    assert r.unchanged[0].reason == f"same content as {f.resolve()}"

    write(f, "Đoàn kiểm tra số 8 làm việc tại Cà Mau.")
    r = a.ingest([f])
    assert [x.status for x in r.results] == ["updated"]
    docs, chunks = a.store.catalog.counts()
    assert docs == 1 and a.store.vectors.count() == chunks
    assert "số 8" in a.retrieve("đoàn kiểm tra số 8", 1)[0].text

    assert a.remove(str(f)) == [str(f.resolve())]
    assert a.store.catalog.counts() == (0, 0) and a.store.vectors.count() == 0
    with pytest.raises(RagError, match="nothing to remove"):
        a.remove(str(f))


def test_bad_files_are_reported_and_the_batch_goes_on(fake_assistant, tmp_path):
    write(tmp_path / "in" / "good.md", "---\ntitle: Tốt\n---\nĐoàn kiểm tra làm việc.")
    write(tmp_path / "in" / "empty.txt", "")
    write(tmp_path / "in" / "bin.txt", b"\x00\x01\x02")
    write(tmp_path / "in" / "big.html", "<p>" + "x" * 30_000 + "</p>")
    write(tmp_path / "in" / "recs.jsonl", '{"text": "Một bài."}\n{"title": "thiếu text"}\n')
    a = Assistant(make_settings(tmp_path / "data", max_file_mb=0.02), embedder=HashEmbedding())
    r = a.ingest([tmp_path / "in", tmp_path / "missing.txt"])
    assert len(r.added) == 2 and len(r.rejected) == 5
    reasons = {x.source.rsplit("/", 1)[-1]: x.reason for x in r.rejected}
    assert "too large" in reasons["big.html"] and "empty" in reasons["empty.txt"]
    assert "binary" in reasons["bin.txt"] and "no such file" in reasons["missing.txt"]
    assert "text" in reasons["recs.jsonl#2"]
    assert r.summary() == "2 added, 0 updated, 0 unchanged, 5 rejected"


def test_remove_by_doc_id_and_by_folder(fake_assistant):
    a = fake_assistant
    a.ingest([SEEDS])
    doc = a.store.catalog.documents()[0]
    assert a.remove(doc["doc_id"][:8]) == [doc["source"]]
    assert a.remove(str(SEEDS)) and a.store.catalog.counts() == (0, 0)


def test_other_embedder_is_refused_until_reindex(tmp_path):
    settings = make_settings(tmp_path / "data")
    Assistant(settings, embedder=HashEmbedding()).ingest([SEEDS])
    other = make_settings(tmp_path / "data", embedder="sentence-transformers:some/model")
    b = Assistant(other, embedder=HashEmbedding(dim=32))
    with pytest.raises(EmbedderMismatchError, match="rag reindex"):
        b.ask("Ai là trưởng đoàn?")
    with pytest.raises(EmbedderMismatchError):
        b.ingest([SEEDS])
    assert b.reindex() == 2
    assert sorted(r.team for r in b.records()) == [4, 5]  # records are rebuilt with the documents
    assert b.store.catalog.get_meta("embedder") == "sentence-transformers:some/model"
    assert b.store.catalog.get_meta("dim") == "32"
    assert len(b.retrieve("Trà Vinh", 3)) == 3


def test_empty_store_is_seeded_on_first_question(fake_assistant):
    answer = fake_assistant.ask("Ai là trưởng đoàn kiểm tra tại Trà Vinh?")
    assert fake_assistant.store.catalog.counts()[0] == 2 and answer.found


def test_bad_questions_raise_query_error(fake_assistant):
    from rag import QueryError

    with pytest.raises(QueryError, match="empty"):
        fake_assistant.ask("   ")
    with pytest.raises(QueryError, match="limit"):
        fake_assistant.ask("a" * 5000)
