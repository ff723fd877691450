"""The chat page's handlers, without a browser."""

import csv

import gradio as gr

from rag import Assistant
from ui import handlers as h
from ui.app import build

from conftest import DATA, SEEDS, HashEmbedding, make_settings, write


def test_chat_turn_returns_history_and_highlighted_sources(fake_assistant):
    history, html = h.chat(fake_assistant, "Ai là trưởng đoàn kiểm tra tại Trà Vinh?", [])
    assert [m["role"] for m in history] == ["user", "assistant"]
    assert "Nguyễn Quang Dương" in history[1]["content"] and "[1]" in history[1]["content"]
    assert "<mark>" in html and "000_b584f524cb46930b.txt" in html and "Xem toàn bài" in html
    # a follow-up is answered for the new province and says which question it answered; the Đắk Lắk article names
    # only a deputy head, so the answer says it names no head (never the deputy instead)
    history, html = h.chat(fake_assistant, "Còn ở Đắk Lắk thì sao?", history)
    reply = history[-1]["content"]
    assert "(Ai là trưởng đoàn kiểm tra tại Đắk Lắk?)" in reply and "Đắk Lắk không nêu trưởng đoàn" in reply
    assert "Lê Hải Bình" not in reply


def test_article_text_is_escaped(fake_assistant, tmp_path):
    fake_assistant.ingest(
        [
            write(
                tmp_path / "x.txt",
                "Đoàn kiểm tra số 3 làm việc tại Sơn La. <script>alert(1)</script> Ông Lò Văn Minh phát biểu.",
            )
        ]
    )
    _, html = h.chat(fake_assistant, "Đoàn kiểm tra số 3 làm việc ở tỉnh nào?", [])
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_chat_errors_become_a_reply(fake_assistant):
    history, html = h.chat(fake_assistant, "x" * 3000, [])
    assert history[-1]["content"].startswith("Lỗi: the question is") and html == ""
    assert h.chat(fake_assistant, "   ", [])[0] == []


def test_facts_table_filters_and_csv(tmp_path):
    a = Assistant(make_settings(tmp_path / "data"), embedder=HashEmbedding())
    a.ingest([SEEDS, DATA / "conflict"])
    rows, path = h.facts_table(a)
    assert len(rows) == 4 and {r[4] for r in rows} == {"Trà Vinh", "Đắk Lắk", "Quảng Ninh"}
    assert h.facts_table(a, province="Đắk Lắk")[0][0][3] == "Lê Hải Bình"
    assert [r[0] for r in h.facts_table(a, year="2024")[0]] == [4, 9, 9]
    assert [r[0] for r in h.facts_table(a, person="tran thu ha")[0]] == [9]
    assert "2/11 (bài không nêu năm)" in [r[5] for r in rows]
    with open(path, encoding="utf-8-sig") as f:
        assert len(list(csv.DictReader(f))) == 4
    provinces, years = h.fact_filters(a)
    assert provinces[0] == h.ALL and "Quảng Ninh" in provinces and years == [h.ALL, "2024"]


def test_upload_copies_into_data_dir_and_reports_each_file(fake_assistant, tmp_path):
    good = write(tmp_path / "in" / "bai.md", "---\ntitle: Bài mới\n---\nĐoàn kiểm tra số 2 làm việc tại Sơn La.")
    bad = write(tmp_path / "in" / "rong.txt", "")
    uploads = tmp_path / "uploads"
    rows = h.upload(fake_assistant, [str(good), str(bad)], uploads)
    assert rows == [["bai.md", "đã thêm", ""], ["rong.txt", "bị từ chối", "empty file"]]
    assert (uploads / "bai.md").exists()
    table, choices = h.library(fake_assistant)
    assert "Bài mới" in [r[0] for r in table]
    doc_id = next(v for label, v in choices if "Bài mới" in label)
    assert h.reembed(fake_assistant).startswith("Đã nhúng lại 1 bài")
    assert h.remove(fake_assistant, doc_id) == "Đã xóa: bai.md"
    assert h.library(fake_assistant)[0] == []


def test_page_builds_and_an_unreachable_store_is_a_message_not_a_trace(fake_assistant, tmp_path):
    assert isinstance(build(fake_assistant), gr.Blocks)
    broken = Assistant(make_settings(tmp_path / "d2", chroma_host="127.0.0.1", chroma_port=9), embedder=HashEmbedding())
    demo = build(broken)
    banner = [b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "rag-store-error"][0]
    assert "Không mở được kho dữ liệu" in banner.value and "cannot reach Chroma server" in banner.value
    history, _ = h.chat(broken, "Ai là trưởng đoàn?", [])
    assert history[-1]["content"].startswith("Lỗi: cannot reach Chroma server")


def test_serve_never_shares_limits_uploads_and_asks_for_login(fake_assistant, monkeypatch, tmp_path):
    from ui.app import serve

    seen = {}
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **kw: seen.update(kw))
    a = Assistant(make_settings(tmp_path / "d", ui_auth="admin:s3cret", max_file_mb=5), embedder=HashEmbedding())
    serve(assistant=a)
    assert seen["share"] is False and seen["server_name"] == "127.0.0.1"
    assert seen["auth"] == ("admin", "s3cret") and seen["max_file_size"] == "5mb"
