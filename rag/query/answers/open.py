"""The open route: what / how / why questions ("Đoàn chỉ ra những tồn tại gì ở Cao Bằng?", "Quy định 58 gồm những
nội dung nào?", "What did X ask the committee to clarify?") answered with the window of an article that gives what
is asked, quoted verbatim.

Shared words alone pick titles and look-alike sentences, so similarity only finds the candidates:
1. candidate articles: the retrieved passages' articles that name every entity of the question (as on the passage
   route), best retrieval score first, at most `_DOCS`;
2. candidate sentences: those of body paragraphs (layout.blocks: never a headline, heading, byline, caption,
   dateline or related link). A sentence's evidence: the question's IDF-weighted terms in it (a heading right above
   its paragraph counts as its own words; the sentence before, a farther heading and the headline half), the cue
   words of the kind of answer asked (vn/cues: a "limits" question wants "còn thiếu", "tuy nhiên"…; a sentence
   naming that finding, "chỉ ra một số tồn tại", more; one naming only another finding, "Đoàn đề nghị …", less),
   the person or unit the question names, an enumeration of as many items as asked ("năm điều"). Priors rank
   among them without being evidence: retrieval score, the question's language, a paragraph's first sentence, a
   headline that is the question, the lede (which restates who, when and where);
3. the answer window: the best sentence, with the items it announces ("… chỉ ra một số tồn tại." + what follows)
   and its neighbours in the paragraph that give the same kind of answer, up to MAX_QUOTE_CHARS; a second window,
   best first: another finding of the asked kind in the same article, else one close in score;
4. refusal by evidence: under `_MIN_EVIDENCE` (chosen on the development sets: BENCHMARKS.md) nothing is quoted.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Set
from dataclasses import dataclass
from functools import lru_cache

from wording import render

from ...results import Answer, Passage
from ...vn.cues import ANNOUNCES, NAMES, OPEN_QUESTION, asked_items, asked_kinds, gives, items, requester
from ...vn.text import fold, lexical_terms, split_sentences, vietnamese
from ...vn.vocabulary import STAGES
from ..questions import GLOSSARY, Query
from .citations import MAX_ANSWER_CHARS, Citations, refusal
from .layout import blocks
from .scope import MISSING, describe, missing_entity, names

__all__ = ["is_open", "open_answer"]

log = logging.getLogger("rag")

MAX_QUOTE_CHARS = 520
_DOCS = 4
_MIN_EVIDENCE = 0.7  # calibrated on the development sets (BENCHMARKS.md §8, "The refusal threshold")
_CUE_WEIGHT = 0.5
_PERSON_WEIGHT = 0.25
_PRIOR_WEIGHT = 0.2
_FINDINGS = {"limits", "strengths", "requests"}  # what an inspection found or asked: one is not the other
_EN_STOP = frozenset(
    "the a an of in on at to for by and or is are was were be been did do does who whom whose what which when where "
    "how why that this these those it its with from as about tell me please any there their his her he she they them "
    "after before during while according into than also besides other more most such".split()
)


@dataclass
class _Sentence:
    doc: int  # index into the candidate articles
    block: int
    start: int
    end: int
    score: float  # evidence plus priors (retrieval, language, position, headline): ranks the sentences
    evidence: float  # what the sentence itself holds of the question: its terms, the asked kind, the person
    gives: bool  # gives a kind of answer the question asks for


# "các đoàn", "những đoàn" as the subject of an open question, not "đoàn số mấy", "which team"
_TEAM_ASKED = re.compile(r"\b(?:so may|so bao nhieu|thu may|so hieu|doan (?:kiem tra |cong tac )?nao|which teams?)\b")


def is_open(q: Query) -> bool:
    """Asks what / how / why (no field a record or a typed check answers): the open route's questions."""
    fields = set(q.fields) - ({"team"} if not _TEAM_ASKED.search(q.folded) else set())
    # (or no interrogative but the kind of answer: "[So sánh] những tồn tại Đoàn chỉ ra ở A")
    return fields <= {"free"} and bool(
        OPEN_QUESTION.search(q.folded) or asked_kinds(_unnamed(q), q.text if q.accented else None)
    )


_IRREGULAR = {
    "found": "find",
    "said": "say",
    "led": "lead",
    "took": "take",
    "made": "make",
    "held": "hold",
    "met": "meet",
}


def _stem(word: str) -> str:
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    for suffix in ("ings", "ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _english(text: str) -> dict[str, str]:
    """stem -> word, for the content words of English text ("shortcomings" -> "shortcoming")."""
    return {_stem(w): w for w in re.findall(r"[a-z]+(?:-[a-z]+)*", fold(text)) if w not in _EN_STOP and len(w) > 2}


def _unnamed(q: Query) -> str:
    """The folded question without the names it holds ("Ban Chỉ đạo 35" asks for no "chỉ đạo")."""
    out = q.folded
    for name in [*q.persons, *(u.name for u in q.units), *q.bodies]:
        out = out.replace(fold(name), " _ ")  # (a placeholder: the words around a name do not join up)
    return out


@dataclass(frozen=True)
class _Read:
    """A body sentence of an article and what any question looks up in it (computed once per article)."""

    block: int  # its paragraph's number in layout.blocks
    i: int  # its number in the paragraph
    start: int
    end: int
    own: frozenset[str]  # lexical terms of the sentence, and of the heading right above its paragraph
    near: frozenset[str]  # of what frames it less closely: the sentence before, a farther heading, the headline
    own_text: str  # (the same as text, for an English question's words)
    near_text: str
    folded: str
    near_folded: str
    items: int  # how many items it enumerates
    lede: bool  # the article's first body sentence


@lru_cache(maxsize=512)
def _read(text: str, title: str) -> tuple[_Read, ...]:
    out: list[_Read] = []
    folded_title = fold(title)
    title_terms = frozenset(lexical_terms(folded_title))
    for b, block in enumerate(blocks(text, title)):
        if block.kind != "body":
            continue
        frame = text[block.heading[0] : block.heading[1]] if block.heading else ""
        frame_terms = frozenset(lexical_terms(fold(frame)))
        before, before_terms = "", frozenset[str]()
        for i, (x, y) in enumerate(split_sentences(text[block.start : block.end])):
            a, z = block.start + x, block.start + y
            s, f = text[a:z], fold(text[a:z])
            terms = frozenset(lexical_terms(f))
            own, near = (
                (terms | frame_terms, title_terms | before_terms)
                if block.after == 0
                else (terms, title_terms | before_terms | frame_terms)
            )
            out.append(
                _Read(
                    b, i, a, z, own, near,
                    f"{s} {frame}" if block.after == 0 else s, f"{title} {before} {frame if block.after else ''}",
                    f, f"{folded_title} {fold(before)} {fold(frame) if block.after else ''}", items(s), not out,
                )
            )  # fmt: skip
            before, before_terms = s, terms
    return tuple(out)


def _coverage(have: Set[str], near: Set[str], weights: dict[str, float]) -> float:
    """Weighted share of the question's terms in the sentence (full credit) or only in what frames it (half)."""
    total = sum(weights.values())
    got = sum(w if t in have else 0.5 * w if t in near else 0.0 for t, w in weights.items())
    return got / total if total else 0.0


def open_answer(
    query: Query,
    passages: list[Passage],
    idf: dict[str, float],
    doc_text: Callable[[str], str],
) -> Answer | None:
    """The cited window answering an open question, a refusal when the candidates hold nothing close enough, or
    None when no candidate article names the question's entities (the caller's refusal says which is missing)."""
    best_of: dict[str, Passage] = {}
    for p in passages:
        if p.doc_id not in best_of and missing_entity(doc_text(p.doc_id), query, p.date) is None:
            best_of[p.doc_id] = p
    docs = list(best_of.values())[:_DOCS]
    if not docs:
        return None
    asked = {t for m in OPEN_QUESTION.finditer(query.folded) for t in lexical_terms(m.group())}  # "những nội dung gì"
    typed = _english(query.text) if query.language == "en" else {}
    weights = {t: idf.get(t, 0.0) for t in query.terms}
    # what the question names (people, units, bodies) chose the articles; in them, the sentence is picked by the
    # rest (and the person named): "What did General X ask the Y Committee to clarify?" -> "X asked … to clarify …"
    name_terms = {t for n in [*query.persons, *(u.name for u in query.units), *query.bodies] for t in lexical_terms(n)}
    # (a bigram weighs at most as much as its rarer syllable: "trung_uong kiem" across two names is no topic; one
    # across a comma is none at all)
    clauses = {t for part in re.split(r"[^\w\s]+", query.folded) for t in lexical_terms(part)}
    # and the words of the inspections' own vocabulary ("đoàn kiểm tra", "tiểu ban": never residual) weigh less
    # than what the question says beyond it (`Query.residual`)
    topic = {t for phrase in query.residual for t in lexical_terms(phrase)}
    weights = {
        t: min(w, *(idf.get(part, w) for part in t.split("_"))) * (1.0 if t in topic else 0.4)
        for t, w in weights.items()
        if t not in query.entity_terms | asked | name_terms and ("_" not in t or t in clauses)
    }
    kinds = asked_kinds(_unnamed(query), query.text if query.accented else None)
    stage = STAGES[query.stage] if query.stage in ("draft", "results") else None
    persons = [(fold(n), fold(n).split()[-1]) for n in query.persons]  # the whole name, and the given name
    units = [fold(u.name) for u in query.units]  # "hạn chế gì ở Thị ủy Kỳ Anh": the sentence about that unit
    wanted = asked_items(_unnamed(query), query.text if query.accented else None)  # "năm điều": five things
    top = max(p.score for p in docs) or 1.0

    if stage:  # asked about the results (or a draft report) of an inspection: articles about them only
        docs = [p for p in docs if re.search(stage, fold(f"{p.title}\n{doc_text(p.doc_id)[:600]}"))]
    candidates = [(d, p, x) for d, p in enumerate(docs) for x in _read(doc_text(p.doc_id), p.title)]
    # English words weigh by how few candidate sentences hold them (the corpus' IDF knows few English articles)
    df: dict[str, int] = {}
    own_en = {id(x): set(_english(x.own_text)) for *_, x in candidates} if typed else {}
    for *_, x in candidates if typed else []:
        for w in own_en[id(x)] & set(typed):
            df[w] = df.get(w, 0) + 1
    capitalized = {_stem(w.lower()) for w in re.findall(r"(?<=\w\W)([A-Z][a-z]+(?:-[a-z]+)*)", query.text)}  # names
    english = {
        w: math.log(1 + len(candidates) / (df.get(w, 0) + 0.5)) * (0.3 if w in capitalized else 1.0)
        for w in typed
        if not w.isdigit()
    }
    # an article whose headline is what the question asks about ("How is X's boom putting Y to the test?")
    titled = [
        max(
            _coverage(set(lexical_terms(p.title)), set(), weights),
            _coverage(set(_english(p.title)), set(), english) if english else 0.0,
        )
        for p in docs
    ]
    # An English question reaches Vietnamese text through the glossary's domain words only ("protection" ->
    # "bảo vệ"; "industrial boom" has none): its Vietnamese coverage counts for the share of words translated.
    common = [w for stem, w in typed.items() if stem not in capitalized]  # (names are matched as entities)
    translated = sum(w in GLOSSARY or w[:-1] in GLOSSARY for w in common) / len(common) if common else 1.0
    asks = set(kinds)
    asker = requester(query.folded) if "requests" in asks else None  # the team's requests, or the host's
    sentences: list[_Sentence] = []
    for d, p, x in candidates:
        lex = translated * _coverage(x.own, x.near, weights)
        if english:
            lex = max(lex, _coverage(own_en[id(x)], set(_english(x.near_text)), english))
        given = {k for k in asks | _FINDINGS if gives(k, x.folded)} if asks else set()
        other_side = bool(asker) and requester(x.folded) not in (None, asker)  # the host's request, not the team's
        given -= {"requests"} if other_side else set()
        cue = len(given & asks) / len(asks) if asks else 0.0
        # a sentence naming the finding asked ("chỉ ra một số tồn tại") holds or announces it; one naming only
        # another kind of finding ("Đoàn đề nghị …" when shortcomings are asked) does not answer
        kinds_named = {k for k, pattern in NAMES.items() if re.search(pattern, x.folded)} if asks & _FINDINGS else set()
        kinds_named -= {"requests"} if other_side else set()
        names_asked = bool(kinds_named & asks)
        other_kind = bool(kinds_named - asks) or not cue and bool(given & _FINDINGS - asks)
        elsewhere = bool(_FINDINGS & asks) and not names_asked and other_kind or other_side
        person = max(
            (
                1.0 if names(x.folded, n) else 0.7 if names(x.folded, first) else 0.5 if names(x.near_folded, n) else 0
                for n, first in persons
            ),
            default=0.0,
        )
        unit = max((1.0 if names(x.folded, u) else 0.5 if names(x.near_folded, u) else 0 for u in units), default=0)
        evidence = lex + _CUE_WEIGHT * cue + _PERSON_WEIGHT * max(person, unit) + 0.2 * (wanted == x.items)
        evidence += 0.2 * names_asked
        score = evidence + _PRIOR_WEIGHT * p.score / top + 0.3 * titled[d]
        in_vietnamese = vietnamese(x.own_text) if typed else True  # (only an English question tells them apart)
        score += 0.1 * ((query.language == "en") != in_vietnamese) + 0.05 * (x.i == 0)  # a paragraph's first: its topic
        score -= 0.2 * x.lede  # the lede restates who, when and where; an open question asks for more
        score -= 0.1 * max(0, x.end - x.start - 300) / 300 + 0.2 * elsewhere  # long ones hold many words by chance
        sentences.append(_Sentence(d, x.block, x.start, x.end, score, evidence, cue > 0))
    ranked = sorted(sentences, key=lambda s: -s.score)
    log.debug("open route evidence: %.3f", ranked[0].evidence if ranked else 0.0)  # (bench/open_route.py reads it)
    if not ranked or ranked[0].evidence < _MIN_EVIDENCE:  # the articles about what it names were read: say so
        lang = 1 if query.language == "en" else 0
        return refusal(query, describe(query), MISSING["free"][lang]) if query.named else refusal(query)

    first = _window(ranked[0], sentences, doc_text(docs[ranked[0].doc].doc_id), kinds)
    windows = [(first[0], a, z) for a, z in first[1]]
    # a second window: another finding of the asked kind in the same article ("What shortcomings …?": each
    # paragraph of findings is part of the answer), else one close in score
    best = ranked[0]
    seconds = [
        o
        for o in ranked[1:8]
        if not any(w[0] == o.doc and w[1] <= o.start < w[2] for w in windows)  # not quoted already
        and o.score >= (0.6 if o.gives and best.gives and o.doc == best.doc else 0.85) * best.score
    ]
    for other in sorted(seconds, key=lambda o: (o.doc != best.doc, -o.score))[:1]:
        d, spans = _window(other, sentences, doc_text(docs[other.doc].doc_id), kinds)
        spans = [(a, z) for a, z in spans if not any(w[0] == d and a < w[2] and w[1] < z for w in windows)]
        if sum(z - a + 6 for _, a, z in windows) + sum(z - a for a, z in spans) <= MAX_ANSWER_CHARS - 60:
            windows += [(d, a, z) for a, z in spans]

    cites = Citations(doc_text)
    quotes: list[str] = []
    english_quotes = True
    for d, a, z in windows:  # best first: a reader (or a shortened answer) gets the best window whole
        p = docs[d]
        text = doc_text(p.doc_id)
        n = cites.cite(p.doc_id, p.source, p.title, a, z, round(min(1.0, ranked[0].score / 2), 4), p.date)
        quote = text[a:z]
        english_quotes = english_quotes and not vietnamese(quote)
        quotes.append(f"{quote} [{n}]" if query.language == "vi" else f"“{quote}” [{n}]")
    frame = "extractive_vi" if query.language == "vi" else "quoted_en" if english_quotes else "extractive_en"
    return Answer(
        question=query.text,
        answer=render(frame, quotes=" ".join(quotes)),
        found=True,
        citations=cites.items,
        language=query.language,
    )


def _window(
    best: _Sentence, sentences: list[_Sentence], text: str, kinds: list[str]
) -> tuple[int, list[tuple[int, int]]]:
    """(doc, spans): the best sentence, with the sentence announcing it or the items it announces, and its
    neighbours in the paragraph that give the asked kind of answer. One span when that fits MAX_QUOTE_CHARS; an
    enumeration too long for it is quoted item by item, each cut to its first clauses."""
    para = [s for s in sentences if s.doc == best.doc and s.block == best.block]
    i = j = para.index(best)
    if i > 0 and ANNOUNCES.search(fold(text[para[i - 1].start : para[i - 1].end])):
        i -= 1  # the sentence announcing this item frames it
    if ANNOUNCES.search(fold(text[para[i].start : para[i].end])) or (
        i + 1 < len(para) and _ITEM.match(text, para[i + 1].start)
    ):
        j = min(len(para) - 1, i + 8)  # an enumeration: all its items
        while j > para.index(best) and kinds and not (_ITEM.match(text, para[j].start) or para[j].gives):
            j -= 1  # (with no kind asked, the rest of the paragraph is what was announced)
    else:
        while j + 1 < len(para) and para[j + 1].end - para[i].start <= MAX_QUOTE_CHARS:
            # a short sentence rarely answers by itself; a neighbour giving the asked kind of answer goes with it
            if para[j].end - para[i].start >= 200 and not (para[j + 1].gives and para[j + 1].score >= 0.5 * best.score):
                break
            j += 1
    if para[j].end - para[i].start <= MAX_QUOTE_CHARS:
        return best.doc, [(para[i].start, para[j].end)]
    if i == j:
        return best.doc, [_head(text, para[i].start, para[i].end, MAX_QUOTE_CHARS)]
    spans: list[tuple[int, int]] = []
    for s in para[i : j + 1]:
        a, z = _head(text, s.start, s.end, 150)
        if sum(y - x + 6 for x, y in spans) + z - a > MAX_QUOTE_CHARS:
            break
        spans.append((a, z))
    return best.doc, spans


# "Thứ nhất, …", "Một là, …", "- …", "First, …": an item of an enumeration
_ITEM = re.compile(
    r"\s*(?:[-–•+]\s|\d+[.)]\s|(?:Thứ|Thu) (?:nhất|nhat|hai|ba|tư|tu|năm|nam|sáu|sau)\b|(?:Một|Hai|Ba|Bốn|Năm) là\b"
    r"|(?:First|Second|Third|Finally)\b)"
)


def _head(text: str, a: int, z: int, limit: int) -> tuple[int, int]:
    """The sentence text[a:z] cut to its first clauses within `limit` characters (at a , ; or space)."""
    if z - a <= limit:
        return a, z
    cut = max(text.rfind(c, a, a + limit) for c in ";,")
    if cut <= a + limit // 3:
        cut = text.rfind(" ", a, a + limit)
    while cut > a and text[cut - 1] in " ,;:":
        cut -= 1
    return a, cut if cut > a else a + limit  # (no place to cut: at the limit)
