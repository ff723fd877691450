"""What the chat page does, as plain functions of an `rag.Assistant` (unit-tested without a browser).

Article text is data: every piece of it is HTML-escaped before it reaches the page."""

from __future__ import annotations

import csv
import html
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import rag
from rag.facts import record_rows
from rag.vn.dates import display_date
from rag.vn.text import fold

STATUS_VI = {"added": "đã thêm", "updated": "đã cập nhật", "unchanged": "không đổi", "rejected": "bị từ chối"}
FACT_HEADERS = ["Đoàn", "Cơ quan", "Trưởng đoàn", "Phó Trưởng đoàn", "Tỉnh / đơn vị", "Ngày", "Căn cứ", "Nguồn"]
LIBRARY_HEADERS = ["Tiêu đề", "Ngày", "Tệp", "Số đoạn", "Mã"]
RESULT_HEADERS = ["Tệp", "Kết quả", "Lý do"]
ALL = "Tất cả"


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


def sources_html(assistant: rag.Assistant, answer: rag.Answer) -> str:
    """The Sources panel: per citation its title, file and date, the quote highlighted in its paragraph, and the
    whole article (collapsed) with the span highlighted."""
    if not answer.citations:
        return ""
    docs = {d["doc_id"]: d for d in assistant.documents()}
    parts = ['<div class="rag-sources"><h4>Nguồn</h4>']
    for c in answer.citations:
        text = assistant.document_text(c.doc_id)
        doc = docs.get(c.doc_id, {})
        name = Path(c.source.split("#", 1)[0]).name + ("#" + c.source.split("#", 1)[1] if "#" in c.source else "")
        lo, hi = _paragraph(text, c.start, c.end)
        meta = " · ".join(html.escape(x) for x in (name, doc.get("date") or "") if x)
        parts.append(
            f'<div class="rag-source" id="rag-source-{c.id}"><div class="rag-source-head"><b>[{c.id}]</b> '
            f'{html.escape(c.title or doc.get("title", ""))} <span class="rag-meta">— {meta}</span></div>'
            f"<blockquote>{'…' if lo > 0 and text[lo - 1] != chr(10) else ''}{_mark(text, c.start, c.end, lo, hi)}"
            f"{'…' if hi < len(text) and text[hi] != chr(10) else ''}</blockquote>"
            f'<details><summary>Xem toàn bài</summary><div class="rag-article">'
            f"{_mark(text, c.start, c.end, 0, len(text))}</div></details></div>"
        )
    parts.append("</div>")
    return "".join(parts)


def chat_stream(
    assistant: rag.Assistant, message: str, history: list[dict[str, Any]] | None
) -> Iterator[tuple[list[dict[str, Any]], str]]:
    """One turn as (history, sources HTML) updates: the LLM's text as it comes (when one is configured), then the
    verified answer with its sources. Errors become the assistant's reply, never a stack trace."""
    history = list(history or [])
    if not message or not message.strip():
        yield history, ""
        return
    turn = [{"role": "user", "content": message}, {"role": "assistant", "content": ""}]
    try:
        for item in assistant.ask_stream(message, history=history):
            if isinstance(item, str):
                turn[1]["content"] += item
                yield history + [dict(m) for m in turn], ""
                continue
            shown = item.answer + (f"\n\n_{item.note}_" if item.note else "")
            if item.question != message.strip():
                shown = f"({item.question})\n\n{shown}"
            turn[1]["content"] = shown
            yield history + turn, sources_html(assistant, item)
    except rag.RagError as e:
        turn[1]["content"] = f"Lỗi: {e}"
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


def facts_table(
    assistant: rag.Assistant, province: str | None = None, year: str | None = None, person: str | None = None
) -> tuple[list[list[Any]], str]:
    """(table rows, CSV file path) of the records that pass the filters."""
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
            display_date(r["date"]) if r["date"] else "",
            r["legal"],
            Path(r["source"].split("#", 1)[0]).name,
        ]
        for r in rows
    ]
    path = Path(tempfile.mkdtemp(prefix="rag-facts-")) / "inspections.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:  # BOM: spreadsheets then read Vietnamese right
        writer = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else ["team"])
        writer.writeheader()
        writer.writerows(rows)
    return table, str(path)


# --- library tab -----------------------------------------------------------------------------------------------------
def library(assistant: rag.Assistant) -> tuple[list[list[Any]], list[tuple[str, str]]]:
    """(table rows, remove-dropdown choices as (label, doc_id))."""
    docs = assistant.documents()
    rows = [
        [d["title"], d["date"] or "", Path(d["source"].split("#", 1)[0]).name, d["n_chunks"], d["doc_id"]] for d in docs
    ]
    return rows, [(f"{d['title'][:70]} — {Path(d['source']).name}", d["doc_id"]) for d in docs]


def upload(
    assistant: rag.Assistant,
    files: list[str] | None,
    uploads_dir: Path,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[list[str]]:
    """Copy uploads under the data dir (so re-uploading a file with the same name updates it), ingest them, and
    return one result row per file."""
    if not files:
        return []
    uploads_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for f in files:
        target = uploads_dir / Path(f).name
        shutil.copyfile(f, target)
        paths.append(target)
    report = assistant.ingest(paths, progress)
    return [
        [
            Path(r.source.split("#", 1)[0]).name + ("#" + r.source.split("#", 1)[1] if "#" in r.source else ""),
            STATUS_VI[r.status],
            r.reason or "",
        ]
        for r in report.results
    ]


def remove(assistant: rag.Assistant, doc_id: str | None) -> str:
    if not doc_id:
        return "Chọn một bài để xóa."
    removed = assistant.remove(doc_id)
    return f"Đã xóa: {', '.join(Path(s).name for s in removed)}"


def reembed(assistant: rag.Assistant, progress: Callable[[int, int, str], None] | None = None) -> str:
    n = assistant.reindex(progress)
    return f"Đã nhúng lại {n} bài với {assistant.settings.embedder}."
