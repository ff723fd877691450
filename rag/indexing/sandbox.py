"""Reads a PDF's or a .docx file's text in a process of its own. rag.indexing.loaders runs it as
`python -I rag/indexing/sandbox.py pdf|docx '<limits as JSON>'` with the file's bytes on stdin and waits at most its
time bound; here the parsers (pypdf; python-docx with zipfile and lxml) run under the operating system's limits on
address space and CPU time, so a file made to exhaust them (a decompression bomb in a content stream, pages that
draw one another, a zip bomb) ends this process, never the one that asked.

Writes one JSON object to stdout: {"ok": what was read} or {"error": code, "detail": one line}, codes "missing" (the
parser is not installed: detail its package), "password", "crypto", "broken", "unzipped" (detail: the bytes the
.docx would unzip to), "memory". Only a code and a library's own words cross the pipe: rag.indexing.loaders
turns each code into a reason of the catalog (a `Message` keyed "indexing.<name>", the detail one of its fields).

Imports nothing from `rag` (the package's import alone takes a second): the standard library and the parsers.
"""

from __future__ import annotations

import io
import json
import logging
import re
import sys
import zipfile
from typing import Any

__all__ = ["read_pdf", "read_docx", "main"]


def _why(e: BaseException) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0]


def read_pdf(data: bytes) -> dict[str, Any]:
    """{"ok": {"pages": [each page's text layer], "title": /Title or None, "created": "YYYYMMDD" or None}}."""
    try:
        import pypdf
    except ImportError:
        return {"error": "missing", "detail": "pypdf"}
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its notes on damage it repaired
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        # many PDFs are encrypted with an empty user password (only printing or copying restricted): readable
        if reader.is_encrypted and not reader.decrypt(""):
            return {"error": "password"}
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata
        title = str(info.title) if info is not None and info.title is not None else None
        created = re.match(r"D:\s*(\d{8})", str(info.get("/CreationDate", ""))) if info is not None else None
    except pypdf.errors.DependencyError as e:  # AES encryption without the cryptography package
        return {"error": "crypto", "detail": _why(e)}
    except MemoryError:
        raise
    except Exception as e:  # a damaged file makes the parser raise anything (PdfReadError, KeyError, ValueError…)
        return {"error": "broken", "detail": _why(e)}
    return {"ok": {"pages": pages, "title": title, "created": created.group(1) if created else None}}


def _cells(row: Any) -> str:
    tcs: list[Any] = []
    texts = []
    for cell in row.cells:
        if any(cell._tc is tc for tc in tcs):  # a merged cell comes once for every grid column it spans
            continue
        tcs.append(cell._tc)
        texts.append(" ".join(cell.text.split()))
    return " | ".join(texts) if any(texts) else ""


def read_docx(data: bytes, max_unzipped: int) -> dict[str, Any]:
    """{"ok": {"blocks": [paragraphs and tables in body order], "headings": {"title"|"heading": the first},
    "title", "author", "created": ISO seconds or None}}. A file whose parts unzip to more than `max_unzipped` bytes
    (as its zip directory declares them: zipfile never unzips a part past its declared size) is not opened."""
    try:
        import docx
        from docx.table import Table
    except ImportError:
        return {"error": "missing", "detail": "python-docx"}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unzipped = sum(info.file_size for info in z.infolist())
        if unzipped > max_unzipped:
            return {"error": "unzipped", "detail": str(unzipped)}
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
        created = props.created.isoformat()[:19] if props.created else None
    except MemoryError:
        raise
    except Exception as e:  # a damaged file makes the zip and XML parsers raise anything
        return {"error": "broken", "detail": _why(e)}
    read = {"blocks": blocks, "headings": headings, "title": props.title, "author": props.author, "created": created}
    return {"ok": read}


def _bound(memory_mb: float, cpu_seconds: float) -> None:
    """This process's address space and CPU time, where the system enforces them (Linux; macOS ignores the first:
    the caller's wall-clock bound remains)."""
    try:
        import resource

        space = int(memory_mb * 2**20)
        resource.setrlimit(resource.RLIMIT_AS, (space, space))
        cpu = int(cpu_seconds) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    except (ImportError, ValueError, OSError):
        pass


def main(argv: list[str]) -> int:
    kind, limits = argv[1], json.loads(argv[2])
    _bound(limits["memory_mb"], limits["seconds"])
    data = sys.stdin.buffer.read()
    try:
        out = read_pdf(data) if kind == "pdf" else read_docx(data, limits["max_unzipped"])
    except MemoryError:
        out = {"error": "memory"}
    sys.stdout.write(json.dumps(out))  # ASCII: a lone surrogate in a text layer survives the pipe
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
