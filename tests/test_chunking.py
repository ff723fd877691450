from rag.chunking import chunk_text

from conftest import SEEDS


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
