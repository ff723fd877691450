"""Questions one record cannot answer: aggregates over the records (counts and lists by person, body, team number,
year, place), and questions naming two places, units or people (each answered, or compared side by side).

    "Ai là Trưởng đoàn … tại Hà Tĩnh và tại Quảng Bình?"  -> "Ai là Trưởng đoàn … tại Hà Tĩnh?" + "… tại Quảng Bình?"
        each asked by the usual routes (`ask_one`), one cited block per entity, citations renumbered
    "Đồng chí X đã dẫn đầu đoàn … tại bao nhiêu cơ quan, địa phương?"  -> the events the usual matching keeps,
        several meetings of one inspection (team, body, place, year) counted once: "3 nơi:" and one cited line each

Precision first: a count is computed only for a question scoped narrower than a body and a year (a person, a team
number, a month, a place): "Năm 2023 Tiểu ban thành lập bao nhiêu đoàn?" is a total an article states, which the
passage route quotes. A part the library cannot answer says so for that entity alone, and "no article names X"
only when none does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from wording import render

from ...facts import ArticleFacts, InspectionRecord
from ...results import Answer
from ...vn.dates import display_date, find_years
from ...vn.entities import person_names
from ...vn.gazetteer import BODIES, SUBCOMMITTEE, find_bodies, find_provinces, find_units, shown_name
from ...vn.text import fold
from ..questions import Query, analyze
from .citations import MAX_ANSWER_CHARS, Citations, sentence_around
from .facts import Event, fact_answer

__all__ = ["combined_answer"]


def combined_answer(
    query: Query,
    articles: list[ArticleFacts],
    events: list[Event],
    doc_text: Callable[[str], str],
    ask_one: Callable[[str], Answer],
    mentioned: Callable[[str], bool],
) -> Answer | None:
    """The answer when the question is an aggregate or names two entities; None for any other question (the usual
    routes answer it). `ask_one` answers a self-contained sub-question (one entity) by the usual routes;
    `mentioned(name)` says whether any article of the library names `name`."""
    pair = _pair(query)
    if pair is not None:
        return _joined(query, pair, doc_text, ask_one, mentioned)
    return (
        _count(query, articles, events, doc_text)
        or _holders(query, articles, doc_text)
        or _bodies(query, articles, events, doc_text)
        or _in_both(query, events, doc_text)
    )


# --- two entities ---------------------------------------------------------------------------------------------------
@dataclass
class _Entity:
    name: str  # canonical: shown as the block's label, looked up in the articles
    kind: str  # province | unit | body | person | year
    start: int  # span in the question's text (the folded text has the same offsets)
    end: int


# "A và B", "A và tại B", "A and of the B", "A và đoàn số 3 làm việc ở B": what may stand between the two
_JOIN = re.compile(r"\s*,?\s*(?:va|and|voi|hoac|or)\b")
# words that only make sense over several entities: gone from each one's sub-question
_SPREAD = re.compile(r"\s*\b(?:lan luot|respectively)\b|\b(?:moi|each)\s+(?=doan|team|inspection)")
_COMPARE = re.compile(r"^\s*(?:hay\s+)?(?:so sanh|compare)\s+")
# "A và B khác nhau thế nào về Trưởng đoàn và Phó Trưởng đoàn": people in roles, asked of each
_ROLE = re.compile(r"\b(?:pho )?truong doan\b|\bnguoi (?:chu tri|cong bo quyet dinh)\b")
_DIFFER = re.compile(
    r"\s+khac nhau\s+(?:the nao|ra sao|nhu the nao|o diem nao)\s+ve\s+((?:(?:,|va)?\s*(?:" + _ROLE.pattern + r")\s*)+)$"
)


def _entities(q: Query) -> list[_Entity]:
    """Every place, central unit, body, person and year the question names, with where it stands."""
    found = [_Entity(p.name, "province", a, b) for p, a, b in find_provinces(q.text) if p in q.provinces]
    found += [
        _Entity(o.name, "unit", a, b) for o, a, b in find_units(q.text) if f"org:{o.name}" in {u.key for u in q.units}
    ]
    found += [_Entity(o.name, "body", a, b) for o, a, b in find_bodies(q.text) if o.name in q.bodies]
    for name in q.persons:
        m = re.search(rf"\b{re.escape(fold(name))}\b", q.folded)
        if m:
            found.append(_Entity(name, "person", *m.span()))
    found += [_Entity(str(y), "year", a, b) for y, a, b in find_years(q.text)]
    return found


def _pair(q: Query) -> tuple[_Entity, _Entity] | None:
    """The two entities of one kind the question joins ("tại A và tại B"); None unless exactly one kind names
    exactly two, joined by "và"/"and" (a question about a team that worked in both is not two questions)."""
    pairs = []
    named = _entities(q)
    for kind in ("province", "unit", "body", "person", "year"):
        of_kind = [e for e in named if e.kind == kind]
        if len(of_kind) != 2 or of_kind[0].name == of_kind[1].name:
            continue  # (a name said twice would stay in the other's sub-question)
        a, b = sorted(of_kind, key=lambda e: e.start)
        between = q.folded[a.end : b.start]
        if (
            len(between) <= 60
            and _JOIN.match(between)
            and not re.search(r"\b(?:ca|both|cung|giua|between)\s+(?:\S+\s+){0,3}$", q.folded[: a.start])
        ):
            pairs.append((a, b))
    return pairs[0] if len(pairs) == 1 else None


def _sub(q: Query, keep: _Entity, drop: _Entity) -> str:
    """The question about `keep` alone: `drop` and what joins it cut out; "So sánh X" asked as "X?", "… khác nhau
    thế nào về Trưởng đoàn và Phó Trưởng đoàn?" as "…: ai là Trưởng đoàn và ai là Phó Trưởng đoàn?"."""
    t = q.text
    text = t[: keep.end] + t[drop.end :] if keep.start < drop.start else t[: drop.start] + t[keep.start :]
    for pattern in (_COMPARE, _SPREAD):  # cut on the folded text: same offsets as the typed one
        for m in reversed(list(pattern.finditer(fold(text)))):
            text = text[: m.start()] + text[m.end() :]
    text = re.sub(r"\s+", " ", text).strip(" .?")
    if _COMPARE.match(q.folded) and text[:3].lower() == "số ":  # "So sánh số đoàn mà …": how many, for each
        rel = re.search(r" mà (?=\S)", text[:60])  # (the relative "mà" goes: "bao nhiêu đoàn Tiểu ban lập")
        text = "bao nhiêu " + (text[3 : rel.start()] + " " + text[rel.end() :] if rel else text[3:])
    differ = _DIFFER.search(fold(text))
    if differ:
        roles = [text[a:b] for a, b in (r.span() for r in _ROLE.finditer(fold(text), differ.start(1)))]
        text = f"{text[: differ.start()]}: " + " và ".join(f"ai là {r}" for r in roles)
    return text[:1].upper() + text[1:] + "?"


def _joined(
    q: Query,
    pair: tuple[_Entity, _Entity],
    doc_text: Callable[[str], str],
    ask_one: Callable[[str], Answer],
    mentioned: Callable[[str], bool],
) -> Answer | None:
    cites = Citations(doc_text)
    blocks: list[str] = []
    answers: list[Answer] = []
    budget = (MAX_ANSWER_CHARS - 10) // 2
    subs = [_sub(q, keep, drop) for keep, drop in (pair, pair[::-1])]
    if any(_pair(analyze(s)) for s in subs):
        return None  # each sub-question names one entity, or it would be split again
    for (keep, _), question in zip((pair, pair[::-1]), subs, strict=True):
        sub = ask_one(question)
        label = f"{keep.name}: "
        answers += [sub] if sub.found else []
        text = _renumbered(cites, sub) if sub.found else _refused(q, keep, sub, mentioned, cites)
        blocks.append(label + _fit(text, budget - len(label)))
    text, citations = cites.used_in("\n".join(blocks))
    modes = {a.mode for a in answers}
    return Answer(
        question=q.text,
        answer=text,
        found=bool(answers),
        citations=citations,
        language=q.language,
        mode=modes.pop() if len(modes) == 1 else "extractive",
        facts=[f for a in answers for f in a.facts],
    )


def _renumbered(cites: Citations, sub: Answer) -> str:
    """The part's text with its own [n] turned into the joined answer's numbers (one number per cited span)."""
    by_id = {c.id: c for c in sub.citations}

    def number(m: re.Match[str]) -> str:
        c = by_id.get(int(m.group(1)))
        return f"[{cites.cite(c.doc_id, c.source, c.title, c.start, c.end, c.score, c.date)}]" if c else ""

    return re.sub(r"\[(\d+)\]", number, sub.answer)


_TITLE = re.compile(r" \((?:[^()\[\]]|\([^()]*\))*\)(?= \[)")


def _fit(text: str, limit: int) -> str:
    """At most `limit` characters: people's titles dropped, then whole quotes or lines from the end (each ends with
    its [n]), then the last one's words (its citation still points at the whole verbatim sentence)."""
    if len(text) > limit:  # a title is "Name (title) [n]"; a quote's own closing parenthesis stays
        names_end = {b for _, b in person_names(text)}
        text = _TITLE.sub(lambda m: "" if m.start() in names_end else m.group(), text)
    ends = [m.end() for m in re.finditer(r"\]\.?(?=\s)", text)]  # after "… [2]." of a quote or line, not the last
    text = next((text[:e] for e in reversed(ends) if e <= limit), text) if len(text) > limit else text
    if len(text) <= limit:
        return text
    text = text[: ends[0]] if ends else text  # no whole quote fits: the first one, cut below, with its own marks
    marks = re.search(r"(?:\[\d+\])+\.?$", text)
    tail = marks.group() if marks else ""
    head = text[: limit - len(tail) - 2]
    return head[: head.rfind(" ")].rstrip(",;: ") + "…" + (" " + tail if tail else "")


def _refused(q: Query, e: _Entity, sub: Answer, mentioned: Callable[[str], bool], cites: Citations) -> str:
    """Why this part has no answer (with the sources a refusal may cite: "only another body's team went there [1]").
    "No article names X" is said only when none does (`mentioned`, the library-wide check): a sub-question's
    refusal of a combination ("nothing about Tây Ninh, 2024") must not read as the library lacking Tây Ninh."""
    if not mentioned(e.name):
        return render(f"not_found_entity_{q.language}", entity=e.name)
    claim = render(f"not_found_entity_{q.language}", entity="\0").split("\0")[0]  # "Không có bài báo nào … về "
    return render(f"part_not_stated_{q.language}") if sub.answer.startswith(claim) else _renumbered(cites, sub)


# --- counts ---------------------------------------------------------------------------------------------------------
# What a count asks that records can count: places (a unit or province inspected) or teams (inspections)
_PLACES = re.compile(
    r"^(?:co quan|dia phuong|noi|tinh|thanh pho|don vi|to chuc|cap uy|dang bo|bo|nganh|places?|provinces?|units?"
    r"|localit|(?:dang )?organi[sz]ations?|committees?|cities)\b"
)
_TEAMS = re.compile(r"^(?:doan|dot|cuoc|lan|teams?|inspections?)\b")
# a count of provinces leaves out the ministries and central bodies inspected (in Hà Nội, but no province's)
_PROVINCES_ONLY = re.compile(r"^(?:tinh|thanh pho|provinces?|cities|localit)")
_FORMED = re.compile(r"\b(?:thanh lap|lap|set up|established|formed)\b")
_NOUN_WORDS = frozenset("co quan dia phuong noi tinh thanh pho don vi to chuc cap uy dang bo nganh".split())


def _count(
    q: Query, articles: list[ArticleFacts], events: list[Event], doc_text: Callable[[str], str]
) -> Answer | None:
    """ "Bao nhiêu nơi / mấy đoàn …, những nơi nào?" over the records: the count with the list, one citation each."""
    noun = q.count_noun or ""
    if "count" not in q.fields or not (_PLACES.match(noun) or _TEAMS.match(noun)):
        return None
    by_place = bool(_PLACES.match(noun))
    places = [p for p in q.provinces if not any(fold(p.name) in fold(b) for b in q.bodies)]  # not "Thành ủy Đà Nẵng"
    # places are counted across a person's, or a month's, inspections: "đoàn số 3 … bao nhiêu đơn vị" asks the
    # units of one inspection, and a body's total ("thành lập bao nhiêu đoàn") is for the article that states it
    scope = q.persons or q.months or q.dates or not by_place and (q.teams or places or q.units)
    if not scope or _FORMED.search(q.folded):
        return None
    # the count's own nouns ("cơ quan, địa phương") describe what is counted, not the events
    residual = [p for p in q.residual if not set(p.split()) <= _NOUN_WORDS]
    scoped = replace(q, fields=["place"], wants_list=True, residual=residual)
    matched = fact_answer(scoped, articles, doc_text, events).events
    if _PROVINCES_ONLY.match(noun):
        matched = [ev for ev in matched if not _where(ev.first).startswith("org:")]
    groups = _inspections(matched, by_place)
    items = [_item(g, q) for g in groups]
    if not items or any(i is None for i in items):
        return None  # something counted that cannot be named: no list rather than a wrong one
    cites = Citations(doc_text)
    lines = []
    for name, detail, r, span in (i for i in items if i is not None):
        a, b = sentence_around(doc_text(r.doc_id), *span)
        lines.append(f"- {name} ({detail}) [{cites.cite(r.doc_id, r.source, r.title, a, b)}]")
    kind = "provinces" if _PROVINCES_ONLY.match(noun) else "places" if by_place else "teams"
    if len("\n".join(lines)) > MAX_ANSWER_CHARS - 30:  # the team and date of each go first
        lines = [re.sub(r" \([^()]*\)(?= \[)", "", x) for x in lines]
    return _listed(q, kind, lines, cites, [ev for g in groups for ev in g])


def _where(r: InspectionRecord) -> str:
    """The place of an inspection: the central unit inspected, else the province (as facts.py keys meetings)."""
    if r.units and r.units[0].key.startswith("org:"):
        return r.units[0].key
    return r.province or r.venue or (r.units[0].key if r.units else "")


def _inspections(events: list[Event], by_place: bool) -> list[list[Event]]:
    """Meetings of one inspection (same place, body and year; same team where both give one) as one group; counting
    places, every inspection of one place as one."""
    groups: list[list[Event]] = []
    for ev in events:
        r = ev.first
        for g in groups:
            o = g[0].first
            if _where(o) != _where(r) or (o.body or "") != (r.body or ""):
                continue
            if not by_place and (o.year and r.year and o.year != r.year or o.team and r.team and o.team != r.team):
                continue
            g.append(ev)
            break
        else:
            groups.append([ev])
    return groups


def _item(group: list[Event], q: Query) -> tuple[str, str, InspectionRecord, tuple[int, int]] | None:
    """(name, team and date, the record cited, the span naming the place) of one inspection."""
    en = q.language == "en"
    ev = min(group, key=lambda e: e.first.date or "9999")  # its first meeting
    r = ev.first
    if r.units and r.units[0].key.startswith("org:"):
        name, span = shown_name(r.units[0].name, q.language), r.units[0].span
    elif r.province and r.province_span:
        name, span = r.province, r.province_span
    else:
        return None
    team = f"{'team no.' if en else 'Đoàn kiểm tra số'} {r.team}" if r.team else ("team" if en else "Đoàn kiểm tra")
    if r.body and r.body != SUBCOMMITTEE:  # another body's team is always named as that body's
        team += f" {'of the' if en else 'của'} {shown_name(r.body, q.language)}"
    when = f", {display_date(r.date, r.date_end, en, bracketed=True)}" if r.date else ""  # (said in brackets)
    return name, team + when, r, (span.start, span.end)


# --- lists of bodies, and places two kinds of body went to --------------------------------------------------------
_CENTRAL = frozenset(o.name for o in BODIES)  # a provincial committee's body is kept as written, never one of these
_WHICH_BODIES = re.compile(
    r"\b(?:co quan|to chuc)(?: trung uong)? nao\b.{0,30}\b(?:cu|lap|thanh lap|gui)\s+(?:cac\s+)?doan\b"
    r"|\bwhich (?:central |other )*(?:bodies|agencies|organs)\b"
)
_BESIDE = re.compile(r"\b(?:ngoai|ben canh|besides|other than|apart from)\s+(?:the\s+)?$")
_BOTH = re.compile(r"\bvua\b.+\bvua\b|\bboth\b.+\band\b")
_OTHER_BODY = re.compile(
    r"\b(?:co quan|cap|body|agency)\b(?: trung uong| central)? khac\b|\bother (?:central )?(?:bod|agenc)"
)


def _cited(cites: Citations, r: InspectionRecord, doc_text: Callable[[str], str]) -> str:
    """The mark of the sentence that names the record's team (and its body)."""
    span = r.body_span or r.team_span
    a, b = sentence_around(doc_text(r.doc_id), span.start, span.end)
    return f"[{cites.cite(r.doc_id, r.source, r.title, a, b)}]"


def _listed(q: Query, kind: str, lines: list[str], cites: Citations, used: list[Event]) -> Answer | None:
    """The count, then one cited line an item; None when the whole list does not fit (a cut list is no count)."""
    text = render(f"count_{kind}_{q.language}", n=len(lines)) + "\n" + "\n".join(lines)
    if len(text) > MAX_ANSWER_CHARS:
        return None
    text, citations = cites.used_in(text)
    facts = [r.to_dict() for ev in used for r in ev.records]
    return Answer(q.text, text, True, citations, q.language, mode="facts", facts=facts)


# "Những ai từng giữ chức Cục trưởng Cục X?", "Who has held the post of …?": everyone the articles give that title
_HOLDERS = re.compile(
    r"\b(?:nhung ai|nhung nguoi nao|ai|who)\b.*?\b(?:(?:tung|da)\s+(?:giu|dam nhiem|la)|(?:has|have) (?:held|been)"
    r"|served as)\s+(?:(?:chuc(?:\s+vu)?|cuong vi|the (?:post|position|office) of)\s+)?(?P<title>[a-z0-9 ,-]+?)\s*\??$"
)


def _holders(q: Query, articles: list[ArticleFacts], doc_text: Callable[[str], str]) -> Answer | None:
    """Each person whose titles, in some article, hold the title asked (not its deputy: "Phó Cục trưởng" is no
    "Cục trưởng"), once, cited at the sentence that gives the title. The title stops where the body or unit named
    after it begins ("… Cục Bảo vệ chính trị nội bộ | Ban Tổ chức Trung ương": titles write it either way)."""
    m = _HOLDERS.search(q.folded)
    if not m:
        return None
    # "chức Vụ trưởng …" folds to "chuc vu truong …": the title may begin with the "vu" the pattern took
    titles = [m.group("title")] + (["vu " + m.group("title")] if q.folded[: m.start("title")].endswith("vu ") else [])
    for title in reversed(titles):
        for name in [*q.bodies, *(u.name for u in q.units)]:
            title = title.split(fold(name))[0]
        title = " ".join(title.replace(",", " ").split())
        said = re.compile(rf"(?<!pho )(?<!\w){re.escape(title)}\b")
        cites, lines, seen = Citations(doc_text), [], set()
        for a in articles:
            for p in a.people + [x for e in a.events for x in e.people]:
                if len(title.split()) < 2 or fold(p.name) in seen:
                    continue
                if said.search(" ".join(re.sub(r"[,;()]", " ", fold(p.titles)).split())):
                    seen.add(fold(p.name))
                    n = cites.cite(a.doc_id, a.source, a.title, p.sentence.start, p.sentence.end)
                    lines.append(f"- {p.name} [{n}]")
        if lines:
            break
    if not lines:
        return None
    text = render(f"count_people_{q.language}", n=len(lines)) + "\n" + "\n".join(lines)
    if len(text) > MAX_ANSWER_CHARS:
        return None
    text, citations = cites.used_in(text)
    return Answer(q.text, text, True, citations, q.language, mode="facts")


def _bodies(
    q: Query, articles: list[ArticleFacts], events: list[Event], doc_text: Callable[[str], str]
) -> Answer | None:
    """ "Ngoài Tiểu ban, những cơ quan Trung ương nào đã cử đoàn … năm 2024?": the bodies of the teams in scope,
    each with its first team's place and date and the sentence naming it; a body after "ngoài" is left out."""
    if not q.wants_list or not _WHICH_BODIES.search(q.folded):
        return None
    beside = {o.name for o, a, _ in find_bodies(q.text) if _BESIDE.search(q.folded[max(0, a - 20) : a])}
    if set(q.bodies) - beside:
        return None  # a body named as the scope: the question is about its teams, not which bodies
    scoped = replace(q, fields=["body"], bodies=[], residual=[], units=[], topic=False)
    matched = [
        ev
        for ev in fact_answer(scoped, articles, doc_text, events).events
        if ev.first.body
        and ev.first.body not in beside
        and (ev.first.body in _CENTRAL or not re.search(r"\btrung uong\b|\bcentral\b", q.folded))
        and (ev.first.province or not re.search(r"\b(?:cac|nhung) tinh\b|\bprovinces\b", q.folded))
    ]
    firsts: dict[str, Event] = {}
    for ev in sorted(matched, key=lambda e: e.first.date or "9999"):
        firsts.setdefault(ev.first.body or "", ev)
    if len(firsts) < 2:
        return None  # one body: the usual routes name it
    cites = Citations(doc_text)
    lines = [
        f"- {shown_name(body, q.language)} ({_where_when(ev.first, q)}) {_cited(cites, ev.first, doc_text)}"
        for body, ev in firsts.items()
    ]
    return _listed(q, "bodies", lines, cites, list(firsts.values()))


def _where_when(r: InspectionRecord, q: Query) -> str:
    place = r.province or (shown_name(r.units[0].name, q.language) if r.units else "")
    when = display_date(r.date, r.date_end, q.language == "en", bracketed=True) if r.date else ""  # (in brackets)
    return ", ".join(x for x in (place, when) if x)


def _in_both(q: Query, events: list[Event], doc_text: Callable[[str], str]) -> Answer | None:
    """ "Những tỉnh nào vừa được Tiểu ban kiểm tra, vừa có đoàn của một cơ quan Trung ương khác?": the provinces
    where the body named had a team and another (central) body had one too, each line citing both."""
    if (
        "province" not in q.fields
        or len(q.bodies) != 1
        or not _BOTH.search(q.folded)
        or not _OTHER_BODY.search(q.folded)
        or q.years
        or q.months
        or q.dates
        or q.persons
        or q.teams
        or q.units
        or q.provinces
    ):
        return None  # (a narrower scope is not taken into account here: no answer rather than a wider one)
    body = q.bodies[0]
    central = bool(re.search(r"\btrung uong khac\b|\bother central\b", q.folded))
    ours: dict[str, Event] = {}
    theirs: dict[str, Event] = {}
    for ev in sorted(events, key=lambda e: e.first.date or "9999"):
        r = ev.first
        if not r.province or not r.body:
            continue
        if r.body == body:
            ours.setdefault(r.province, ev)
        elif not central or r.body in _CENTRAL:
            theirs.setdefault(r.province, ev)
    both = [p for p in ours if p in theirs]
    if not both:
        return None
    cites = Citations(doc_text)
    named = {
        p: (shown_name(ours[p].first.body or "", q.language), shown_name(theirs[p].first.body or "", q.language))
        for p in both
    }
    lines = [
        f"- {p}: {named[p][0]} {_cited(cites, ours[p].first, doc_text)}; "
        f"{named[p][1]} {_cited(cites, theirs[p].first, doc_text)}"
        for p in both
    ]
    if len("\n".join(lines)) > MAX_ANSWER_CHARS - 30:  # the body asked about is the question's own: its name goes
        lines = [
            f"- {p}: {_cited(cites, ours[p].first, doc_text)}; {named[p][1]} {_cited(cites, theirs[p].first, doc_text)}"
            for p in both
        ]
    return _listed(q, "provinces", lines, cites, [ours[p] for p in both] + [theirs[p] for p in both])
