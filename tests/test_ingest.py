"""Ingest, dedupe, update, remove, reindex and the embedder check, with the hash embedding."""

import shutil
import threading
import time

import pytest
from chromadb.api.client import SharedSystemClient
from conftest import ROOT, SEEDS, HashEmbedding, make_settings, write

from rag import (
    Assistant,
    EmbedderMismatchError,
    Message,
    IngestAbortedError,
    RagError,
    StoreDamagedError,
    StoreUnavailableError,
)
from rag.settings import Settings


def test_ingest_dedupe_update_remove(fake_assistant, tmp_path):
    a = fake_assistant
    f = write(
        tmp_path / "in" / "a.txt", "Đoàn kiểm tra số 7 làm việc tại Cà Mau.\nNgày 3/5, ông Trần Văn Ba phát biểu."
    )
    r = a.ingest([tmp_path / "in"])
    assert [x.status for x in r.results] == ["added"]
    assert a.ingest([f]).unchanged and a.store.counts()[0] == 1

    copy = write(tmp_path / "copy.txt", f.read_text(encoding="utf-8"))
    r = a.ingest([copy])
    assert r.unchanged[0].reason == f"same content as {f.resolve()}"
    assert r.unchanged[0].reason.render("vi") == f"cùng nội dung với {f.resolve()}"

    write(f, "Đoàn kiểm tra số 8 làm việc tại Cà Mau.")
    r = a.ingest([f])
    assert [x.status for x in r.results] == ["updated"]
    docs, chunks = a.store.counts()
    assert docs == 1 and a.store.vectors.count() == chunks
    assert "số 8" in a.retrieve("đoàn kiểm tra số 8", 1)[0].text

    assert a.remove(str(f)) == [str(f.resolve())]
    assert a.store.counts() == (0, 0) and a.store.vectors.count() == 0
    with pytest.raises(RagError, match="nothing to remove"):
        a.remove(str(f))


def test_a_file_whose_front_matter_alone_changed_is_updated(fake_assistant, tmp_path):
    a = fake_assistant
    body = "Chiều 12/6, Sở Xây dựng tỉnh Bình Định công bố kết quả kiểm tra chất lượng 14 công trình giao thông."
    f = write(tmp_path / "in" / "a.md", f"---\ntitle: Kiểm tra công trình\nurl: https://a.example/1\n---\n{body}")
    first = a.ingest([f]).results[0]
    front = "title: 'Bình Định: kiểm tra 14 công trình'\nurl: https://a.example/1\ndate: 2024-06-12\nurls: u1 u2"
    write(f, f"---\n{front}\n---\n{body}")
    r = a.ingest([f]).results[0]
    assert (r.status, r.doc_id) == ("updated", first.doc_id)  # same text, hence the same id, replaced by itself
    [d] = a.store.documents()
    assert (d["title"], d["date"]) == ("Bình Định: kiểm tra 14 công trình", "2024-06-12")
    assert d["metadata"] == {"urls": "u1 u2"}
    assert a.store.counts() == (1, first.chunks) and a.store.vectors.count() == first.chunks
    assert a.ingest([f]).results[0].status == "unchanged"
    copy = write(tmp_path / "copy.md", f"---\ntitle: Khác\n---\n{body}")  # another path: still the same content
    assert a.ingest([copy]).results[0].reason == f"same content as {f.resolve()}"


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
    assert r.summary().render("vi") == "2 đã thêm, 0 đã cập nhật, 0 không đổi, 5 bị từ chối"
    assert reasons["missing.txt"].render("vi") == "không có tệp hay thư mục này"
    assert reasons["empty.txt"].key == "indexing.empty_file" and reasons["empty.txt"].render("vi") == "tệp rỗng"


def test_remove_by_doc_id_and_by_folder(fake_assistant):
    a = fake_assistant
    a.ingest([SEEDS])
    doc = a.store.documents()[0]
    assert a.remove(doc["doc_id"][:8]) == [doc["source"]]
    assert a.remove(str(SEEDS)) and a.store.counts() == (0, 0)


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
    assert b.store.embedder() == HashEmbedding(dim=32).identity
    assert len(b.retrieve("Trà Vinh", 3)) == 3


def test_empty_store_is_seeded_on_first_question(fake_assistant):
    answer = fake_assistant.ask("Ai là trưởng đoàn kiểm tra tại Trà Vinh?")
    assert fake_assistant.store.counts()[0] == 2 and answer.found


def test_bad_questions_raise_query_error(fake_assistant):
    from rag import QueryError

    with pytest.raises(QueryError, match="empty"):
        fake_assistant.ask("   ")
    with pytest.raises(QueryError, match="limit"):
        fake_assistant.ask("a" * 5000)


def test_the_embedder_is_recorded_from_the_object_and_only_with_vectors(tmp_path):
    a = Assistant(make_settings(tmp_path / "data"), embedder=HashEmbedding())  # settings still say e5
    report = a.ingest([write(tmp_path / "empty.txt", "   ")])
    assert report.rejected and a.store.embedder() is None  # nothing written, nothing recorded
    a.ingest([SEEDS])
    assert a.store.embedder() == {"name": "hash", "model": "hash", "dim": 64, "normalized": True}


def test_links_that_lead_nowhere_are_reported(fake_assistant, tmp_path):
    d = tmp_path / "in"
    write(d / "a.txt", "Đoàn kiểm tra số 7 làm việc tại Cà Mau.")
    (d / "loop.txt").symlink_to(d / "loop.txt")
    (d / "gone.txt").symlink_to(d / "nowhere.txt")
    (d / "up").symlink_to(tmp_path)
    (d / "same.txt").symlink_to(d / "a.txt")
    r = fake_assistant.ingest([d])
    reasons = {x.source.rsplit("/", 1)[1]: x.reason for x in r.rejected}
    assert reasons == {
        "loop.txt": "broken or looping symbolic link",
        "gone.txt": "broken or looping symbolic link",
        "up": "symbolic link to a folder: not followed (name the folder itself)",
    }
    assert reasons["up"].render("vi") == "liên kết tượng trưng tới thư mục: bỏ qua (hãy chỉ định chính thư mục đó)"
    assert [x.status for x in r.results if x.status != "rejected"] == ["added", "unchanged"]


def test_a_document_past_the_chunk_limit_is_rejected_and_the_batch_goes_on(tmp_path):
    a = Assistant(make_settings(tmp_path / "data", max_chunks_per_doc=3), embedder=HashEmbedding())
    long = write(tmp_path / "in" / "long.txt", "Đoàn kiểm tra làm việc tại tỉnh. " * 200)
    short = write(tmp_path / "in" / "short.txt", "Đoàn kiểm tra số 7 làm việc tại Cà Mau.")
    r = a.ingest([long, short])
    assert [x.status for x in r.results] == ["rejected", "added"]
    assert r.results[0].reason == (
        "too long: 8 chunks of up to 900 characters, the limit is 3 (RAG_MAX_CHUNKS_PER_DOC)"
    )
    assert r.results[0].reason.render("vi") == (
        "quá dài: 8 đoạn (mỗi đoạn tối đa 900 ký tự), vượt giới hạn 3 đoạn một bài"
    )


def test_a_store_failure_mid_batch_reports_what_was_done(fake_assistant, tmp_path, monkeypatch):
    files = [write(tmp_path / "in" / f"{i}.txt", f"Đoàn kiểm tra số {i} làm việc tại Cà Mau.") for i in range(3)]
    fake_assistant.ingest([files[0]])
    put = fake_assistant.store.put_document

    def put_then_fail(doc, *args, **kwargs):
        if doc["source"].endswith("2.txt"):
            where = Message("store.chroma_server", host="127.0.0.1", port=1)
            raise StoreUnavailableError("store.unreachable", where=where, detail="connection refused")
        return put(doc, *args, **kwargs)

    monkeypatch.setattr(fake_assistant.store, "put_document", put_then_fail)
    with pytest.raises(
        IngestAbortedError, match="connection refused .*before it: 1 added, 0 updated, 1 unchanged"
    ) as e:
        fake_assistant.ingest(files)
    assert [(x.source.rsplit("/", 1)[1], x.status) for x in e.value.report.results] == [
        ("0.txt", "unchanged"),
        ("1.txt", "added"),
    ]
    assert e.value.key == "indexing.stopped" and isinstance(e.value.fields["error"], StoreUnavailableError)
    store_vi = e.value.fields["error"].render("vi")  # the store's error, in the language of the message around it
    assert (
        e.value.render("vi") == f"dừng nạp: {store_vi} (trước đó: 1 đã thêm, 0 đã cập nhật, 1 không đổi, 0 bị từ chối)"
    )


def test_articles_are_embedded_together_and_reported_in_file_order(fake_assistant, tmp_path, monkeypatch):
    calls = []
    embed = fake_assistant.embedder.embed_passages
    monkeypatch.setattr(fake_assistant.embedder, "embed_passages", lambda texts: calls.append(len(texts)) or embed(texts))
    folder = tmp_path / "in"
    for i in range(6):
        write(folder / f"{i}.txt", f"Ngày {i + 1}/5, đoàn công tác số {i} làm việc với Tỉnh ủy Bình Phước.\n" * (i + 1))
    write(folder / "3b.txt", b"\xff\xfe\x00\xd8")  # rejected among them: keeps its place in the report
    write(folder / "4b.txt", (folder / "1.txt").read_text(encoding="utf-8"))  # 1.txt's text again
    r = fake_assistant.ingest([folder])
    assert [(x.source.rsplit("/", 1)[1], x.status) for x in r.results] == [
        ("0.txt", "added"),
        ("1.txt", "added"),
        ("2.txt", "added"),
        ("3.txt", "added"),
        ("3b.txt", "rejected"),
        ("4.txt", "added"),
        ("4b.txt", "unchanged"),  # embedded in the same group, found stored when its turn to be written came
        ("5.txt", "added"),
    ]
    assert calls == [sum(x.chunks for x in r.added) + 1]  # one call for the whole folder (4b.txt's chunk too)
    assert fake_assistant.reindex() == 6 and fake_assistant.store.counts()[0] == 6


def test_a_lost_catalog_or_lost_vectors_are_errors_until_repaired(tmp_path):
    settings = make_settings(tmp_path / "data")
    a = Assistant(settings, embedder=HashEmbedding())
    a.ingest([SEEDS, write(tmp_path / "in" / "x.txt", "Đoàn kiểm tra số 7 làm việc tại Cà Mau.")])
    a.store.close()
    shutil.rmtree(tmp_path / "data" / "chroma")  # the vectors deleted
    SharedSystemClient.clear_system_cache()  # as a new process would find it (Chroma caches clients per path)
    b = Assistant(settings, embedder=HashEmbedding())
    with pytest.raises(StoreDamagedError, match=r"\d+ of \d+ chunks have no vector — run `rag repair`"):
        b.ask("Ai là trưởng đoàn kiểm tra tại Trà Vinh?")
    with pytest.raises(StoreDamagedError):
        b.ingest([SEEDS])  # never "3 unchanged" over missing vectors
    n = b.stats()["chunks"]
    assert b.repair() == (n, 0) and b.ask("Ai là trưởng đoàn kiểm tra tại Trà Vinh?").found

    b.store.close()
    (tmp_path / "data" / "catalog.sqlite3").write_bytes(b"")  # the catalog emptied under the vectors
    c = Assistant(settings, embedder=HashEmbedding())
    with pytest.raises(StoreDamagedError, match=f"holds {n} vectors: the catalog was emptied, deleted or replaced"):
        c.ask("Ai là trưởng đoàn kiểm tra tại Trà Vinh?")  # never re-seeded silently
    assert "emptied" in c.stats()["integrity"] and c.stats()["documents"] == 0
    assert c.repair() == (0, n)  # asked for: the orphaned vectors go, then the seeds come back on first use
    assert c.ask("Ai là trưởng đoàn kiểm tra tại Trà Vinh?").found


def test_a_question_never_waits_for_another_writer_to_seed(fake_assistant):
    a = fake_assistant
    held, release = threading.Event(), threading.Event()

    def hold():
        with a.store.writer():
            held.set()
            release.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    held.wait(5)
    try:
        started = time.monotonic()
        answer = a.ask("Ai là trưởng đoàn kiểm tra tại Trà Vinh?")
        assert not answer.found and time.monotonic() - started < 1.5  # lock_timeout is 2 s: it did not wait
    finally:
        release.set()
        t.join()
    assert a.ask("Ai là trưởng đoàn kiểm tra tại Trà Vinh?").found  # seeded once the writer is gone


def test_a_five_megabyte_line_is_chunked_and_rejected_not_embedded_for_hours(tmp_path):
    a = Assistant(make_settings(tmp_path / "data", max_file_mb=10), embedder=HashEmbedding())  # past the size check
    line = (
        "Đoàn kiểm tra số 7 làm việc với Ban Thường vụ Tỉnh ủy Cà Mau, nghe báo cáo; kiểm tra việc chấp hành " * 50_000
    )
    big = write(tmp_path / "in" / "dump.txt", line)
    assert big.stat().st_size > 5_000_000
    [r] = a.ingest([big]).results
    assert r.status == "rejected" and r.reason.startswith("too long: ") and "the limit is 5000" in r.reason


def _compilation(size: int) -> str:
    """`size` bytes of Vietnamese regulations as a .docx turns into text: each clause a short paragraph (the layout
    that makes the most chunks a MB, as a chunk ends at a paragraph once it holds half its size)."""
    clauses, used, i = [], 0, 0
    while used < size - 400:
        i += 1
        clauses.append(f"Khoản {i}. Cấp ủy định kỳ báo cáo kết quả với cấp ủy cấp trên trực tiếp.")
        used += len(clauses[-1].encode()) + 2
    text = "\n\n".join(clauses)
    return text + " " * (size - len(text.encode()))


def test_a_three_megabyte_text_is_accepted_end_to_end_and_a_longer_text_refused_for_its_length(tmp_path):
    """The default limits agree: a 3 MB text (a compilation of regulations), in the layout that makes the most chunks,
    is under RAG_MAX_FILE_MB and stays under RAG_MAX_CHUNKS_PER_DOC; a longer text, still under the file limit, is
    refused for its length, in the words the CLI prints, with the number of that setting."""
    a = Assistant(make_settings(tmp_path / "data", auto_seed=False), embedder=HashEmbedding())
    assert a.settings.max_file_mb == Settings.model_fields["max_file_mb"].default == 20
    compilation = write(tmp_path / "in" / "quy_dinh.txt", _compilation(3_000_000))
    assert compilation.stat().st_size == 3_000_000
    [r] = a.ingest([compilation]).results
    assert r.status == "added" and 4000 < r.chunks <= a.settings.max_chunks_per_doc, r
    assert a.document_text(r.doc_id).rstrip().endswith(_compilation(3_000_000).rstrip()[-80:])  # all of it kept
    assert a.retrieve("cấp ủy báo cáo kết quả với cấp trên", k=1)[0].doc_id == r.doc_id  # and searched
    longer = write(tmp_path / "in" / "lon.txt", _compilation(3_600_000))
    [r] = a.ingest([longer]).results
    assert r.status == "rejected" and r.reason.startswith("too long: ") and "the limit is 5000" in r.reason


def test_readme_states_the_limits_the_settings_hold():
    """One home for each limit (rag.Settings); README's configuration table says the same numbers."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("max_file_mb", "max_chunks_per_doc", "chunk_chars"):
        default = Settings.model_fields[name].default
        assert f"| `RAG_{name.upper()}` | `{default:g}` |" in readme, name


def test_a_reindex_keeps_documents_past_a_chunk_limit_lowered_since(tmp_path):
    long = write(tmp_path / "in" / "long.txt", "Đoàn kiểm tra làm việc tại tỉnh. " * 200)
    Assistant(make_settings(tmp_path / "data"), embedder=HashEmbedding()).ingest([long])
    lowered = Assistant(make_settings(tmp_path / "data", max_chunks_per_doc=3), embedder=HashEmbedding())
    assert lowered.reindex() == 1 and lowered.documents()[0]["n_chunks"] == 8 and lowered.check().ok
