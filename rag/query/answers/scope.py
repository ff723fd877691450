"""What a question constrains, for both answer routes: its residual words as an article would write them, whether
an article names each entity, and how a refusal names what was asked for."""

from __future__ import annotations

import re
from functools import cached_property, lru_cache

from ...vn.dates import display_date, find_dates
from ...vn.entities import find_teams
from ...vn.gazetteer import MERGER_DATE, SUBCOMMITTEE, Province, find_bodies, find_provinces, find_units
from ...vn.legal import find_legal_refs
from ...vn.text import fold
from ..questions import GLOSSARY, Query

__all__ = ["residual_terms", "typed", "holds", "names", "missing_entity", "describe", "MISSING"]


def residual_terms(q: Query) -> list[list[str]]:
    """The question's residual phrases as the articles would write them: folded words each. English words go
    through the glossary (in English and in mixed questions alike); one it lacks cannot be looked for in
    Vietnamese text and is left out of an English question."""
    out = []
    for phrase in q.residual:
        if phrase in GLOSSARY:
            out.append(fold(GLOSSARY[phrase]).split())
        elif q.language != "en":
            out.append(phrase.split())
    return out


def typed(q: Query) -> list[str]:
    """The question's residual phrases as the user typed them (diacritics and capitals kept; phrases that stand side
    by side, as English words do, joined), for a refusal."""
    spans: list[tuple[int, int]] = []
    for phrase in q.residual:
        m = re.search(r"\b" + r"\s+".join(map(re.escape, phrase.split())) + r"\b", q.folded)
        if not m:
            continue
        if spans and not q.folded[spans[-1][1] : m.start()].strip():
            spans[-1] = (spans[-1][0], m.end())
        else:
            spans.append(m.span())
    return [q.text[a:b] for a, b in spans]  # (folded and typed text align: same length)


def holds(text: str, phrase: list[str]) -> bool:
    """Whether folded `text` has every word of `phrase`."""
    return all(re.search(rf"\b{re.escape(w)}\b", text) for w in phrase)


def names(folded_doc: str, name: str) -> bool:
    return bool(re.search(rf"\b{re.escape(fold(name))}\b", folded_doc))


class _Named:
    """What an article names, each kind found on first use: a question naming no date never looks for dates, and
    most free-form questions name nothing at all. Kept per article text (every question reads the same candidates)."""

    def __init__(self, text: str):
        self.text = text

    @cached_property
    def folded(self) -> str:
        return fold(self.text)

    @cached_property
    def provinces(self) -> tuple[Province, ...]:
        return tuple(p for p, _, _ in find_provinces(self.text))

    @cached_property
    def teams(self) -> frozenset[int | None]:
        return frozenset(t.number for t in find_teams(self.text))

    @cached_property
    def legal(self) -> frozenset[str]:
        return frozenset(r.key for r in find_legal_refs(self.text))

    @cached_property
    def orgs(self) -> frozenset[str]:
        return frozenset(o.name for o, _, _ in find_units(self.text))

    @cached_property
    def bodies(self) -> frozenset[str]:
        return frozenset(o.name for o, _, _ in find_bodies(self.text))

    @cached_property
    def days(self) -> frozenset[tuple[int | None, int]]:
        return frozenset((d.day, d.month) for d in find_dates(self.text))


@lru_cache(maxsize=512)
def _named(text: str) -> _Named:
    return _Named(text)


def names_province(text: str, name: str, date: str | None) -> bool:
    """`text` names the province, or (written after the 2025 merger) a former province now part of it."""
    return any(p.name == name or p.merged_into == name and (date or "") >= MERGER_DATE for p in _named(text).provinces)


def missing_entity(doc_text: str, q: Query, date: str | None = None) -> str | None:
    """The first entity of the question that `doc_text` (published on `date`) does not name, else None."""
    named = _named(doc_text)
    for p in q.provinces:
        if not names_province(doc_text, p.name, date):
            return p.name
    for n in q.teams:
        if n not in named.teams and not re.search(rf"\b(?:so|no\.?) 0*{n}\b", named.folded):
            return f"Đoàn kiểm tra số {n}" if q.language == "vi" else f"inspection team no. {n}"
    for ref in q.legal:
        if ref.key not in named.legal:
            return ref.code or ref.name
    for u in q.units:
        if u.key.startswith("org:") and u.key[4:] not in named.orgs and not (u.same_as and u.same_as in named.orgs):
            return u.name
        if u.key.startswith("local:") and not names(named.folded, u.key[6:]):
            return u.name
    for name in q.persons:
        if not names(named.folded, name):
            return name
    for b in q.bodies:
        if b not in named.bodies and not names(named.folded, b):
            return b
    for y in q.years:
        if not re.search(rf"\b{y}\b", named.folded):
            return str(y)
    for d in q.dates:
        if (d.day, d.month) not in named.days:
            return f"{d.day}/{d.month}"
    return None


MISSING = {
    "leader": ("trưởng đoàn", "who led the team"),
    "deputy": ("phó trưởng đoàn", "a deputy head"),
    "announcer": ("người công bố quyết định", "who announced the decision"),
    "chair": ("người chủ trì", "who chaired"),
    "host": ("người tiếp đoàn hoặc giữ chức vụ được hỏi", "who received the team or holds that title"),
    "attendee": ("người dự buổi làm việc", "who attended"),
    "titles": ("chức vụ", "the titles"),
    "rank": ("quân hàm, cấp bậc", "the rank"),
    "role": ("vai trò", "the role"),
    "team": ("số hiệu đoàn", "a team number"),
    "body": ("cơ quan lập đoàn", "the body"),
    "province": ("tỉnh", "the province"),
    "place": ("nơi làm việc", "the place"),
    "units": ("các đơn vị được kiểm tra", "the units"),
    "date": ("ngày", "the date"),
    "year": ("năm", "the year"),
    "legal": ("văn bản", "the document"),
    "count": ("con số được hỏi", "that number"),
    "deadline": ("thời hạn", "the deadline"),
    "person": ("người được hỏi", "who did that"),
    "free": ("thông tin được hỏi", "what is asked"),
}


def describe(q: Query) -> str:
    """What the question names, for a refusal: 'Hàn Đình Khôi, Quảng Ngãi'. The Subcommittee is named only when the
    question names nothing else (it is what most questions are about): the question itself, the last resort, would
    be repeated inside the refusal's sentence ("Các bài báo về Tiểu ban đã kiểm tra bao nhiêu tỉnh? không nêu …")."""
    parts = (
        list(q.persons)
        + [p.name for p in q.provinces]
        + [u.name for u in q.units]
        + [("team " if q.language == "en" else "Đoàn kiểm tra số ") + str(t) for t in q.teams]
        + [b for b in q.bodies if b != SUBCOMMITTEE]
        + [r.code or r.name for r in q.legal]
        + [display_date(d.iso) for d in q.dates]
        + [f"{m.month}/{m.year}" if m.year else f"tháng {m.month}" for m in q.months]
        + [str(y) for y in q.years if not any(d.year == y for d in q.dates + q.months)]
    )
    if not parts and not q.unknown and SUBCOMMITTEE in q.bodies:  # it names the Subcommittee alone
        parts = ["the Subcommittee for Internal Political Protection" if q.language == "en" else SUBCOMMITTEE]
    return ", ".join(dict.fromkeys(parts or q.unknown)) or q.text
