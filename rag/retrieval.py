"""Hybrid retrieval: dense (Chroma, e5 cosine) + lexical (FTS5 BM25 over folded syllables and bigrams), fused
by weighted reciprocal-rank fusion.

Weights: both sides 1.0, except Vietnamese typed without diacritics, where the dense side is nearly blind
(XQuAD-vi R@5 0.42 vs 0.98 accented) and gets `unaccented_dense_weight` so that it cannot drown the lexical side.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from vectorstore import Store

from .embeddings import Embedder
from .questions import Query
from .results import Passage
from .settings import Settings

__all__ = ["Retriever", "TermStats", "rrf"]


@dataclass
class TermStats:
    terms: Sequence[str]
    n_chunks: int
    df: dict[str, int]  # chunks containing each term; absent terms omitted

    def idf(self) -> dict[str, float]:
        """BM25-style IDF of every term; terms absent from the corpus get the highest value."""
        n = max(self.n_chunks, 1)
        return {t: math.log(1 + (n - self.df.get(t, 0) + 0.5) / (self.df.get(t, 0) + 0.5)) for t in self.terms}


def rrf(rankings: Sequence[Sequence[str]], weights: Sequence[float], k: int) -> dict[str, float]:
    """Weighted reciprocal-rank fusion: score(id) = sum_i w_i / (k + rank_i(id)), rank from 1."""
    scores: dict[str, float] = {}
    for ranking, w in zip(rankings, weights):
        for rank, item in enumerate(ranking, 1):
            scores[item] = scores.get(item, 0.0) + w / (k + rank)
    return scores


@dataclass
class Retriever:
    store: Store
    embedder: Embedder
    settings: Settings

    def term_stats(self, terms: Sequence[str]) -> TermStats:
        return TermStats(terms, self.store.catalog.counts()[1], self.store.catalog.doc_freqs(terms))

    def lexical(self, query: Query, k: int, stats: TermStats | None = None) -> list[tuple[str, float]]:
        """(chunk_id, BM25) best first, over the folded terms of the question."""
        stats = stats or self.term_stats(query.terms)
        n_chunks, df = stats.n_chunks, stats.df
        # Terms in more than half of the chunks add little to BM25 but cost a long posting list each.
        match_terms = [t for t in query.terms if df.get(t, 0) and df[t] <= max(n_chunks // 2, 1)] or \
            [t for t in query.terms if df.get(t, 0)]
        return self.store.catalog.lexical_search(match_terms, k)

    def dense(self, query: Query, k: int) -> list[tuple[str, float]]:
        """(chunk_id, cosine) best first."""
        return self.store.dense_search(self.embedder.embed_queries([query.text])[0], k)

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
        fused = rrf([[i for i, _ in dense], [i for i, _ in lexical]], [w_dense, 1.0], self.settings.rrf_k)
        best = (w_dense + 1.0) / (self.settings.rrf_k + 1)
        top = sorted(fused, key=lambda i: -fused[i])[:k]
        rows = self.store.catalog.chunks(top)
        dense_s, lex_s = dict(dense), dict(lexical)
        return [
            Passage(chunk_id=i, doc_id=r["doc_id"], source=r["source"], title=r["title"], text=r["text"],
                    start=r["start"], end=r["end"], score=round(fused[i] / best, 4), date=r["date"], url=r["url"],
                    dense_score=dense_s.get(i), lexical_score=lex_s.get(i))
            for i in top if (r := rows.get(i)) is not None
        ]
