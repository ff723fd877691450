"""Hybrid retrieval: dense (Chroma, e5 cosine) + lexical (FTS5 BM25 over folded syllables and bigrams), fused by
calibrated weights: each side's scores are min-max normalized over its candidates, then added with a weight.

Why not reciprocal-rank fusion: with RRF's usual k=60, adjacent ranks differ by ~0.0003, so even a small dense vote
for the lexical #2 overturns the lexical #1. On XQuAD-vi (bench/retrieval_xquad.py) score fusion gave R@5 0.993 /
MRR 0.969 accented (RRF 0.988 / 0.957) and R@5 0.982 unaccented (RRF with dense weight 0.25: 0.934).
Weights: dense 1.0 and lexical 1.0, except Vietnamese typed without diacritics, where the dense side is nearly
blind (R@5 0.50 vs 0.98) and gets `unaccented_dense_weight`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from vectorstore import Store

from ..indexing.embeddings import Embedder
from ..results import Passage
from ..settings import Settings
from .questions import Query

__all__ = ["POSTINGS", "Retriever", "TermStats", "fuse"]

POSTINGS = 12_000  # the most chunks a question's BM25 search scores, past its rarest term


def fuse(sides: Sequence[tuple[Sequence[tuple[str, float]], float]]) -> dict[str, float]:
    """Weighted sum of min-max normalized scores: sides = [([(id, score) best first], weight), ...]; an id a side
    did not return gets 0 from it."""
    fused: dict[str, float] = {}
    for hits, weight in sides:
        if not hits or weight == 0:
            continue
        best: dict[str, float] = {}
        for i, s in hits:
            best[i] = max(best.get(i, s), s)
        hi, lo = max(best.values()), min(best.values())
        for i, s in best.items():
            fused[i] = fused.get(i, 0.0) + weight * ((s - lo) / (hi - lo) if hi > lo else 1.0)
    return fused


@dataclass
class TermStats:
    terms: Sequence[str]
    n_chunks: int
    df: dict[str, int]  # chunks containing each term; absent terms omitted

    def idf(self) -> dict[str, float]:
        """BM25-style IDF of every term; terms absent from the corpus get the highest value."""
        n = max(self.n_chunks, 1)
        return {t: math.log(1 + (n - self.df.get(t, 0) + 0.5) / (self.df.get(t, 0) + 0.5)) for t in self.terms}


@dataclass
class Retriever:
    store: Store
    embedder: Embedder
    settings: Settings

    def term_stats(self, terms: Sequence[str]) -> TermStats:
        return TermStats(terms, self.store.counts()[1], self.store.doc_freqs(terms))

    def lexical(self, query: Query, k: int, stats: TermStats | None = None) -> list[tuple[str, float]]:
        """(chunk_id, BM25) best first, over the folded terms of the question."""
        stats = stats or self.term_stats(query.terms)
        n_chunks, df = stats.n_chunks, stats.df
        # Common terms add little to BM25 but cost a long posting list each: terms in more than `lexical_common` of
        # the chunks go, and of the rest the `lexical_terms` rarest are matched.
        present = [t for t in query.terms if df.get(t, 0)]
        common = max(int(n_chunks * self.settings.lexical_common), 1)
        match_terms = [t for t in present if df[t] <= common] or present
        # BM25 scores every chunk holding a matched term: past the rarest, a term is matched only while the chunks to
        # score stay within POSTINGS, so that a question costs about the same in a large library as in a small one
        # (20,000 articles: the 16 rarest terms were in ~32,000 chunks a question, 69 ms; now 14 ms). The terms left
        # out are in thousands of chunks each (IDF ~2.5 against 7-10 for the rare ones); a budget of 6,000 left out
        # "kiểm tra" from "ai là trưởng đoàn kiểm tra ở Quảng Ninh" and the answer quoted another delegation's head.
        rarest: set[str] = set()
        postings = 0
        for t in sorted(match_terms, key=lambda t: df[t])[: self.settings.lexical_terms]:
            if rarest and postings + df[t] > POSTINGS:
                break
            rarest.add(t)
            postings += df[t]
        return self.store.lexical_search([t for t in match_terms if t in rarest], k)

    def dense(self, query: Query, k: int) -> list[tuple[str, float]]:
        """(chunk_id, cosine) best first."""
        return self.store.dense_search(self.embedder.embed_queries([query.text])[0], k, self.embedder.identity)

    def search(self, query: Query, k: int | None = None, stats: TermStats | None = None) -> list[Passage]:
        """The k best passages, both sides fused; `stats` (of query.terms) may be passed when the caller needs them
        too."""
        k = k or self.settings.top_k
        cand = max(self.settings.candidates, k)
        stats = stats or self.term_stats(query.terms)
        if stats.n_chunks == 0:
            return []
        lexical = self.lexical(query, cand, stats)
        dense = self.dense(query, cand)
        w_dense = self.settings.unaccented_dense_weight if (query.language == "vi" and not query.accented) else 1.0
        fused = fuse([(dense, w_dense), (lexical, 1.0)])
        best = w_dense + 1.0
        top = sorted(fused, key=lambda i: -fused[i])[:k]
        rows = self.store.chunks(top)
        dense_s, lex_s = dict(dense), dict(lexical)
        return [
            Passage(
                chunk_id=i,
                doc_id=r["doc_id"],
                source=r["source"],
                title=r["title"],
                text=r["text"],
                start=r["start"],
                end=r["end"],
                score=round(fused[i] / best, 4),
                date=r["date"],
                url=r["url"],
                dense_score=dense_s.get(i),
                lexical_score=lex_s.get(i),
            )
            for i in top
            if (r := rows.get(i)) is not None
        ]
