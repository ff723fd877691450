"""Hostile and broken files (issue 22): a corpus built here, small, where the danger is in a ratio (a bomb), never
downloaded. Each file ends with its text or with a one-line reason, within the bounds of rag.indexing.loaders (READ_SECONDS,
READ_MEMORY_MB, DOCX_MAX_UNZIPPED_MB, HTML_MAX_TAGS, MAX_RECORDS, META_MAX_VALUES), and the rest of the batch goes on.
The bombs at full size, with their times and peak memory, are bench/hostile_input.py's (BENCHMARKS.md)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
from conftest import ROOT, HashEmbedding, make_settings, write

from rag import Assistant
from rag.indexing import loaders
from rag.errors import LoadError
from rag.indexing.loaders import load_file, source_file

ARTICLE = (
    "Đoàn kiểm tra số 4 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương làm việc tại Đắk Lắk.\n\n"
    "Trưởng đoàn là ông Nguyễn Quang Dương. Đoàn đề nghị Tỉnh ủy tiếp tục rà soát các quy định."
)
MB = 1_000_000


# --- builders ------------------------------------------------------------------------------------------------------
def pdf(*objects: bytes) -> bytes:
    """A PDF of these object bodies (object 1 the catalog, 2 the page tree), with a correct cross-reference table."""
    out, offsets = b"%PDF-1.4\n", []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(
        b"%010d 00000 n \n" % o for o in offsets
    )
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


def stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n%s\nendstream" % (len(data), extra, data)


def deflated(chunk: bytes, times: int) -> bytes:
    """`chunk` * `times`, deflated without ever holding it whole."""
    z = zlib.compressobj(9)
    return b"".join(z.compress(chunk) for _ in range(times)) + z.flush()


CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
TEXT = b"BT /F1 12 Tf 20 100 Td (Doan kiem tra so 4 lam viec tai Dak Lak.) Tj ET"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 3 0 R /Resources << %s >> >>"


def pdf_pages(n: int, content: bytes = TEXT, filters: bytes = b"") -> bytes:
    """`n` pages that all draw one content stream (object 3, font object 4)."""
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(n))
    page = PAGE % b"/Font << /F1 4 0 R >>"
    return pdf(
        CATALOG, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n), stream(content, filters), FONT, *[page] * n
    )


def pdf_forms(depth: int, fan: int = 10) -> bytes:
    """One page drawing form X{depth-1}, each form drawing the one below it `fan` times: fan**depth draws."""
    page = PAGE % b"/XObject << /X %d 0 R >>"
    forms = []
    for i in range(depth):
        below = b"/Font << /F1 4 0 R >>" if i == 0 else b"/XObject << /X %d 0 R >>" % (6 + i - 1)
        body = TEXT if i == 0 else b" ".join([b"/X Do"] * fan)
        forms.append(stream(body, b"/Type /XObject /Subtype /Form /BBox [0 0 300 200] /Resources << %s >> " % below))
    return pdf(
        CATALOG, b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>", stream(b"/X Do"), FONT, page % (5 + depth), *forms
    )


def encrypted_pdf() -> bytes:
    import pypdf

    writer = pypdf.PdfWriter(clone_from=io.BytesIO(pdf_pages(1)))
    writer.encrypt("mat-khau", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


DOCX_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
DOCX_RELS = (
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="word/document.xml"/></Relationships>'
)
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def docx(body: str = "", filler: int = 0) -> bytes:
    """A .docx whose document.xml holds `body` (paragraphs' XML), then `filler` bytes of spaces before its end."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", DOCX_TYPES)
        z.writestr("_rels/.rels", DOCX_RELS)
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            f.write(f'<?xml version="1.0"?><w:document {W}><w:body>{body}'.encode())
            for _ in range(filler // MB):
                f.write(b" " * MB)
            f.write(b"</w:body></w:document>")
    return out.getvalue()


def paragraphs(text: str) -> str:
    return "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in text.split("\n\n"))


def lying_docx() -> bytes:
    """A .docx whose zip directory declares document.xml far smaller than it inflates to."""
    data = bytearray(docx(paragraphs(ARTICLE), filler=3 * MB))
    entry = data.rfind(b"PK\x01\x02")  # the central directory's last entry: word/document.xml
    while not data[entry + 46 : entry + 46 + 17] == b"word/document.xml":
        entry = data.rfind(b"PK\x01\x02", 0, entry)
    extra = data[entry + 46 + 17 : entry + 46 + 17 + int.from_bytes(data[entry + 30 : entry + 32], "little")]
    if extra[:2] == b"\x01\x00":  # zip64: the sizes live in the extra field
        at = entry + 46 + 17 + 4
        data[at : at + 8] = (1000).to_bytes(8, "little")
    else:
        data[entry + 24 : entry + 28] = (1000).to_bytes(4, "little")
    return bytes(data)


def html_page(body: str) -> str:
    return f"<!doctype html><html><head><title>Trang</title></head><body>{body}</body></html>"


def yaml_bomb() -> str:
    """Front matter of nine lines that reaches 10**9 values through its aliases."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    return "---\n" + "\n".join(lines) + "\n---\n" + ARTICLE


def corpus(folder: Path) -> dict[str, str | None]:
    """The hostile files, written under `folder`: {file name: the start of its reason, None when it is read}."""
    files: dict[str, tuple[bytes | str, str | None]] = {
        # PDF
        "xref-hong.pdf": (pdf_pages(2).replace(b"startxref\n", b"startxref\n99"), None),  # repaired by pypdf
        "cat-doi.pdf": (pdf_pages(3)[:300], "broken PDF, cannot be read: "),
        "mat-khau.pdf": (encrypted_pdf(), "encrypted PDF that needs a password to open"),
        "nghin-trang.pdf": (pdf_pages(2000), None),
        "bom-giai-nen.pdf": (  # 100 MB inflated: past pypdf's own 75 MB
            pdf_pages(1, deflated(b" " * MB, 100), b"/Filter /FlateDecode "),
            "broken PDF, cannot be read: Limit reached while decompressing",
        ),
        # DOCX
        "bom-zip.docx": (docx(paragraphs(ARTICLE), filler=210 * MB), "unzips to 210 MB, over the 200 MB"),
        "kich-thuoc-gia.docx": (lying_docx(), "broken .docx, cannot be read: "),
        "long-sau.docx": (docx("<w:p>" * 100_000 + "</w:p>" * 100_000), "broken .docx, cannot be read: "),
        # HTML
        "long-sau.html": (html_page("<div>" * 100_000 + ARTICLE + "</div>" * 100_000), "HTML past its parser's"),
        "nhieu-the.html": (html_page("<b>x</b>" * 200_001), "200006 HTML tags, over the 200000"),
        "binh-thuong.html": (html_page("<div>" * 300 + f"<p>{ARTICLE}</p>" + "</div>" * 300), None),
        # text
        "utf16-le.txt": (ARTICLE.encode("utf-16-le"), None),
        "utf16-be.txt": (ARTICLE.encode("utf-16-be"), None),
        "nul.txt": (ARTICLE.encode() + b"\x00\x01" + ARTICLE.encode(), "binary file (contains NUL bytes)"),
        "nul.md": (b"---\ntitle: a\n---\n\x00" + ARTICLE.encode(), "binary file (contains NUL bytes)"),
        "nul.html": (html_page(ARTICLE).encode() + b"\x00", "binary file (contains NUL bytes)"),
        "long-sau.json": ("[" * 100_000 + "]" * 100_000, "invalid JSON: nested deeper than it can be read"),
        "qua-nhieu.jsonl": ('{"text": "x"}\n' * (loaders.MAX_RECORDS + 1), "more than 100000 records"),
        "qua-nhieu.json": ("[" + ",".join(['{"text": "x"}'] * (loaders.MAX_RECORDS + 1)) + "]", "more than 100000"),
        "bom-yaml.md": (yaml_bomb(), "bad YAML front matter: more than 10000 values"),
    }
    for name, (data, _) in files.items():
        write(folder / name, data)
    # a line of 50 MB: its size alone rejects it (a sparse file: nothing is written, nor read)
    with (folder / "dong-50mb.jsonl").open("wb") as f:
        f.write(b'{"text": "')
        f.truncate(50 * MB)
    return {**{name: reason for name, (_, reason) in files.items()}, "dong-50mb.jsonl": "too large: 50.0 MB"}


NAMES = ["bài #2.txt", "a#1.json", "dòng\nmới.txt", "hai..chấm...txt", "đ" * 125 + ".txt"]  # 254 bytes: the last

READ_ALL = """
import json, resource, sys
from pathlib import Path
from rag.indexing.loaders import load_file
from rag.errors import LoadError
out = {}
for f in sorted(Path(sys.argv[1]).iterdir()):
    try:
        docs = [d for d in load_file(f, 20_000_000) if not isinstance(d, LoadError)]
        out[f.name] = {"reason": None, "texts": [d.text for d in docs], "pages": docs[0].metadata.get("pages")}
    except LoadError as e:
        out[f.name] = {"reason": e.reason, "source": e.source}
# its own peak from its memory map (ru_maxrss also counts the RSS of the process that started it); the readers':
# an upper bound (each reader's, or this process's when it started one)
status = Path("/proc/self/status").read_text().splitlines() if Path("/proc/self/status").exists() else []
hwm = next((int(line.split()[1]) for line in status if line.startswith("VmHWM")), 0)
readers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"files": out, "peak_mb": [hwm // 1024, readers // 1024]}))
"""


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[Path, dict[str, str | None], dict]:
    """The corpus, what it should give, and what it gave: every file loaded in a process of its own (the text
    formats in it, each PDF and .docx in its own reader), which reports its peak memory."""
    folder = tmp_path_factory.mktemp("hostile")
    expected = corpus(folder)
    done = subprocess.run([sys.executable, "-c", READ_ALL, str(folder)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return folder, expected, json.loads(done.stdout)


# --- tests ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    [
        "xref-hong.pdf",
        "cat-doi.pdf",
        "mat-khau.pdf",
        "nghin-trang.pdf",
        "bom-giai-nen.pdf",
        "bom-zip.docx",
        "kich-thuoc-gia.docx",
        "long-sau.docx",
        "long-sau.html",
        "nhieu-the.html",
        "binh-thuong.html",
        "utf16-le.txt",
        "utf16-be.txt",
        "nul.txt",
        "nul.md",
        "nul.html",
        "long-sau.json",
        "qua-nhieu.jsonl",
        "qua-nhieu.json",
        "bom-yaml.md",
        "dong-50mb.jsonl",
    ],
)
def test_each_hostile_file_is_read_or_rejected_with_a_one_line_reason(hostile, name):
    folder, expected, got = hostile
    outcome = got["files"][name]
    if expected[name] is None:
        assert outcome["reason"] is None and outcome["texts"] and all(outcome["texts"])
    else:
        assert outcome["reason"].startswith(expected[name]) and "\n" not in outcome["reason"], outcome["reason"]
        assert outcome["source"] == str((folder / name).resolve())


@pytest.mark.skipif(sys.platform != "linux", reason="peak memory is read from /proc")
def test_the_corpus_is_read_within_the_memory_bounds(hostile):
    itself, readers = hostile[2]["peak_mb"]  # the text formats' process, the largest PDF or .docx reader
    assert itself < 300 and readers < loaders.READ_MEMORY_MB, (itself, readers)


def test_thousands_of_pages_are_read_each(hostile):
    got = hostile[2]["files"]["nghin-trang.pdf"]
    assert got["pages"] == "2000" and got["texts"][0].count("Doan kiem tra") == 2000


def test_text_in_utf16_without_a_byte_order_mark_is_read_exactly(tmp_path):
    for encoding in ("utf-16-le", "utf-16-be"):
        [doc] = load_file(write(tmp_path / f"{encoding}.txt", ARTICLE.encode(encoding)), MB)
        assert doc.text == ARTICLE
    binary = bytes(range(256)) * 40  # NULs on both sides: binary, not text
    with pytest.raises(LoadError, match="binary file"):
        load_file(write(tmp_path / "nhi-phan.txt", binary), MB)


FAST = ["cat-doi.pdf", "bom-zip.docx", "long-sau.html", "nul.txt", "long-sau.json", "bom-yaml.md", "dong-50mb.jsonl"]


def test_the_batch_goes_on_past_hostile_files_and_odd_names_are_names(hostile, tmp_path):
    folder, expected, _ = hostile
    batch = tmp_path / "lo"
    for name in FAST:
        (batch / name).parent.mkdir(exist_ok=True)
        (batch / name).symlink_to(folder / name)
    for name in NAMES:
        text = json.dumps({"text": ARTICLE}) if name.endswith(".json") else ARTICLE.replace("4", str(len(name)))
        write(batch / name, text)
    a = Assistant(make_settings(tmp_path / "data", max_file_mb=20), HashEmbedding())
    results = {Path(source_file(r.source)).name: r for r in a.ingest([batch]).results}
    assert set(results) == {*FAST, *NAMES}
    for name in FAST:
        assert results[name].status == "rejected" and results[name].reason.startswith(expected[name]), name
    for name in NAMES:  # each read and kept under its own path
        assert results[name].status == "added", name
        assert source_file(results[name].source) == str((batch / name).resolve())
    assert results["a#1.json"].source.endswith("a#1.json#1")


def test_a_document_s_file_is_its_source_without_the_record_number():
    assert source_file("/d/a.jsonl#3") == "/d/a.jsonl" and source_file("/d/a#1.JSON#12") == "/d/a#1.JSON"
    assert source_file("/d/bài #2.txt") == "/d/bài #2.txt" and source_file("/d/x.txt#3") == "/d/x.txt#3"


def test_a_pdf_reader_past_its_time_is_stopped_with_the_bound_as_its_reason(tmp_path, monkeypatch):
    monkeypatch.setattr(loaders, "READ_SECONDS", 0.01)  # less than the reader's own start
    with pytest.raises(LoadError) as e:
        load_file(write(tmp_path / "a.pdf", pdf_pages(1)), MB)
    assert e.value.reason == "reading it took longer than 0.01 s, the limit for a PDF or .docx file"
    vi = "đọc tệp mất hơn 0.01 giây, quá thời gian cho phép với một tệp PDF hay .docx"
    assert e.value.reason.key == "indexing.read_timeout" and e.value.reason.render("vi") == vi


@pytest.mark.skipif(sys.platform != "linux", reason="the address-space limit is enforced on Linux")
def test_a_pdf_reader_past_its_memory_is_stopped_with_the_bound_as_its_reason(tmp_path, monkeypatch):
    # 400,000 text operators (12 MB inflated, 0.1 MB in the file): pypdf holds each as objects, ~250 MB
    greedy = pdf_pages(1, deflated(b"BT /F1 12 Tf (Xin chao) Tj ET\n", 400_000), b"/Filter /FlateDecode ")
    monkeypatch.setattr(loaders, "READ_MEMORY_MB", 100)
    with pytest.raises(LoadError) as e:
        load_file(write(tmp_path / "tham.pdf", greedy), MB)
    assert e.value.reason == "reading it needed more than 100 MB of memory, the limit for a PDF or .docx file"
    assert e.value.reason.render("vi") == "đọc tệp cần hơn 100 MB bộ nhớ, quá mức cho phép với một tệp PDF hay .docx"


def test_a_reader_s_answer_becomes_a_keyed_reason_again(tmp_path):
    """The reader's process answers with a code and the parser's words; this side makes the catalog's reason of them,
    the parser's words a field carried as they are in both languages."""
    with pytest.raises(LoadError) as e:
        load_file(write(tmp_path / "cut.pdf", pdf_pages(3)[:300]), MB)
    reason = e.value.reason
    assert reason.key == "indexing.pdf_broken" and reason == f"broken PDF, cannot be read: {reason.fields['error']}"
    assert reason.render("vi") == f"PDF hỏng, không đọc được: {reason.fields['error']}"
    with pytest.raises(LoadError) as e:
        load_file(write(tmp_path / "bomb.docx", docx(paragraphs(ARTICLE), filler=210 * MB)), 300 * MB)
    assert e.value.reason == "unzips to 210 MB, over the 200 MB a .docx file may hold"
    assert e.value.reason.render("vi") == "giải nén ra 210 MB, vượt quá 200 MB cho phép với một tệp .docx"
