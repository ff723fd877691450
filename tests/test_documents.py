"""PDF and DOCX ingestion: files built here (fpdf2 with an embedded DejaVu Sans for Vietnamese, python-docx), then
loaded, checked for text, title and date, rejected when they cannot be read, and cited at exact offsets."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from conftest import HashEmbedding, make_settings, write

from rag import Assistant
from rag.errors import LoadError
from rag.indexing.loaders import SUPPORTED_SUFFIXES, load_file

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
UTC = dt.timezone.utc

# An invented inspection (people and team are not real), over three pages; the first opens with a section label.
LEAD = (
    "Sáng 17/5/2023, Đoàn kiểm tra số 8 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương do ông Trần Văn Lộc, Phó "
    "Trưởng ban Tổ chức Trung ương làm Trưởng đoàn đã làm việc với Ban Thường vụ Thành ủy Cần Thơ về công tác bảo vệ "
    "chính trị nội bộ."
)
PAGES = [
    ["Xây dựng Đảng", "Đoàn kiểm tra số 8 làm việc với Ban Thường vụ Thành ủy Cần Thơ", LEAD],
    [
        "Tại buổi làm việc, ông Trần Văn Lộc đề nghị Thành ủy Cần Thơ chuẩn bị đầy đủ hồ sơ, tài liệu phục vụ Đoàn "
        "kiểm tra theo đúng kế hoạch đã công bố."
    ],
    ["Thay mặt Ban Thường vụ Thành ủy, bà Lê Thị Hồng Nhung tiếp thu ý kiến và cam kết phối hợp chặt chẽ với Đoàn."],
]
PDF_TEXT = "\n\n".join("\n".join(page) for page in PAGES)  # a wrapped paragraph comes back as one line


def make_pdf(path: Path, pages: list[list[str]], title: str | None = None, created: dt.datetime | None = None) -> Path:
    fpdf = pytest.importorskip("fpdf", reason="fpdf2 (the [test] extra) writes the test PDFs")
    if not FONT.exists():
        pytest.skip(f"{FONT} is missing: a Vietnamese PDF needs a Unicode TrueType font")
    pdf = fpdf.FPDF()
    pdf.add_font("dejavu", fname=str(FONT))
    pdf.set_font("dejavu", size=11)
    if title:
        pdf.set_title(title)
    if created:
        pdf.set_creation_date(created)
    for page in pages:
        pdf.add_page()
        for paragraph in page:  # justified (fpdf's default): the text layer spaces words out
            pdf.multi_cell(0, 7, paragraph, new_x="LMARGIN", new_y="NEXT")
    return write(path, bytes(pdf.output()))


def test_pdf_pages_text_metadata_title_and_date(tmp_path):
    f = make_pdf(
        tmp_path / "a.pdf", PAGES, "Đoàn kiểm tra số 8 làm việc tại Cần Thơ", dt.datetime(2023, 5, 18, tzinfo=UTC)
    )
    [doc] = load_file(f, 10**7)
    assert doc.text == PDF_TEXT
    assert (doc.title, doc.date, doc.metadata["pages"]) == (
        "Đoàn kiểm tra số 8 làm việc tại Cần Thơ",
        "2023-05-17",  # the day its lead reports ("Sáng 17/5/2023, …"), not the day the file was made
        "3",
    )


def test_pdf_without_metadata_title_takes_the_headline_and_a_dateline_over_the_file_date(tmp_path):
    pages = [["Xây dựng Đảng", "Thứ Năm, 16/05/2023 09:30", *PAGES[0][1:]], *PAGES[1:]]
    [doc] = load_file(make_pdf(tmp_path / "b.pdf", pages, created=dt.datetime(2024, 1, 2, tzinfo=UTC)), 10**7)
    assert doc.title == "Đoàn kiểm tra số 8 làm việc với Ban Thường vụ Thành ủy Cần Thơ"
    assert doc.date == "2023-05-16"  # the article's own dateline; the file was only made (saved, printed) later


def test_a_dateline_under_a_headline_that_fills_its_line_dates_the_pdf(tmp_path):
    """A headline as wide as the page ends without punctuation, so its visual line is joined to the next one; the
    dateline under it must stay a line of its own, or the file's creation date wins."""
    headline = "Đoàn kiểm tra số 8 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương làm việc tại Cần Thơ"
    f = make_pdf(tmp_path / "c.pdf", [[headline, "12/6/2023 09:30", LEAD]], created=dt.datetime(2024, 1, 2, tzinfo=UTC))
    [doc] = load_file(f, 10**7)
    assert doc.text.startswith(f"{headline}\n12/6/2023 09:30\n")
    assert (doc.title, doc.date) == (headline, "2023-06-12")


def test_a_pdf_without_a_dateline_is_dated_by_the_day_its_top_lines_report_then_by_its_file(tmp_path):
    created = dt.datetime(2024, 1, 2, tzinfo=UTC)
    decision = "Công bố Quyết định số 214-QĐ/TBBVCTNB ngày 22/4/2023 của Tiểu ban tại Cần Thơ"
    lead = "Ngày 12/6/2023, Đoàn kiểm tra số 8 làm việc với Ban Thường vụ Thành ủy Cần Thơ."
    [doc] = load_file(make_pdf(tmp_path / "lead.pdf", [["Xây dựng Đảng", decision, lead]], created=created), 10**7)
    assert doc.date == "2023-06-12"  # the day reported; a legal reference's own date is not the article's
    undated = [["Xây dựng Đảng", "Đoàn kiểm tra số 8 làm việc tại Cần Thơ", "Đoàn đã làm việc với Thành ủy."]]
    [doc] = load_file(make_pdf(tmp_path / "undated.pdf", undated, created=created), 10**7)
    assert doc.date == "2024-01-02"  # nothing in the text: the day the file was made is all there is


def test_scanned_pdf_without_a_text_layer_is_rejected(tmp_path):
    fpdf = pytest.importorskip("fpdf", reason="fpdf2 (the [test] extra) writes the test PDFs")
    from PIL import Image

    pdf = fpdf.FPDF()
    for _ in range(2):
        pdf.add_page()
        pdf.image(Image.new("RGB", (60, 80), "white"), x=10, y=10, w=60)
    with pytest.raises(LoadError) as e:
        load_file(write(tmp_path / "scan.pdf", bytes(pdf.output())), 10**7)
    assert "no text layer on any of its 2 pages" in e.value.reason and "OCR is not done" in e.value.reason


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-128"])
def test_encrypted_pdf_needs_its_password_but_an_owner_only_password_is_read(tmp_path, algorithm):
    from pypdf import PdfReader, PdfWriter

    plain = make_pdf(tmp_path / "plain.pdf", PAGES)

    def encrypted(name: str, user: str) -> Path:
        writer = PdfWriter(clone_from=PdfReader(plain))
        writer.encrypt(user_password=user, owner_password="chu-so-huu", algorithm=algorithm)
        out = io.BytesIO()
        writer.write(out)
        return write(tmp_path / name, out.getvalue())

    with pytest.raises(LoadError) as e:
        load_file(encrypted("locked.pdf", "mat-khau"), 10**7)
    assert "encrypted PDF that needs a password" in e.value.reason and "\n" not in str(e.value)
    [doc] = load_file(encrypted("restricted.pdf", ""), 10**7)  # printing/copying restricted only
    assert doc.text == PDF_TEXT


@pytest.mark.parametrize("half", [False, True], ids=["garbage", "truncated"])
def test_broken_pdf_is_rejected_in_one_line(tmp_path, half):
    data = make_pdf(tmp_path / "ok.pdf", PAGES).read_bytes()
    data = data[: len(data) // 3] if half else b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\nnot a pdf at all\n"
    with pytest.raises(LoadError) as e:
        load_file(write(tmp_path / "broken.pdf", data), 10**7)
    assert e.value.reason.startswith("broken PDF, cannot be read") and "\n" not in str(e.value)


def make_docx(
    path: Path, title: str | None = "Đoàn kiểm tra số 3 làm việc tại Bình Định", created: bool = True
) -> Path:
    import docx

    d = docx.Document()
    d.add_paragraph("Xây dựng Đảng")
    d.add_heading("Đoàn kiểm tra số 3 làm việc với Ban Thường vụ Tỉnh ủy Bình Định", level=1)
    d.add_paragraph(
        "Ngày 9/10/2024, Đoàn kiểm tra số 3 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương do bà Phan Thị Mỹ Duyên, "
        "Phó Chủ nhiệm Ủy ban Kiểm tra Trung ương làm Trưởng đoàn đã làm việc với Ban Thường vụ Tỉnh ủy Bình Định."
    )
    d.add_paragraph("Lịch làm việc của Đoàn như sau:")
    table = d.add_table(rows=3, cols=3)
    for row, cells in zip(
        table.rows, [["Đơn vị", "Ngày", "Nội dung"], ["Tỉnh ủy", "9/10", "Công bố quyết định"]], strict=False
    ):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    merged = table.cell(2, 0).merge(table.cell(2, 1))
    merged.text = "Thành ủy Quy Nhơn"
    table.cell(2, 2).text = "Kiểm tra trực tiếp"
    d.add_paragraph("Đoàn sẽ thông báo kết quả kiểm tra vào cuối năm.")
    if title:
        d.core_properties.title = title
    if created:
        d.core_properties.created = dt.datetime(2024, 10, 10, 8, 0, tzinfo=UTC)
    out = io.BytesIO()
    d.save(out)
    return write(path, out.getvalue())


DOCX_TEXT = (
    "Xây dựng Đảng\n\nĐoàn kiểm tra số 3 làm việc với Ban Thường vụ Tỉnh ủy Bình Định\n\nNgày 9/10/2024, Đoàn kiểm tra "
    "số 3 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương do bà Phan Thị Mỹ Duyên, Phó Chủ nhiệm Ủy ban Kiểm tra Trung "
    "ương làm Trưởng đoàn đã làm việc với Ban Thường vụ Tỉnh ủy Bình Định.\n\nLịch làm việc của Đoàn như sau:\n\n"
    "Đơn vị | Ngày | Nội dung\nTỉnh ủy | 9/10 | Công bố quyết định\nThành ủy Quy Nhơn | Kiểm tra trực tiếp\n\n"
    "Đoàn sẽ thông báo kết quả kiểm tra vào cuối năm."
)


def test_docx_paragraphs_headings_and_tables_in_body_order_with_core_properties(tmp_path):
    [doc] = load_file(make_docx(tmp_path / "a.docx"), 10**7)
    assert doc.text == DOCX_TEXT  # the merged cell once; the table where it stands in the body
    assert (doc.title, doc.date) == ("Đoàn kiểm tra số 3 làm việc tại Bình Định", "2024-10-09")  # its lead's day


def test_docx_title_falls_back_to_the_heading_and_python_docx_template_date_is_not_a_date(tmp_path):
    [doc] = load_file(make_docx(tmp_path / "b.docx", title=None, created=False), 10**7)
    assert doc.title == "Đoàn kiểm tra số 3 làm việc với Ban Thường vụ Tỉnh ủy Bình Định"
    assert doc.date is None  # the template's 2013 stamp says nothing about the article


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("broken.docx", b"PK\x03\x04 not really a zip archive", "broken .docx, cannot be read"),
        ("old.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "legacy .doc or a password-protected"),
        ("~$a.docx", b"\x0aMinh An" + b"\0" * 150, "Word lock file"),
        ("a.odt", b"PK\x03\x04mimetypeapplication/vnd.oasis.opendocument.text", "unsupported file type '.odt'"),
        ("a.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "unsupported file type '.doc'"),
    ],
    ids=["broken-zip", "ole-container", "word-lock-file", "odt", "doc"],
)
def test_unreadable_or_unsupported_word_files_rejected_in_one_line(tmp_path, name, data, reason):
    with pytest.raises(LoadError) as e:
        load_file(write(tmp_path / name, data), 10**7)
    assert reason in e.value.reason and "\n" not in str(e.value)
    if "unsupported" in reason:
        assert f"supported: {', '.join(SUPPORTED_SUFFIXES)}; save it as .docx" in e.value.reason


@pytest.mark.parametrize(
    "question, expected, name",
    [
        ("Ai là Trưởng đoàn kiểm tra làm việc tại Cần Thơ?", "Trần Văn Lộc", "a.pdf"),
        ("Ai là Trưởng đoàn kiểm tra làm việc tại Bình Định?", "Phan Thị Mỹ Duyên", "a.docx"),
    ],
    ids=["pdf", "docx"],
)
def test_pdf_and_docx_answers_cite_their_text_at_exact_offsets(tmp_path, question, expected, name):
    f = make_pdf(tmp_path / name, PAGES) if name.endswith(".pdf") else make_docx(tmp_path / name)
    assistant = Assistant(make_settings(tmp_path / "data"), embedder=HashEmbedding())
    assert [r.status for r in assistant.ingest([f]).results] == ["added"]
    answer = assistant.ask(question)
    assert answer.found and expected in answer.answer
    assert any(c.source.endswith(name) and expected in c.quote for c in answer.citations)
    for c in answer.citations:
        assert assistant.document_text(c.doc_id)[c.start : c.end] == c.quote
