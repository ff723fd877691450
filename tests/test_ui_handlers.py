"""The chat page's handlers, without a browser."""

import asyncio
import csv
import html as htmllib
import inspect
import logging
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

import gradio as gr
import pytest
from conftest import DATA, ROOT, SEEDS, HashEmbedding, make_settings, store_of, write
from markdown_it import MarkdownIt

import rag
from rag import Assistant
from ui import handlers as h
from ui import uploads as up
from ui.app import build, make_auth, serve

HOSTILE = (
    "Báo cáo ghi rõ ![a](http://127.0.0.1:9/x.png) <img src=http://127.0.0.1:9/y.png onerror=alert(1)> "
    "<script>alert(2)</script> [link](javascript:alert(3)) là đoạn mã lạ trên cổng thông tin của tỉnh Lai Châu."
)
ESCAPED = re.compile(r"\\[!-/:-@\[-`{-~]|&(amp|lt|gt|#32|#9);")  # what md_text writes for punctuation and blanks


def test_chat_turn_returns_history_and_highlighted_sources(fake_assistant):
    history, html = h.chat(fake_assistant, "Ai là trưởng đoàn kiểm tra tại Trà Vinh?", [])
    assert [m["role"] for m in history] == ["user", "assistant"]
    assert "Nguyễn Quang Dương" in history[1]["content"] and "[1]" in h.plain(history[1]["content"])
    assert "<mark>" in html and "000_b584f524cb46930b.txt" in html and "Xem toàn bài" in html
    # the page shows the sources under the answer, collapsed and titled with their count; source n is found by its
    # class (the chat's sanitizer keeps classes, not data- attributes)
    [sources] = h.sources_message(html)
    assert (
        sources
        == {
            "role": "assistant",
            "content": html,
            "metadata": {"title": "Nguồn (1)", "status": "done"},
        }
        and 'class="rag-source rag-source-1"' in html
    )
    assert h.sources_message("") == [] and h.is_sources(sources) and not h.is_sources(history[1])
    # a follow-up is answered for the new province and says which question it answered; the Đắk Lắk article names
    # only a deputy head, who led the meeting: the answer says it names no head and that the deputy led. The history
    # comes back as Gradio hands it over (content as parts, escaped as shown, the first answer's sources under it)
    # and is read back as text, without the sources.
    history = [
        {"role": m["role"], "content": [{"type": "text", "text": m["content"]}], "metadata": m.get("metadata")}
        for m in history + [sources]
    ]
    history, html = h.chat(fake_assistant, "Còn ở Đắk Lắk thì sao?", history)
    assert [h.is_sources(m) for m in history] == [False, False, True, False, False]  # the first answer's sources stay
    reply = h.plain(history[-1]["content"])
    assert "(Ai là trưởng đoàn kiểm tra tại Đắk Lắk?)" in reply and "không nêu trưởng đoàn" in reply
    assert "Phó Trưởng đoàn Lê Hải Bình" in reply and "dẫn đầu buổi làm việc" in reply
    assert "001_cb98ca3c559514ce.txt" in html and "000_b584f524cb46930b.txt" not in html  # this answer's own


def test_the_page_puts_each_answers_sources_under_it(fake_assistant):
    on_chat = {f.name: f.fn for f in build(fake_assistant).fns.values()}["on_chat"]
    history = []
    for question in ("Ai là trưởng đoàn kiểm tra tại Trà Vinh?", "Ai là phó trưởng đoàn kiểm tra tại Đắk Lắk?"):
        *_, (history, box) = on_chat(question, history)
        assert box == ""  # the question box is emptied
    assert [(m["role"], h.is_sources(m)) for m in history] == [
        ("user", False),
        ("assistant", False),
        ("assistant", True),
    ] * 2
    first, second = history[2]["content"], history[5]["content"]
    assert "000_b584f524cb46930b.txt" in first and "Nguyễn Quang Dương</mark>" not in second
    assert "001_cb98ca3c559514ce.txt" in second and "<mark>" in second and "Lê Hải Bình" in second


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


@pytest.mark.parametrize(
    "text",
    [
        HOSTILE,
        "**đậm** _nghiêng_ `mã` ~~gạch~~ $$x$$ <b>b</b> &amp; &lt; \\*x\\* a\\\nb <http://x.vn> www.x.vn a@b.vn",
        "# tiêu đề\n- mục\n1. một\n> trích\n    mã thụt lề\n\tmã tab\n---\n===\n| a | b |\n|---|---|\n```\nrào\n```",
        "[x]: http://127.0.0.1:9/ref.png\n![r][x] [^1] <!-- c --> <?php ?> <![CDATA[x]]>",
    ],
)
def test_md_text_renders_as_the_text_itself(text):
    shown = h.md_text(text)
    assert h.plain(shown) == text  # what goes back to the assistant as history is what was shown
    # a CommonMark parser (with tables, strikethrough, hard line breaks) renders it as one paragraph with line
    # breaks whose text is exactly the input
    rendered = MarkdownIt("commonmark", {"breaks": True}).enable(["table", "strikethrough"]).render(shown)
    assert set(re.findall(r"</?[a-z]+", rendered)) == {"<p", "</p"} | ({"<br"} if "\n" in text else set())
    assert htmllib.unescape(re.sub(r"</?p>\n?|<br />", "", rendered)) == text
    assert not re.search(r"[!-/:-@\[-`{-~]", ESCAPED.sub("", shown))  # no punctuation mark left unescaped


def test_chat_message_shows_hostile_article_text_literally(fake_assistant, tmp_path):
    fake_assistant.ingest([write(tmp_path / "lc.txt", f"Đoàn kiểm tra số 12 làm việc tại Lai Châu.\n{HOSTILE}\n")])
    history, _ = h.chat(fake_assistant, "Báo cáo ghi gì về đoạn mã lạ trên cổng thông tin của tỉnh Lai Châu?", [])
    shown = history[-1]["content"]
    assert HOSTILE in h.plain(shown) and "<" not in shown and "](" not in shown
    assert not re.search(r"[!-/:-@\[-`{-~]", ESCAPED.sub("", shown))


def test_chat_errors_become_a_reply(fake_assistant):
    history, html = h.chat(fake_assistant, "x" * 3000, [])
    assert h.plain(history[-1]["content"]).startswith("Lỗi: câu hỏi dài 3000 ký tự") and html == ""
    assert h.chat(fake_assistant, "   ", [])[0] == []


def test_facts_table_filters_and_csv(tmp_path):
    a = Assistant(make_settings(tmp_path / "data"), embedder=HashEmbedding())
    a.ingest([SEEDS, DATA / "conflict"])
    rows, path, _, _ = h.facts_view(a)
    assert len(rows) == 4 and {r[4] for r in rows} == {"Trà Vinh", "Đắk Lắk", "Quảng Ninh"}
    assert h.facts_view(a, province="Đắk Lắk")[0][0][3] == "Lê Hải Bình"
    assert [r[0] for r in h.facts_view(a, year="2024")[0]] == [4, 9, 9]
    assert [r[0] for r in h.facts_view(a, person="tran thu ha")[0]] == [9]
    assert "2/11 (không rõ năm)" in [r[5] for r in rows]
    with open(path, encoding="utf-8-sig") as f:
        assert len(list(csv.DictReader(f))) == 4
    provinces, years = h.fact_filters(a)
    assert provinces[0] == h.ALL and "Quảng Ninh" in provinces and years == [h.ALL, "2024"]


def test_facts_csv_exports_share_one_folder(fake_assistant, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    h._export_dir.cache_clear()
    fake_assistant.ingest([SEEDS])
    try:
        paths = {h.facts_view(fake_assistant, province=p)[1] for p in (None, "Trà Vinh", None, "Đắk Lắk") * 3}
        assert len(paths) == 3 and len(list((tmp_path / "tmp").glob("rag-facts-*"))) == 1
        with open(h.facts_view(fake_assistant, province="Trà Vinh")[1], encoding="utf-8-sig") as f:
            assert [r["province"] for r in csv.DictReader(f)] == ["Trà Vinh"]
        assert {os.path.basename(p) for p in paths} == {"inspections.csv"}  # the name the download keeps
        assert not list((tmp_path / "tmp").rglob("*.tmp"))  # written aside, then renamed
    finally:
        h._export_dir.cache_clear()
    # and the folder goes when the process exits
    code = "from ui.handlers import _export_dir; d = _export_dir(); (d / 'x').write_text('1'); print(d)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() and not os.path.exists(out.stdout.strip())


def test_upload_copies_into_data_dir_and_reports_each_file(fake_assistant, tmp_path):
    good = write(tmp_path / "in" / "bai.md", "---\ntitle: Bài mới\n---\nĐoàn kiểm tra số 2 làm việc tại Sơn La.")
    bad = write(tmp_path / "in" / "rong.txt", "")
    uploads = tmp_path / "uploads"
    rows = up.upload(fake_assistant, [str(good), str(bad)], uploads)
    assert rows == [["bai.md", "đã thêm", ""], ["rong.txt", "bị từ chối", "tệp rỗng"]]
    copy = write(tmp_path / "in" / "ban-sao.md", good.read_text(encoding="utf-8"))
    assert up.upload(fake_assistant, [str(copy)], uploads)[0][1] == "không đổi"  # the same text as bai.md
    assert sorted(p.name for p in uploads.iterdir()) == ["bai.md"]  # what became no document is not kept
    table, choices = h.library(fake_assistant)
    assert "Bài mới" in [r[0] for r in table]
    doc_id = next(v for label, v in choices if "Bài mới" in label)
    assert h.reembed(fake_assistant).startswith("Đã nhúng lại 1 bài")
    assert h.plain(h.remove(fake_assistant, None, uploads)) == "Chưa xóa gì: chọn một bài, rồi xác nhận."
    assert h.plain(h.remove(fake_assistant, doc_id, uploads)) == "Đã xóa: bai.md"
    assert h.library(fake_assistant)[0] == [] and not (uploads / "bai.md").exists()  # the uploaded copy goes too


def test_removing_one_record_of_an_uploaded_jsonl_keeps_the_file_for_the_other(fake_assistant, tmp_path):
    lines = [
        '{"title": "Một", "text": "Đoàn kiểm tra số 2 làm việc tại Sơn La."}',
        '{"title": "Hai", "text": "Đoàn kiểm tra số 3 làm việc tại Lai Châu."}',
    ]
    uploads = tmp_path / "uploads"
    up.upload(fake_assistant, [str(write(tmp_path / "in" / "hai.jsonl", "\n".join(lines)))], uploads)
    ids = [v for _, v in h.library(fake_assistant)[1]]
    h.remove(fake_assistant, ids[0], uploads)
    assert (uploads / "hai.jsonl").exists()
    h.remove(fake_assistant, ids[1], uploads, in_use=frozenset({uploads / "hai.jsonl"}))
    assert (uploads / "hai.jsonl").exists()  # a background upload of the same name is about to read it
    fake_assistant.ingest([uploads / "hai.jsonl"])
    for _, doc_id in h.library(fake_assistant)[1]:
        h.remove(fake_assistant, doc_id, uploads)
    assert not (uploads / "hai.jsonl").exists()
    outside = write(tmp_path / "elsewhere" / "giu.txt", "Đoàn kiểm tra số 5 làm việc tại Điện Biên.")
    fake_assistant.ingest([outside])  # ingested from the user's own folder: never deleted by a removal
    h.remove(fake_assistant, h.library(fake_assistant)[1][0][1], uploads)
    assert outside.exists()


def test_upload_refuses_other_types_per_file_and_keeps_none(fake_assistant, tmp_path):
    files = [write(tmp_path / "in" / n, "MZ\x90 <html>") for n in ("virus.exe", "x.svg", "khong_duoi")]
    good = write(tmp_path / "in" / "bai.txt", "Đoàn kiểm tra số 2 làm việc tại Sơn La.")
    uploads = tmp_path / "uploads"
    rows = up.upload(fake_assistant, [str(f) for f in (*files, good)], uploads)
    assert rows[0] == ["bai.txt", "đã thêm", ""]
    assert [r[:2] for r in rows[1:]] == [[n, "bị từ chối"] for n in ("virus.exe", "x.svg", "khong_duoi")]
    assert "loại tệp không được hỗ trợ (.exe); chỉ nhận .txt, .md" in rows[1][2] and "(không có đuôi)" in rows[3][2]
    assert sorted(p.name for p in uploads.iterdir()) == ["bai.txt"]
    assert up.upload(fake_assistant, [str(files[0])], uploads)[0][1] == "bị từ chối"  # nothing left to ingest


PROVINCES = ["Sơn La", "Lai Châu", "Điện Biên", "Hà Giang", "Cao Bằng", "Lạng Sơn", "Yên Bái", "Lào Cai"]


def _big_files(folder, tag, n=3, lines=560):
    """`n` articles of Vietnamese prose (~80 KB, ~110 chunks each) that together pass the background threshold."""
    files = []
    for k in range(n):
        body = []
        for i in range(lines):
            body.append(
                f"Phần {tag}{k}.{i}: cán bộ xã vùng cao ở {PROVINCES[(i + k) % 8]} kể lại chuyện mùa màng, đường sá "
                f"và trường học của bản; người dân mong có thêm cây cầu qua suối trước mùa mưa năm {2000 + i % 25}."
            )
            if i % 6 == 5:
                body.append("")
        files.append(
            write(folder / f"ghi_chep_{tag}{k}.txt", f"# title = Ghi chép vùng cao {tag}{k}\n" + "\n".join(body))
        )
    assert up.estimate_chunks(files, 900) > up.BACKGROUND_CHUNKS
    return files


class GatedEmbedding(HashEmbedding):
    """The hash embedding, but the passages of the "Ghi chép vùng cao" articles wait for the test's go-ahead (one
    per embedding call: a group of articles) and then sleep a little: the background job stays at a known place while
    the test looks."""

    def __init__(self):
        super().__init__()
        self.go = threading.Semaphore(0)

    def _encode(self, texts, is_query):
        if not is_query and any("Ghi chép vùng cao" in t for t in texts):
            assert self.go.acquire(timeout=60), "the test never let the document through"
            time.sleep(0.05)
        return super()._encode(texts, is_query)


def _until(check, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError("timed out")


def test_large_upload_is_ingested_in_the_background_while_questions_are_answered(tmp_path):
    a = Assistant(make_settings(tmp_path / "data"), embedder=GatedEmbedding())
    uploads = tmp_path / "uploads"
    big = _big_files(tmp_path / "in", "A")
    try:
        start = time.monotonic()
        rows, job_id = up.start_upload(
            a, [str(f) for f in big] + [str(write(tmp_path / "in" / "x.exe", "MZ"))], uploads
        )
        assert time.monotonic() - start < 30  # returns at once (it would wait on the gate forever otherwise)
        assert job_id is not None and [r[:2] for r in rows] == [[f.name, up.BACKGROUND_VI] for f in big] + [
            ["x.exe", "bị từ chối"]
        ]
        assert rows[0][2].startswith("lần tải lên lớn (ước tính ") and "tiến độ ở dòng trạng thái" in rows[0][2]
        assert sorted(p.name for p in uploads.iterdir()) == [f.name for f in big]  # copied before it returns

        # the first group (two articles, ~220 chunks) waits in the embedder: the job says where it is
        job = _until(lambda: (j := up.job(a, job_id)) and j.total == 3 and j.current == big[0].name and j)
        assert job.state == "running" and job.done == 0 and job.started >= job.queued
        assert f"Đang nạp trong nền:** xong 0/3 tệp, đang nạp {h.md_text(big[0].name)}" in up.background_status(a)
        assert up.busy(a) and up.take_results(a, None) == []

        # meanwhile the write lock is free between documents (a small upload is ingested at once) and questions
        # are answered
        small = write(tmp_path / "in" / "nho.txt", "Đoàn kiểm tra số 7 làm việc tại Yên Bái ngày 3/6/2024.")
        assert up.start_upload(a, [str(small)], uploads) == ([["nho.txt", "đã thêm", ""]], None)
        passages = a.retrieve("Đoàn kiểm tra số 7 làm việc ở tỉnh nào?")
        assert passages and "Yên Bái" in passages[0].text
        assert up.job(a, job_id).state == "running"

        # a group at a time: the progress counts the files written
        a.embedder.go.release()
        job = _until(lambda: (j := up.job(a, job_id)) and j.done == 2 and j.current == big[2].name and j)
        assert "xong 2/3 tệp" in up.background_status(a)
        a.embedder.go.release(2)
        job = _until(lambda: (j := up.job(a, job_id)) and j.ended and j)
    finally:
        a.embedder.go.release(10)
    assert job.state == "done" and job.error is None
    assert job.rows == [[f.name, "đã thêm", ""] for f in big] + [rows[-1]]  # as upload() returns them
    assert job.done == job.total == 3 and not up.busy(a)
    titles = {d["title"] for d in a.documents()}
    assert {f"Ghi chép vùng cao A{k}" for k in range(3)} <= titles
    status = up.background_status(a)
    assert status.startswith("**Đã nạp xong trong nền** ghi") and "3 đã thêm" in status
    # its rows go once to whoever started it (the page's session; None here)
    assert [j.id for j in up.take_results(a, None)] == [job_id] and up.take_results(a, None) == []
    assert up.job_rows(up.job(a, job_id)) == job.rows


def test_a_second_large_upload_waits_for_the_first(tmp_path):
    a = Assistant(make_settings(tmp_path / "data"), embedder=GatedEmbedding())
    uploads = tmp_path / "uploads"
    try:
        first = up.start_upload(a, [str(f) for f in _big_files(tmp_path / "in", "A")], uploads)[1]
        _until(lambda: up.job(a, first).state == "running")
        rows, second = up.start_upload(a, [str(f) for f in _big_files(tmp_path / "in", "B")], uploads)
        assert rows[0][1] == up.BACKGROUND_VI and "chờ lần nạp trong nền trước xong" in rows[0][2]
        assert up.job(a, second).state == "queued"
        assert "**Đang chờ nạp trong nền:** ghi" in up.background_status(a)
        a.embedder.go.release(3)
        _until(lambda: up.job(a, first).ended)
        a.embedder.go.release(3)
        job = _until(lambda: (j := up.job(a, second)) and j.ended and j)
    finally:
        a.embedder.go.release(10)
    assert job.state == "done" and job.started >= up.job(a, first).ended  # one at a time, in order
    assert len(a.documents()) == 6


def test_small_uploads_stay_synchronous(fake_assistant, tmp_path):
    small = write(tmp_path / "in" / "bai.txt", "Đoàn kiểm tra số 2 làm việc tại Sơn La.")
    assert up.estimate_chunks([small], 900) == 1
    assert up.start_upload(fake_assistant, [str(small)], tmp_path / "uploads") == ([["bai.txt", "đã thêm", ""]], None)
    assert up.jobs(fake_assistant) == [] and up.background_status(fake_assistant) == ""


def test_a_failed_background_job_ends_with_one_line(fake_assistant, tmp_path, monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise rag.StoreError("store.catalog_damaged", path="catalog.sqlite3", detail="database disk image is malformed")

    monkeypatch.setattr(fake_assistant, "ingest", broken)
    big = _big_files(tmp_path / "in", "A", n=2, lines=850)
    with caplog.at_level(logging.WARNING, logger="ui.handlers"):
        rows, job_id = up.start_upload(fake_assistant, [str(f) for f in big], tmp_path / "uploads")
        job = _until(lambda: (j := up.job(fake_assistant, job_id)) and j.ended and j)
    assert rows[0][1] == up.BACKGROUND_VI
    damaged = "kho dữ liệu gặp lỗi: sổ mục lục catalog.sqlite3 bị hỏng (database disk image is malformed)"
    assert job.state == "failed" and job.error == damaged
    assert job.rows is None and "background upload failed" in caplog.text
    assert up.job_rows(job) == [[f.name, "lỗi", job.error] for f in big]
    assert "**Nạp trong nền bị dừng** lúc" in up.background_status(fake_assistant)
    assert h.md_text(job.error) in up.background_status(fake_assistant)

    # a batch the store stopped part way keeps the rows of what was done before it
    def aborted(paths, progress=None):
        done = rag.IngestReport([rag.FileResult(str(paths[0]), "added", None, "x", 120)])
        locked = rag.StoreLockedError("store.catalog_busy", path="catalog.sqlite3", detail="database is locked")
        raise rag.IngestAbortedError("indexing.stopped", done, error=locked, counts=done.summary())

    monkeypatch.setattr(fake_assistant, "ingest", aborted)
    job_id = up.start_upload(fake_assistant, [str(f) for f in big], tmp_path / "uploads")[1]
    job = _until(lambda: (j := up.job(fake_assistant, job_id)) and j.ended and j)
    assert job.error == (  # shown on the page: Vietnamese
        "dừng nạp: sổ mục lục catalog.sqlite3 đang bận: database is locked "
        "(trước đó: 1 đã thêm, 0 đã cập nhật, 0 không đổi, 0 bị từ chối)"
    )
    assert up.job_rows(job) == [[big[0].name, "đã thêm", ""], [big[1].name, "lỗi", job.error]]


def test_page_follows_a_background_upload(tmp_path):
    a = Assistant(make_settings(tmp_path / "data"), embedder=GatedEmbedding())
    fns = {f.name: f.fn for f in build(a).fns.values()}
    status, seen, timer = fns["on_open"]()
    assert status == "" and seen == 0 and timer.active is False  # nothing to follow: the timer is off
    big = _big_files(tmp_path / "in", "A", n=2, lines=850)
    try:
        rows, status, timer = fns["on_upload"]([str(f) for f in big])
        assert [r[1] for r in rows] == [up.BACKGROUND_VI] * 2 and "Đang nạp trong nền" in status and timer.active
        status, shown, seen, timer, *tables = fns["on_tick"](0)
        assert shown == gr.skip() and seen == 0 and timer.active and all(t == gr.skip() for t in tables)
        a.embedder.go.release(2)
        _until(lambda: not up.busy(a))
    finally:
        a.embedder.go.release(10)
    status, shown, seen, timer, banner, docs, *_ = fns["on_tick"](0)
    assert "Đã nạp xong trong nền" in status and shown == [[f.name, "đã thêm", ""] for f in big] and seen == 1
    assert {"Ghi chép vùng cao A0", "Ghi chép vùng cao A1"} <= {r[0] for r in docs}  # the tables anew (and seeds)
    assert timer.active is False  # nothing left to follow
    status, shown, seen, timer, *tables = fns["on_tick"](1)
    assert shown == gr.skip() and all(t == gr.skip() for t in tables) and not timer.active


def test_page_builds_and_an_unreachable_store_is_a_message_not_a_trace(fake_assistant, tmp_path):
    assert isinstance(build(fake_assistant), gr.Blocks)
    broken = Assistant(make_settings(tmp_path / "d2", chroma_host="127.0.0.1", chroma_port=9), embedder=HashEmbedding())
    demo = build(broken)
    banner = [b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "rag-store-error"][0]
    assert "Không mở được kho dữ liệu" in banner.value and h.md_text("không kết nối được máy chủ Chroma 127.0.0.1:9") in banner.value
    history, _ = h.chat(broken, "Ai là trưởng đoàn?", [])
    assert h.plain(history[-1]["content"]).startswith("Lỗi: kho dữ liệu gặp lỗi: không kết nối được máy chủ Chroma")


def test_store_errors_show_one_clear_message(fake_assistant, monkeypatch, tmp_path):
    demo = build(fake_assistant)
    fns = {f.name: f.fn for f in demo.fns.values()}

    def broken(*_args, **_kwargs):
        raise rag.StoreError("store.catalog_damaged", path="catalog.sqlite3", detail="database disk image is malformed")

    for method in ("documents", "records", "ask_stream", "ingest"):
        monkeypatch.setattr(fake_assistant, method, broken)
    banner, *rest = fns["refresh"]()  # the library tab's refresh (page load, after upload/remove/re-embed)
    damaged = "sổ mục lục catalog.sqlite3 bị hỏng (database disk image is malformed)"
    assert banner.visible and f"Không mở được kho dữ liệu:** {h.md_text(damaged)}" in banner.value
    assert len(rest) == 8 and all(r == gr.skip() for r in rest)
    with pytest.raises(gr.Error) as e:
        fns["on_facts"](h.ALL, h.ALL, "")
    assert e.value.message == f"kho dữ liệu gặp lỗi: {damaged}" and e.value.title == "Lỗi"
    with pytest.raises(gr.Error, match="kho dữ liệu gặp lỗi"):
        fns["on_upload"]([str(write(tmp_path / "a.txt", "Đoàn kiểm tra số 2."))])
    history, _ = h.chat(fake_assistant, "Ai là trưởng đoàn?", [])
    assert h.plain(history[-1]["content"]) == f"Lỗi: kho dữ liệu gặp lỗi: {damaged}"
    # an unexpected failure is a message too (its trace goes to the log), never a bare "Error"
    monkeypatch.setattr(fake_assistant, "records", lambda: 1 / 0)
    with pytest.raises(gr.Error, match=r"lỗi không mong đợi \(ZeroDivisionError\)"):
        fns["on_facts"](h.ALL, h.ALL, "")
    monkeypatch.undo()  # the banner goes when the store works again
    assert fns["refresh"]()[0].visible is False


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_never_shares_limits_uploads_and_asks_for_login(fake_assistant, monkeypatch, tmp_path):
    seen = {}
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **kw: seen.update(kw))
    a = Assistant(make_settings(tmp_path / "d", ui_auth="admin:s3cret", max_file_mb=5), embedder=HashEmbedding())
    serve(assistant=a, port=_free_port())
    assert seen["share"] is False and seen["server_name"] == "127.0.0.1" and seen["max_file_size"] == "5mb"
    # the page's own script is inline: nothing is fetched from elsewhere
    assert seen["head"].startswith("<script>") and "src=" not in seen["head"] and "rag-cite" in seen["head"]
    assert inspect.iscoroutinefunction(seen["auth"]) and asyncio.run(seen["auth"]("admin", "s3cret"))
    assert seen["app_kwargs"]["middleware"][0].cls.__name__ == "UploadTypes" and seen["num_workers"] == 0


def test_failed_logins_wait_longer_each_time(caplog):
    slept = []

    async def sleep(seconds):
        slept.append(seconds)

    check = make_auth("admin", "s3cret", base=1.0, cap=5.0, sleep=sleep)

    async def attempts():
        tries = [("admin", "x")] * 4 + [("root", "s3cret"), ("admin", "s3cret"), ("admin", "")]
        return [await check(user, password) for user, password in tries]

    with caplog.at_level(logging.WARNING, logger="ui.app"):
        assert asyncio.run(attempts()) == [False] * 5 + [True, False]
    assert slept == [1, 2, 4, 5, 5, 1]  # doubling, capped; nothing slept on success, which starts over
    assert "failed login as 'admin' (3 in a row); answering in 4 s" in caplog.text


def test_serve_on_a_busy_port_is_a_one_line_error(fake_assistant):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(rag.RagError, match=rf"^port {port} on 127\.0\.0\.1 is in use; choose another with --port$"):
            serve(port=port, assistant=fake_assistant, block=False)


def test_parallel_failed_logins_never_queue_and_the_owner_gets_in_at_once(caplog):
    slept, release = [], None

    async def sleep(seconds):  # a slow fake: every failed attempt stays pending until released
        slept.append(seconds)
        await release.wait()

    check = make_auth("admin", "s3cret", base=1.0, cap=5.0, sleep=sleep)

    async def flood():
        nonlocal release
        release = asyncio.Event()
        order = []

        async def attempt(password):
            ok = await check("admin", password)
            order.append(ok)
            return ok

        wrong = [asyncio.create_task(attempt(f"guess{i}")) for i in range(20)]
        await asyncio.sleep(0)  # all 20 are now pending in their own sleep
        assert len(slept) == 20 and not any(t.done() for t in wrong)
        right = await asyncio.wait_for(attempt("s3cret"), timeout=0.5)  # not behind the pending ones
        assert right is True and order == [True]
        release.set()
        assert await asyncio.gather(*wrong) == [False] * 20
        assert await check("admin", "nope") is False  # the success started the count over
        return order

    with caplog.at_level(logging.WARNING, logger="ui.app"):
        assert asyncio.run(flood()) == [True] + [False] * 20
    assert slept == [1, 2, 4] + [5] * 17 + [1]  # each its own delay, none over cap: nothing stacks
    assert "failed login as 'admin' (20 in a row); answering in 5 s" in caplog.text


def test_parallel_failed_logins_take_real_time_each_not_summed():
    check = make_auth("admin", "s3cret", base=0.02, cap=0.05)  # the real asyncio.sleep, tiny delays

    async def flood():
        loop = asyncio.get_running_loop()
        start = loop.time()
        results = await asyncio.gather(*(check("admin", "x") for _ in range(20)), check("admin", "s3cret"))
        return results, loop.time() - start

    results, took = asyncio.run(flood())
    assert results == [False] * 20 + [True]
    assert took < 0.5  # serialized, the waits would add up to 0.02+0.04+18*0.05 = 0.96 s


def test_a_long_flood_of_failed_logins_stays_at_cap():
    slept = []

    async def sleep(seconds):
        slept.append(seconds)

    check = make_auth("admin", "s3cret", base=1.0, cap=10.0, sleep=sleep)

    async def many():
        for _ in range(2000):  # 2 ** 1999 would overflow a float
            await check("admin", "x")

    asyncio.run(many())
    assert max(slept) == 10.0 and slept[-1] == 10.0


@pytest.mark.parametrize("port", [80000, 65536, 0, -1])
def test_serve_on_an_invalid_port_is_a_one_line_error(fake_assistant, port):
    with pytest.raises(rag.ConfigError, match=rf"^port {port} is not a valid port \(1-65535\)$"):
        serve(port=port, assistant=fake_assistant, block=False)


def test_serve_on_a_host_that_cannot_be_bound_is_a_one_line_error(fake_assistant):
    with pytest.raises(rag.ConfigError, match=r"^cannot listen on 192\.0\.2\.1:\d+: "):  # TEST-NET: not ours
        serve(host="192.0.2.1", port=_free_port(), assistant=fake_assistant, block=False)


def test_errors_and_reasons_are_shown_in_their_vietnamese_from_the_catalog(tmp_path):
    locked = rag.StoreLockedError("store.locked", who=rag.Message("store.another_process"), path="/d", seconds=2)
    assert h.error_text(locked) == "kho dữ liệu gặp lỗi: một tiến trình khác đang ghi vào /d (đã chờ 2 giây)"
    assert h.error_text(rag.QueryError("query.empty")) == "câu hỏi trống"
    assert h.error_text(ZeroDivisionError()) == (
        "lỗi không mong đợi (ZeroDivisionError); chi tiết trong nhật ký máy chủ"
    )
    # rejection reasons: the limits said in words (how to change them is the library tab's help, so no setting's
    # name stands inside a Vietnamese sentence); a parser's own words and a file's name carried over as they are
    a = Assistant(make_settings(tmp_path / "data", max_file_mb=0.001), embedder=HashEmbedding())
    files = [
        write(tmp_path / "in" / "big.txt", "Đoàn kiểm tra số 2. " * 100),
        write(tmp_path / "in" / "bad.json", '{"text": '),
        write(tmp_path / "in" / "the question is empty.txt", ""),
    ]
    rows = {r[0]: r[1:] for r in up.result_rows(a.ingest(files))}
    assert rows["big.txt"] == ["bị từ chối", "quá lớn: 0.0 MB, vượt giới hạn 0.001 MB một tệp"]
    assert rows["bad.json"][1].startswith("JSON không hợp lệ: Expecting value")
    assert rows["the question is empty.txt"] == ["bị từ chối", "tệp rỗng"]
    assert not [r for r in rows.values() if "RAG_" in r[1]]


def test_a_long_title_in_the_remove_list_is_cut_between_words():
    title = "Triển khai kế hoạch kiểm tra công tác bảo vệ chính trị nội bộ ở tỉnh Trà Vinh năm 2024"
    short = h._shorten(title, 70)
    assert len(short) <= 70 and short.endswith("…") and title.startswith(short[:-1])
    assert title[len(short) - 1] == " "  # the cut falls before a space: no word is broken
    assert h._shorten("ngắn", 70) == "ngắn"


def test_the_limits_help_states_the_settings_and_how_to_change_them(tmp_path):
    settings = make_settings(tmp_path / "d", max_file_mb=2.5, max_chunks_per_doc=1200)
    text = up.limits_help(settings)
    prose, table = text.split("\n\n| ", 1)
    assert "tối đa **2,5 MB**" in prose and "tối đa **1.200 đoạn**" in prose and "900 ký tự" in prose
    assert "RAG_" not in prose  # the settings' names stand in the table, never inside a sentence
    assert (
        "| 2,5 MB | `RAG_MAX_FILE_MB` |" in table and "| 1.200 (cao nhất 5.000) | `RAG_MAX_CHUNKS_PER_DOC` |" in table
    )
    defaults = up.limits_help(make_settings(tmp_path / "d"))  # the numbers come from the settings, their one home
    limits = rag.Settings.model_fields
    assert f"tối đa **{limits['max_file_mb'].default:g} MB**" in defaults
    assert f"tối đa **{limits['max_chunks_per_doc'].default:,} đoạn**".replace(",", ".") in defaults
    page = build(Assistant(settings, embedder=HashEmbedding()))
    assert any(getattr(b, "value", None) == text for b in page.blocks.values())  # shown in the library tab
    upload = next(b for b in page.blocks.values() if getattr(b, "elem_id", None) == "rag-upload")
    assert upload.label.endswith("; tối đa 2,5 MB mỗi tệp)")
    assert [up.vi_number(x) for x in (5000, 3.0, 3.5, 12345.25, 0.001)] == ["5.000", "3", "3,5", "12.345,25", "0,001"]


def test_a_background_upload_whose_every_file_was_rejected_announces_no_success():
    job = up.Job(1, ["a.txt", "b.txt"], 300, None, 0.0, started=1.0, ended=5.0)
    job.rows = [["a.txt", "bị từ chối", "tệp rỗng"], ["b.txt", "bị từ chối", "tệp rỗng"]]
    line = h.plain(up.job_line(job, now=6.0))  # Markdown, file names escaped
    assert line.startswith("**Nạp trong nền không thêm được tệp nào:** a.txt, b.txt lúc ")
    assert "2 bị từ chối; lý do ở bảng Kết quả nạp" in line and "Đã nạp xong" not in line
    job.rows[1] = ["b.txt", "đã thêm", ""]
    line = h.plain(up.job_line(job, now=6.0))
    assert line.startswith("**Đã nạp xong trong nền** a.txt, b.txt lúc ") and line.endswith(
        ": 1 đã thêm, 1 bị từ chối."
    )


def test_a_running_background_upload_says_its_tokens_per_second(monkeypatch):
    job = up.Job(1, ["a.txt", "b.txt"], 300, None, 0.0, started=1.0, done=1, total=2, current="b.txt")
    assert h.plain(up.job_line(job, now=6.0)).startswith("**Đang nạp trong nền:** xong 1/2 tệp, đang nạp b.txt (")
    job.rate = rag.Message("indexing.token_rate", rate=5432.4).render("vi")
    assert "xong 1/2 tệp, đang nạp b.txt, 5432 token/giây (bắt đầu lúc" in h.plain(up.job_line(job, now=6.0))


def test_the_library_and_the_sources_show_dates_day_month_year(tmp_path):
    a = store_of(
        tmp_path,
        {
            "yb.txt": "# date = 2024-04-02\n\nNgày 2/4, Đoàn kiểm tra số 4 của Tiểu ban Bảo vệ chính trị nội bộ Trung "
            "ương do đồng chí Tôn Thất Bình làm Trưởng đoàn đã làm việc với Ban Thường vụ Tỉnh ủy Yên Bái."
        },
    )
    rows, _ = h.library(a)
    assert [r[1] for r in rows] == ["2/4/2024"]
    html = h.sources_html(a, a.ask("Ai là trưởng đoàn kiểm tra tại Yên Bái?"))
    assert "2/4/2024" in html and "2024-04-02" not in html


def test_an_upload_whose_name_holds_a_hash_is_named_whole_and_removed_with_its_article(fake_assistant, tmp_path):
    uploads = tmp_path / "uploads"
    rows = up.upload(
        fake_assistant, [str(write(tmp_path / "in" / "bài #2.txt", "Đoàn kiểm tra số 2 tại Sơn La."))], uploads
    )
    assert "bài #2.txt" in str(rows)
    [row], [(_, doc_id)] = h.library(fake_assistant)
    assert row[2] == "bài #2.txt"
    h.remove(fake_assistant, doc_id, uploads)
    assert not (uploads / "bài #2.txt").exists()  # (it was kept: the name was cut at its '#')
