from conftest import SEEDS

from rag.indexing.chunking import chunk_text


def test_chunks_have_exact_offsets_and_content_ids():
    text = (SEEDS / "000_b584f524cb46930b.txt").read_text(encoding="utf-8")
    nodes = chunk_text(text, "abc", max_chars=500)
    assert len(nodes) > 5
    for i, n in enumerate(nodes):
        assert text[n.start_char_idx : n.end_char_idx] == n.text
        assert n.node_id == f"abc-{i:04d}"
    assert [n.node_id for n in chunk_text(text, "abc", 500)] == [n.node_id for n in nodes]


def test_chunks_end_on_sentences_and_respect_size():
    text = " ".join(f"Câu số {i} nói về Đoàn kiểm tra." for i in range(100))
    nodes = chunk_text(text, "d", max_chars=300)
    assert all(len(n.text) <= 300 and n.text.endswith(".") for n in nodes)
    assert "".join(n.text for n in nodes).replace(" ", "") == text.replace(" ", "")


# --- a hard bound on chunk size ----------------------------------------------------------------------------------
def check_chunks(text, nodes, max_chars):
    """Exact offsets, at most max_chars, in order, nothing but white space between or around them."""
    end = 0
    for n in nodes:
        assert text[n.start_char_idx : n.end_char_idx] == n.text and 0 < len(n.text) <= max_chars
        assert n.text == n.text.strip() and not text[end : n.start_char_idx].strip()
        end = n.end_char_idx
    assert not text[end:].strip()


# one sentence of 348 characters: a list of units, then the topics, each clause set off by commas or semicolons
LONG = (
    "Đoàn kiểm tra số 3 của Ủy ban Kiểm tra Tỉnh ủy Nghệ An đã làm việc với Huyện ủy Nam Đàn, Huyện ủy Đô Lương, "
    "Huyện ủy Thanh Chương và Thành ủy Vinh; kiểm tra việc lãnh đạo, chỉ đạo, tổ chức thực hiện công tác cán bộ, "
    "công tác bảo vệ chính trị nội bộ, công tác kiểm tra, giám sát; việc quản lý hồ sơ, tài liệu của các cấp ủy "
    "trong nhiệm kỳ 2020-2025."
)


def test_a_sentence_longer_than_a_chunk_is_cut_at_its_clauses():
    nodes = chunk_text(LONG, "d", max_chars=120)
    check_chunks(LONG, nodes, 120)
    assert len(nodes) >= 4 and all(n.text[-1] in ",;" for n in nodes[:-1]) and " ".join(n.text for n in nodes) == LONG
    text = f"Sáng 12/3, Đoàn làm việc tại Nghệ An. {LONG} Ông Trần Văn Nam phát biểu."
    check_chunks(text, chunk_text(text, "d", max_chars=120), 120)
    # a size the sentence fits in keeps it whole
    assert any(LONG in n.text for n in chunk_text(text, "d", max_chars=400))


def test_without_clauses_a_sentence_is_cut_at_spaces_and_without_spaces_hard():
    words = "từ khóa " * 200 + "cuối"
    nodes = chunk_text(words, "d", max_chars=300)
    check_chunks(words, nodes, 300)
    assert len(nodes) == 6 and all(set(n.text.split()) <= {"từ", "khóa", "cuối"} for n in nodes)
    solid = "x" * 2000
    assert [len(n.text) for n in chunk_text(solid, "d", max_chars=900)] == [900, 900, 200]


def test_a_megabyte_on_one_line_gives_bounded_chunks():
    # the shape of the bug report: one line, abbreviations ("TP.") that are no sentence ends, no paragraph
    unit = f"{LONG[:-1]}, tại TP. Vinh và TP. Hồ Chí Minh – hai địa bàn trọng điểm, "
    text = (unit * (1_000_000 // len(unit) + 1)).rstrip(", ")
    nodes = chunk_text(text, "d", max_chars=900)
    check_chunks(text, nodes, 900)
    assert len(nodes) > 1_000_000 // 900
