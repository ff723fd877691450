"""LLM answers whose citations are verified (used only when RAG_LLM is set).

question (+history) -> condensed standalone question -> fact records + hybrid passages -> numbered sources
-> prompt (wording/prompts/llm_*.txt; source text framed as data) -> LLM (streamed) -> verification:
every sentence must carry markers naming given sources, and each cited source must hold a sentence that
supports the claim (lexical overlap, or embedding similarity for cross-language claims); that sentence becomes
the citation's quote/start/end. Sentences with invalid or unsupported markers, or that only repeat an article's
title, are dropped; if nothing is left, or what is left lacks a key value of the exact answer (the name, date,
number asked for), the exact LLM-free answer is returned with a note saying so: never a worse one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from wording import render

from ..indexing.embeddings import Embedder
from ..query.answers.citations import Citations
from ..query.questions import Query
from ..results import Answer, Citation, Passage
from ..vn.dates import find_dates
from ..vn.entities import person_names
from ..vn.gazetteer import find_provinces
from ..vn.legal import find_legal_refs
from ..vn.text import fold, lexical_terms, split_sentences, syllables

__all__ = ["Source", "gather_sources", "build_messages", "verify", "condense", "key_values", "left_out"]

MAX_SOURCES = 6
MIN_OVERLAP = 0.3  # share of the claim's terms a supporting sentence must hold...
MIN_COSINE = 0.86  # ...or its embedding similarity (claims in English about Vietnamese text)
_MARKERS = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")


@dataclass
class Source:
    n: int
    doc_id: str
    source: str
    title: str
    text: str  # what the LLM sees: stored_text[start:start + len(text)]
    start: int
    date: str | None = None


def gather_sources(passages: list[Passage], facts: Answer | None) -> list[Source]:
    """Fact sentences first (they hold the exact fields), then retrieved passages not already covered."""
    sources: list[Source] = []
    spans: list[tuple[str, int, int]] = []
    for c in facts.citations if facts else []:
        sources.append(Source(len(sources) + 1, c.doc_id, c.source, c.title, c.quote, c.start, c.date))
        spans.append((c.doc_id, c.start, c.end))
    for p in passages:
        if len(sources) >= MAX_SOURCES:
            break
        if any(d == p.doc_id and a >= p.start and b <= p.end for d, a, b in spans):
            continue
        sources.append(Source(len(sources) + 1, p.doc_id, p.source, p.title, p.text, p.start, p.date))
        spans.append((p.doc_id, p.start, p.end))
    return sources


def _language_name(lang: str) -> str:
    return "tiếng Anh (English)" if lang == "en" else "tiếng Việt"


def build_messages(question: str, sources: list[Source], lang: str) -> list[Any]:
    from llama_index.core.llms import ChatMessage

    # Source text is data: it sits inside a delimited block and the system prompt says so.
    blocks = "\n\n".join(f"[{s.n}] {s.title}\n<<<\n{s.text}\n>>>" for s in sources)
    return [
        ChatMessage(role="system", content=render("llm_system", language=_language_name(lang))),
        ChatMessage(
            role="user", content=render("llm_answer", sources=blocks, question=question, language=_language_name(lang))
        ),
    ]


def condense(llm: Any, question: str, history: list[dict[str, Any]], fallback: str) -> str:
    """A standalone question from a follow-up; `fallback` (the rule-based rewrite) when the LLM gives nothing usable."""
    from llama_index.core.llms import ChatMessage

    from ..query.followups import message_text

    turns = "\n".join(
        f"{'Người dùng' if m.get('role') == 'user' else 'Trợ lý'}: {message_text(m)[:300]}" for m in history[-6:]
    )
    try:
        out = llm.chat([ChatMessage(role="user", content=render("llm_condense", history=turns, question=question))])
        text = (out.message.content or "").strip().splitlines()[0].strip(' "“”') if out.message.content else ""
    except Exception:  # a failing LLM must not lose the question
        return fallback
    return text if 3 <= len(text) <= 2 * len(fallback) + 200 else fallback


def _support(claim: str, source: Source, embedder: Embedder) -> tuple[int, int, float] | None:
    """The sentence of `source` that best supports `claim`: (start, end) in the stored text and its score."""
    sentences = [(source.start + a, source.start + b, source.text[a:b]) for a, b in split_sentences(source.text)]
    if not sentences:
        return None
    claim_terms = set(lexical_terms(claim))
    overlap = [len(claim_terms & set(lexical_terms(s))) / max(len(claim_terms), 1) for _, _, s in sentences]
    cosine = embedder.embed_passages([s for _, _, s in sentences]) @ embedder.embed_queries([claim])[0]
    i = int(np.argmax(np.asarray(overlap) + cosine))
    if overlap[i] < MIN_OVERLAP and float(cosine[i]) < MIN_COSINE:
        return None
    return sentences[i][0], sentences[i][1], round(float(overlap[i] + cosine[i]) / 2, 4)


def _only_a_title(claim: str, source: Source) -> bool:
    """A claim that says no more than the article's title ("Kiểm tra … ở Trà Vinh [1]") supports nothing."""
    terms, title = set(syllables(claim)), set(syllables(source.title))
    return bool(terms) and len(terms & title) >= 0.8 * len(terms)


def verify(
    output: str, sources: list[Source], embedder: Embedder, doc_text: Callable[[str], str]
) -> tuple[str, list[Citation]]:
    """Keep the sentences of `output` whose every marker names a given source that supports them; renumber the
    markers in order of use. Returns (answer text, citations); empty when nothing survives."""
    kept: list[str] = []
    cites = Citations(doc_text)
    for a, b in split_sentences(output):
        sentence = output[a:b]
        groups = _MARKERS.findall(sentence)
        numbers = list(dict.fromkeys(int(n) for g in groups for n in re.split(r"\s*[,;]\s*", g)))
        claim = _MARKERS.sub("", sentence).strip()
        if not numbers or len(claim) < 3 or any(not 1 <= n <= len(sources) for n in numbers):
            continue  # no marker, or one that names no source: an unverifiable sentence
        if any(_only_a_title(claim, sources[n - 1]) for n in numbers):
            continue
        found = [_support(claim, sources[n - 1], embedder) for n in numbers]
        supports = [s for s in found if s is not None]
        if len(supports) < len(found):
            continue  # a cited source that does not say this
        marks = [
            cites.cite(
                sources[n - 1].doc_id,
                sources[n - 1].source,
                sources[n - 1].title,
                start,
                end,
                score,
                sources[n - 1].date,
            )
            for n, (start, end, score) in zip(numbers, supports, strict=True)
        ]
        body, end_punct = re.match(r"(.*?)\s*([.!?…]*)$", claim, re.S).groups()  # type: ignore[union-attr]
        kept.append(f"{body} {cites.marks(marks)}{end_punct or '.'}")
    return " ".join(kept), cites.items


_PEOPLE_FIELDS = {"leader", "deputy", "announcer", "chair", "host", "attendee", "person", "role", "titles", "rank"}


def key_values(exact: Answer, query: Query) -> list[str]:
    """What the exact answer says that a fluent answer must keep (folded): the people, dates, team numbers, codes or
    provinces it gives for the fields asked (all of them from records; the first of each from a quoted passage)."""
    text = exact.answer
    asked = set(query.fields)
    found: list[list[str]] = []
    if asked & _PEOPLE_FIELDS:
        named = {fold(p) for p in query.persons}
        found.append([fold(text[a:b]) for a, b in person_names(text) if fold(text[a:b]) not in named])
    if asked & {"date", "deadline"}:
        found.append([f"{d.day}/{d.month}" for d in find_dates(text) if d.day])
    if "legal" in asked:
        named_refs = {r.key for r in query.legal}
        found.append([r.key for r in find_legal_refs(text) if r.key not in named_refs])
    if "team" in asked:
        found.append([m.group(1) for m in re.finditer(r"\b(?:so|no\.)\s*(\d+)", fold(text))])
    if asked & {"province", "place"}:
        named_provinces = {p.name for p in query.provinces}
        found.append([fold(p.name) for p, _, _ in find_provinces(text) if p.name not in named_provinces])
    values = [v for vs in found for v in (list(dict.fromkeys(vs)) if exact.mode == "facts" else vs[:1])]
    return list(dict.fromkeys(values))


def left_out(text: str, values: list[str]) -> list[str]:
    """The key values an LLM answer does not state (dates compare by day and month, codes by number and kind)."""
    folded = fold(text)
    days = {f"{d.day}/{d.month}" for d in find_dates(text) if d.day}
    refs = {r.key for r in find_legal_refs(text, loose=True)}
    return [v for v in values if not (v in days or v in refs or re.search(rf"\b{re.escape(v)}\b", folded))]
