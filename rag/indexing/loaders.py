"""Files -> `LoadedDocument`s: decode bytes, parse the format, pull metadata, normalize to NFC.

Supported: .txt (optional leading `# key = value` header lines), .md (YAML front matter), .html/.htm, .json
(an object or a list of objects) and .jsonl (one object a line); records need `text`, may have title/url/date.
.pdf: the text layer (pypdf), pages joined by a blank line; a scanned PDF has none and is rejected (no OCR).
.docx: paragraphs and table rows in body order (python-docx). Not .doc/.odt: no maintained pure-Python reader.
Anything that cannot be read exactly is rejected with a `LoadError` naming the reason; nothing is replaced or
dropped silently.

What one file may cost is bounded (the bounds below, stated once): a PDF or .docx is read in a process of its own
(rag/indexing/sandbox.py) for at most READ_SECONDS and READ_MEMORY_MB, a .docx that would unzip past
DOCX_MAX_UNZIPPED_MB is not unzipped, an HTML file past HTML_MAX_TAGS tags is not parsed, a .json/.jsonl file past
MAX_RECORDS records and front matter past META_MAX_VALUES values are rejected; the text formats are read in time and
memory linear in the file's size, which the caller bounds (RAG_MAX_FILE_MB).

Without a title in the metadata, the title is the headline: the first of the top lines that is not a section
label, a byline or a dateline. Without a date, a dateline at the top ("Thứ Hai, 02/11/2020 14:30") gives it;
a PDF or DOCX without one is dated by the first day its top lines report ("Ngày 12/6/2023, Đoàn …") before
the day its file was made.
"""

from __future__ import annotations

import codecs
import json
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wording import Message

from ..errors import LoadError
from ..vn.dates import DateRef, find_dates
from ..vn.legal import find_legal_refs
from ..vn.text import fold, nfc

__all__ = [
    "LoadedDocument",
    "SUPPORTED_SUFFIXES",
    "load_file",
    "decode_bytes",
    "source_file",
    "source_name",
    "READ_SECONDS",
    "READ_MEMORY_MB",
    "DOCX_MAX_UNZIPPED_MB",
    "HTML_MAX_TAGS",
    "MAX_RECORDS",
    "META_MAX_VALUES",
]

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl", ".pdf", ".docx")

# --- what one file may cost: a hostile or broken file is rejected at the first bound it passes -----------------
# (README, "What it reads", states them; bench/hostile_input.py measures the corpus of tests/test_hostile_input.py)
READ_SECONDS = 60.0  # wall clock for reading a PDF or .docx: its process is killed past it
READ_MEMORY_MB = 1024  # that process's address space (where the system enforces it: Linux)
DOCX_MAX_UNZIPPED_MB = 200  # a .docx file's parts unzipped, as its zip directory declares them; never unzipped past
HTML_MAX_TAGS = 200_000  # a news page has 1,000-5,000; lxml's tree costs ~300 bytes a tag, 0.3 s per 100,000
MAX_RECORDS = 100_000  # records of one .json or .jsonl file (each one a document)
META_MAX_VALUES = 10_000  # values in YAML front matter, counted as often as aliases repeat them


def source_file(source: str) -> str:
    """The file a document's source names: "/d/a.jsonl#3" (the third record) -> "/d/a.jsonl"; a `#` in a file's own
    name stays ("/d/bài #2.txt")."""
    return re.sub(r"(\.jsonl?)#\d+$", r"\1", source, flags=re.I)


def source_name(source: str) -> str:
    """A document's source as a reader is shown it: its file's name, and the record's number for a .json/.jsonl
    ("/d/a.jsonl#3" -> "a.jsonl#3", "/d/bài #2.txt" -> "bài #2.txt")."""
    file = source_file(source)
    return Path(file).name + source[len(file) :]


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
                bad = Message("indexing.bom_invalid", encoding=encoding, error=e.reason, byte=e.start)
                raise LoadError(source, bad) from None
    if b"\x00" in data:
        text = _utf16_without_bom(data)
        if text is None:
            raise LoadError(source, Message("indexing.binary_nul"))
        return text
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
        raise LoadError(source, Message("indexing.undecodable"))
    return max(decoded, key=_vietnamese_score)


def _utf16_without_bom(data: bytes) -> str | None:
    """Text saved as UTF-16 without a byte-order mark, or None. Latin-script text has a NUL in every ASCII
    character's high byte, the same side of each pair (Vietnamese letters: U+00xx, U+01xx, U+1Exx); binary data
    has them anywhere."""
    sample = data[: 1 << 16]
    if len(data) % 2 or len(sample) < 4:
        return None
    low, high = sample[0::2].count(0), sample[1::2].count(0)  # NULs at even and odd offsets
    pairs = len(sample) // 2
    encoding = "utf-16-le" if high >= pairs // 4 and low <= pairs // 100 else None
    if low >= pairs // 4 and high <= pairs // 100:
        encoding = "utf-16-be"
    try:
        return data.decode(encoding) if encoding else None
    except UnicodeDecodeError:
        return None


def _clean(text: str) -> str:
    text = nfc(text.replace("\r\n", "\n").replace("\r", "\n"))
    # Binary data is full of control characters; real articles sometimes carry a stray one (a backspace pasted
    # from a CMS), which is kept as it is rather than rejecting the article or dropping the character.
    if _CONTROL.subn("", text)[1] > max(2, len(text) // 200):
        raise LoadError("", Message("indexing.binary_control"))
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


def _lines(text: str) -> Iterator[str]:
    """`text`'s lines one by one ("\n" ends them), without a list of them all (a file of millions)."""
    start = 0
    while start <= len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        yield text[start:end]
        start = end + 1


def _top_lines(text: str, n: int = 6) -> list[str]:
    """The first `n` non-empty lines, stripped (a Markdown heading's "#"s too)."""
    out: list[str] = []
    for line in _lines(text):
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
        raise LoadError(source, Message("indexing.empty_text"))
    extra = {k: str(v) for k, v in meta.items() if k not in {"title", "url", "date", "text"} and v is not None}
    title = nfc(str(meta.get("title") or "").strip()) or _headline(text)
    url = str(meta["url"]).strip() if meta.get("url") else None
    date = _iso_date(meta.get("date")) or _published(text, lead=file_date is not None) or file_date
    return LoadedDocument(source, text, title, url, date, extra)


# --- formats -----------------------------------------------------------------------------------------------------
_HEADER = re.compile(r"#\s*([A-Za-z_][\w-]*)\s*=\s*(.*)")


def _load_txt(source: str, text: str) -> list[LoadedDocument]:
    meta: dict[str, object] = {}
    body = 0  # where the text starts, after the header lines
    for line in _lines(text):
        if not (m := _HEADER.fullmatch(line.strip())):
            break
        meta[m.group(1).lower()] = m.group(2).strip()
        body += len(line) + 1
    return [_document(source, text[body:], meta)]


def _load_md(source: str, text: str) -> list[LoadedDocument]:
    import frontmatter

    try:
        post = frontmatter.loads(text)
    except Exception as e:  # the YAML parser raises many kinds
        raise LoadError(source, Message("indexing.bad_front_matter", error=str(e).splitlines()[0])) from None
    if _values(post.metadata) > META_MAX_VALUES:  # each value is written out as text: a billion, from ten lines
        raise LoadError(source, Message("indexing.front_matter_values", limit=META_MAX_VALUES))
    return [_document(source, post.content, dict(post.metadata))]


def _values(meta: object) -> int:
    """How many values `meta` holds, each counted as often as it is reached; counting stops past META_MAX_VALUES."""
    stack, n = [meta], 0
    while stack and n <= META_MAX_VALUES:
        value = stack.pop()
        n += 1
        if isinstance(value, dict):
            stack += [*value.keys(), *value.values()]
        elif isinstance(value, (list, tuple, set)):
            stack += value
    return n


_BLOCKS = frozenset(
    "p div br h1 h2 h3 h4 h5 h6 li tr section article header footer blockquote pre table ul ol figure figcaption "
    "dt dd hr main aside nav".split()
)
_DROPPED = frozenset("script style noscript template iframe svg head form button".split())
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def _load_html(source: str, text: str) -> list[LoadedDocument]:
    """lxml's tree (C, linear), walked once without recursion: a page of 100,000 nested tags costs what a flat one
    does, and libxml2 stops nesting at 2,048 levels (the page is then rejected, not cut short)."""
    from lxml import etree, html

    tags = text.count("<") - text.count("</")  # the elements, comments and doctype, counted without a parser
    if tags > HTML_MAX_TAGS:
        raise LoadError(source, Message("indexing.html_tags", tags=tags, limit=HTML_MAX_TAGS))
    # huge_tree: no cap on a text or an attribute (an image inlined as data: in a page saved whole), which the file's
    # size bounds; nesting stays capped (2,048 levels)
    parser = html.HTMLParser(encoding="utf-8", huge_tree=True)
    try:  # bytes: lxml refuses a str that declares its encoding
        doc = html.document_fromstring(text.encode("utf-8", "surrogatepass"), parser)
    except etree.ParserError:  # "Document is empty"
        return [_document(source, "", {})]
    if limit := next((e.message for e in parser.error_log if e.type_name == "ERR_RESOURCE_LIMIT"), None):
        # libxml2 stops reading there: the rest of the text would be lost
        raise LoadError(source, Message("indexing.html_limits", error=_why(limit)))

    def first(path: str) -> Any:
        found = doc.xpath(path)
        return found[0] if found else None

    def words(element: Any) -> str | None:
        return (" ".join(" ".join(element.itertext()).split()) or None) if element is not None else None

    title = first("//meta[@property='og:title']/@content") or words(first("//title")) or words(first("//h1"))
    canonical = next((e.get("href") for e in doc.iter("link") if "canonical" in (e.get("rel") or "").split()), None)
    url = first("//meta[@property='og:url']/@content") or canonical
    date = first("//meta[@property='article:published_time']/@content") or first("//time/@datetime")

    def hidden(e: Any) -> bool:
        style = _HIDDEN_STYLE.search(e.get("style") or "")
        return e.tag in _DROPPED or e.get("hidden") is not None or e.get("aria-hidden") == "true" or bool(style)

    walk = etree.iterwalk(doc, events=("start",))  # elements only
    dropped = []
    for _, e in walk:
        if hidden(e):
            dropped.append(e)
            walk.skip_subtree()
    for e in dropped:
        e.drop_tree()  # its tail, the text after it, stays
    root = next((e for e in map(first, ("//article", "//main", "//body")) if e is not None), doc)
    parts: list[str] = []  # the text, a line break around every block element
    for event, e in etree.iterwalk(root, events=("start", "end", "comment", "pi")):
        if event == "start":
            parts += ["\n", e.text or ""] if e.tag in _BLOCKS else [e.text or ""]
        else:  # an element's end, or a comment or processing instruction (its own text is not the page's)
            parts += ["\n" if event == "end" and e.tag in _BLOCKS else "", (e.tail or "") if e is not root else ""]
    lines = (" ".join(line.split()) for line in _lines("".join(parts)))
    body = "\n\n".join(line for line in lines if line)
    return [_document(source, body, {"title": title, "url": url, "date": date})]


def _records(source: str, records: list[tuple[int, object]]) -> list[LoadedDocument | LoadError]:
    out: list[LoadedDocument | LoadError] = []
    for n, rec in records:
        src = f"{source}#{n}"
        if not isinstance(rec, dict):
            out.append(LoadError(src, Message("indexing.record_not_object")))
        elif not isinstance(rec.get("text"), str) or not rec["text"].strip():
            out.append(LoadError(src, Message("indexing.record_no_text")))
        else:
            try:
                out.append(_document(src, rec["text"], rec))
            except LoadError as e:
                out.append(LoadError(src, e.reason))
    return out


_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")  # JSON's whitespace


def _json_values(source: str, text: str) -> list[object]:
    """A JSON file's records: the items of a top-level list, read one at a time (so that no more than MAX_RECORDS
    are), else the one value. Raises json.JSONDecodeError as json.loads does."""

    def whole() -> list[object]:  # json.loads reads it, or says where it is wrong
        data = json.loads(text)
        return data if isinstance(data, list) else [data]

    def skip(i: int) -> int:
        return _SPACE.match(text, i).end()  # type: ignore[union-attr]  # it matches "" at least

    i = skip(0)
    if not text.startswith("[", i):
        return whole()
    items: list[object] = []
    i = skip(i + 1)
    while not text.startswith("]", i) or items:
        if len(items) == MAX_RECORDS:
            raise LoadError(source, Message("indexing.too_many_records", limit=MAX_RECORDS))
        item, i = _DECODER.raw_decode(text, i)
        items.append(item)
        i = skip(i)
        if text.startswith("]", i):
            break
        if not text.startswith(",", i):
            return whole()
        i = skip(i + 1)
    return items if skip(i + 1) == len(text) else whole()


def _load_json(source: str, text: str) -> list[LoadedDocument | LoadError]:
    try:
        items = _json_values(source, text)
    except json.JSONDecodeError as e:
        json_error = Message("indexing.invalid_json_at", error=e.msg.removesuffix(" at"), line=e.lineno)
        raise LoadError(source, json_error) from None
    except RecursionError:  # "[[[[…": json's parser recurses
        raise LoadError(source, Message("indexing.json_too_deep")) from None
    if not items:
        raise LoadError(source, Message("indexing.empty_json_list"))
    return _records(source, list(enumerate(items, 1)))


def _load_jsonl(source: str, text: str) -> list[LoadedDocument | LoadError]:
    records: list[tuple[int, object]] = []
    bad: list[LoadedDocument | LoadError] = []
    for n, line in enumerate(_lines(text), 1):
        if not line.strip():
            continue
        if len(records) + len(bad) == MAX_RECORDS:
            raise LoadError(source, Message("indexing.too_many_records", limit=MAX_RECORDS))
        try:
            records.append((n, json.loads(line)))
        except json.JSONDecodeError as e:
            bad.append(LoadError(f"{source}#{n}", Message("indexing.invalid_json", error=e.msg)))
        except RecursionError:
            bad.append(LoadError(f"{source}#{n}", Message("indexing.json_too_deep")))
    if not records and not bad:
        raise LoadError(source, Message("indexing.empty_records"))
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


def _why(message: str) -> str:
    """A library's message as one line."""
    return (message.strip().splitlines() or [""])[0]


def _sensible_title(value: object) -> str | None:
    """A metadata title worth showing: not empty, not a file name or a tool's placeholder ("Microsoft Word - a.doc",
    "untitled")."""
    s = " ".join(str(value or "").split())
    bad = re.search(r"\.(?:docx?|pdf|odt|rtf|txt|html?)$|^(?:microsoft word -|untitled|document\d*$)", s, re.I)
    return s if _WORDS.search(s) and not bad and len(s) <= 300 else None


_SANDBOX = Path(__file__).with_name("sandbox.py")


def _read_apart(kind: str, source: str, data: bytes) -> dict[str, Any]:
    """What rag/indexing/sandbox.py read of a PDF or .docx file in a process of its own, bounded by READ_SECONDS and
    READ_MEMORY_MB: its answer, {"ok": …} or {"error": code, "detail": …}. Raises LoadError when the process passed a
    bound or ended without an answer."""
    bounds = {"seconds": READ_SECONDS, "memory_mb": READ_MEMORY_MB, "max_unzipped": DOCX_MAX_UNZIPPED_MB * 1_000_000}
    command = [sys.executable, "-I", str(_SANDBOX), kind, json.dumps(bounds)]  # -I: nothing from the environment
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=READ_SECONDS)  # killed past it
    except subprocess.TimeoutExpired:
        raise LoadError(source, Message("indexing.read_timeout", seconds=READ_SECONDS)) from None
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        answer = None
    if isinstance(answer, dict) and answer.get("error") == "memory":
        raise LoadError(source, Message("indexing.read_memory", limit_mb=READ_MEMORY_MB))
    if isinstance(answer, dict):
        return answer
    if done.returncode == -getattr(signal, "SIGXCPU", 0):  # its CPU time: the same bound, should the clock lag
        raise LoadError(source, Message("indexing.read_timeout", seconds=READ_SECONDS))
    last = (done.stderr.decode("utf-8", "replace").strip().splitlines() or [""])[-1]
    how = signal.Signals(-done.returncode).name if done.returncode < 0 else f"{done.returncode}: {last}"
    raise LoadError(source, Message("indexing.reader_died", how=how))


def _load_pdf(source: str, data: bytes) -> list[LoadedDocument]:
    read = _read_apart("pdf", source, data)
    error, detail = read.get("error"), read.get("detail")
    if error == "missing":
        raise LoadError(source, Message("indexing.pdf_missing"))
    if error == "password":
        raise LoadError(source, Message("indexing.pdf_password"))
    if error == "crypto":  # AES encryption without the cryptography package
        raise LoadError(source, Message("indexing.pdf_crypto", error=detail))
    if error:
        raise LoadError(source, Message("indexing.pdf_broken", error=detail))
    pages = [_unwrap(page) for page in read["ok"]["pages"]]
    if not any(pages):
        raise LoadError(source, Message("indexing.pdf_no_text", pages=len(pages)))
    text = "\n\n".join(p for p in pages if p)
    title = _sensible_title(read["ok"]["title"])
    return [_document(source, text, {"title": title, "pages": len(pages)}, _iso_date(read["ok"]["created"]))]


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of .doc files and of password-protected .docx
# what python-docx's own template says; a file made by python-docx keeps it unless the writer set its own
_DOCX_TEMPLATE_CREATED = "2013-12-23T23:15:00"


def _load_docx(source: str, data: bytes) -> list[LoadedDocument]:
    if Path(source).name.startswith("~$"):
        raise LoadError(source, Message("indexing.docx_lock_file"))
    if data.startswith(_OLE):
        raise LoadError(source, Message("indexing.docx_legacy"))
    read = _read_apart("docx", source, data)
    error, detail = read.get("error"), read.get("detail")
    if error == "missing":
        raise LoadError(source, Message("indexing.docx_missing"))
    if error == "unzipped":  # a zip bomb, or a file past any article's size
        too_big = Message("indexing.docx_unzipped", size_mb=int(detail or 0) / 1e6, limit_mb=DOCX_MAX_UNZIPPED_MB)
        raise LoadError(source, too_big)
    if error:
        raise LoadError(source, Message("indexing.docx_broken", error=detail))
    ok = read["ok"]
    title = _sensible_title(ok["title"]) or ok["headings"].get("title") or ok["headings"].get("heading")
    created = ok["created"]
    file_date = created[:10] if created and created != _DOCX_TEMPLATE_CREATED else None
    meta: dict[str, object] = {"title": title, "author": ok["author"] or None}
    return [_document(source, "\n\n".join(b for b in ok["blocks"] if b), meta, file_date)]


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


def file_problem(name: str, size: int, max_bytes: int) -> Message | None:
    """Why a file of this name and size is refused before it is read (its type, its size), or None."""
    suffix = Path(name).suffix
    if suffix.lower() not in SUPPORTED_SUFFIXES:
        shown, supported = suffix or Message("indexing.no_suffix"), ", ".join(SUPPORTED_SUFFIXES)
        if save_as := _SAVE_AS.get(suffix.lower()):
            return Message("indexing.unsupported_type_save_as", suffix=shown, supported=supported, save_as=save_as)
        return Message("indexing.unsupported_type", suffix=shown, supported=supported)
    if size > max_bytes:
        return Message("indexing.too_large", size_mb=size / 1e6, limit_mb=max_bytes / 1e6)
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
        raise LoadError(source, Message("indexing.cannot_read", error=e.strerror or str(e))) from None
    if not data.strip():
        raise LoadError(source, Message("indexing.empty_file"))
    try:
        if suffix in _BINARY:
            return list(_BINARY[suffix](source, data))
        return list(_PARSERS[suffix](source, decode_bytes(data, source)))
    except LoadError as e:
        raise LoadError(source, e.reason) from None
