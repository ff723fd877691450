"""Files -> `LoadedDocument`s: decode bytes, parse the format, pull metadata, normalize to NFC.

Supported: .txt (optional leading `# key = value` header lines), .md (YAML front matter), .html/.htm, .json
(an object or a list of objects) and .jsonl (one object a line); records need `text`, may have title/url/date.
.pdf: the text layer (pypdf), pages joined by a blank line; a scanned PDF has none and is rejected (no OCR).
.docx: paragraphs and table rows in body order (python-docx). Not .doc/.odt: no maintained pure-Python reader.
Anything that cannot be read exactly is rejected with a `LoadError` naming the reason; nothing is replaced or
dropped silently.

Without a title in the metadata, the title is the headline: the first of the top lines that is not a section
label, a byline or a dateline. Without a date, a dateline at the top ("Thứ Hai, 02/11/2020 14:30") gives it;
a PDF or DOCX without one is dated by the first day its top lines report ("Ngày 12/6/2023, Đoàn …") before
the day its file was made.
"""

from __future__ import annotations

import codecs
import io
import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import LoadError
from .vn.dates import DateRef, find_dates
from .vn.legal import find_legal_refs
from .vn.text import fold, nfc

__all__ = ["LoadedDocument", "SUPPORTED_SUFFIXES", "load_file", "decode_bytes"]

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl", ".pdf", ".docx")


@dataclass
class LoadedDocument:
    source: str  # the file path (absolute), "#N" appended for the N-th record of a .json/.jsonl file
    text: str  # NFC, "\n" line ends; citations are offsets into exactly this string
    title: str
    url: str | None = None
    date: str | None = None  # ISO "YYYY-MM-DD" when it could be read as a date, else as written
    metadata: dict[str, str] = field(default_factory=dict)


# --- decoding ---------------------------------------------------------------------------------------------------
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Vietnamese letters with diacritics (NFC), lower and upper case.
_VI_LETTERS = frozenset(
    "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
    "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _vietnamese_score(text: str) -> int:
    """Vietnamese letters minus other non-ASCII characters: picks cp1258 over cp1252 for legacy files."""
    t = nfc(text)
    vi = sum(c in _VI_LETTERS for c in t)
    return vi - (sum(not c.isascii() for c in t) - vi)


def decode_bytes(data: bytes, source: str) -> str:
    """Decode strictly: BOMs first, then UTF-8, then a detected legacy encoding (cp1258 preferred when it reads
    as better Vietnamese). Raises LoadError when no encoding decodes every byte."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as e:
                raise LoadError(
                    source,
                    f"starts with a {encoding} byte-order mark but is not valid {encoding}: {e.reason} at byte "
                    f"{e.start}",
                ) from None
    if b"\x00" in data:
        raise LoadError(source, "binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    candidates = ["cp1258"] + ([best.encoding] if best is not None else [])
    decoded = []
    for enc in dict.fromkeys(candidates):
        try:
            decoded.append(data.decode(enc))
        except (UnicodeDecodeError, LookupError):
            continue
    if not decoded:
        raise LoadError(source, "not valid UTF-8 and no encoding could decode every byte")
    return max(decoded, key=_vietnamese_score)


def _clean(text: str) -> str:
    text = nfc(text.replace("\r\n", "\n").replace("\r", "\n"))
    # Binary data is full of control characters; real articles sometimes carry a stray one (a backspace pasted
    # from a CMS), which is kept as it is rather than rejecting the article or dropping the character.
    if len(_CONTROL.findall(text)) > max(2, len(text) // 200):
        raise LoadError("", "binary file (contains control characters)")
    return text.strip()


# --- metadata helpers ---------------------------------------------------------------------------------------------
def _iso_date(value: object) -> str | None:
    if value is None or value == "":
        return None
    s = str(value).strip()
    m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", s) or re.match(r"(\d{4})-(\d{2})-(\d{2})", s)
    if m:
        return "-".join(m.groups())
    dates = find_dates(s)  # "02/11/2020", "ngày 2 tháng 11 năm 2020": the project's one date parser
    if len(dates) == 1 and dates[0].start == 0 and dates[0].year and dates[0].end_day is None:
        return dates[0].iso
    return s


# What may stand beside the date on a dateline (folded): weekday, clock time, time zone, "cập nhật", "đăng lúc".
_DATELINE_EXTRA = re.compile(
    r"\b(?:thu\s+(?:hai|ba|tu|nam|sau|bay|[2-7])|chu\s+nhat|cap\s+nhat|dang|luc|ngay|gmt|utc|updated|published"
    r"|(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b|\d{1,2}\s*[:h]\s*\d{2}(?:\s*:\s*\d{2})?(?:\s*(?:am|pm|sa|ch)\b)?"
    r"|[+-]\s*\d{1,2}\b"
)
_WORDS = re.compile(r"[^\W\d_]+")


def _dateline(line: str) -> DateRef | None:
    """The day of a dateline: a line that is one date with at most a weekday, a clock time and a short label or
    byline beside it ("Thứ Hai, 02/11/2020 14:30", "Thời sự | Ngày 2/11/2020", "Minh An - 2/11/2020"). A lead
    sentence that starts with its date ("Ngày 2/11/2020, Đoàn …") has more words, or ends with a full stop."""
    if len(line) > 120:  # a dateline is short; a whole one-line article must not be parsed again for it
        return None
    dates = find_dates(line)
    if len(dates) != 1 or dates[0].end_day is not None or line.endswith((".", "!", "?")):
        return None
    rest = fold(line[: dates[0].start] + " " + line[dates[0].end :])
    return dates[0] if len(_WORDS.findall(_DATELINE_EXTRA.sub(" ", rest))) <= 4 else None


def _published(text: str, lead: bool = False) -> str | None:
    """The date of the first dateline among the top lines, when it states the year (a yearless one gives none).
    `lead` (for a file that otherwise has only the day it was made, often a later save or print): else the first
    dated day of the top lines that no legal reference gives ("Ngày 12/6/2023, Đoàn …": the day reported)."""
    top = _top_lines(text)
    day = next((d for line in top if (d := _dateline(line))), None)
    if day is None and lead:
        days = (
            d
            for line in top
            for d in find_dates(line)
            if not any(r.span.start <= d.start < r.span.end for r in find_legal_refs(line))
        )
        day = next((d for d in days if d.year and d.end_day is None), None)
    return day.iso if day and day.year else None


# A byline: "Theo TTXVN", "Nguồn: Báo Nhân Dân", "Bài và ảnh: Minh An", "PV", "PV - Minh An", "Minh An - PV",
# "Lan Hương/TTXVN", or "(Chinhphu.vn) -" alone on its line (that tag before a lead sentence starts the body).
_BYLINE = re.compile(
    r"(?:Theo|Nguồn|Tác giả|Bài(?: và ảnh)?|Ảnh|By|Source|Photo)\s*:\s*\S.*|(?:Theo|By)\s+(\S).*"
    r"|(?:PV|CTV|BTV|Nhóm PV|Phóng viên)(?:\s*[:/–—-]\s*\S.*)?|.*(?:[-–—/]\s*|\()(?:PV|CTV|BTV|TTXVN|VNA)\)?"
    r"|\([^()]{1,40}\)\s*[-–—]?"
)
_SENTENCE_MARKS = re.compile(r"[.!?…:;,\"“”]")
_LABEL_SEPARATORS = re.compile(r"\s+[-–—|·/>»›]\s+|[|>»›]")


def _is_byline(line: str) -> bool:
    m = _BYLINE.fullmatch(line) if len(line) <= 100 else None
    # "Theo"/"By" then a name, a capital ("Theo dõi sát …" is a headline); regex classes cannot say Vietnamese capital
    name_ok = m is not None and (m.group(1) is None or m.group(1).isupper() or m.group(1) == "(")
    return name_ok and len(_WORDS.findall(line)) <= 8


def _is_label(line: str) -> bool:
    """A section label or breadcrumb ("Thời sự", "Kinh tế - Xã hội", "Trang chủ > Pháp luật"): a few words a part,
    no sentence punctuation."""
    parts = _LABEL_SEPARATORS.split(line)
    return not _SENTENCE_MARKS.search(line) and len(parts) <= 5 and all(1 <= len(_WORDS.findall(p)) <= 4 for p in parts)


def _headline_like(line: str) -> bool:
    return 5 <= len(_WORDS.findall(line)) <= 40 and len(line) <= 250 and not line.endswith(".")


def _top_lines(text: str, n: int = 6) -> list[str]:
    """The first `n` non-empty lines, stripped (a Markdown heading's "#"s too)."""
    out: list[str] = []
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            out.append(line)
            if len(out) == n:
                break
    return out


def _headline(text: str) -> str:
    """The title read from the text: the first top line that is not a byline or dateline, nor a section label
    standing above a headline-like line (a label with only body text below it is the best there is). Falls back
    to the first line."""
    lines = _top_lines(text)
    for i, line in enumerate(lines):
        if _is_byline(line) or _dateline(line):
            continue
        if _is_label(line):
            below = next((x for x in lines[i + 1 :] if not (_is_byline(x) or _dateline(x) or _is_label(x))), "")
            if _headline_like(below):
                continue
        return line[:200]
    return lines[0][:200] if lines else ""


def _document(source: str, text: str, meta: dict[str, object], file_date: str | None = None) -> LoadedDocument:
    """`meta`'s title/url/date win (the author stated them), then the text's headline and dateline, then
    `file_date` (when a PDF/DOCX file was made: often a later save or print, so the weakest)."""
    text = _clean(text)
    if not text:
        raise LoadError(source, "empty: no text to index")
    extra = {k: str(v) for k, v in meta.items() if k not in {"title", "url", "date", "text"} and v is not None}
    title = nfc(str(meta.get("title") or "").strip()) or _headline(text)
    url = str(meta["url"]).strip() if meta.get("url") else None
    date = _iso_date(meta.get("date")) or _published(text, lead=file_date is not None) or file_date
    return LoadedDocument(source, text, title, url, date, extra)


# --- formats -----------------------------------------------------------------------------------------------------
_HEADER = re.compile(r"#\s*([A-Za-z_][\w-]*)\s*=\s*(.*)")


def _load_txt(source: str, text: str) -> list[LoadedDocument]:
    lines = text.split("\n")
    meta: dict[str, object] = {}
    i = 0
    while i < len(lines) and (m := _HEADER.fullmatch(lines[i].strip())):
        meta[m.group(1).lower()] = m.group(2).strip()
        i += 1
    return [_document(source, "\n".join(lines[i:]), meta)]


def _load_md(source: str, text: str) -> list[LoadedDocument]:
    import frontmatter

    try:
        post = frontmatter.loads(text)
    except Exception as e:  # the YAML parser raises many kinds
        raise LoadError(source, f"bad YAML front matter: {str(e).splitlines()[0]}") from None
    return [_document(source, post.content, dict(post.metadata))]


_BLOCKS = (
    "p div br h1 h2 h3 h4 h5 h6 li tr section article header footer blockquote pre table ul ol figure figcaption "
    "dt dd hr main aside nav"
).split()
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def _load_html(source: str, text: str) -> list[LoadedDocument]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "lxml")

    def meta_content(**attrs: str) -> str | None:
        tag = soup.find("meta", attrs=dict[str, Any](attrs))
        content = tag.get("content") if tag is not None else None
        return content if isinstance(content, str) and content else None

    title = meta_content(property="og:title") or (soup.title.get_text(" ", strip=True) if soup.title else None)
    if not title and soup.h1:
        title = soup.h1.get_text(" ", strip=True)
    canonical = soup.find("link", rel="canonical")
    url = meta_content(property="og:url") or (canonical.get("href") if canonical else None)
    time_tag = soup.find("time", attrs={"datetime": True})
    date = meta_content(property="article:published_time") or (time_tag["datetime"] if time_tag else None)

    for tag in soup(["script", "style", "noscript", "template", "iframe", "svg", "head", "form", "button"]):
        tag.decompose()
    hidden = [
        t
        for t in soup.find_all(True)
        if t.attrs is not None
        and (t.has_attr("hidden") or t.get("aria-hidden") == "true" or _HIDDEN_STYLE.search(str(t.get("style") or "")))
    ]
    for tag in hidden:
        if not tag.decomposed:
            tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    for tag in root.find_all(_BLOCKS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    lines = (" ".join(line.split()) for line in root.get_text().split("\n"))
    body = "\n\n".join(line for line in lines if line)
    return [_document(source, body, {"title": title, "url": url, "date": date})]


def _records(source: str, records: list[tuple[int, object]]) -> list[LoadedDocument | LoadError]:
    out: list[LoadedDocument | LoadError] = []
    for n, rec in records:
        src = f"{source}#{n}"
        if not isinstance(rec, dict):
            out.append(LoadError(src, "record is not an object"))
        elif not isinstance(rec.get("text"), str) or not rec["text"].strip():
            out.append(LoadError(src, "record has no non-empty string 'text'"))
        else:
            try:
                out.append(_document(src, rec["text"], rec))
            except LoadError as e:
                out.append(LoadError(src, e.reason))
    return out


def _load_json(source: str, text: str) -> list[LoadedDocument | LoadError]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise LoadError(source, f"invalid JSON: {e.msg.removesuffix(' at')} at line {e.lineno}") from None
    items = data if isinstance(data, list) else [data]
    if not items:
        raise LoadError(source, "empty: the JSON list has no records")
    return _records(source, list(enumerate(items, 1)))


def _load_jsonl(source: str, text: str) -> list[LoadedDocument | LoadError]:
    records: list[tuple[int, object]] = []
    bad: list[LoadedDocument | LoadError] = []
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            records.append((n, json.loads(line)))
        except json.JSONDecodeError as e:
            bad.append(LoadError(f"{source}#{n}", f"invalid JSON: {e.msg}"))
    if not records and not bad:
        raise LoadError(source, "empty: no records")
    return _records(source, records) + bad


# --- binary formats: PDF, DOCX --------------------------------------------------------------------------------
_LINE_END = re.compile(r"[.!?…:;\"”»)]$")


def _unwrap(page: str) -> str:
    """A PDF page's visual lines joined back into paragraphs: a line that runs (nearly) to the right margin and ends
    without sentence punctuation goes on in the next one (a line break ends a sentence for the splitter, and a quote
    must not be cut mid-sentence). Spaces are collapsed: extraction spaces justified text out."""
    lines = [" ".join(line.split()) for line in page.split("\n")]
    width = max(map(len, lines), default=0)
    out: list[str] = []
    prev = ""
    for line in lines:
        if (
            out
            and line
            and width >= 40
            and len(prev) >= 0.8 * width
            and not _LINE_END.search(prev)
            and not (_dateline(line) or _dateline(prev))  # a dateline stands alone: the article's date is read there
        ):
            out[-1] += " " + line
        else:
            out.append(line)
        prev = line
    return "\n".join(out).strip()


def _why(e: Exception) -> str:
    """An exception as one line: the rejection is printed as one line, never a traceback."""
    return (str(e).strip().splitlines() or [type(e).__name__])[0]


def _sensible_title(value: object) -> str | None:
    """A metadata title worth showing: not empty, not a file name or a tool's placeholder ("Microsoft Word - a.doc",
    "untitled")."""
    s = " ".join(str(value or "").split())
    bad = re.search(r"\.(?:docx?|pdf|odt|rtf|txt|html?)$|^(?:microsoft word -|untitled|document\d*$)", s, re.I)
    return s if _WORDS.search(s) and not bad and len(s) <= 300 else None


def _load_pdf(source: str, data: bytes) -> list[LoadedDocument]:
    try:
        import pypdf
    except ImportError:
        raise LoadError(source, "reading .pdf files needs the pypdf package: pip install 'pypdf[crypto]'") from None
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its notes on damage it repaired are not the user's concern
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        # many PDFs are encrypted with an empty user password (only printing or copying restricted): readable
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError(source, "encrypted PDF that needs a password to open; save a copy without one")
        pages = [_unwrap(page.extract_text() or "") for page in reader.pages]
        info = reader.metadata
        title = _sensible_title(info.title) if info else None
        created = re.match(r"D:\s*(\d{8})", str(info.get("/CreationDate", ""))) if info else None
    except LoadError:
        raise
    except pypdf.errors.DependencyError as e:  # AES encryption without the cryptography package
        raise LoadError(source, f"encrypted PDF: {_why(e)}") from None
    except Exception as e:  # a damaged file makes the parser raise anything (PdfReadError, KeyError, ValueError…)
        raise LoadError(source, f"broken PDF, cannot be read: {_why(e)}") from None
    if not any(pages):
        raise LoadError(
            source,
            f"no text layer on any of its {len(pages)} pages (scanned?); OCR is not done, so nothing to index",
        )
    text = "\n\n".join(p for p in pages if p)
    return [_document(source, text, {"title": title, "pages": len(pages)}, _iso_date(created and created.group(1)))]


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of .doc files and of password-protected .docx
# what python-docx's own template says; a file made by python-docx keeps it unless the writer set its own
_DOCX_TEMPLATE_CREATED = "2013-12-23T23:15:00"


def _cells(row: Any) -> str:
    tcs: list[Any] = []
    texts = []
    for cell in row.cells:
        if any(cell._tc is tc for tc in tcs):  # a merged cell comes once for every grid column it spans
            continue
        tcs.append(cell._tc)
        texts.append(" ".join(cell.text.split()))
    return " | ".join(texts) if any(texts) else ""


def _load_docx(source: str, data: bytes) -> list[LoadedDocument]:
    try:
        import docx
        from docx.table import Table
    except ImportError:
        raise LoadError(source, "reading .docx files needs python-docx: pip install python-docx") from None
    if Path(source).name.startswith("~$"):
        raise LoadError(source, "a Word lock file (its document is open in Word), not a document")
    if data.startswith(_OLE):
        raise LoadError(source, "not a .docx: a legacy .doc or a password-protected file; save it as .docx without one")
    try:
        document = docx.Document(io.BytesIO(data))
        blocks: list[str] = []
        headings: dict[str, str] = {}  # the first paragraph styled Title, and the first styled Heading N
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                blocks.append("\n".join(filter(None, map(_cells, item.rows))))
                continue
            blocks.append(item.text.strip())
            style = item.style.name if item.style is not None and blocks[-1] else ""
            kind = "title" if style == "Title" else "heading" if (style or "").startswith("Heading") else None
            if kind:
                headings.setdefault(kind, blocks[-1])
        props = document.core_properties
        title = _sensible_title(props.title) or headings.get("title") or headings.get("heading")
        created = props.created.isoformat()[:19] if props.created else None
    except Exception as e:  # a damaged file makes the zip and XML parsers raise anything
        raise LoadError(source, f"broken .docx, cannot be read: {_why(e)}") from None
    meta: dict[str, object] = {"title": title, "author": props.author or None}
    file_date = created[:10] if created and created != _DOCX_TEMPLATE_CREATED else None
    return [_document(source, "\n\n".join(b for b in blocks if b), meta, file_date)]


_BINARY: dict[str, Callable[[str, bytes], Sequence[LoadedDocument | LoadError]]] = {
    ".pdf": _load_pdf,
    ".docx": _load_docx,
}
_PARSERS: dict[str, Callable[[str, str], Sequence[LoadedDocument | LoadError]]] = {
    ".txt": _load_txt,
    ".md": _load_md,
    ".markdown": _load_md,
    ".html": _load_html,
    ".htm": _load_html,
    ".json": _load_json,
    ".jsonl": _load_jsonl,
}
# formats a reader may expect and what to do with them; none has a maintained pure-Python reader (odfpy: 2020)
_SAVE_AS = {".doc": ".docx", ".odt": ".docx", ".rtf": ".docx"}


def file_problem(name: str, size: int, max_bytes: int) -> str | None:
    """Why a file of this name and size is refused before it is read (its type, its size), or None."""
    suffix = Path(name).suffix
    if suffix.lower() not in SUPPORTED_SUFFIXES:
        hint = f"; save it as {_SAVE_AS[suffix.lower()]}" if suffix.lower() in _SAVE_AS else ""
        return f"unsupported file type {suffix or '(none)'!r}; supported: {', '.join(SUPPORTED_SUFFIXES)}{hint}"
    if size > max_bytes:
        return f"too large: {size / 1e6:.1f} MB, over the {max_bytes / 1e6:g} MB limit (RAG_MAX_FILE_MB)"
    return None


def load_file(path: str | Path, max_bytes: int) -> list[LoadedDocument | LoadError]:
    """Load one file. A file-level problem raises LoadError; a JSON/JSONL file may return some records as
    LoadError items (each record is its own document, so one bad record does not lose the others)."""
    path = Path(path)
    source = str(path.resolve())
    suffix = path.suffix.lower()
    try:
        problem = file_problem(path.name, path.stat().st_size if suffix in SUPPORTED_SUFFIXES else 0, max_bytes)
        if problem:
            raise LoadError(source, problem)
        data = path.read_bytes()
    except OSError as e:
        raise LoadError(source, f"cannot read: {e.strerror or e}") from None
    if not data.strip():
        raise LoadError(source, "empty file")
    try:
        if suffix in _BINARY:
            return list(_BINARY[suffix](source, data))
        return list(_PARSERS[suffix](source, decode_bytes(data, source)))
    except LoadError as e:
        raise LoadError(source, e.reason) from None
