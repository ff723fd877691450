"""Inspection records: who inspected what, when, under which rule — every field tied to its source span.

An article is cut into segments at each mention of a numbered team ("Đoàn kiểm tra số 5", "Đoàn Kiểm tra số 01",
"Đoàn kiểm tra, giám sát số 15"); each segment gives one record. Patterns are general phrasings, not rules fitted
to one sentence:
  leader/deputy  "do (đồng chí) X, <titles> làm (Phó) Trưởng đoàn" · "(Phó) Trưởng đoàn là X" · "X, <titles>,
                 Trưởng đoàn" · "do X dẫn đầu"  ("Trưởng đoàn Đại biểu Quốc hội" is not an inspection role)
  announcer      "<titles> X đã công bố / thông qua quyết định, kế hoạch"
  hosts          other people whose titles are local (Bí thư Tỉnh ủy, Chủ tịch UBND tỉnh...)
  units          "kiểm tra / làm việc (tại|với|đối với) <Ban Thường vụ Tỉnh ủy X>, <Huyện ủy Y> và <Thành ủy Z>"
  date           "Chiều nay (2/11)", "Ngày 24/4", "ngày 17-4-2024", "từ 09/8 đến 11/8/2023"; the year from the date,
                 then "năm 2024" in the article, then the article's metadata date — else unknown, never invented
  legal          "Quy định / Quyết định / Chỉ thị / Kết luận / Nghị quyết / Kế hoạch (…) số 58-QĐ/TW ngày 8/2/2022"
Offsets are into the document's stored text; the folded copy has the same offsets (see `text.fold`).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from ..vn.entities import person_names
from ..vn.gazetteer import find_provinces
from ..vn.text import fold, split_sentences

__all__ = ["Span", "Person", "Unit", "LegalRef", "InspectionRecord", "extract_records", "BODIES", "SUBCOMMITTEE",
           "legal_key", "find_legal_refs", "RECORD_COLUMNS", "record_rows", "display_date"]

SUBCOMMITTEE = "Tiểu ban Bảo vệ chính trị nội bộ Trung ương"
# Issuing bodies: canonical name and folded forms; longest forms are tried first.
BODIES: dict[str, tuple[str, ...]] = {
    SUBCOMMITTEE: ("tieu ban bao ve chinh tri noi bo trung uong", "tieu ban bao ve chinh tri noi bo"),
    "Bộ Chính trị, Ban Bí thư": ("bo chinh tri, ban bi thu", "bo chinh tri - ban bi thu", "bo chinh tri va ban bi thu"),
    "Bộ Chính trị": ("bo chinh tri",),
    "Ban Bí thư": ("ban bi thu",),
    "Ủy ban Kiểm tra Trung ương": ("uy ban kiem tra trung uong", "ubkt trung uong"),
    "Ban Chỉ đạo Trung ương về phòng, chống tham nhũng, tiêu cực": ("ban chi dao trung uong ve phong, chong tham nhung",),
    "Ban Tổ chức Trung ương": ("ban to chuc trung uong",),
    "Ban Thường vụ Tỉnh ủy": ("ban thuong vu tinh uy",),
}


@dataclass
class Span:
    text: str  # exactly stored_text[start:end]
    start: int
    end: int


@dataclass
class Person:
    name: str
    role: str  # leader | deputy | announcer | host
    titles: str
    span: Span  # the name itself
    sentence: Span  # the sentence that states the role


@dataclass
class Unit:
    name: str
    province: str | None
    span: Span


@dataclass
class LegalRef:
    kind: str  # Quy định, Quyết định, Chỉ thị, Kết luận, Nghị quyết, Kế hoạch, Hướng dẫn
    number: int
    code: str | None  # canonical "58-QĐ/TW" when the text gives the code (also from degraded "58-QD/TW")
    date: str | None  # as ISO when complete
    title: str | None
    span: Span


@dataclass
class InspectionRecord:
    record_id: str
    doc_id: str
    source: str
    title: str
    team: int | None
    team_text: str
    body: str | None  # None: the text does not say
    team_span: Span
    body_span: Span | None = None
    people: list[Person] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    province: str | None = None  # canonical, from the main inspected unit or the team's sentence
    province_span: Span | None = None
    date: str | None = None  # ISO "2024-04-24" when the year is known, else "--04-24"
    date_text: str | None = None
    date_span: Span | None = None
    year: int | None = None
    year_source: str | None = None  # date | text | metadata (then year_span is the event date's span)
    year_span: Span | None = None
    legal: list[LegalRef] = field(default_factory=list)

    def person(self, role: str) -> list[Person]:
        return [p for p in self.people if p.role == role]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "InspectionRecord":
        d = dict(d)
        sp = lambda x: Span(**x) if x else None  # noqa: E731
        d["team_span"] = sp(d["team_span"])
        d["body_span"] = sp(d.get("body_span"))
        d["year_span"] = sp(d.get("year_span"))
        d["province_span"] = sp(d.get("province_span"))
        d["date_span"] = sp(d.get("date_span"))
        d["people"] = [Person(**{**p, "span": Span(**p["span"]), "sentence": Span(**p["sentence"])}) for p in d["people"]]
        d["units"] = [Unit(**{**u, "span": Span(**u["span"])}) for u in d["units"]]
        d["legal"] = [LegalRef(**{**r, "span": Span(**r["span"])}) for r in d["legal"]]
        return cls(**d)


# --- teams and bodies --------------------------------------------------------------------------------------------
_TEAM = re.compile(r"\bdoan (kiem tra(?:,? giam sat)?|giam sat|cong tac)(?: so)?\s+0*(\d{1,3})\b")


def _body_after(folded: str, pos: int) -> tuple[str, int, int] | None:
    """The issuing body named right after a team mention: 'số 5 (của) Tiểu ban ...', also after a list of teams
    ('Đoàn kiểm tra số 5 và Đoàn kiểm tra số 6 của Tiểu ban ...')."""
    pos = re.compile(r"(?:\s*(?:,|va)\s*doan (?:kiem tra(?:,? giam sat)?|giam sat|cong tac)(?: so)?\s+\d{1,3}\b)*").match(folded, pos).end()
    m = re.compile(r"\s*(?:cua|thuoc)?\s*").match(folded, pos)
    at = m.end() if m else pos
    for name, forms in BODIES.items():
        for form in sorted(forms, key=len, reverse=True):
            if folded.startswith(form, at):
                return name, at, at + len(form)
    m = re.compile(r"(uy ban kiem tra [^,.;()]+?)(?=\s+(?:do|da|lam|ve|tai|co)\b|[,.;()]|$)").match(folded, at)
    if m:
        return "", m.start(1), m.end(1)  # another body: its name is read from the original text
    return None


# --- people -------------------------------------------------------------------------------------------------------
_ROLE = re.compile(r"\b(pho truong doan|truong doan|dan dau)\b(?!\s+(?:dai bieu|dbqh|doan dai bieu))")
_ANNOUNCE = re.compile(r"\b(cong bo|thong qua|trien khai|doc)\s+(cac\s+)?(quyet dinh|ke hoach)")
_HONORIFIC = re.compile(r"(?:dong chi|ong|ba|dai tuong|thuong tuong|trung tuong|thieu tuong|dai ta)\s+$")
_LOCAL = re.compile(r"\b(tinh uy|thanh uy|huyen uy|hdnd|ubnd|tinh|thanh pho|cong an tinh)\b")
_TITLE_START = re.compile(r"(?:Ủy|Uỷ|Phó|Bí|Chủ|Trưởng|Tổng|Giám|Tỉnh|Thành|Thứ|Bộ|Đại|Thượng|Trung|Thiếu|Cục|Viện|Ban)")


def _titles_after(text: str, end: int, limit: int) -> str:
    """Appositive titles after a name: ', Ủy viên Trung ương Đảng, Phó Trưởng ban ...' up to a verb or ; ."""
    items = []
    pos = end
    while pos < limit and text.startswith(", ", pos):
        m = re.compile(r"[^,;.:()]+").match(text, pos + 2)
        if not m or not _TITLE_START.match(m.group()):
            break
        item = m.group()
        cut = re.search(r"\s+(?:làm|là|dẫn đầu|đã|phát biểu|tiếp|báo cáo)\b", item)
        items.append(item[:cut.start()] if cut else item)
        if cut:
            break
        pos = m.end()
    return ", ".join(i.strip() for i in items)


def _titles_before(text: str, start: int, floor: int) -> str:
    """Titles right before a name: 'Phó Cục trưởng Cục Bảo vệ ... (Ban Tổ chức Trung ương) Nguyễn Văn Định'."""
    seg = text[floor:start]
    cut = max(seg.rfind(","), seg.rfind(";"), seg.rfind(":"))
    seg = seg[cut + 1:] if cut >= 0 else seg
    seg = seg.strip()
    return seg if seg and _TITLE_START.match(seg) else ""


def _people(text: str, folded: str, sentences: list[tuple[int, int]]) -> list[Person]:
    people: list[Person] = []
    for a, b in sentences:
        names = [(x, y) for x, y in person_names(text[a:b])]
        names = [(a + x, a + y) for x, y in names]
        sent = Span(text[a:b], a, b)
        for m in _ROLE.finditer(folded, a, b):
            role = {"pho truong doan": "deputy", "truong doan": "leader", "dan dau": "leader"}[m.group(1)]
            # "Trưởng đoàn là X", "Trưởng đoàn: X", "Trưởng Đoàn kiểm tra số 2, đồng chí X"
            after = re.compile(r"\s*(?:kiem tra(?: so \d+)?\s*)?(?:la|:|,)\s*(?:dong chi|ong|ba)?\s*").match(folded, m.end())
            follow = [n for n in names if after and n[0] == after.end()]
            if follow and role != "leader" or follow and m.group(1) == "truong doan":
                x, y = follow[0]
                titles = _titles_after(text, y, b)
            else:
                before = [n for n in names if n[1] <= m.start()]
                if not before:
                    continue
                x, y = before[-1]
                between = folded[y:m.start()]
                if _ROLE.search(between):  # another role stands between: not this person's
                    continue
                titles = re.sub(r"^[,\s]+|[,\s]+$|\s+(?:lam|la)$", "", text[y:m.start()])
                titles = re.sub(r"[,\s]*(?:làm|là|đã|dẫn đầu đoàn)$", "", titles).strip(" ,")
            people.append(Person(text[x:y], role, titles, Span(text[x:y], x, y), sent))
        for m in _ANNOUNCE.finditer(folded, a, b):
            before = [n for n in names if n[1] <= m.start() and m.start() - n[1] < 40]
            if before:
                x, y = before[-1]
                titles = _titles_before(text, x, a) or _titles_after(text, y, b)
                people.append(Person(text[x:y], "announcer", titles, Span(text[x:y], x, y), sent))
    named = {p.name for p in people}
    for a, b in sentences:  # hosts: the rest, when their titles are local
        for x, y in person_names(text[a:b]):
            x, y = a + x, a + y
            name = text[x:y]
            if name in named:
                continue
            titles = _titles_after(text, y, b) or _titles_before(text, x, a)
            if titles and _LOCAL.search(fold(titles)):
                people.append(Person(name, "host", titles, Span(name, x, y), Span(text[a:b], a, b)))
                named.add(name)
    out, seen = [], set()
    for p in people:  # first statement of each (name, role) wins
        if (p.name, p.role) not in seen:
            seen.add((p.name, p.role))
            out.append(p)
    return out


# --- units ----------------------------------------------------------------------------------------------------------
_UNIT_HEAD = re.compile(
    r"\b(ban thuong vu (?:tinh uy|thanh uy|dang uy|huyen uy)|ban can su dang|dang doan|ban to chuc (?:tinh uy|thanh uy)"
    r"|dang uy|huyen uy|thanh uy|thi uy|quan uy|tinh uy)\b")
_UNIT_CONTEXT = re.compile(r"\b(kiem tra|lam viec|giam sat)\s+(tai|voi|doi voi)\b")
_UNIT_FILL = {"tinh", "thanh", "pho", "an", "dang", "su", "co", "quan", "khoi", "huyen", "quan", "thi", "xa", "bo"}


def _units(text: str, folded: str, sentences: list[tuple[int, int]]) -> list[Unit]:
    units: list[Unit] = []
    for a, b in sentences:
        ctx = _UNIT_CONTEXT.search(folded, a, b)
        if not ctx or re.compile(r"\s*(?:cac\s+)?(?:dong chi|ong|ba)\b").match(folded, ctx.end()):
            continue  # "làm việc với các đồng chí: ..." lists people, whose titles name units
        for m in _UNIT_HEAD.finditer(folded, ctx.end(), b):
            if units and m.start() < units[-1].span.end:
                continue
            if re.search(r"\b(?:bi thu|uy vien|truong|pho|chu tich|thuong truc)\s+$", folded[max(a, m.start() - 15):m.start()]):
                continue  # part of a title: "Bí thư Tỉnh ủy"
            end = m.end()
            for w in re.compile(r"\s+([^\s,;.()]+)").finditer(text, end, b):
                if w.start() != end:
                    break
                word = w.group(1)
                if not (word[0].isupper() or fold(word) in _UNIT_FILL) or fold(word) in {"va", "ve"}:
                    break
                end = w.end()
            name = text[m.start():end]
            prov = find_provinces(name)
            units.append(Unit(name, prov[0][0].name if prov else None, Span(name, m.start(), end)))
    seen, out = set(), []
    for u in units:
        if u.name not in seen:
            seen.add(u.name)
            out.append(u)
    return out


# --- dates ----------------------------------------------------------------------------------------------------------
_DATE = re.compile(
    r"(?:(?:sang|chieu|toi|trua)\s+(?:nay\s+)?(?:ngay\s+)?|ngay\s+|tu\s+(?:ngay\s+)?)\(?"
    r"(\d{1,2})\s*[/-]\s*(\d{1,2})(?:\s*[/-]\s*(\d{4}))?\)?"
    r"(?:\s+(?:den|-)\s+(?:ngay\s+)?\d{1,2}\s*[/-]\s*\d{1,2}(?:\s*[/-]\s*(\d{4}))?)?")
_YEAR = re.compile(r"\bnam (20\d\d|19\d\d)\b")


def _date(text: str, folded: str, a: int, b: int) -> tuple[int, int, int | None, int, int] | None:
    """(day, month, year or None, start, end) of the first event date in a sentence, legal dates skipped."""
    for m in _DATE.finditer(folded, a, b):
        if re.search(r"\d+\s*-\s*[a-z]{1,4}\s*/\s*[a-z]{1,8}\s*$", folded[max(a, m.start() - 25):m.start()]):
            continue  # "58-QĐ/TW ngày 8/2/2022" is the rule's date, not the inspection's
        day, month = int(m.group(1)), int(m.group(2))
        if not (1 <= day <= 31 and 1 <= month <= 12):
            continue
        year = m.group(3) or m.group(4)
        return day, month, int(year) if year else None, m.start(), m.end()
    return None


# --- legal references -------------------------------------------------------------------------------------------
_KINDS = {"quy dinh": "Quy định", "quyet dinh": "Quyết định", "chi thi": "Chỉ thị", "ket luan": "Kết luận",
          "nghi quyet": "Nghị quyết", "ke hoach": "Kế hoạch", "huong dan": "Hướng dẫn", "sac lenh": "Quy định"}
_CODE_KIND = {"qd": "QĐ", "qdi": "QĐi", "kl": "KL", "ct": "CT", "nq": "NQ", "kh": "KH", "hd": "HD", "tb": "TB"}
_KIND_CODE = {"Quy định": "QĐ", "Quyết định": "QĐ", "Chỉ thị": "CT", "Kết luận": "KL", "Nghị quyết": "NQ",
              "Kế hoạch": "KH", "Hướng dẫn": "HD"}
_LEGAL = re.compile(
    r"\b(quy dinh|quyet dinh|chi thi|ket luan|nghi quyet|ke hoach|huong dan|sac lenh)\b([^.;\d]{0,60}?)\bso\s+"
    r"(\d{1,4})(?:\s*-\s*([a-z]{1,4})\s*/\s*([a-z]{1,8}))?(?!\d)"
    r"|(?<![\d-])(\d{1,4})\s*-\s*(qd|qdi|kl|ct|nq|kh|hd|tb)\s*/\s*([a-z]{1,8})\b")
_REF_DATE = re.compile(r"\s*,?\s*ngay\s+(\d{1,2})\s*[/-]\s*(\d{1,2})\s*[/-]\s*(\d{4})")


def legal_key(number: int, kind: str | None) -> str:
    """Comparable key: '58-QĐ' ('Quy định số 58' and '58-QD/TW' alike); the number is matched whole."""
    return f"{number}-{_KIND_CODE.get(kind or '', kind or '')}"


def find_legal_refs(text: str, start: int = 0, end: int | None = None) -> list[LegalRef]:
    folded = fold(text)
    end = len(text) if end is None else end
    refs: list[LegalRef] = []
    for m in _LEGAL.finditer(folded, start, end):
        if m.group(1):
            kind = _KINDS[m.group(1)]
            number, code_kind, issuer = int(m.group(3)), m.group(4), m.group(5)
        else:
            number, code_kind, issuer = int(m.group(6)), m.group(7), m.group(8)
            kind = next((k for k, c in _KIND_CODE.items() if c == _CODE_KIND.get(code_kind, "")), code_kind.upper())
        if code_kind and code_kind not in _CODE_KIND:
            continue
        code = f"{number}-{_CODE_KIND[code_kind]}/{issuer.upper()}" if code_kind and issuer else None
        if code and kind in _KIND_CODE and _KIND_CODE[kind] != _CODE_KIND[code_kind]:
            kind = next(k for k, c in _KIND_CODE.items() if c == _CODE_KIND[code_kind])
        span_start, span_end = m.start(), m.end()
        noun = re.search(r"\b(quy dinh|quyet dinh|chi thi|ket luan|nghi quyet|ke hoach|huong dan)\s+$", folded[max(0, span_start - 15):span_start])
        if not m.group(1) and noun:  # "Kết luận 21-KL/TW": the noun belongs to the reference
            span_start -= len(noun.group())
        date = None
        d = _REF_DATE.match(folded, m.end())
        if d:
            date = f"{int(d.group(3)):04d}-{int(d.group(2)):02d}-{int(d.group(1)):02d}"
            span_end = d.end()
        title = None
        t = re.compile(r"\s*(?:của\s+[^“\"”.;,]{1,40}?)?\s*(?:về\s+)?[“\"]([^”\"]{3,200})[”\"]").match(text, span_end)
        if t:
            title = t.group(1).strip()
        refs.append(LegalRef(kind, number, code, date, title, Span(text[span_start:span_end], span_start, span_end)))
    return refs


# --- records ------------------------------------------------------------------------------------------------------
def _segments(folded: str, sentences: list[tuple[int, int]]) -> list[tuple[int | None, list[tuple[int, int]], re.Match[str] | None]]:
    """Sentences grouped by team: a segment runs from a team's first mention to the next other team's."""
    segs: list[tuple[int | None, list[tuple[int, int]], re.Match[str] | None]] = []
    for a, b in sentences:
        m = _TEAM.search(folded, a, b)
        team = int(m.group(2)) if m else None
        if m and (not segs or segs[-1][0] != team) and team not in {s[0] for s in segs}:
            segs.append((team, [(a, b)], m))
        elif segs:
            segs[-1][1].append((a, b))
        else:
            segs.append((None, [(a, b)], None))
    if len(segs) > 1 and segs[0][0] is None:  # lead-in sentences belong to the first team
        segs[1] = (segs[1][0], segs[0][1] + segs[1][1], segs[1][2])
        segs.pop(0)
    return segs


def extract_records(text: str, doc_id: str, source: str, title: str = "", metadata_date: str | None = None) -> list[InspectionRecord]:
    """Inspection records of one article (stored text). An article with no team mention gives none."""
    folded = fold(text)
    sentences = split_sentences(text)
    year_text = _YEAR.search(folded)
    meta_year = int(metadata_date[:4]) if metadata_date and re.match(r"\d{4}", metadata_date) else None
    records = []
    for i, (team, sents, m) in enumerate(_segments(folded, sentences)):
        if m is None:
            continue
        # the body may follow any mention of this team, not only the first
        body_hit = next((hit for t in _TEAM.finditer(folded) if t.group(2) and int(t.group(2)) == team
                         and (hit := _body_after(folded, t.end()))), None)
        body, body_span = None, None
        if body_hit:
            body = body_hit[0] or text[body_hit[1]:body_hit[2]]
            body_span = Span(text[body_hit[1]:body_hit[2]], body_hit[1], body_hit[2])
        rec = InspectionRecord(
            record_id=f"{doc_id}:{i}", doc_id=doc_id, source=source, title=title, team=team, team_text=text[m.start():m.end()],
            body=body, team_span=Span(text[m.start():m.end()], m.start(), m.end()), body_span=body_span,
            people=_people(text, folded, sents), units=_units(text, folded, sents),
            legal=[r for a, b in sents for r in find_legal_refs(text, a, b)])
        anchor = next((s for s in sents if s[0] <= m.start() < s[1]), sents[0])
        for a, b in [anchor] + [s for s in sents if s != anchor]:
            d = _date(text, folded, a, b)
            if d:
                day, month, year, x, y = d
                rec.date_text, rec.date_span = text[x:y], Span(text[x:y], x, y)
                if year:
                    rec.year, rec.year_source, rec.year_span = year, "date", rec.date_span
                elif year_text:
                    rec.year, rec.year_source = int(year_text.group(1)), "text"
                elif meta_year:
                    rec.year, rec.year_source, rec.year_span = meta_year, "metadata", rec.date_span
                rec.date = f"{rec.year:04d}-{month:02d}-{day:02d}" if rec.year else f"--{month:02d}-{day:02d}"
                break
        if rec.year is None and year_text:
            rec.year, rec.year_source = int(year_text.group(1)), "text"
        if rec.year_source == "text" and year_text:
            rec.year_span = Span(text[year_text.start():year_text.end()], year_text.start(), year_text.end())
        main = next((u for u in rec.units if u.province), None)
        if main:
            rec.province, rec.province_span = main.province, main.span
        else:
            for a, b in [anchor] + sents:
                found = find_provinces(text[a:b])
                if found:
                    p, x, y = found[0]
                    rec.province, rec.province_span = p.name, Span(text[a + x:a + y], a + x, a + y)
                    break
        records.append(rec)
    return records


def display_date(iso: str, en: bool = False) -> str:
    """'2024-04-24' -> '24/4/2024'; '--11-02' (year unknown) -> '2/11 (bài không nêu năm)'."""
    year, month, day = iso[:-6], int(iso[-5:-3]), int(iso[-2:])
    if year.strip("-"):
        return f"{day}/{month}/{year}"
    return f"{day}/{month} ({'year not stated' if en else 'bài không nêu năm'})"


RECORD_COLUMNS = ["team", "body", "leader", "deputy", "announcer", "province", "units", "date", "year", "legal",
                  "source", "record_id"]


def record_rows(records: list[InspectionRecord]) -> list[dict[str, Any]]:
    """One flat row per record (CSV export, tables): people, units and references joined with '; '."""
    return [{
        "team": r.team, "body": r.body or "", "province": r.province or "", "date": r.date or "", "year": r.year or "",
        **{role: "; ".join(p.name for p in r.person(role)) for role in ("leader", "deputy", "announcer")},
        "units": "; ".join(u.name for u in r.units), "legal": "; ".join(x.code or f"{x.kind} {x.number}" for x in r.legal),
        "source": r.source, "record_id": r.record_id,
    } for r in records]
