"""The facts route: answer from inspection records before any passage retrieval.

question -> asked field + entities (province, team, person, body, year, legal reference) -> matching records ->
one cited line per record (so a question matching several records is answered as a list; none is picked by
guess), and both values when articles disagree (conflicts). Returns None when no record
holds the asked field, so the passage route can try.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ..vn.entities import person_names
from ..facts import InspectionRecord, Person
from ..vn.dates import display_date
from ..vn.gazetteer import BODIES
from ..vn.legal import LegalRef, legal_key
from ..vn.text import Span
from ..questions import Query
from ..results import Answer, Citation
from ..vn.text import fold, split_sentences

__all__ = ["FactQuestion", "parse_fact_question", "fact_answer"]

_HOST_TITLE = re.compile(r"\b((?:pho )?bi thu(?: thuong truc)?(?: tinh uy| thanh uy)?|chu tich (?:ubnd|hdnd)(?: tinh)?)\b")


@dataclass
class FactQuestion:
    field: str | None
    persons: list[str]  # folded names asked about
    body: str | None
    year: int | None
    legal: list[str]  # legal keys ("58-QĐ") named in the question
    host_title: str | None  # folded title asked about ("bi thu tinh uy")


def parse_fact_question(query: Query, known_people: set[str]) -> FactQuestion:
    folded = query.folded
    persons = [fold(query.text[a:b]) for a, b in person_names(query.text)]
    persons += [p for p in known_people if re.search(rf"\b{re.escape(p)}\b", folded) and p not in persons]
    body = next((name for name, forms in BODIES.items() if any(f in folded for f in forms)), None)
    year = re.search(r"\b(?:nam|in|year)\s+((?:19|20)\d\d)\b", folded)
    legal = [legal_key(r.number, r.kind) for r in query.legal]
    legal += [f"{m.group(2)}-{'QĐ' if m.group(1) in ('quy dinh', 'quyet dinh') else ''}".rstrip("-")
              for m in re.finditer(r"\b(quy dinh|quyet dinh|regulation|decision)\s+(?:so\s+|no\.?\s*)?(\d{1,4})\b", folded)
              if not any(k.startswith(m.group(2) + "-") for k in legal)]
    host = _HOST_TITLE.search(folded)
    return FactQuestion(query.field, persons, body, int(year.group(1)) if year else None,
                        legal, host.group(1) if host else None)


# --- matching ---------------------------------------------------------------------------------------------------
def _legal_matches(ref: LegalRef, key: str) -> bool:
    """'58-QĐ' matches a ref numbered 58 of kind QĐ; a bare '58' any ref numbered 58 (never 158)."""
    number, _, kind = key.partition("-")
    return ref.number == int(number) and (not kind or legal_key(ref.number, ref.kind).endswith("-" + kind))


def _matches(rec: InspectionRecord, q: Query, fq: FactQuestion) -> bool:
    if q.provinces and not ({p.name for p in q.provinces} & ({rec.province} | {u.province for u in rec.units})):
        return False
    if q.teams and rec.team not in q.teams:
        return False
    if fq.persons and not any(fold(p.name) in fq.persons for p in rec.people):
        return False
    if fq.body and rec.body != fq.body:
        return False
    if fq.year and rec.year != fq.year:
        return False
    if fq.legal and not any(_legal_matches(r, k) for r in rec.legal for k in fq.legal):
        return False
    return True


# --- phrasing -----------------------------------------------------------------------------------------------------
def _team(rec: InspectionRecord, en: bool, of: bool = True) -> str:
    """'Đoàn kiểm tra số 5 của Tiểu ban ...' / 'inspection team no. 5 of the ...' (`of=False`: without the body)."""
    no = "" if rec.team is None else (f" no. {rec.team}" if en else f" số {rec.team}")
    body = "" if rec.body is None or not of else (f" of the {rec.body}" if en else f" của {rec.body}")
    return f"inspection team{no}{body}" if en else f"Đoàn kiểm tra{no}{body}"


def _where(rec: InspectionRecord, en: bool) -> str:
    if not rec.province:
        return ""
    return f" in {rec.province}" if en else f" tại {rec.province}"


def _person(p: Person) -> str:
    return f"{p.name} ({p.titles})" if p.titles else p.name


@dataclass
class _Line:
    text: str  # with a {cite} placeholder for the marker
    span: Span  # the fact's own span; the citation quotes its sentence
    rec: InspectionRecord
    value: str  # what is compared across articles (conflicts)


def _lines(rec: InspectionRecord, fq: FactQuestion, en: bool, doc_text: Callable[[str], str]) -> list[_Line]:
    t, w = _team(rec, en), _where(rec, en)
    f = fq.field
    out: list[_Line] = []
    if f in ("leader", "deputy", "announcer"):
        people = rec.person(f)
        if f == "leader" and not people and rec.person("deputy"):  # say what the article does give
            d = rec.person("deputy")[0]
            out.append(_Line((f"The article does not name the head of {t}{w}; its deputy head was {_person(d)} {{cite}}."
                              if en else f"Bài báo không nêu trưởng đoàn; Phó Trưởng {t[0].lower()}{t[1:]}{w} là "
                              f"đồng chí {_person(d)} {{cite}}."),
                             d.sentence, rec, d.name))
        role = {"leader": ("head", "Trưởng"), "deputy": ("deputy head", "Phó Trưởng"),
                "announcer": ("decision and plan were announced by", "Người công bố quyết định, kế hoạch kiểm tra")}[f]
        for p in people:
            if f == "announcer":
                text = (f"For {t}{w}, the {role[0]} {_person(p)} {{cite}}." if en
                        else f"{role[1]} của {t}{w}: {_person(p)} {{cite}}.")
            else:
                text = (f"The {role[0]} of {t}{w} was {_person(p)} {{cite}}." if en
                        else f"{role[1]} {t[0].lower()}{t[1:]}{w} là đồng chí {_person(p)} {{cite}}.")
            out.append(_Line(text, p.sentence, rec, p.name))
    elif f == "host":
        for p in rec.person("host"):
            titles = fold(p.titles)
            if fq.host_title and (fq.host_title not in titles or ("pho " not in fq.host_title and f"pho {fq.host_title}" in titles
                                                                    and not re.search(rf"(^|, ){fq.host_title}", titles))):
                continue
            out.append(_Line(f"{_person(p)} {{cite}}.", p.sentence, rec, p.name))
    elif f == "team":
        body = rec.body or ("body not stated" if en else "không nêu cơ quan")
        text = (f"Inspection team no. {rec.team} ({body}){w} {{cite}}." if en
                else f"{rec.team_text}{w}, thuộc {body} {{cite}}.")
        out.append(_Line(text, rec.team_span, rec, f"{rec.team}/{rec.body}"))
    elif f == "body" and rec.body:
        text = (f"Inspection team no. {rec.team}{w} belongs to the {rec.body} {{cite}}." if en
                else f"{rec.team_text}{w} là đoàn của {rec.body} {{cite}}.")
        out.append(_Line(text, rec.body_span or rec.team_span, rec, rec.body))
    elif f == "province" and rec.province and rec.province_span:
        out.append(_Line(f"{t}: {rec.province_span.text} ({rec.province}) {{cite}}.", rec.province_span, rec, rec.province))
    elif f in ("date", "year") and fq.legal and rec.legal:
        for r in rec.legal:
            if any(_legal_matches(r, k) for k in fq.legal) and r.date:
                name = r.code or f"{r.kind} số {r.number}"
                out.append(_Line(f"{name}: {display_date(r.date, en)} {{cite}}." if en else f"{name} ngày {display_date(r.date, en)} {{cite}}.",
                                 r.span, rec, r.date))
    elif f == "date" and rec.date and rec.date_span:
        out.append(_Line(f"{t[0].upper()}{t[1:]} worked{w} on {display_date(rec.date, True)} {{cite}}." if en
                         else f"{t} làm việc{w} ngày {display_date(rec.date, False)} {{cite}}.", rec.date_span, rec, rec.date))
    elif f == "year" and rec.year:
        span = rec.year_span
        if span is not None:
            note = {"date": "", "text": "", "metadata": " (from the article's date)" if en else " (theo ngày đăng bài)"}[rec.year_source or ""]
            out.append(_Line(f"{t}{w}: {rec.year}{note} {{cite}}." if en else f"{t}{w}: năm {rec.year}{note} {{cite}}.",
                             span, rec, str(rec.year)))
    elif f == "legal":
        for r in rec.legal:
            name = r.code or f"{r.kind} số {r.number}"
            extra = (f", {display_date(r.date, en)}" if r.date else "") + (f" “{r.title}”" if r.title else "")
            out.append(_Line(f"{r.kind} {name}{extra} {{cite}}." if r.code else f"{name}{extra} {{cite}}.", r.span, rec, name))
    elif f == "units" and rec.units:
        names = ", ".join(u.name for u in rec.units)
        first, last = rec.units[0].span, rec.units[-1].span
        span = Span(doc_text(rec.doc_id)[first.start:last.end], first.start, last.end)
        out.append(_Line(f"{t} inspected: {names} {{cite}}." if en else f"{t} kiểm tra tại: {names} {{cite}}.",
                         span, rec, names))
    return out


def _sentence(text: str, span: Span) -> tuple[int, int]:
    """The sentence(s) holding `span`."""
    sents = split_sentences(text)
    a = next((x for x, y in sents if x <= span.start < y), span.start)
    b = next((y for x, y in sents if x < span.end <= y), span.end)
    return a, b


def fact_answer(query: Query, records: list[InspectionRecord], doc_text: Callable[[str], str]) -> Answer | None:
    if not records:
        return None
    known = {fold(p.name) for r in records for p in r.people}
    fq = parse_fact_question(query, known)
    if fq.field is None:
        return None
    matched = [r for r in records if _matches(r, query, fq)]
    en = query.language == "en"
    lines = [line for r in matched for line in _lines(r, fq, en, doc_text)]
    if not lines:
        return None
    # Conflicts: the same team at the same place (or the same rule) with different values in different articles.
    groups: dict[tuple[object, ...], list[_Line]] = {}
    for line in lines:
        key = (line.rec.team, line.rec.province, fq.field) if not fq.legal else ("legal", fq.field, line.value if fq.field == "legal" else None)
        groups.setdefault(key, []).append(line)
    conflict = any(len({ln.value for ln in g}) > 1 and len({ln.rec.doc_id for ln in g}) > 1 for g in groups.values())

    citations: list[Citation] = []
    texts: list[str] = []
    cited: dict[tuple[str, int, int], int] = {}
    for line in lines:
        text = doc_text(line.rec.doc_id)
        a, b = _sentence(text, line.span)
        key = (line.rec.doc_id, a, b)
        if key not in cited:
            cited[key] = len(citations) + 1
            citations.append(Citation(id=cited[key], source=line.rec.source, title=line.rec.title, quote=text[a:b], start=a, end=b,
                                      score=1.0, doc_id=line.rec.doc_id))
        texts.append(line.text.format(cite=f"[{cited[key]}]"))
    texts = list(dict.fromkeys(texts))
    if conflict:
        head = "The articles disagree:" if en else "Các bài báo đưa thông tin khác nhau:"
        texts.insert(0, head)
    answer = "\n".join(f"- {t}" if len(texts) > 1 and not t.endswith(":") else t for t in texts)
    used = {line.rec.record_id: line.rec for line in lines}
    return Answer(question=query.text, answer=answer, found=True, citations=citations, language=query.language,
                  mode="facts", facts=[r.to_dict() for r in used.values()])
