"""Files -> `LoadedDocument`s: decode bytes, parse the format, pull metadata, normalize to NFC.

Supported: .txt (optional leading `# key = value` header lines), .md (YAML front matter), .html/.htm, .json
(an object or a list of objects) and .jsonl (one object a line); records need `text`, may have title/url/date.
Anything that cannot be read exactly is rejected with a `LoadError` naming the reason; nothing is replaced or
dropped silently.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import LoadError
from .vn.text import nfc

__all__ = ["LoadedDocument", "SUPPORTED_SUFFIXES", "load_file", "decode_bytes"]

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl")


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
    m = re.match(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", s)
    if m:
        return f"{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}"
    return s


def _first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:200]
    return ""


def _document(source: str, text: str, meta: dict[str, object]) -> LoadedDocument:
    text = _clean(text)
    if not text:
        raise LoadError(source, "empty: no text to index")
    extra = {k: str(v) for k, v in meta.items() if k not in {"title", "url", "date", "text"} and v is not None}
    title = nfc(str(meta.get("title") or "").strip()) or _first_line(text)
    url = str(meta["url"]).strip() if meta.get("url") else None
    return LoadedDocument(source, text, title, url, _iso_date(meta.get("date")), extra)


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
        raise LoadError(source, f"invalid JSON: {e.msg} at line {e.lineno}") from None
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


_PARSERS: dict[str, Callable[[str, str], Sequence[LoadedDocument | LoadError]]] = {
    ".txt": _load_txt,
    ".md": _load_md,
    ".markdown": _load_md,
    ".html": _load_html,
    ".htm": _load_html,
    ".json": _load_json,
    ".jsonl": _load_jsonl,
}


def load_file(path: str | Path, max_bytes: int) -> list[LoadedDocument | LoadError]:
    """Load one file. A file-level problem raises LoadError; a JSON/JSONL file may return some records as
    LoadError items (each record is its own document, so one bad record does not lose the others)."""
    path = Path(path)
    source = str(path.resolve())
    parser = _PARSERS.get(path.suffix.lower())
    if parser is None:
        raise LoadError(
            source, f"unsupported file type {path.suffix or '(none)'!r}; supported: {', '.join(SUPPORTED_SUFFIXES)}"
        )
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise LoadError(
                source, f"too large: {size / 1e6:.1f} MB, over the {max_bytes / 1e6:g} MB limit (RAG_MAX_FILE_MB)"
            )
        data = path.read_bytes()
    except OSError as e:
        raise LoadError(source, f"cannot read: {e.strerror or e}") from None
    if not data.strip():
        raise LoadError(source, "empty file")
    try:
        text = decode_bytes(data, source)
        return list(parser(source, text))
    except LoadError as e:
        raise LoadError(source, e.reason) from None
