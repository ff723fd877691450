"""The facts route: answer from inspection records, or say exactly why not.

    question -> asked fields + entities -> events (records of one meeting from several articles, merged) that match
    EVERY entity named -> one cited line per value -> conflicts (one event, different values) shown with each value
    and its source

Precision first: a question that names something no event matches gets no answer here (`FactResult.unmatched`
says what), and the passage route must then find it under the same constraint. Lists come only when the question
asks for one (at most 10 lines and "và N kết quả khác"); a singular question that several events answer differently
gets at most three labelled lines, else a request to narrow it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from wording import render

from ...facts import ArticleFacts, InspectionRecord, Person, Unit
from ...results import Answer
from ...vn.dates import display_date
from ...vn.gazetteer import MERGER_DATE, PROVINCES, SUBCOMMITTEE, shown_name, unit_named
from ...vn.legal import LegalRef
from ...vn.text import Span, fold
from ..questions import FIELDS, Query
from .citations import MAX_ANSWER_CHARS, Citations, sentence_around
from .scope import MISSING, describe, holds, missing_entity, residual_terms

__all__ = ["Event", "events_of", "FactResult", "fact_answer", "RECORD_FIELDS"]

# What the records hold; anything else asked goes to the passage route (who attended: the sentence saying so).
RECORD_FIELDS = set(FIELDS) - {"person", "attendee", "deadline", "count", "free"}
_ISSUED = re.compile(r"\bban hanh\b|\bky\b|\bissued\b|\bsigned\b|\bdated\b")
_BESIDES = re.compile(
    r"\b(?:ngoai|besides|apart from|ben canh|other than)\s+(?:the\s+)?([a-z][a-z ]{2,40}?)"
    r"(?=\s*,|\s+(?:which|what|nhung|cac|doan|the team|team)\b|$)"
)
_BESIDES_PROVINCES = re.compile(
    r"\b(?:ngoai|ben canh)\s+(?:cac\s+)?tinh\b|\bbesides (?:the )?provinces\b|\bother than (?:the )?provinces\b"
)
_PROVINCE = {p.name: p for p in PROVINCES}


@dataclass
class Event:
    """One meeting of one team, as one or more articles report it."""

    records: list[InspectionRecord]

    @property
    def first(self) -> InspectionRecord:
        vi = [r for r in self.records if r.language == "vi"]
        return (vi or self.records)[0]


def _place_key(r: InspectionRecord) -> str:
    """Where a meeting was: the central unit inspected, else the province (whatever the first local unit is called in
    each outlet's words: "Ban Thường vụ Tỉnh ủy", "the Standing Board of the provincial Party Committee")."""
    main = r.units[0].key if r.units else ""
    if main.startswith("org:") or not (r.province or r.venue):
        return main
    return f"prov:{r.province or r.venue}"


def events_of(records: list[InspectionRecord]) -> list[Event]:
    """Records of the same meeting (same inspected unit or place, same day, compatible year and body) merged."""
    events: list[Event] = []
    for r in records:
        day = r.date[-5:] if r.date else None
        for ev in events:
            o = ev.records[0]
            if day is None or not o.date or o.date[-5:] != day or _place_key(o) != _place_key(r):
                continue
            if r.year and o.year and r.year != o.year:
                continue
            if r.body and o.body and r.body != o.body:
                continue  # (another team number is kept: two outlets may disagree on it)
            if r.doc_id in {x.doc_id for x in ev.records}:
                continue
            ev.records.append(r)
            break
        else:
            events.append(Event([r]))
    return events


# --- matching -------------------------------------------------------------------------------------------------------
def _province_ok(r: InspectionRecord, name: str, as_place: bool) -> bool:
    """The record's province is `name`, or it is `name` under the 2025 mergers: the article says the province is
    now part of `name` ("Kiên Giang (nay là tỉnh An Giang)"), or the meeting came after the merger. A meeting at a
    central unit is in the place named only where the question names a place ("ở Hà Nội")."""
    if (
        r.province == name
        or r.province_now == name
        or (as_place and not r.province and r.venue and fold(name) in fold(r.venue))
    ):
        return True
    if not r.province or (r.date or "") < MERGER_DATE:
        return False
    old, asked = _PROVINCE.get(r.province), _PROVINCE.get(name)
    return bool(old and old.merged_into == name or asked and asked.merged_into == r.province)


def _unit_ok(r: InspectionRecord, key: str, same_as: str | None) -> bool:
    for u in r.units:
        if u.key == key or (same_as and u.key == f"org:{same_as}"):
            return True
        org = unit_named(u.key[4:]) if u.key.startswith("org:") else None
        if org and org.same_as and key == f"org:{org.same_as}":
            return True
        if (
            key.startswith("local:")
            and u.key.startswith("local:")
            and re.search(rf"\b{re.escape(key[6:])}\b", u.key[6:])
        ):
            return True
    return False


def _body_ok(r: InspectionRecord, body: str) -> bool:
    if not r.body:
        return False
    if body == r.body:
        return True
    b, rb = fold(body), fold(r.body)
    return body != SUBCOMMITTEE and r.body != SUBCOMMITTEE and (b in rb or rb in b)


def _day_ok(r: InspectionRecord, day: int | None, month: int, year: int | None) -> bool:
    if not r.date:
        return False
    start, end = r.date, r.date_end or r.date
    if year and r.year and year != r.year:
        return False
    if day is None:
        return f"{month:02d}" in {start[-5:-3], end[-5:-3]}
    md = f"{month:02d}-{day:02d}"
    return start[-5:] <= md <= end[-5:]


# What a question's words beyond the records must stand in, by (doc_id, span, title): an event's lead sentence and its
# article's title, folded. Kept across questions: every question scoped to the Subcommittee's work reads the leads of
# all its events (20,000 articles: ~140 a question, 150 ms); a document's id derives from its text, so a lead once
# read stays right.
_LEADS: dict[tuple[str, int, int, str], str] = {}


def _matches(ev: Event, q: Query, text_of: Callable[[InspectionRecord], str]) -> bool:
    """`text_of(r)`: record r's lead sentence and title, folded."""
    recs = ev.records
    checks = (  # lazily, in order: the last reads the report's text, for every event of a large library
        lambda: not q.provinces or any(_province_ok(r, p.name, p.name in q.places) for r in recs for p in q.provinces),
        lambda: not _BESIDES_PROVINCES.search(q.folded) or not any(r.province for r in recs),
        lambda: all(any(_unit_ok(r, u.key, u.same_as) for r in recs) for u in q.units),
        lambda: all(any(fold(p.name) == fold(n) for r in recs for p in r.people) for n in q.persons),
        lambda: not q.teams or any(r.team in q.teams for r in recs),
        lambda: all(any(_body_ok(r, b) for r in recs) for b in q.bodies),
        lambda: not q.topic or any(r.topic for r in recs),
        lambda: all(any(_day_ok(r, d.day, d.month, d.year) for r in recs) for d in q.dates),
        lambda: all(any(_day_ok(r, None, m.month, m.year) for r in recs) for m in q.months),
        lambda: all(any(r.year == y for r in recs) for y in q.years),
        lambda: not q.stage or any(r.stage == q.stage for r in recs),
        lambda: not q.team_kind or any(q.team_kind in fold(r.kind) for r in recs),
        lambda: all(any(any(x.key == ref.key for x in r.legal) for r in recs) for ref in q.legal),
        # words the records do not explain must describe the event itself: stand in its report's lead or title
        lambda: all(any(holds(text_of(r), p) for r in recs) for p in residual_terms(q)),
    )
    return all(check() for check in checks)


# --- lines ---------------------------------------------------------------------------------------------------------
@dataclass
class _Value:
    key: str  # compared across articles (folded)
    text: str  # shown
    cites: list[tuple[InspectionRecord, Span]] = field(default_factory=list)


_ROLE_NAMES = {
    "leader": ("Trưởng đoàn", "head"),
    "deputy": ("Phó Trưởng đoàn", "deputy head"),
    "announcer": ("người công bố quyết định, kế hoạch kiểm tra", "announced the decision and plan"),
    "chair": ("chủ trì buổi làm việc", "chaired the meeting"),
    "host": ("tiếp đoàn", "received the team"),
    "member": ("thành viên Đoàn", "member of the team"),
}


def _short(titles: str, limit: int = 110) -> str:
    return titles if len(titles) <= limit else titles[: titles.rfind(",", 0, limit)] if "," in titles[:limit] else ""


def _person_value(p: Person, r: InspectionRecord, with_titles: bool = True) -> _Value:
    titles = _short(p.titles) if with_titles else ""
    return _Value(fold(p.name), f"{p.name} ({titles})" if titles else p.name, [(r, p.sentence)])


def _title_ok(titles: str, title: str) -> bool:
    t = fold(titles)
    return any(re.match(rf"{re.escape(title)}\b", item.strip()) for item in t.split(","))


def _values(
    ev: Event,
    fld: str,
    q: Query,
    kind: str | None,
    persons: list[str],
    articles: dict[str, ArticleFacts],
    many_events: bool = False,
) -> list[_Value]:
    out: list[_Value] = []
    records = ev.records
    if fld == "units":  # one list per event: the report naming most units (in the question's language on a tie)
        records = [max(records, key=lambda r: (len(r.units), r.language == q.language))]
    for r in records:
        if fld in ("leader", "deputy", "announcer", "chair") or (fld == "host" and not q.title):
            out += [_person_value(p, r) for p in r.person(fld)]
        elif fld == "host":
            people = r.people + [p for p in articles[r.doc_id].people if p.name not in {x.name for x in r.people}]
            out += [_person_value(p, r) for p in people if _title_ok(p.titles, q.title or "")]  # any side
        elif fld == "titles":
            for p in r.people + articles[r.doc_id].people:
                if fold(p.name) in {fold(n) for n in persons} and p.titles:
                    out.append(_Value(fold(p.name), f"{p.name}: {p.titles}", [(r, p.sentence)]))
                    break
        elif fld == "rank":  # of the people named, or of those the question asked first ("who led …, and his rank")
            for p in r.people + articles[r.doc_id].people:
                if fold(p.name) in {fold(n) for n in persons} and p.rank:
                    out.append(_Value(fold(p.name), f"{p.name}: {p.rank}", [(r, p.span)]))
                    break
        elif fld == "role":
            for p in r.people:
                if fold(p.name) in {fold(n) for n in persons} and p.role in _ROLE_NAMES and p.role != "host":
                    name = _ROLE_NAMES[p.role][1 if q.language == "en" else 0]
                    who = f"{p.name} ({p.titles})" if p.titles else p.name  # who the person is says why
                    out.append(_Value(p.role, f"{who}: {name}", [(r, p.sentence)]))
        elif fld == "team" and r.team is not None:
            out.append(
                _Value(str(r.team), f"số {r.team}" if q.language != "en" else f"no. {r.team}", [(r, r.team_span)])
            )
        elif fld == "body" and r.body:
            out.append(_Value(fold(r.body), r.body, [(r, r.body_span or r.team_span)]))
        elif fld == "province" and r.province and r.province_span:
            out.append(_Value(r.province, r.province, [(r, r.province_span)]))
        elif fld == "place":
            if r.venue and r.venue_span and (not r.province or r.units and r.units[0].key.startswith("org:")):
                main = f"{r.units[0].name}, " if r.units else ""
                out.append(
                    _Value(
                        fold(r.venue),
                        f"{main}tại {r.venue}" if q.language != "en" else f"{main}in {r.venue}",
                        [(r, r.venue_span)],
                    )
                )
            elif r.province and r.province_span:
                out.append(_Value(r.province, r.province, [(r, r.province_span)]))
            elif r.units:
                out.append(_Value(fold(r.units[0].name), r.units[0].name, [(r, r.units[0].span)]))
        elif fld == "units" and r.units:
            units: list[Unit] = r.units
            besides = _BESIDES.search(q.folded)
            if besides and not _BESIDES_PROVINCES.search(q.folded):
                # "Ngoài Ban Thường vụ Tỉnh ủy, …": the units so named are left out
                units = [u for u in r.units if besides.group(1) not in fold(u.name)]
                if not units:
                    continue
            if many_events:
                units = units[:1]  # across several teams, the unit each inspected
            names = list(dict.fromkeys(u.name for u in units))
            spans = [units[0].span] + ([units[-1].span] if units[-1].span.start != units[0].span.start else [])
            out.append(_Value(fold(", ".join(names)), ", ".join(names), [(r, s) for s in spans]))
        elif fld == "date" and r.date and r.date_span:
            out.append(
                _Value(
                    r.date[-5:] + (r.date_end or "")[-5:],
                    display_date(r.date, r.date_end, q.language == "en"),
                    [(r, r.date_span)] + ([(r, r.date_end_span)] if r.date_end_span else []),
                )
            )
        elif fld == "year" and r.year and r.year_span:
            out.append(_Value(str(r.year), str(r.year), [(r, r.year_span)]))
        elif fld == "legal":  # the documents the team works under, if the article says; else every one it cites
            refs = [x for x in r.basis if kind is None or x.kind == kind]
            for ref in refs or [x for x in r.legal if kind is None or x.kind == kind]:
                out.append(_Value(ref.key, _legal_text(ref, q), [(r, ref.span)]))
    return out


def _legal_text(ref: LegalRef, q: Query) -> str:
    date = (
        f" ngày {display_date(ref.date)}"
        if ref.date and q.language != "en"
        else f" of {display_date(ref.date, en=True)}"
        if ref.date
        else ""
    )
    title = f" “{ref.title}”" if ref.title else ""
    return f"{ref.name}{date}{title}"


def _label(ev: Event, q: Query, fld: str, with_body: bool = True) -> str:
    """'Đoàn kiểm tra số 3 của Tiểu ban … tại Nghệ An (12/3/2024)', without what the line itself answers;
    conflicting team numbers shown both."""
    r = ev.first
    en = q.language == "en"
    teams = list(dict.fromkeys(x.team for x in ev.records if x.team is not None))
    if fld == "team":
        teams = []
    if len(teams) > 1:
        no = (
            (" no. " if en else " số ")
            + "/".join(str(t) for t in teams)
            + (" (the articles differ)" if en else " (các bài ghi khác nhau)")
        )
    else:
        no = f" no. {teams[0]}" if en and teams else f" số {teams[0]}" if teams else ""
    kind = r.kind or "kiểm tra"  # kiểm tra | kiểm tra, giám sát | giám sát | công tác | thanh tra
    team = {"giám sát": "supervision team", "công tác": "working team", "thanh tra": "inspectorate team"}
    head = f"{team.get(kind, 'inspection team')}{no}" if en else f"Đoàn {kind}{no}"
    # another body's team is always named as that body's, except on the line that answers whose team it is
    if r.body and fld != "body" and (with_body or r.body != SUBCOMMITTEE):
        head += f" of the {shown_name(r.body, q.language)}" if en else f" của {r.body}"
    place = r.province or (shown_name(r.units[0].name, q.language) if r.units else None)
    if place and fld not in ("province", "place", "units"):
        head += (f" in {place}" if r.province else f" at the {place}") if en else f" tại {place}"
    if r.date and fld not in ("date", "year"):
        head += f" ({display_date(r.date, r.date_end, en, bracketed=True)})"
    return head


def _sentence(
    line: list[tuple[InspectionRecord, Span]], text_of: Callable[[str], str]
) -> list[tuple[InspectionRecord, int, int]]:
    out = []
    for r, span in line:
        a, b = sentence_around(text_of(r.doc_id), span.start, span.end)
        out.append((r, a, b))
    return out


def _phrase(fld: str, label: str, value: str, q: Query) -> str:
    en = q.language == "en"
    if fld in ("leader", "deputy"):
        role = _ROLE_NAMES[fld][1 if en else 0]
        return (
            f"The {role} of {label} was {value}"
            if en
            else f"{'Phó ' if fld == 'deputy' else ''}Trưởng {label} là đồng chí {value}"
        )
    if fld == "announcer":
        return (
            f"For {label}, the decision and plan were announced by {value}"
            if en
            else f"Người công bố quyết định, kế hoạch kiểm tra của {label}: {value}"
        )
    if fld == "chair":
        return f"The meeting of {label} was chaired by {value}" if en else f"Chủ trì buổi làm việc của {label}: {value}"
    if fld == "host":
        return (
            f"{value} received {label}" if en and not q.title else f"{value}" if q.title else f"Tiếp {label}: {value}"
        )
    if fld in ("titles", "rank", "role"):
        return f"{value} ({label})"
    if fld == "team":  # the label has no number: it goes after the team's kind
        return re.sub(
            r"^((?:inspection|supervision|working|inspectorate) team|Đoàn (?:kiểm tra, giám sát|kiểm tra|giám sát|công "
            r"tác|thanh tra))",
            rf"\1 {value}",
            label,
            count=1,
        )
    if fld == "body":
        return f"{label} belongs to the {value}" if en else f"{label} là đoàn của {value}"
    if fld in ("province", "place"):
        return f"{label} worked in {value}" if en else f"{label} làm việc tại {value}"
    if fld == "units" and label.startswith("*"):  # one unit a team, in a list of teams: the unit first
        return f"{value} ({label[1:]})"
    if fld == "units":
        return f"{label} inspected: {value}" if en else f"{label} kiểm tra tại: {value}"
    if fld == "date":
        return f"{label[0].upper()}{label[1:]}: {value}" if en else f"{label}: ngày {value}"
    if fld == "year":
        return f"{label}: {value}" if en else f"{label}: năm {value}"
    return f"{label}: {value}"


# --- the answer ------------------------------------------------------------------------------------------------------
@dataclass
class FactResult:
    answer: Answer | None = None  # found, from the records
    unmatched: bool = False  # the question names something no event matches
    missing: str | None = None  # events match but none states the asked field (its name, for the refusal)
    ambiguous: int = 0  # a singular question that this many events answer differently
    events: list[Event] = field(default_factory=list)


def fact_answer(
    q: Query, articles: list[ArticleFacts], doc_text: Callable[[str], str], events: list[Event] | None = None
) -> FactResult:
    """The answer from the records, if they hold it. `events`: `events_of` the articles' records, when the caller
    keeps them (merging is quadratic in the records: done once per change of the store, not per question)."""
    fields = [f for f in q.fields if f in RECORD_FIELDS]
    answerable = bool(fields) and len(fields) == len(q.fields)
    if not answerable and not _scoped(q):
        return FactResult()
    by_doc = {a.doc_id: a for a in articles}
    # a document asked about by itself, or by when or by whom it was issued
    if (
        answerable
        and q.legal
        and set(fields) <= {"date", "year", "legal", "body"}
        and not q.residual
        and (not (q.provinces or q.units or q.teams or q.persons or q.bodies) or _ISSUED.search(q.folded))
    ):
        return _document_answer(q, articles, doc_text)

    def text_of(r: InspectionRecord) -> str:  # the event's lead sentence and the article's title, folded
        key = (r.doc_id, r.team_span.start, r.team_span.end, r.title)
        if key not in _LEADS:
            if len(_LEADS) >= 100_000:
                _LEADS.clear()
            text = doc_text(r.doc_id)
            a, b = sentence_around(text, r.team_span.start, r.team_span.end)
            _LEADS[key] = fold(f"{r.title}\n{text[a:b]}")
        return _LEADS[key]

    if events is None:
        events = events_of([r for a in articles for r in a.events])
    every, events = events, [ev for ev in events if _matches(ev, q, text_of)]
    # a question about the Subcommittee's team where only another body's team worked: refused, naming that team
    unqualified = replace(q, residual=[])  # (once, not once per event: every question scoped to the Tiểu ban)
    if not any(_matches(ev, unqualified, text_of) for ev in every) and (others := _elsewhere(q, every, text_of)):
        return _scope_refusal(q, others, doc_text)
    if not events or not answerable:
        return FactResult(unmatched=answerable)
    cites = Citations(doc_text)
    en = q.language == "en"
    blocks: list[str] = []
    answered_people: list[str] = list(q.persons)
    kinds = iter(q.legal_kinds)
    for fld in fields:
        kind = next(kinds, None) if fld == "legal" else None
        places = len({_place_key(ev.records[0]) for ev in events}) > 1
        per_event = [(ev, _values(ev, fld, q, kind, answered_people, by_doc, places)) for ev in events]
        per_event = [(ev, vals) for ev, vals in per_event if vals]
        if not per_event and fld == "leader" and (acting := _acting_heads(events, q, cites, doc_text)):
            blocks.append(acting)  # the head is not named, a deputy led the meeting: said so, with the deputy's words
            continue
        if not per_event:  # (another body's team that states it is no answer: named in the refusal)
            others = [ev for ev in _elsewhere(q, every, text_of) if _values(ev, fld, q, kind, [], by_doc)]
            if others:
                return _scope_refusal(q, others, doc_text, fld)
            return FactResult(missing=MISSING[fld][1 if en else 0], events=events)
        if fld in ("announcer", "leader", "deputy", "chair", "host"):
            answered_people = [v.text.split(" (")[0] for _, vals in per_event for v in vals]
        block = _block(fld, per_event, q, cites, doc_text)
        if not block:
            return FactResult(ambiguous=len(per_event), events=events)
        blocks.append(block)
    text, citations = cites.used_in(_shorten("\n".join(blocks), q))
    used = {r.record_id: r for ev in events for r in ev.records}
    return FactResult(
        Answer(
            question=q.text,
            answer=text,
            found=True,
            citations=citations,
            language=q.language,
            mode="facts",
            facts=[r.to_dict() for r in used.values()],
        ),
        events=events,
    )


def _acting_heads(events: list[Event], q: Query, cites: Citations, doc_text: Callable[[str], str]) -> str:
    """Lines for events whose head is not named but a deputy led the meeting ("Đoàn … do ông X … làm Phó Trưởng
    đoàn đã có buổi làm việc", or the deputy chaired it): that the head is not named, and who led instead."""
    lines = []
    for ev in events[:3]:
        for r in ev.records:
            chairs = {p.name for p in r.person("chair")}
            led = [p for p in r.person("deputy") if p.name in chairs or _led_as_deputy(p)]
            if led:
                n = cites.cite(r.doc_id, r.source, r.title, led[0].sentence.start, led[0].sentence.end)
                label = _label(ev, q, "leader")
                team, deputy = label[0].upper() + label[1:], _person_value(led[0], r).text
                lines.append(render(f"acting_head_{q.language}", team=team, deputy=deputy, marks=f"[{n}]"))
                break
    return "\n".join(f"- {x}" if len(lines) > 1 else x for x in lines)


def _led_as_deputy(p: Person) -> bool:
    """ "Đoàn … do (ông) X, <titles> làm Phó Trưởng đoàn": the team was led by its deputy head."""
    said = fold(p.sentence.text)
    return bool(re.search(rf"\bdo\s+(?:\S+\s+){{0,3}}?{re.escape(fold(p.name))}\b[^.;]*?\blam pho truong doan\b", said))


def _scoped(q: Query) -> bool:
    """Whether the question is about the Subcommittee's teams or internal political protection work."""
    return SUBCOMMITTEE in q.bodies or q.topic


def _elsewhere(q: Query, events: list[Event], text_of: Callable[[InspectionRecord], str]) -> list[Event]:
    """The events of other bodies (each known: Ủy ban Kiểm tra Trung ương, a Tỉnh ủy …) that a scoped question
    would match but for its scope, at the place, unit or team it names; [] when any such event's body is unknown."""
    if not _scoped(q) or not (q.provinces or q.units or q.teams):
        return []
    wide = replace(q, bodies=[b for b in q.bodies if b != SUBCOMMITTEE], topic=False, residual=[])
    narrow = replace(q, residual=[])
    out = [ev for ev in events if _matches(ev, wide, text_of) and not _matches(ev, narrow, text_of)]
    return out if all(ev.first.body and ev.first.body != SUBCOMMITTEE for ev in out) else []


def _scope_refusal(q: Query, others: list[Event], doc_text: Callable[[str], str], fld: str | None = None) -> FactResult:
    """found=False: no team of the Subcommittee (or none stating `fld`) where the question says, and the other bodies'
    teams that are there, each cited at its lead sentence."""
    en = q.language == "en"
    cites = Citations(doc_text)
    teams = []
    for ev in others[:3]:
        r = ev.first
        lead = sentence_around(doc_text(r.doc_id), r.team_span.start, r.team_span.end)
        n = cites.cite(r.doc_id, r.source, r.title, *lead)
        teams.append(f"{_label(ev, q, 'leader')} [{n}]")
    none, of, whose = _SCOPE[SUBCOMMITTEE in q.bodies]
    lacking = (
        (f"do not state {MISSING[fld][1]} for the {whose}" if en else f"không nêu {MISSING[fld][0]} {of}")
        if fld
        else (f"mention no {whose}" if en else f"không có {none}")
    )
    text = render(f"scope_refusal_{q.language}", entity=describe(q), lacking=lacking, teams="; ".join(teams))
    answer = Answer(question=q.text, answer=text, found=False, citations=cites.items, language=q.language)
    return FactResult(answer, events=others)


# whose team a scoped question asks about: (names the Subcommittee) -> ("không có …", "không nêu X …", English)
_SCOPE = {
    True: (
        f"đoàn của {SUBCOMMITTEE}",
        f"của đoàn {SUBCOMMITTEE}",
        "team of the Central Sub-committee for Internal Political Protection",
    ),
    False: (
        "đoàn kiểm tra công tác bảo vệ chính trị nội bộ",
        "của đoàn kiểm tra công tác bảo vệ chính trị nội bộ",
        "internal political protection inspection team",
    ),
}


def _block(
    fld: str, per_event: list[tuple[Event, list[_Value]]], q: Query, cites: Citations, doc_text: Callable[[str], str]
) -> str:
    """The lines answering one field: one per distinct value; conflicts (one event, several values) marked."""
    bodies = {ev.first.body for ev, _ in per_event}
    with_body = not q.bodies and (len(per_event) == 1 or len(bodies) > 1)  # a list of one body's teams names it once
    lines: list[str] = []
    conflict = False
    seen: dict[str, int] = {}
    many_places = len({_place_key(ev.records[0]) for ev, _ in per_event}) > 1
    for ev, vals in per_event:
        distinct: dict[str, list[_Value]] = {}
        for v in vals:
            distinct.setdefault(v.key, []).append(v)
        if (
            len({r.doc_id for vs in distinct.values() for v in vs for r, _ in v.cites}) > 1
            and len(distinct) > 1
            and fld not in ("units", "legal", "host", "titles", "rank", "role")
        ):
            conflict = True
        for key, vs in distinct.items():
            numbers = [
                cites.cite(r.doc_id, r.source, r.title, a, b) for v in vs for r, a, b in _sentence(v.cites, doc_text)
            ][:3]
            label = _label(ev, q, fld, with_body)
            line = _phrase(fld, "*" + label if fld == "units" and many_places else label, vs[0].text, q)
            if key in seen and len(per_event) > 1 and fld not in ("units",):
                lines[seen[key]] = lines[seen[key]].rstrip(".") + cites.marks(numbers) + "."
                continue  # the same value for another event: one line, its sources added
            seen[key] = len(lines)
            lines.append(f"{line} {cites.marks(numbers)}.")
    many = len(lines) > 1
    # "the articles differ" heads the answer about one event; over several events it would call the whole list a
    # disagreement (one report's date differing between two outlets made every team's date "conflicting"): the
    # several events are then the question's ambiguity, and that event's values stand in its lines with their sources
    conflict = conflict and len(per_event) == 1
    if fld in ("leader", "deputy") and not conflict:  # one inspection's meetings (kickoff, results) name its head
        inspections: dict[tuple[object, ...], set[str]] = {}
        for ev, vals in per_event:
            r = ev.first
            if r.team is not None:
                inspections.setdefault((r.team, r.body, _place_key(r), r.year), set()).update(v.key for v in vals)
        conflict = any(len(keys) > 1 for keys in inspections.values())
    if conflict:
        lines.insert(0, render(f"conflict_{q.language}"))
    elif many and not q.wants_list and fld not in ("units", "legal", "role", "titles", "rank"):
        if len(lines) > 3:
            return ""
        lines.insert(0, render(f"several_events_{q.language}", n=len(lines)))
    head = 1 if lines and lines[0].endswith(":") else 0
    if len(lines) - head > 10:
        extra = len(lines) - head - 10
        lines = lines[: head + 10] + [render(f"more_results_{q.language}", n=extra)]
    body = "\n".join(f"- {x}" if many and not x.endswith(":") and not x.startswith("…") else x for x in lines)
    return body


def _shorten(text: str, q: Query) -> str:
    """Under MAX_ANSWER_CHARS: drop people's titles, then list lines (saying how many were left out)."""
    if len(text) <= MAX_ANSWER_CHARS:
        return text
    text = re.sub(r" \((?:[^()\[\]]|\([^()]*\))*\)(?= \[)", "", text)
    lines = text.split("\n")
    more = 0
    if lines[-1].startswith("…"):
        more = int(re.search(r"\d+", lines.pop()).group())  # type: ignore[union-attr]
    while len("\n".join(lines)) > MAX_ANSWER_CHARS - 40 and len(lines) > 1:
        lines.pop()
        more += 1
    if more:
        lines.append(render(f"more_results_{q.language}", n=more))
    return "\n".join(lines)


def _document_answer(q: Query, articles: list[ArticleFacts], doc_text: Callable[[str], str]) -> FactResult:
    """A legal document asked about by itself ("Quy định 58-QĐ/TW ban hành ngày nào?", "… do cơ quan nào ban
    hành?"): every article's reference to it, from articles that name the question's other entities; values that
    differ between articles are shown as a conflict."""
    en = q.language == "en"
    refs = [
        (a, r)
        for a in articles
        for r in a.legal
        if any(r.key == x.key for x in q.legal) and missing_entity(doc_text(a.doc_id), _without_legal(q)) is None
    ]
    if not refs:
        return FactResult(unmatched=True)
    want = "date" if ("date" in q.fields or "year" in q.fields) else "issuer" if "body" in q.fields else "code"
    groups: dict[str, list[tuple[ArticleFacts, LegalRef]]] = {}
    for a, r in refs:
        value = r.date if want == "date" else r.issuer if want == "issuer" else r.code or r.key
        if value:
            groups.setdefault(value if want != "issuer" else fold(value), []).append((a, r))
    if not groups:
        return FactResult(missing=MISSING["date" if want == "date" else "body"][1 if en else 0])
    cites = Citations(doc_text)
    lines = []
    for hits in sorted(groups.values(), key=len, reverse=True):
        per_doc = list({a.doc_id: (a, r) for a, r in hits}.values())
        numbers = [
            cites.cite(a.doc_id, a.source, a.title, *sentence_around(doc_text(a.doc_id), r.span.start, r.span.end))
            for a, r in per_doc[:2]
        ]
        more = len(per_doc) - 2
        count = f" (+{more} {'articles' if en else 'bài khác'})" if more > 0 else ""
        ref = per_doc[0][1]
        issuer = f" {'of' if en else 'của'} {ref.issuer}" if ref.issuer and "body" in q.fields else ""
        lines.append(f"{_legal_text(ref, q)}{issuer} {cites.marks(numbers)}{count}.")
    if len(lines) > 1:
        lines = [render(f"conflict_{q.language}")] + [f"- {x}" for x in lines]
    return FactResult(
        Answer(
            question=q.text,
            answer="\n".join(lines),
            found=True,
            citations=cites.items,
            language=q.language,
            mode="facts",
        )
    )


def _without_legal(q: Query) -> Query:
    return replace(q, legal=[])
