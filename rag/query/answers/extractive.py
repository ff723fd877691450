"""The passage route (no LLM): the best-supporting sentences of the retrieved passages, quoted verbatim — or a
refusal that says what was not found, never a nearby sentence that does not answer.

A sentence answers only when, in order:
1. its document names every entity of the question (province, unit, person, team number, body, date or year,
   legal reference; a reference by its whole number: 158-QĐ/TW is not 58-QĐ/TW);
2. its passage is on topic: `min_term_coverage` of the question's IDF-weighted terms, or `min_dense_score`;
3. it holds the kind of thing asked (a person's name and the role's words for "ai chủ trì", a date for "khi nào",
   a number with the counted noun for "bao nhiêu cấp ủy", "đến ngày …" for "đến ngày nào" …);
4. it holds the question's residual words (those no field or entity explains), and every entity stands in the
   sentence, its paragraph or the article's title; a sentence about another year than the one asked is out.
Sentences are then scored by the question terms they hold, plus a bonus for what is asked.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from wording import render

from ...results import Answer, Passage
from ...settings import Settings
from ...vn.dates import find_dates
from ...vn.entities import find_counts, find_teams, person_names, rank_before
from ...vn.gazetteer import COMMITTEES, LOCAL_BODY, SUBCOMMITTEE, UNIT_HEAD, find_bodies, find_provinces, find_units
from ...vn.legal import find_legal_refs
from ...vn.text import fold, has_diacritics, lexical_terms, split_sentences, vietnamese
from ...vn.vocabulary import ROLE_WORDS, STAGES, TOPIC
from ..questions import Query
from .citations import MAX_ANSWER_CHARS, Citations, refusal
from .layout import answerable
from .scope import MISSING, describe, holds, missing_entity, names, names_province, residual_terms, typed

__all__ = ["extractive_answer"]

MAX_QUOTE_CHARS = 420
_VALUE_QUOTE_CHARS = 280
log = logging.getLogger("rag")

_ASKED_BONUS = 0.35
_PASSAGE_PRIOR = 0.15
_MAX_SCORE = 2.1 + _ASKED_BONUS + _PASSAGE_PRIOR  # scales a sentence's score to [0, 1] for its citation
# Refusal by evidence (BENCHMARKS.md, "Refusal on the passage route"): on both development sets the must-refuse
# questions this route reaches score 0.16-0.33 and the answers it gets right 0.50 and up; 0.42 is between.
_RESIDUAL_WEIGHT = 0.3
_MIN_EVIDENCE = 0.42
_LOCAL_BODY = re.compile(LOCAL_BODY)  # "Ủy ban Kiểm tra Tỉnh ủy …", "Ban Chỉ đạo … tỉnh …"
_DEADLINE = re.compile(r"\b(?:truoc|den|cham nhat|han|by|before|no later than)\s+(?:het\s+)?(?:ngay\s+)?$")
_DATELINE = re.compile(r"^[\w .'-]{2,30}\((?:VNA|TTXVN|[A-ZĐ]{2,6})\)\s*[–—-]\s*")  # "Hanoi (VNA) – "
# "Đoàn … do X làm Trưởng đoàn đã <verb>": the team is the subject of the verb
_TEAM_DID = re.compile(r"\blam\s+(?:pho\s+)?truong doan\s+(?:da\s+|se\s+|vua\s+)?$")


@dataclass
class _Sentence:
    passage: Passage
    start: int  # offsets into the document's stored text
    end: int
    score: float
    terms: set[str]
    holds: frozenset[str] = frozenset()  # the asked fields it holds
    residual: float = 1.0  # share of the question's residual words in it or what frames it

    @property
    def evidence(self) -> float:
        """What vouches for it as the answer: its score (terms, asked fields, retrieval) scaled to [0, 1], plus
        the residual words it holds. Under `_MIN_EVIDENCE` nothing is quoted."""
        return self.score / _MAX_SCORE + _RESIDUAL_WEIGHT * self.residual


def _coverage(terms: set[str], weights: dict[str, float]) -> float:
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in terms) / total if total else 1.0


def _trim(
    doc_text: str, a: int, b: int, weights: dict[str, float], keep: Callable[[str], bool], limit: int = MAX_QUOTE_CHARS
) -> tuple[int, int]:
    """Cut an over-long sentence to its best window of clauses (split at ; : ,), at most `limit` characters, keeping
    what the answer needs (`keep` of the window must stay true when it was true of the sentence)."""
    if b - a <= limit:
        return a, b
    cuts = [a] + [a + m.end() for m in re.finditer(r"[;:,]\s+", doc_text[a:b])] + [b]
    clauses = list(zip(cuts, cuts[1:], strict=False))
    score = [_coverage(set(lexical_terms(doc_text[x:y])), weights) + keep(doc_text[x:y]) for x, y in clauses]
    i = j = max(range(len(clauses)), key=score.__getitem__)
    while True:  # grow towards the better neighbour while it fits
        left = score[i - 1] if i > 0 and clauses[j][1] - clauses[i - 1][0] <= limit else -1
        right = score[j + 1] if j + 1 < len(clauses) and clauses[j + 1][1] - clauses[i][0] <= limit else -1
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


def _holds_asked(fld: str, s: str, q: Query) -> bool:
    """Whether sentence `s` contains the kind of thing field `fld` asks for."""
    f = fold(s)
    people = person_names(s)
    if fld in ROLE_WORDS:
        if fld == "host" and q.title:
            return bool(people) and bool(re.search(rf"\b{re.escape(q.title)}\b", f))
        # "Đoàn … do X làm Trưởng đoàn đã công bố quyết định": the team announced, no person is named for it
        said = [m for m in re.finditer(ROLE_WORDS[fld], f) if fld == "leader" or not _TEAM_DID.search(f, 0, m.start())]
        if fld == "attendee" and has_diacritics(s):  # folded "du" is also "dù", "dư", "dụ": the accented word
            said = [m for m in said if re.search(r"dự|mặt|attend|present", s[m.start() : m.end()].lower())]
        return bool(people) and bool(said)
    if fld in ("titles", "role"):
        return any(names(f, n) for n in q.persons)
    if fld == "rank":  # the rank of the person named, or of anyone when nobody is
        wanted = {fold(n) for n in q.persons}
        return any(rank_before(s, a) for a, b in people if not wanted or fold(s[a:b]) in wanted)
    if fld == "person":
        return bool(people)
    if fld == "team":
        return any(t.number is not None for t in find_teams(s))
    if fld == "body":
        return bool(find_bodies(s)) or bool(re.search(rf"\b{COMMITTEES}\b", f))
    if fld in ("province", "place"):
        s = _DATELINE.sub("", s)  # "Hanoi (VNA) – …": where the agency wrote from, not the place asked
        places = find_provinces(s)
        if fld == "province" and not find_teams(s):  # "The Sub-committee met in Hanoi": a venue, no team's place
            venue = re.compile(r"\b(?:tai|o|in|at)\s+(?:tinh\s+|thanh pho\s+|tp\.?\s*)?$")
            places = [p for p in places if not venue.search(fold(s[max(0, p[1] - 18) : p[1]]))]
        return bool(places) or fld == "place" and bool(re.search(r"\btai\s+[A-ZĐ]", s))
    if fld == "units":
        return bool(find_units(s)) or bool(re.search(rf"\b(?:{UNIT_HEAD})", f))
    if fld == "date":  # a date of something done: not a document's, nor a deadline ("trước ngày 30/9")
        legal = [(r.span.start, r.span.end) for r in find_legal_refs(s)]
        return any(
            not any(a <= d.start < b for a, b in legal) and not _DEADLINE.search(f, 0, d.start) for d in find_dates(s)
        )
    if fld == "deadline":
        return bool(re.search(r"\b(?:den|toi|truoc)\s+(?:het\s+)?(?:ngay\s+)?\d{1,2}\s*[/-]\s*\d{1,2}", f))
    if fld == "year":
        return bool(re.search(r"\b(?:19|20)\d\d\b", f))
    if fld == "legal":
        named = {r.key for r in q.legal}
        kinds = [k for k in q.legal_kinds if k]
        return any(r.key not in named and (not kinds or r.kind in kinds) for r in find_legal_refs(s))
    if fld == "count":
        counts = find_counts(s)
        # the counted noun as the articles write it: translated ("thành viên"), or as typed for an English article
        typed = re.search(r"\bhow many\s+((?:[a-z]+\s+)?[a-z]+)", q.folded) if q.language == "en" else None
        nouns = [n for n in (q.count_noun, typed.group(1) if typed else None) if n]
        if nouns:
            return any(noun.startswith(w) or noun.split()[0] == w.split()[0] for _, noun, _, _ in counts for w in nouns)
        return bool(counts)
    return True


def _items(s: str, fields: list[str]) -> int:
    """How many things of the asked kinds a sentence names (units, provinces, people)."""
    n = 0
    if "units" in fields:
        n += len(find_units(s)) + len(re.findall(rf"\b(?:{UNIT_HEAD})", fold(s))) + len(find_provinces(s))
    if "province" in fields or "place" in fields:
        n += len(find_provinces(s))
    if fields and set(fields) <= set(ROLE_WORDS) | {"person"}:
        n += len(person_names(s))
    return n


def _answering(sentences: list[_Sentence], fields: set[str]) -> list[_Sentence]:
    """Best first: sentences that hold every asked field; else, for a question asking several things, the best
    pair from one article that holds them all between them; else none."""
    whole = sorted((s for s in sentences if s.holds >= fields), key=lambda s: -s.score)
    if whole or len(fields) < 2:
        return whole
    best: tuple[float, list[_Sentence]] | None = None
    for x in sentences:
        for y in sentences:
            if x.passage.doc_id == y.passage.doc_id and x.start < y.start and x.holds | y.holds >= fields:
                if best is None or x.score + y.score > best[0]:
                    best = (x.score + y.score, [x, y])
    return best[1] if best else []


def _context(text: str, title: str, a: int, b: int) -> str:
    """What frames a sentence: the article's title, its lead and the sentence's own paragraph."""
    lo = text.rfind("\n\n", 0, a)
    hi = text.find("\n\n", b)
    lead = next((p for p in text.split("\n\n") if len(p) > 120), "")
    return f"{title}\n{lead}\n{text[lo + 1 if lo >= 0 else 0 : hi if hi >= 0 else len(text)]}"


def _team_of_another_body(sentence: str, q: Query) -> bool:
    """A team the sentence says is another body's: "Đoàn kiểm tra số 3 của Ban Chỉ đạo … tỉnh Thanh Hóa" says nothing
    of the Subcommittee's team 3; or a text opening with another body ("Ủy ban Kiểm tra Trung ương kiểm tra …", a
    title). A question about internal political protection work asks about the Subcommittee's teams."""
    f = fold(sentence)
    asked = {fold(b) for b in q.bodies} or ({fold(SUBCOMMITTEE)} if q.topic else set())
    if not asked:
        return False
    opens = [o.name for o, a, _ in find_bodies(sentence) if a == len(sentence) - len(sentence.lstrip())]
    if (opens and not {fold(n) for n in opens} & asked) or (not opens and _LOCAL_BODY.match(f.lstrip())):
        return not any(f.lstrip().startswith(b) for b in asked)
    for t in find_teams(sentence):
        of = re.compile(r"\s*,?\s*(?:cua|thuoc|of the|of)\s+").match(f, t.end)
        if not of:
            continue
        central = [o.name for o, a, _ in find_bodies(sentence[of.end() :]) if a == 0]
        if central and not {fold(n) for n in central} & asked:
            return True
        if not central and _LOCAL_BODY.match(f, of.end()) and not any(f.startswith(b, of.end()) for b in asked):
            return True
    return False


def _in_scope(q: Query, sentence: str, context: str, date: str | None) -> bool:
    """Every entity of the question in the sentence or its context (paragraph, title); no other year instead; no
    other body's team (said in the sentence, or, when it names no team, the title's subject) for a question about
    one body or about internal political protection (unless that team is said to inspect that work)."""
    f, c = fold(sentence), fold(context)
    for p in q.provinces:
        if not names_province(sentence + "\n" + context, p.name, date):
            return False
    for name in q.persons:
        if not (names(f, name) or names(c, name)):
            return False
    for n in q.teams:
        if not re.search(rf"\b(?:so|no\.?) 0*{n}\b", f + " " + c):
            return False
    title = context.split("\n", 1)[0]
    if (q.bodies or q.topic) and (
        _team_of_another_body(sentence, q) or not find_teams(sentence) and _team_of_another_body(title, q)
    ):
        if q.bodies or not re.search(TOPIC, f + " " + fold(title)):
            return False
    if q.years:
        years = set(re.findall(r"\b(?:19|20)\d\d\b", f))
        if years and not years & {str(y) for y in q.years}:
            return False  # a sentence about another year
    return True


def extractive_answer(
    query: Query,
    passages: list[Passage],
    idf: dict[str, float],
    doc_text: Callable[[str], str],
    settings: Settings,
    mentioned: Callable[[str], bool] = lambda name: True,
) -> Answer:
    """`mentioned(name)`: whether any article of the library names `name` — a refusal says "no article mentions X"
    only of an X that no article mentions, not of one the retrieved candidates happen to lack (by default it claims
    nothing of the kind)."""
    if not passages:
        return refusal(query, describe(query) if query.named else None)
    # 1. entities at document level
    missing: dict[str, str | None] = {}
    for p in passages:
        if p.doc_id not in missing:
            missing[p.doc_id] = missing_entity(doc_text(p.doc_id), query, p.date)
    kept = [p for p in passages if missing[p.doc_id] is None]
    if not kept:
        absent = [m for m in dict.fromkeys(missing.values()) if m and not mentioned(m)]
        return refusal(query, ", ".join(absent)) if absent else refusal(query)
    passages = kept[: settings.top_k]

    # 2. topic. A bigram weighs at most as much as its rarer syllable: a chance pair of common words must
    # not outweigh the words themselves.
    weights = {
        t: min(w, *(idf.get(part, w) for part in t.split("_"))) if "_" in t else w
        for t, w in idf.items()
        if t not in query.entity_terms
    }
    # With no content terms left (an English question of words the glossary lacks), only a named entity that
    # matched above, or the dense side, can vouch for relevance.
    # A question naming entities that the passage's article names needs less of the rest to be on topic.
    lexical_ok = bool(weights) or query.named
    need = settings.min_term_coverage / (2 if query.named else 1)
    relevant = [
        p
        for p in passages
        if (lexical_ok and _coverage(set(lexical_terms(p.text)), weights) >= need)
        or (p.dense_score or 0.0) >= settings.min_dense_score
    ]
    if not relevant:
        return refusal(query)

    # 3-4. sentences that hold what is asked, the residual words and the entities
    fields = [f for f in query.fields if f != "free"]
    residual = residual_terms(query)
    sentences: list[_Sentence] = []
    stage = STAGES[query.stage] if query.stage in ("draft", "results") else None
    for rank, p in enumerate(relevant):
        text = doc_text(p.doc_id)
        spans = split_sentences(p.text)
        for i, (a, b) in enumerate(spans):
            s = p.text[a:b]
            if not answerable(text, p.title, p.start + a, p.start + b):
                continue  # a headline, heading, byline, caption, dateline or related link states nothing
            held = frozenset(f for f in fields if _holds_asked(f, s, query))
            if fields and not held:
                continue
            context = _context(text, p.title, p.start + a, p.start + b)
            folded, framed = fold(s), fold(s + " " + context)  # once, not once per residual word below
            if stage and not re.search(stage, framed):
                continue  # asked about the results (or a draft report) of an inspection: this is not about them
            # the residual words (most of them: a synonym may stand for one) in the sentence or what frames it
            in_sentence = sum(holds(folded, w) for w in residual)
            before = (
                p.text[spans[i - 1][0] : spans[i - 1][1]] if i and "\n\n" not in p.text[spans[i - 1][1] : a] else ""
            )
            nearby = fold(before + " " + s)  # the sentence and the one before it in its paragraph
            around = sum(holds(framed, w) for w in residual)
            if not _in_scope(query, s, context, p.date):
                continue
            terms = set(lexical_terms(s))
            # long sentences (lists of officials) cover many terms by chance: a mild length penalty
            score = _coverage(terms, weights) + _PASSAGE_PRIOR * p.score - 0.02 * rank - 0.1 * max(0, b - a - 250) / 250
            score += (_ASKED_BONUS if fields else 0.0) + (0.5 * in_sentence / len(residual) if residual else 0.0)
            if query.wants_list:  # a list question: the sentence naming more of what is asked answers more of it
                score += 0.06 * min(5, _items(s, fields))
            # what qualifies the question (residual words, a year) right here rather than somewhere in the article
            qualifiers = [holds(nearby, w) for w in residual] + [
                bool(re.search(rf"\b{y}\b", nearby)) for y in query.years
            ]
            score += 0.3 * sum(qualifiers) / len(qualifiers) if qualifiers else 0.0
            share = around / len(residual) if residual else 1.0
            sentences.append(_Sentence(p, p.start + a, p.start + b, score, terms, held, share))
    sentences = _answering(sentences, set(fields))
    log.debug("passage route evidence: %.3f", sentences[0].evidence if sentences else 0.0)
    if not sentences or sentences[0].evidence < _MIN_EVIDENCE:
        asked = next((f for f in fields if f in MISSING), "free")
        if query.named:
            lacking = MISSING[asked][1 if query.language == "en" else 0]
            # what is asked is stated, without the residual words: say which words were not found with it
            words = typed(query) if sentences and sentences[0].residual < 1 else []
            if words:  # what is asked is stated; what was not found is it together with the residual words
                lacking = render(f"missing_with_{query.language}", missing=lacking, words=", ".join(words))
            return refusal(query, describe(query), lacking)
        return refusal(query)
    chosen = [sentences[0]]
    if len(sentences) > 1 and sentences[1].holds != sentences[0].holds:
        chosen = sentences[:2]  # two sentences of one article, each answering part of the question
    for other in sentences[1:] if len(chosen) == 1 else []:
        if other.score < 0.8 * chosen[0].score:
            break
        seen = chosen[0].terms
        if len(other.terms & seen) < 0.6 * min(len(other.terms), len(seen)):  # not a repeat (lead, caption)
            chosen.append(other)
            break

    cites = Citations(doc_text)
    quotes: list[str] = []
    length = 0
    # one date, deadline or number asked: the clauses around it, not a long sentence's every request
    limit = _VALUE_QUOTE_CHARS if fields and set(fields) <= {"date", "deadline", "count", "year"} else MAX_QUOTE_CHARS
    for sent in chosen:
        text = doc_text(sent.passage.doc_id)
        a, b = _trim(
            text, sent.start, sent.end, weights, lambda x: all(_holds_asked(f, x, query) for f in fields), limit
        )
        if cites.items and length + (b - a) > MAX_ANSWER_CHARS - 40:
            break
        n = cites.cite(
            sent.passage.doc_id,
            sent.passage.source,
            sent.passage.title,
            a,
            b,
            round(max(0.0, min(1.0, sent.score / _MAX_SCORE)), 4),
            sent.passage.date,
        )
        quotes.append(f"{text[a:b]} [{n}]" if query.language == "vi" else f"“{text[a:b]}” [{n}]")
        length += b - a
    english = query.language == "en" and not any(vietnamese(q) for q in quotes)
    answer = render("quoted_en" if english else f"extractive_{query.language}", quotes=" ".join(quotes))
    return Answer(question=query.text, answer=answer, found=True, citations=cites.items, language=query.language)
