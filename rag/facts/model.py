"""The record types: what an article says about inspections, every field tied to its source span.

ArticleFacts (one per document)
  events: [InspectionRecord]   one per team's meeting the article reports (team, body, people, units, date …)
  people: [Person]             everyone the article names, with the titles it gives (roles "" when none)
  legal:  [LegalRef]           every legal reference in the article (with dates where given)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..vn.legal import LegalRef
from ..vn.text import Span

__all__ = ["Person", "Unit", "InspectionRecord", "ArticleFacts", "ROLES"]

# leader, deputy: of the team; announcer: read the decision/plan; chair: chaired the meeting; host: received the
# team; member: another member of the team; "": named in the article without a role in the inspection
ROLES = ("leader", "deputy", "announcer", "chair", "host", "member")


@dataclass
class Person:
    name: str
    role: str
    titles: str
    span: Span  # the name itself
    sentence: Span  # the sentence that states the role
    rank: str = ""  # a military or police rank written before the name ("Thượng tướng"), as written


@dataclass
class Unit:
    name: str
    province: str | None
    key: str  # "org:Bộ Tài nguyên và Môi trường", "prov:Nghệ An", "local:duc trong" (folded owner)
    span: Span


@dataclass
class InspectionRecord:
    record_id: str
    doc_id: str
    source: str
    title: str
    team: int | None
    team_text: str
    team_span: Span
    body: str | None = None  # canonical central body, or a local one as written; None: the article does not say
    body_span: Span | None = None
    kind: str = "kiểm tra"  # kiểm tra | kiểm tra, giám sát | công tác | thanh tra
    stage: str = "start"  # start (decision announced, working session) | draft (draft report) | results
    topic: bool = False  # the team inspects internal political protection work
    language: str = "vi"
    people: list[Person] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)  # the first is the unit inspected; the rest worked with
    province: str | None = None  # canonical, from the inspected unit (None for a central unit)
    province_span: Span | None = None
    province_now: str | None = None  # the province it belongs to now, when the article says so ("(nay là tỉnh X)")
    venue: str | None = None  # where the meeting took place, as written ("Hà Nội", "TP Cần Thơ")
    venue_span: Span | None = None
    date: str | None = None  # ISO "2024-04-24" when the year is known, else "--04-24"
    date_end: str | None = None  # end of a range of days
    date_text: str | None = None
    date_span: Span | None = None
    date_end_span: Span | None = None  # where the end is stated, when apart from the date ("Theo lịch, … đến 26/9")
    year: int | None = None
    year_source: str | None = None  # date | metadata | text
    year_span: Span | None = None
    legal: list[LegalRef] = field(default_factory=list)  # every reference in the event's sentences
    basis: list[LegalRef] = field(default_factory=list)  # those the team works under (`facts.basis`): its decision,
    # plan, the regulation it inspects; not what the inspected body issued or reports having carried out
    extent: list[int] | None = None  # [start, end) of the sentences that report this event

    def person(self, role: str) -> list[Person]:
        return [p for p in self.people if p.role == role]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> InspectionRecord:
        d = dict(d)
        for key in ("team_span", "body_span", "province_span", "venue_span", "date_span", "date_end_span", "year_span"):
            d[key] = Span(**d[key]) if d.get(key) else None
        d["people"] = [_person(p) for p in d["people"]]
        d["units"] = [Unit(**{**u, "span": Span(**u["span"])}) for u in d["units"]]
        d["legal"] = [_legal(r) for r in d["legal"]]
        d["basis"] = [_legal(r) for r in d.get("basis", [])]
        return cls(**d)


@dataclass
class ArticleFacts:
    doc_id: str
    source: str
    title: str
    language: str = "vi"
    events: list[InspectionRecord] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    legal: list[LegalRef] = field(default_factory=list)
    extractor: int = 0  # the EXTRACTOR_VERSION that read the article (stored facts of another are read again)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ArticleFacts:
        return cls(
            d["doc_id"],
            d["source"],
            d["title"],
            d.get("language", "vi"),
            [InspectionRecord.from_dict(e) for e in d["events"]],
            [_person(p) for p in d["people"]],
            [_legal(r) for r in d["legal"]],
            d.get("extractor", 0),
        )


def _person(p: dict[str, Any]) -> Person:
    return Person(**{**p, "span": Span(**p["span"]), "sentence": Span(**p["sentence"])})


def _legal(r: dict[str, Any]) -> LegalRef:
    return LegalRef(**{**r, "span": Span(**r["span"])})
