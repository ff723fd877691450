"""Hybrid retrieval's parts on hand-made scores and vectors: the fusion, the IDF statistics, the weighting of the
dense side for questions typed without diacritics, the common-term cut of the lexical side, and the clause trimming
of over-long quotes. Each test fails when its mechanism is removed."""

import dataclasses
import math

import pytest
from conftest import HashEmbedding

from rag import Settings
from rag.query.answers.extractive import MAX_QUOTE_CHARS, _trim
from rag.query.questions import analyze
from rag.query.retrieval import POSTINGS, Retriever, TermStats, fuse


def test_fusion_normalizes_each_side_then_weighs_it():
    dense = [("x", 0.95), ("y", 0.70), ("z", 0.69)]  # cosines: close together
    lexical = [("y", 10.0), ("x", 5.0), ("z", 1.0), ("w", 1.0)]  # BM25: far apart
    fused = fuse([(dense, 1.0), (lexical, 1.0)])
    assert fused["x"] == pytest.approx(1.0 + 4 / 9) and fused["y"] == pytest.approx(1 / 26 + 1.0)
    assert fused["z"] == 0.0 and fused["w"] == 0.0  # the lowest of each side; w is absent from the dense side
    weighted = fuse([(dense, 0.25), (lexical, 1.0)])
    assert weighted["x"] == pytest.approx(0.25 + 4 / 9) and max(weighted, key=weighted.get) == "y"
    assert fuse([([("a", 3.0), ("a", 7.0)], 1.0), ([], 1.0), ([("b", 1.0)], 0.0)]) == {"a": 1.0}  # one hit: 1


def test_idf_favours_rare_terms_and_absent_ones_most():
    idf = TermStats(["rare", "common", "absent"], 100, {"rare": 2, "common": 60}).idf()
    assert idf["absent"] > idf["rare"] > idf["common"] > 0
    assert idf["rare"] == pytest.approx(math.log(1 + 98.5 / 2.5))


class _Store:
    """Three chunks: the dense side ranks x first, the lexical side y."""

    def counts(self):
        return 1, 3

    def doc_freqs(self, terms):
        return {t: 1 for t in terms} | {"chung": 3}

    def lexical_search(self, terms, limit):
        self.searched = list(terms)
        return [("y", 10.0), ("x", 5.0), ("z", 1.0)]

    def dense_search(self, embedding, k, embedder):
        return [("x", 0.95), ("y", 0.70), ("z", 0.69)]

    def chunks(self, ids):
        return {
            i: {"doc_id": i, "source": i, "title": i, "text": i, "start": 0, "end": 1, "date": None, "url": None}
            for i in ids
        }


def _retriever():
    return Retriever(_Store(), HashEmbedding(), Settings(top_k=3))


def test_the_dense_side_counts_less_for_vietnamese_typed_without_diacritics():
    accented = analyze("Đoàn kiểm tra làm việc ở tỉnh nào?")
    unaccented = analyze("doan kiem tra lam viec o tinh nao")
    assert accented.accented and not unaccented.accented
    assert [p.chunk_id for p in _retriever().search(accented)][0] == "x"
    assert [p.chunk_id for p in _retriever().search(unaccented)][0] == "y"  # dense weight 0.25: lexical decides
    english = dataclasses.replace(unaccented, language="en")
    assert [p.chunk_id for p in _retriever().search(english)][0] == "x"  # English keeps the dense side whole


def test_terms_in_more_than_half_the_chunks_are_not_searched_unless_nothing_else_is_left():
    r = _retriever()
    q = dataclasses.replace(analyze("doan kiem tra"), terms=["chung", "hiem"])
    r.lexical(q, 5)
    assert r.store.searched == ["hiem"]
    r.lexical(dataclasses.replace(q, terms=["chung"]), 5)
    assert r.store.searched == ["chung"]


def test_only_the_rarest_terms_are_searched_in_question_order():
    r = _retriever()
    r.store.counts = lambda: (1, 100)
    r.store.doc_freqs = lambda terms: {"mot": 9, "hai": 2, "ba": 40, "bon": 5, "nam": 1}
    r.settings = Settings(lexical_terms=3)
    r.lexical(dataclasses.replace(analyze("x"), terms=["mot", "hai", "ba", "bon", "nam", "sau"]), 5)
    assert r.store.searched == ["hai", "bon", "nam"]  # "sau" is in no chunk; "mot" and "ba" are the commonest


def test_past_the_rarest_term_the_terms_searched_stay_within_the_postings_budget():
    r = _retriever()
    r.store.counts = lambda: (1, 100 * POSTINGS)  # a large library: no term is in a quarter of the chunks
    common = POSTINGS // 2
    r.store.doc_freqs = lambda terms: {"hiem": 10, "it": 100, "vua": common, "chung": common + 1, "nhieu": 2 * POSTINGS}
    r.lexical(dataclasses.replace(analyze("x"), terms=["chung", "vua", "it", "hiem", "nhieu"]), 5)
    assert r.store.searched == ["vua", "it", "hiem"]  # the rarest until the next would pass the budget
    r.lexical(dataclasses.replace(analyze("x"), terms=["nhieu", "chung"]), 5)
    assert r.store.searched == ["chung"]  # the rarest term is searched, whatever its chunks
    r.lexical(dataclasses.replace(analyze("x"), terms=["nhieu"]), 5)
    assert r.store.searched == ["nhieu"]


def test_an_over_long_sentence_is_trimmed_to_the_clauses_that_answer():
    filler = ", ".join(f"nội dung thứ {i} của kế hoạch kiểm tra được triển khai đầy đủ" for i in range(12))
    text = f"Theo kế hoạch, {filler}, đồng chí Lê Văn Tám làm Trưởng đoàn, {filler}."
    assert len(text) > MAX_QUOTE_CHARS
    a, b = _trim(text, 0, len(text), {"tam": 3.0, "truong": 1.0}, lambda s: "Lê Văn Tám" in s)
    assert b - a <= MAX_QUOTE_CHARS and "đồng chí Lê Văn Tám làm Trưởng đoàn" in text[a:b]
    assert text[a:b] == text[a:b].strip(" ,;:")
    short = "Đồng chí Lê Văn Tám làm Trưởng đoàn."
    assert _trim(short, 0, len(short), {"tam": 1.0}, lambda s: True) == (0, len(short))
