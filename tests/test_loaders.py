import json
import unicodedata

import pytest
from conftest import SEEDS, SHARED_DATA, write

from rag.errors import LoadError
from rag.indexing.loaders import SUPPORTED_SUFFIXES, file_problem, load_file

VI = "Đoàn kiểm tra số 4 làm việc tại Đắk Lắk. Trưởng đoàn là ông Nguyễn Quang Dương, Huỳnh Văn Thịnh."
TONES = "\u0300\u0301\u0303\u0309\u0323"


def cp1258(text: str) -> bytes:
    """Encode as legacy Windows-1258: base letters precomposed, tone marks as separate combining bytes."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            d = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in d if c not in TONES))
            out += base.encode("cp1258") + "".join(c for c in d if c in TONES).encode("cp1258")
    return out


@pytest.mark.parametrize(
    "data",
    [
        VI.encode("utf-8"),
        b"\xef\xbb\xbf" + VI.encode("utf-8"),
        VI.encode("utf-16"),
        b"\xfe\xff" + VI.encode("utf-16-be"),
        cp1258(VI),
        unicodedata.normalize("NFD", VI).encode("utf-8"),
    ],
    ids=["utf8", "utf8-bom", "utf16-le-bom", "utf16-be-bom", "cp1258", "nfd"],
)
def test_encodings_decode_exactly_to_nfc(tmp_path, data):
    [doc] = load_file(write(tmp_path / "a.txt", data), 10**6)
    assert doc.text == VI


def test_txt_header_lines_are_metadata(tmp_path):
    f = write(tmp_path / "n.txt", "# doc_id = 7\n# url = https://x.vn/a\n# date = 20200105\nTiêu đề\nCâu một.\n")
    [doc] = load_file(f, 10**6)
    assert doc.text == "Tiêu đề\nCâu một." and doc.title == "Tiêu đề"
    assert (doc.url, doc.date, doc.metadata) == ("https://x.vn/a", "2020-01-05", {"doc_id": "7"})


def test_markdown_front_matter(tmp_path):
    f = write(
        tmp_path / "a.md",
        "---\ntitle: Kiểm tra\nurl: https://x.vn\ndate: 2024-04-24\nsource: TTXVN\n---\n# H\nNội dung.",
    )
    [doc] = load_file(f, 10**6)
    assert (doc.title, doc.url, doc.date, doc.metadata["source"]) == ("Kiểm tra", "https://x.vn", "2024-04-24", "TTXVN")
    assert doc.text == "# H\nNội dung."


def test_html_title_main_text_without_scripts_styles_hidden(tmp_path):
    page = """<html><head><title>Đoàn kiểm tra</title><style>p{}</style><script>var x = "mã độc";</script></head>
    <body><nav>Trang chủ</nav><article><h1>Tiêu đề</h1><p>Ông <b>Lê Hải Bình</b> phát biểu.</p>
    <p style="display: none">ẩn một</p><div hidden>ẩn hai</div><span aria-hidden="true">ẩn ba</span></article></body></html>"""
    [doc] = load_file(write(tmp_path / "a.html", page), 10**6)
    assert doc.title == "Đoàn kiểm tra"
    assert doc.text == "Tiêu đề\n\nÔng Lê Hải Bình phát biểu."


def test_html_text_around_comments_tables_and_forms_and_its_metadata(tmp_path):
    page = """<?xml version="1.0" encoding="utf-8"?><!doctype html><html><head><meta property="og:title"
    content="Tiêu đề OG"><link rel="alternate canonical" href="https://x.vn/a"></head><body>
    <!-- chú thích --> Trước<div>Khối <i>nghiêng</i><br>sau<table><tr><td>ô 1</td><td>ô 2</td></tr></table></div>đuôi
    <p>A &amp; B&nbsp;C</p><time datetime="2024-05-06">6/5</time><form>mẫu</form><button>nút</button>
    <svg><text>hình</text></svg>cuối<?php echo 1 ?>hết</body></html>"""
    [doc] = load_file(write(tmp_path / "a.html", page), 10**6)
    # the line break after <button> stays: "6/5" and "cuối" on two lines
    assert doc.text == "Trước\n\nKhối nghiêng\n\nsau\n\nô 1ô 2\n\nđuôi\n\nA & B C\n\n6/5\n\ncuốihết"
    assert (doc.title, doc.url, doc.date) == ("Tiêu đề OG", "https://x.vn/a", "2024-05-06")
    [doc] = load_file(write(tmp_path / "b.html", "<article>Chỉ chữ</article><p>ngoài</p>"), 10**6)
    assert (doc.text, doc.title) == ("Chỉ chữ", "Chỉ chữ")  # an <article> with text alone is the article


def test_json_and_jsonl_records_each_a_document_bad_records_rejected_alone(tmp_path):
    recs = [{"text": "Một.", "title": "A", "url": "u", "date": "2024-01-02"}, {"title": "no text"}, "x"]
    out = load_file(write(tmp_path / "a.json", json.dumps(recs)), 10**6)
    assert out[0].title == "A" and out[0].source.endswith("a.json#1")
    assert [type(o) for o in out[1:]] == [LoadError, LoadError]
    lines = json.dumps({"text": "Hai."}) + "\n{oops\n\n" + json.dumps({"text": "Ba."}) + "\n"
    out = load_file(write(tmp_path / "b.jsonl", lines), 10**6)
    assert sorted(o.source.rsplit("#", 1)[1] for o in out) == ["1", "2", "4"]
    assert [o.text for o in out if not isinstance(o, LoadError)] == ["Hai.", "Ba."]


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b" \n\t", "empty"),
        ("nul.txt", b"ab\x00cd", "binary"),
        ("ctl.txt", b"ab\x01\x02\x03\x04cd", "binary"),
        ("a.odt", b"PK\x03\x04", "unsupported file type '.odt'"),
        ("a.pdf", b"%PDF-1.4", "broken PDF"),
        ("bad.txt", bytes(range(0x80, 0x100)) * 4, "no encoding"),
        ("x.json", b"{", "invalid JSON"),
        ("big.txt", b"a" * 2_000, "too large"),
    ],
)
def test_bad_files_rejected_with_reason(tmp_path, name, data, reason):
    with pytest.raises(LoadError) as e:
        load_file(write(tmp_path / name, data), 1_000)
    assert reason in e.value.reason and "\n" not in str(e.value)


def test_a_reason_is_a_catalog_message_in_english_and_in_vietnamese(tmp_path):
    with pytest.raises(LoadError) as e:
        load_file(write(tmp_path / "empty.txt", b""), 1_000)
    source = str((tmp_path / "empty.txt").resolve())
    assert (e.value.source, e.value.reason, str(e.value)) == (source, "empty file", f"{source}: empty file")
    assert e.value.reason.key == "indexing.empty_file" and e.value.reason.render("vi") == "tệp rỗng"
    assert e.value.key == "indexing.load_error" and e.value.render("vi") == f"{source}: tệp rỗng"

    supported = ", ".join(SUPPORTED_SUFFIXES)
    odt = file_problem("a.odt", 10, 1_000)
    assert odt == f"unsupported file type '.odt'; supported: {supported}; save it as .docx"
    assert odt.render("vi") == f"loại tệp không được hỗ trợ (.odt); chỉ nhận {supported}; hãy lưu thành .docx"
    bare = file_problem("README", 10, 1_000)
    assert bare == f"unsupported file type '(none)'; supported: {supported}"
    assert bare.render("vi") == f"loại tệp không được hỗ trợ (không có đuôi); chỉ nhận {supported}"
    big = file_problem("a.txt", 2_500_000, 1_000_000)
    assert big == "too large: 2.5 MB, over the 1 MB limit (RAG_MAX_FILE_MB)"
    assert big.render("vi") == "quá lớn: 2.5 MB, vượt giới hạn 1 MB một tệp"  # no setting's name in Vietnamese

    # a parser's own words are a field, carried as they are; a record's reason keeps its key through re-wrapping
    with pytest.raises(LoadError) as e:
        load_file(write(tmp_path / "x.json", b'{"text": }'), 1_000)
    assert e.value.reason == "invalid JSON: Expecting value at line 1"
    assert e.value.reason.render("vi") == "JSON không hợp lệ: Expecting value ở dòng 1"
    bad = load_file(write(tmp_path / "r.jsonl", '{"title": "thiếu text"}\n'), 1_000)[0]
    assert isinstance(bad, LoadError) and bad.reason == "record has no non-empty string 'text'"
    assert bad.reason.render("vi") == "bản ghi thiếu trường 'text' (chuỗi khác rỗng)"


def test_a_stray_control_character_in_an_article_is_kept(tmp_path):
    text = "Đoàn kiểm tra làm việc\x08 tại Đắk Lắk. " + "Ông Lê Hải Bình phát biểu. " * 20
    [doc] = load_file(write(tmp_path / "a.txt", text), 10**6)
    assert doc.text == text.strip()


HEADLINE = "Sở Giáo dục tổ chức tập huấn cho giáo viên vùng cao"
BODY = "Sáng nay, hơn 200 giáo viên tham dự lớp tập huấn kéo dài ba ngày. Lớp học do Sở Giáo dục chủ trì."


@pytest.mark.parametrize(
    "top",
    [
        pytest.param("Giáo dục\n\n", id="section-label"),
        pytest.param("Trang chủ > Thời sự > Giáo dục\n", id="breadcrumb"),
        pytest.param("Kinh tế - Xã hội\nGiáo dục\n", id="two-labels"),
        pytest.param("Theo Báo Lao Động\n", id="theo-source"),
        pytest.param("Nguồn: Cổng thông tin tỉnh\n", id="nguon-source"),
        pytest.param("PV\n", id="pv"),
        pytest.param("Hoài Thương - PV\n", id="author-pv"),
        pytest.param("Ngọc Minh/TTXVN\n", id="author-agency"),
        pytest.param("(Baochinhphu.vn) -\n", id="agency-tag-alone"),
        pytest.param("Thứ Hai, 02/11/2020 14:30\n", id="dateline"),
        pytest.param("Giáo dục | Thứ Hai, 02/11/2020 - 14:30 (GMT+7)\n", id="label-and-dateline"),
        pytest.param("## Giáo dục\n", id="markdown-heading-label"),
    ],
)
def test_title_is_the_headline_not_a_label_byline_or_dateline(tmp_path, top):
    [doc] = load_file(write(tmp_path / "a.txt", f"{top}{HEADLINE}\n\n{BODY}\n"), 10**6)
    assert doc.title == HEADLINE and doc.text.startswith(top.strip())


@pytest.mark.parametrize(
    "text, title",
    [
        # a short first line above body text only: there is no headline to prefer, the label is what there is
        pytest.param(f"Giáo dục\n{BODY}", "Giáo dục", id="label-above-body-only"),
        # "Theo" + a lower-case word starts a headline, not a byline; "PV" before a name is a company
        pytest.param(
            f"Theo dõi sát tình hình lũ trên sông Hồng\n{BODY}",
            "Theo dõi sát tình hình lũ trên sông Hồng",
            id="theo-doi",
        ),
        pytest.param(
            f"PV Gas ký hợp đồng cung cấp khí mới\n{BODY}", "PV Gas ký hợp đồng cung cấp khí mới", id="pv-company"
        ),
        # a lead that starts with its date is a sentence, not a dateline
        pytest.param(
            "Ngày 3/4/2021, Sở Giáo dục họp với các trường.\nCâu hai.",
            "Ngày 3/4/2021, Sở Giáo dục họp với các trường.",
            id="lead",
        ),
    ],
)
def test_title_rules_leave_real_first_lines_alone(tmp_path, text, title):
    [doc] = load_file(write(tmp_path / "a.txt", text), 10**6)
    assert doc.title == title


@pytest.mark.parametrize(
    "name, title",
    [
        ("000_b584f524cb46930b.txt", "Triển khai kế hoạch kiểm tra công tác bảo vệ chính trị nội bộ ở Trà Vinh"),
        ("001_cb98ca3c559514ce.txt", "Tiểu ban Bảo vệ chính trị nội bộ Trung ương kiểm tra tại tỉnh Đắk Lắk"),
    ],
)
def test_seed_articles_get_their_headline_as_title(name, title):
    [doc] = load_file(SEEDS / name, 10**6)
    assert doc.title == title


@pytest.mark.parametrize(
    "top, date",
    [
        pytest.param("Thứ Hai, 02/11/2020 14:30\n", "2020-11-02", id="weekday-time"),
        pytest.param("Ngày 2/11/2020\n", "2020-11-02", id="ngay"),
        pytest.param("Cập nhật: 02/11/2020 | 14:30\n", "2020-11-02", id="cap-nhat"),
        pytest.param("Thứ Hai, ngày 2 tháng 11 năm 2020\n", "2020-11-02", id="in-words"),
        pytest.param("Thứ Hai, 2/11 14:30\n", None, id="no-year-stays-unknown"),
        pytest.param("Ngày 3/4/2021, Sở Giáo dục họp với các trường.\n", None, id="lead-sentence-is-no-dateline"),
        pytest.param("# date = 2021-01-05\nThứ Hai, 02/11/2020 14:30\n", "2021-01-05", id="header-wins"),
    ],
)
def test_publication_date_from_a_dateline_at_the_top(tmp_path, top, date):
    [doc] = load_file(write(tmp_path / "a.txt", f"{top}{HEADLINE}\n{BODY}"), 10**6)
    assert doc.date == date and doc.title == (HEADLINE if "Sở" not in top else top.strip())


def test_front_matter_date_in_words_read_by_the_shared_date_parser(tmp_path):
    [doc] = load_file(write(tmp_path / "a.md", f"---\ndate: ngày 2 tháng 11 năm 2020\n---\n{BODY}"), 10**6)
    assert doc.date == "2020-11-02"


DEV_DOCS = SHARED_DATA / "inspections-dev" / "docs"


@pytest.mark.skipif(not DEV_DOCS.exists(), reason="needs ../shared/data/inspections-dev (a user's clone has none)")
def test_every_dev_corpus_article_gets_a_headline_as_title():
    from rag.indexing import loaders

    titles = [d.title for f in sorted(DEV_DOCS.iterdir()) for d in load_file(f, 10**7)]
    assert len(titles) >= 41
    for title in titles:  # a headline: a sentence's worth of words, not a label, byline or dateline
        assert len(title.split()) >= 6, title
        assert not (loaders._is_byline(title) or loaders._is_label(title) or loaders._dateline(title)), title
