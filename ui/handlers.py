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
from rag import fold, message_text, record_rows, shown_date, source_file, source_name

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
    """One line for the reader, in Vietnamese: the product's own message, never a bare "Error" or a stack trace."""
    if isinstance(e, rag.StoreError):
        return rag.Message("ui.store_error", error=e).render("vi")
    if isinstance(e, rag.RagError):
        return e.render("vi") or type(e).__name__
    return rag.Message("ui.unexpected", kind=type(e).__name__).render("vi")


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
            shown = md_text(item.answer) + (
                f"\n\n_{md_text(rag.localized(item.note, item.language))}_" if item.note else ""
            )
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


def unsupported_reason(name: str) -> str:
    """Why a file of this name is refused before it is even copied (its type), in Vietnamese; "" for a type taken."""
    return rag.localized(rag.file_problem(name, 0, 1) or "", "vi")


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
