"""Extractive answers (no LLM): pick the best-supporting sentences of the retrieved passages, quote them
verbatim with their offsets, and say "not found" rather than cite something unrelated.

Relevance, in order:
1. Entities: a province, team number or legal reference named in the question must be named by the passage's
   document (a reference by its whole number: 158-QĐ/TW is not 58-QĐ/TW);
   passages of other documents are dropped ("Trưởng đoàn Đại biểu Quốc hội tỉnh Trà Vinh" must not answer
   about Cà Mau). No document left -> not found, saying which entity no article mentions.
2. Topic: the passage must hold `min_term_coverage` of the question's IDF-weighted content terms, or be
   `min_dense_score` close to it (the dense side is what carries English questions).
Sentences are then scored by the question terms they hold (entity terms excluded: entities were matched at
document level), plus a bonus when they contain what is asked (a person for "ai", a date for "khi nào"...).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ..vn.entities import person_names, team_numbers
from ..vn.dates import find_dates

def has_date(s):
    return bool(find_dates(s))

def count_units(s):
    return len(re.findall(r'\b(?:ban thuong vu|huyen uy|thanh uy|quan uy|thi uy|dang uy|tinh uy|ban to chuc|ban can su)\b', fold(s)))

from ..vn.legal import find_legal_refs, legal_key
from ..vn.gazetteer import find_provinces
from ..prompts import render
from ..questions import Query
from ..results import Answer, Citation, Passage
from ..settings import Settings
from ..vn.text import fold, lexical_terms, split_sentences

__all__ = ["extractive_answer", "not_found"]

MAX_ANSWER_CHARS = 600
MAX_QUOTE_CHARS = 420
_ASKED_BONUS = 0.35
_PASSAGE_PRIOR = 0.15
_MAX_SCORE = 1 + _ASKED_BONUS + _PASSAGE_PRIOR  # scales a sentence's score to [0, 1] for its citation

def _has_person(s: str) -> bool:
    return bool(person_names(s))


# What a sentence must contain to answer the asked field (a bonus when it does).
_HAS_ASKED: dict[str, Callable[[str], bool]] = {
    "leader": _has_person, "deputy": _has_person, "announcer": _has_person, "host": _has_person,
    "date": has_date, "year": has_date,
    "team": lambda s: bool(team_numbers(s)),
    "legal": lambda s: bool(find_legal_refs(s)),
    "units": lambda s: count_units(s) >= 2,
    "province": lambda s: bool(find_provinces(s)),
}


@dataclass
class _Sentence:
    passage: Passage
    start: int  # offsets into the document's stored text
    end: int
    score: float
    terms: set[str]


def not_found(query: Query, entity: str | None = None) -> Answer:
    lang = query.language
    text = render(f"not_found_entity_{lang}", entity=entity) if entity else render(f"not_found_{lang}")
    return Answer(question=query.text, answer=text, found=False, citations=[], language=lang)


def _mentions(doc_text: str, query: Query) -> str | None:
    """The first entity of the question that `doc_text` does not name, else None."""
    folded = fold(doc_text)
    for p in query.provinces:
        if not any(q is p for q, _, _ in find_provinces(doc_text)):
            return p.name
    for n in query.teams:
        if not re.search(rf"\bso 0*{n}\b", folded):
            return f"Đoàn kiểm tra số {n}" if query.language == "vi" else f"inspection team no. {n}"
    if query.legal:  # "158-QĐ/TW" is not "58-QĐ/TW": numbers compare whole
        have = {legal_key(r.number, r.kind) for r in find_legal_refs(doc_text)}
        for ref in query.legal:
            if legal_key(ref.number, ref.kind) not in have:
                return ref.code or f"{ref.kind} số {ref.number}"
    return None


def _coverage(terms: set[str], weights: dict[str, float]) -> float:
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in terms) / total if total else 1.0


def _trim(doc_text: str, a: int, b: int, weights: dict[str, float]) -> tuple[int, int]:
    """Cut an over-long sentence to its best window of clauses (split at ; : ,), at most MAX_QUOTE_CHARS."""
    if b - a <= MAX_QUOTE_CHARS:
        return a, b
    cuts = [a] + [a + m.end() for m in re.finditer(r"[;:,]\s+", doc_text[a:b])] + [b]
    clauses = list(zip(cuts, cuts[1:]))
    score = [_coverage(set(lexical_terms(doc_text[x:y])), weights) for x, y in clauses]
    i = j = max(range(len(clauses)), key=score.__getitem__)
    while True:  # grow towards the better neighbour while it fits
        left = score[i - 1] if i > 0 and clauses[j][1] - clauses[i - 1][0] <= MAX_QUOTE_CHARS else -1
        right = score[j + 1] if j + 1 < len(clauses) and clauses[j + 1][1] - clauses[i][0] <= MAX_QUOTE_CHARS else -1
        if left < 0 and right < 0:
            break
        if right >= left:
            j += 1
        else:
            i -= 1
    x, y = clauses[i][0], clauses[j][1]
    while y > x and doc_text[y - 1] in " ,;:":
        y -= 1
    return x, y


def extractive_answer(query: Query, passages: list[Passage], idf: dict[str, float],
                      doc_text: Callable[[str], str], settings: Settings) -> Answer:
    if not passages:
        return not_found(query)
    # 1. entities at document level
    if query.provinces or query.teams or query.legal:
        missing: dict[str, str | None] = {}
        for p in passages:
            if p.doc_id not in missing:
                missing[p.doc_id] = _mentions(doc_text(p.doc_id), query)
        kept = [p for p in passages if missing[p.doc_id] is None]
        if not kept:
            return not_found(query, next(m for m in missing.values() if m))
        passages = kept

    # 2. topic. A bigram weighs at most as much as its rarer syllable: a chance pair of common words must
    # not outweigh the words themselves.
    weights = {t: min(w, *(idf.get(part, w) for part in t.split("_"))) if "_" in t else w
               for t, w in idf.items() if t not in query.entity_terms}
    # With no content terms left (an English question of words the glossary lacks), only a named entity that
    # matched above, or the dense side, can vouch for relevance.
    lexical_ok = bool(weights) or bool(query.provinces or query.teams)
    relevant = [p for p in passages
                if (lexical_ok and _coverage(set(lexical_terms(p.text)), weights) >= settings.min_term_coverage)
                or (p.dense_score or 0.0) >= settings.min_dense_score]
    if not relevant:
        return not_found(query)

    # 3. sentences
    has_asked = _HAS_ASKED.get(query.field or "")
    sentences: list[_Sentence] = []
    for rank, p in enumerate(relevant):
        for a, b in split_sentences(p.text):
            s = p.text[a:b]
            terms = set(lexical_terms(s))
            # long sentences (lists of officials) cover many terms by chance: a mild length penalty
            score = _coverage(terms, weights) + _PASSAGE_PRIOR * p.score - 0.02 * rank - 0.1 * max(0, b - a - 250) / 250
            if has_asked is not None and has_asked(s):
                score += _ASKED_BONUS
            sentences.append(_Sentence(p, p.start + a, p.start + b, score, terms))
    sentences.sort(key=lambda s: -s.score)
    chosen = [sentences[0]]
    for s in sentences[1:]:
        if len(chosen) == 2 or s.score < 0.8 * chosen[0].score:
            break
        first = chosen[0].terms
        if len(s.terms & first) < 0.6 * min(len(s.terms), len(first)):  # not a repeat of the first (lead, caption)
            chosen.append(s)

    citations: list[Citation] = []
    quotes: list[str] = []
    length = 0
    for s in chosen:
        text = doc_text(s.passage.doc_id)
        a, b = _trim(text, s.start, s.end, weights)
        if citations and length + (b - a) > MAX_ANSWER_CHARS - 40:
            break
        n = len(citations) + 1
        citations.append(Citation(id=n, source=s.passage.source, title=s.passage.title, quote=text[a:b], start=a,
                                  end=b, score=round(max(0.0, min(1.0, s.score / _MAX_SCORE)), 4), doc_id=s.passage.doc_id, date=s.passage.date))
        quotes.append(f"{text[a:b]} [{n}]" if query.language == "vi" else f"“{text[a:b]}” [{n}]")
        length += b - a
    answer = render(f"extractive_{query.language}", quotes=" ".join(quotes))
    return Answer(question=query.text, answer=answer, found=True, citations=citations, language=query.language)
