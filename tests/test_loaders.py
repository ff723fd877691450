import json
import unicodedata

import pytest

from rag.errors import LoadError
from rag.loaders import load_file

from conftest import write

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
        ("a.pdf", b"%PDF-1.4", "unsupported file type"),
        ("bad.txt", bytes(range(0x80, 0x100)) * 4, "no encoding"),
        ("x.json", b"{", "invalid JSON"),
        ("big.txt", b"a" * 2_000, "too large"),
    ],
)
def test_bad_files_rejected_with_reason(tmp_path, name, data, reason):
    with pytest.raises(LoadError) as e:
        load_file(write(tmp_path / name, data), 1_000)
    assert reason in e.value.reason and "\n" not in str(e.value)


def test_a_stray_control_character_in_an_article_is_kept(tmp_path):
    text = "Đoàn kiểm tra làm việc\x08 tại Đắk Lắk. " + "Ông Lê Hải Bình phát biểu. " * 20
    [doc] = load_file(write(tmp_path / "a.txt", text), 10**6)
    assert doc.text == text.strip()
