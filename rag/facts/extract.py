"""Finding inspection records in an article (Vietnamese with or without diacritics, or English).

An article is cut into events at each team that starts one: the first mention of each team number ("Đoàn kiểm tra
số 5", "Đoàn Kiểm tra số 01", "Đoàn kiểm tra, giám sát số 1927", "Inspection team No. 9"), or an unnumbered team
("Đoàn kiểm tra của Tiểu ban …", "Đoàn thanh tra của Thanh tra Chính phủ") when the article numbers none. A later
mention of the same number continues its event; a team recalled in passing ("Trước đó, sau đợt kiểm tra của Đoàn
kiểm tra số 6 …") starts none. Every field is read with general phrasings, never fitted to one article:

  body      named right after any mention of the team ("số 5 (của|thuộc) Tiểu ban …", "No. 9 of the Central
            Sub-committee …", "số 2 của Ban Thường vụ Tỉnh ủy Lâm Đồng"), else in the lead ("hai đoàn kiểm tra của
            Tiểu ban …") or as the title's subject; else unknown
  people    role after the name and its titles ("do X, <titles> làm Trưởng đoàn", "X … dẫn đầu đoàn", "X … chủ trì",
            "X, <titles>, công bố/đọc/thông qua/phổ biến/trình bày quyết định, kế hoạch"), role before the name
            ("Trưởng đoàn là X", "Trưởng đoàn, <title> X", "đứng đầu là X", "Hai Phó Trưởng đoàn là X … và Y …"),
            role among the titles ("X, <titles>, Phó Trưởng đoàn"), passive ("được đồng chí X … công bố"), lists
            ("Chủ trì buổi làm việc có X …; Y …", "Tiếp Đoàn có X …" = hosts); English "led/headed by X", "X …,
            deputy head of the team", "X … announced Decision …", "received by X". Ranks (Thượng tướng …) are titles.
  units     after "làm việc với / kiểm tra (trực tiếp) tại / đối với / đối tượng kiểm tra là / Ngoài …, Đoàn còn …"
            as head + owner ("Ban Cán sự đảng" + "Bộ Tài nguyên và Môi trường", "Huyện ủy" + "Đức Trọng"); the
            first is the inspected unit, whose province is the record's (none for a central unit: "tại Hà Nội" is
            then the venue, not the province)
  date      the team sentence's date, else the lead's ("Sáng 12/3", "Chiều qua (14-6)", "Hôm nay (27/7)", "từ ngày
            10 đến 12/9/2024", "trong hai ngày 3 và 4/11/2025", "on March 6"); the year from the date, else the
            article's publication date, else "năm 2024" in the text — else unknown, never invented
  stage     start | draft ("thông qua dự thảo báo cáo") | results ("thông báo kết quả", "kết luận kiểm tra")
  legal     every reference in the event's sentences (see `vn.legal`)
  basis     those of them the team works under: its decision, plan, the regulation it inspects (see `facts.basis`)
Offsets are into the document's stored text; the folded copy has the same offsets (see `vn.text.fold`).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from ..vn.dates import DateRef, find_dates, find_years
from ..vn.entities import (
    RANKS,
    TITLE_WORDS,
    TeamMention,
    find_teams,
    person_names,
    rank_before,
    title_chain,
    titles_after,
    titles_before,
)
from ..vn.gazetteer import LOCAL_BODY, SUBCOMMITTEE, UNIT_HEAD, find_bodies, find_provinces, find_units
from ..vn.legal import LegalRef, find_legal_refs
from ..vn.text import Span, bounded_sentences, fold, has_diacritics
from ..vn.vocabulary import NOT_NA_DELEGATION, STAGES, TOPIC
from .basis import basis_refs
from .model import ArticleFacts, InspectionRecord, Person, Unit

__all__ = ["EXTRACTOR_VERSION", "extract_facts", "extract_records"]

# Raised whenever extraction changes what it finds: facts stored by an older version are read again from the text.
EXTRACTOR_VERSION = 4  # 4: records keep the inspection's basis


def extract_records(
    text: str, doc_id: str, source: str, title: str = "", metadata_date: str | None = None
) -> list[InspectionRecord]:
    """The inspection events of one article (stored text). An article that reports no team gives none."""
    return extract_facts(text, doc_id, source, title, metadata_date).events


# --- the article ---------------------------------------------------------------------------------------------------
# Sentences are read in pieces of at most _MAX_SENTENCE characters (longer ones are cut at clauses): news sentences
# run < 1000 (the longest of ~80k has 950), and per-sentence work (masking places and units around each word) grows
# with its length, so a run-on dump (one 5 MB line) stays linear: ~2.5 s per MB.
_MAX_SENTENCE = 2000
_EN_WORDS = re.compile(r"\b(?:the|of|and|was|were|with|on|in|to|by|for)\b")


@dataclass
class _Doc:
    text: str
    folded: str
    sentences: list[tuple[int, int]]
    en: bool
    names: list[tuple[int, int]]  # every person name in the text
    legal: list[LegalRef]
    pub: DateRef | None  # publication date (metadata)
    teams: list[TeamMention]  # every team mention in the text (find_teams)
    basis: list[LegalRef] = field(init=False)  # the references an inspection works under (basis_refs)
    # sentence and name starts, for bisection (both lists are sorted and their spans disjoint)
    _starts: list[int] = field(init=False, repr=False)
    _name_starts: list[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._starts = [a for a, _ in self.sentences]
        self._name_starts = [x for x, _ in self.names]
        self.basis = basis_refs(self.folded, self.sentences, self.legal)

    def sentence_index(self, pos: int) -> int:
        """The sentence holding `pos`, else the last one."""
        i = bisect_right(self._starts, pos) - 1
        return i if i >= 0 and pos < self.sentences[i][1] else len(self.sentences) - 1

    def names_in(self, a: int, b: int) -> list[tuple[int, int]]:
        out, i = [], bisect_left(self._name_starts, a)
        while i < len(self.names) and self.names[i][0] < b:
            if self.names[i][1] <= b:
                out.append(self.names[i])
            i += 1
        return out

    def span(self, a: int, b: int) -> Span:
        return Span.of(self.text, a, b)


def extract_facts(
    text: str, doc_id: str, source: str, title: str = "", metadata_date: str | None = None
) -> ArticleFacts:
    """Everything an article says that the answers use: its events, the people it names, its legal references."""
    folded = fold(text)
    sentences = _body_sentences(text, folded)
    sample = folded[:3000]
    en = not has_diacritics(text[:3000]) and len(_EN_WORDS.findall(sample)) > 0.04 * max(1, len(sample.split()))
    iso = re.match(r"(\d{4})-(\d{2})-(\d{2})", metadata_date or "")
    pub = DateRef(int(iso.group(3)), int(iso.group(2)), int(iso.group(1)), 0, 0) if iso else None
    # words of a name are apart by " ": a piece without one (cut hard from a string with no spaces) names no one
    names = [(a + x, a + y) for a, b in sentences if text.find(" ", a, b) >= 0 for x, y in person_names(text[a:b])]
    doc = _Doc(text, folded, sentences, en, names, find_legal_refs(text), pub, find_teams(text))
    facts = ArticleFacts(
        doc_id,
        source,
        title,
        "en" if en else "vi",
        people=_article_people(doc),
        legal=doc.legal,
        extractor=EXTRACTOR_VERSION,
    )
    for i, (mention, sents, lead) in enumerate(_events(doc)):
        facts.events.append(_record(doc, f"{doc_id}:{i}", doc_id, source, title, mention, sents, lead))
    return facts


_RELATED = re.compile(
    r"(?:xem them|tin lien quan|bai lien quan|doc them|tin cung chuyen muc|cac tin khac|tin khac|"
    r"related news|related|read more|see also)\s*:?\s*"
)


def _body_sentences(text: str, folded: str) -> list[tuple[int, int]]:
    """The article's sentences up to a list of related links ("Xem thêm:", "Tin liên quan", "Related news")."""
    sentences = bounded_sentences(text, _MAX_SENTENCE)
    for i, (a, b) in enumerate(sentences):
        if i > 0 and _RELATED.fullmatch(folded, a, b):
            return sentences[:i]
    return sentences


def _article_people(doc: _Doc) -> list[Person]:
    """Everyone named, with the titles the article gives (first statement with titles wins)."""
    seen: dict[str, Person] = {}
    for x, y in doc.names:
        a, b = doc.sentences[doc.sentence_index(x)]
        titles = titles_after(doc.text, y, b) or titles_before(doc.text, x, a)
        name = doc.text[x:y]
        if name not in seen or (titles and not seen[name].titles):
            seen[name] = Person(name, "", titles, doc.span(x, y), doc.span(a, b), rank_before(doc.text, x))
    return list(seen.values())


# --- events --------------------------------------------------------------------------------------------------------
_RETRO = re.compile(r"\b(?:truoc do|truoc day|hoi thang|nam ngoai|sau dot kiem tra cua|earlier|previously|last year)\b")
_IN_TITLE = re.compile(r"(?:truong|thanh vien|thu ky|to giup viec(?: cua)?|to truong)\s+$")
_PLURAL = re.compile(r"\b(?:hai|ba|bon|nam|cac|nhung|nhieu|\d+)\s+$")


def _events(doc: _Doc) -> list[tuple[TeamMention, list[tuple[int, int]], list[tuple[int, int]]]]:
    """(primary team mention, the event's sentences, the lead-in sentences before the first event)."""
    end = doc.sentences[-1][1] if doc.sentences else 0
    mentions = [m for m in doc.teams if m.start < end]  # not in the related links after the article
    numbered = any(m.number is not None for m in mentions)
    starts: list[tuple[TeamMention, int]] = []
    seen: set[int | str | None] = set()
    bodies = {(_body(doc, m, [], "") or ("", None))[0] for m in mentions if m.number is not None}
    for m in mentions:
        before = doc.folded[max(0, m.start - 30) : m.start]
        si = doc.sentence_index(m.start)
        if m.number in seen or _PLURAL.search(before):
            continue
        own = _own_body(doc, m) if m.number is None else None
        if own and own not in bodies and own not in seen:
            seen.add(own)  # "Đoàn giám sát của Ủy ban Thường vụ Quốc hội" beside numbered teams of another body
            starts.append((m, si))
            continue
        if m.number is None and (numbered or starts or not _opens_event(doc, m.end)):
            continue
        said_before = doc.folded[doc.sentences[si][0] : m.start]
        if starts and (_RETRO.search(said_before) or _IN_TITLE.search(before) or _earlier_year(doc, said_before)):
            continue  # recalled in passing ("năm 2023, … đã được Đoàn kiểm tra số 8 … kiểm tra"), or inside a title
        seen.add(m.number)
        starts.append((m, si))
    out = []
    lead = doc.sentences[: starts[0][1]] if starts else []
    for k, (m, si) in enumerate(starts):
        end = starts[k + 1][1] if k + 1 < len(starts) else len(doc.sentences)
        sents = doc.sentences[si:end] if end > si else [doc.sentences[si]]
        if len(starts) == 1:
            sents = lead + sents
        out.append((m, sents, lead))
    return out


def _earlier_year(doc: _Doc, said: str) -> bool:
    """Whether `said` (folded) dates what follows to a year before the article's: "năm 2023" in a 2024 report."""
    year = doc.pub.year if doc.pub else None
    return bool(year) and any(int(y) < (year or 0) for y in re.findall(r"\b(?:nam|in)\s+((?:19|20)\d\d)\b", said))


_EVENT_VERB = re.compile(
    r"\b(?:lam viec|kiem tra|cong bo|trien khai|thanh tra|to chuc|do\s|cua|thuoc|worked|announced|"
    r"of the|led by|headed by|inspect)"
)


def _own_body(doc: _Doc, m: TeamMention) -> str | None:
    """The body a team is said to be of ("Đoàn giám sát của Ủy ban Thường vụ Quốc hội"), if any; in "Đoàn kiểm tra
    Đảng ủy Quân khu 7" the words after the team are what it inspects."""
    of = re.compile(r"\s*(?:\(|,)?\s*(?:cua|thuoc|of the|of)\s+").match(doc.folded, m.end)
    hit = _body_at(doc, of.end()) if of else None
    return hit[0] if hit else None


def _opens_event(doc: _Doc, pos: int) -> bool:
    """An unnumbered team starts an event when what follows says who sent it or what it did."""
    return bool(_EVENT_VERB.match(doc.folded, pos + 1)) or bool(
        re.match(r"\s*(?:,|\(|da|se)\s", doc.folded[pos : pos + 5])
    )


# --- one record ----------------------------------------------------------------------------------------------------
def _record(
    doc: _Doc,
    record_id: str,
    doc_id: str,
    source: str,
    title: str,
    mention: TeamMention,
    sents: list[tuple[int, int]],
    lead: list[tuple[int, int]],
) -> InspectionRecord:
    m = mention
    a, b = doc.sentences[doc.sentence_index(m.start)]
    seg_a, seg_b = sents[0][0], sents[-1][1]
    kind = {
        "kiem tra, giam sat": "kiểm tra, giám sát",
        "giam sat": "giám sát",
        "cong tac": "công tác",
        "thanh tra": "thanh tra",
    }.get(m.kind, "kiểm tra")
    rec = InspectionRecord(
        record_id,
        doc_id,
        source,
        title,
        m.number,
        doc.text[m.start : m.end],
        doc.span(m.start, m.end),
        kind=kind,
        language="en" if doc.en else "vi",
        extent=[seg_a, seg_b],
    )
    body = _body(doc, m, lead, title)
    if body:
        rec.body, rec.body_span = body
    # the team inspects internal political protection work when its report says that of the team: not in a sentence
    # about another team ("năm 2023 … đã được Đoàn kiểm tra số 8 của Tiểu ban kiểm tra về công tác …")
    others = [t.start for t in doc.teams if t.number != m.number]
    seg = " ".join(doc.folded[x:y] for x, y in sents if not any(x <= t < y for t in others))
    rec.topic = rec.body == SUBCOMMITTEE or bool(re.search(rf"\b(?:kiem tra|ve)\s+(?:cong tac\s+)?(?:{TOPIC})", seg))
    lead_text = doc.folded[a:b]
    rec.stage = next((name for name in ("draft", "results") if re.search(STAGES[name], lead_text)), "start")
    rec.people = _people(doc, sents)
    rec.units = _units(doc, sents)
    rec.legal = [r for r in doc.legal if seg_a <= r.span.start < seg_b]
    rec.basis = [r for r in doc.basis if seg_a <= r.span.start < seg_b]
    _where(doc, rec, (a, b), sents)
    _when(doc, rec, (a, b), sents, lead)
    return rec


# --- body ----------------------------------------------------------------------------------------------------------
_LOCAL_BODY = re.compile(LOCAL_BODY)


# what may stand between a team and its body: other teams of a list, "(", ",", "của", "thuộc", "of the"
_AFTER_TEAM = re.compile(
    r"(?:\s*(?:,|va|and)\s*(?:doan|team)[^,.;]{0,25}?\b(?:so|no\.?)\s*\d+)*\s*(?:\(|,)?\s*(?:cua|thuoc|of the|of)?\s*"
)


def _body(doc: _Doc, m: TeamMention, lead: list[tuple[int, int]], title: str) -> tuple[str, Span] | None:
    mentions = [m] + [t for t in doc.teams if m.number is not None and t.number == m.number and t != m]
    for t in mentions:
        after = _AFTER_TEAM.match(doc.folded, t.end)
        pos = after.end() if after else t.end
        hit = _body_at(doc, pos)
        if hit:
            return hit
    for a, b in lead:  # "hai đoàn kiểm tra của Tiểu ban …"
        for t in find_teams(doc.text[a:b]):
            of = re.compile(r"\s*(?:cua|thuoc|of the|of)\s*").match(doc.folded, a + t.end)
            if of and (hit := _body_at(doc, of.end())):
                return hit
    head = fold(title)
    for org, x, _ in find_bodies(title):  # the title's subject: "Tiểu ban … kiểm tra tại …"
        if x == 0 and re.match(r"\s+(?:kiem tra|lam viec)", head[x + len(org.name) :] or " kiem tra"):
            return org.name, doc.span(m.start, m.end)  # cited at the team, the title is no span of the text
    return None


def _body_at(doc: _Doc, pos: int) -> tuple[str, Span] | None:
    window = doc.text[pos : pos + 160]
    hits = [(o, a, b) for o, a, b in find_bodies(window) if a == 0]
    local = _LOCAL_BODY.match(doc.folded, pos)
    if local:  # "Ban Thường vụ Tỉnh ủy Lâm Đồng", "Ủy ban Kiểm tra Tỉnh ủy Nghệ An": the body as written
        end = _owner_end(doc, local.end())
        if not hits or end - pos > hits[0][2]:
            return doc.text[pos:end], doc.span(pos, end)
    if hits:
        org, a, b = max(hits, key=lambda h: h[2])
        return org.name, doc.span(pos + a, pos + b)
    return None


# --- units ---------------------------------------------------------------------------------------------------------
_HEAD = re.compile(UNIT_HEAD)
_FILL = {"tinh", "thanh", "pho", "quan", "huyen", "thi", "xa", "phuong", "tran", "mien", "co", "cac", "cap"}
# Lowercase words that end an owner; checked on the text itself, so "tải" (in "Truyền tải điện") is not "tại".
_OWNER_STOP = re.compile(
    r"(?:về|để|nhằm|trong|từ|theo|do|đã|sẽ|là|với|tại|khi|của|cùng|đến|trước|sau|thì|có|được|và|hoặc|này|thuộc|"
    r"gồm|vào|ở|ngày|năm|tháng|chiều|sáng|cho|công bố|triển khai|làm việc|kiểm tra|nghe|thông qua|báo cáo|hội nghị|"
    r"thành lập|"
    r"trực thuộc|tiến hành|phối hợp|ve|de|nham|trong|tu|theo|do|da|se|la|voi|tai|khi|cua|cung|den|truoc|sau|co|"
    r"duoc|va|hoac|nay|thuoc|gom|vao|o|ngay|nam|thang|chieu|sang|cho|cong bo|trien khai|lam viec|kiem tra|nghe|"
    r"thong qua|bao cao|hoi nghi|truc thuoc|tien hanh|phoi hop)(?![\w])"
)
_WORDS = re.compile(r"[ \t]+([^\s,;.:()]+)")


def _owner_end(doc: _Doc, pos: int) -> int:
    """End of the owner after a unit head: gazetteer units and provinces, capitalized words and the lowercase
    syllables that continue them ("Tổng công ty Truyền tải điện Quốc gia", "Bộ đội Biên phòng tỉnh")."""
    end, n = pos, 0
    limit = min(len(doc.text), pos + 120)
    while n < 10:
        rest = doc.text[end:limit]
        lead = len(rest) - len(rest.lstrip())
        known = [b for finder in (find_units, find_provinces) for _, a, b in finder(rest) if a == lead]
        if known:
            end, n = end + max(known), n + 2
            continue
        w = _WORDS.match(doc.text, end, limit)
        if not w:
            break
        word = w.group(1)
        stop = _OWNER_STOP.match(
            doc.text if not doc.en and has_diacritics(doc.text[w.start(1) : w.start(1) + 40]) else doc.folded,
            w.start(1),
        )
        if not (word[0].isupper() or word[0].isdigit() and n) and (stop or not (n or fold(word) in _FILL)):
            break
        end, n = w.end(), n + 1
    return end


def _unit_at(doc: _Doc, pos: int) -> Unit | None:
    head = _HEAD.match(doc.folded, pos)
    if head:
        end = _owner_end(doc, head.end())
    else:
        org = [(o, a, b) for o, a, b in find_units(doc.text[pos : pos + 120]) if a == 0]
        if not org:
            return None
        end = pos + org[0][2]
    name = doc.text[pos:end].strip()
    orgs = find_units(name)
    provinces = find_provinces(name)
    province = provinces[0][0].name if provinces else None
    if orgs:
        key = f"org:{orgs[0][0].name}"
    elif province and re.fullmatch(r"(?:ban thuong vu\s+)?(?:tinh uy|thanh uy)\s+", fold(name[: provinces[0][1]])):
        key = f"prov:{province}"
    else:
        owner = fold(name[head.end() - pos :]).strip() if head else fold(name)
        key = f"local:{owner or fold(name)}"
    return Unit(name, province, key, doc.span(pos, pos + len(name)))


_TRIGGER = re.compile(
    r"\b(?:(?:lam viec|kiem tra|giam sat|thanh tra)(?:\s+truc tiep)?(?:\s+[a-z]+){0,8}?(?:\s+tai|\s+voi|\s+doi voi)|"
    r"doi voi"
    r"|doi tuong (?:kiem tra|thanh tra) (?:la|gom)|ngoai|ben canh|cung voi|kiem tra(?:\s+truc tiep)?"
    r"|(?:\d+|hai|ba|bon|nam) (?:don vi|to chuc dang)(?: truc thuoc)?(?:\s+gom)?\s*:?)\s+"
)
_SEP = re.compile(r"(?:\s*\([^()]{1,30}\))?\s*(?:,\s*(?:va\s+)?|;\s*|\s+va\s+)")  # "(PV GAS) và …"


def _units(doc: _Doc, sents: list[tuple[int, int]]) -> list[Unit]:
    units: list[Unit] = []
    starts: set[int] = set()
    for a, b in sents:
        if doc.en:
            units += _units_en(doc, a, b)
            continue
        for t in _TRIGGER.finditer(doc.folded, a, b):
            if re.match(r"(?:cac\s+)?(?:dong chi|ong|ba|doan)\b", doc.folded[t.end() : t.end() + 12]):
                continue  # "làm việc với các đồng chí …", "làm việc với Đoàn": people, not units
            pos = t.end()
            while pos < b:
                unit = _unit_at(doc, pos)
                if unit is None:
                    break
                if unit.span.start not in starts:
                    starts.add(unit.span.start)
                    units.append(unit)
                sep = _SEP.match(doc.folded, unit.span.end)
                if not sep or sep.end() >= b:
                    break
                pos = sep.end()
    seen, out = set(), []
    for u in units:
        if u.name not in seen and len(u.name) > 3:
            seen.add(u.name)
            out.append(u)
    return out


_EN_TRIGGER = re.compile(
    r"\b(?:worked with|work (?:directly )?with|(?:session|meeting) with|met(?: with)?|"
    r"(?:will )?inspect(?:ed)?)\s+(?=the\b)"
    r"|\bat\s+(?=the standing board)"
)
_EN_UNIT = re.compile(
    r"\b(?:party|committee|committees|board|police|command|department|ministry|court|office|region|"
    r"group|corporation|company|bank|agency|centre|center|institute|university|hospital|academy|delegation|"
    r"commission)\b"
)


def _units_en(doc: _Doc, a: int, b: int) -> list[Unit]:
    out: list[Unit] = []
    for t in _EN_TRIGGER.finditer(doc.folded, a, b):
        stop = re.compile(r"\s+(?:on|to|in|for|about|regarding|as)\s+(?!the party)|[.;]").search(doc.folded, t.end(), b)
        end = stop.start() if stop else b
        pos = t.end()
        for piece in re.split(r"(,\s*(?:and\s+)?|\s+and\s+(?=the\b))", doc.folded[t.end() : end]):
            x, y = pos, pos + len(piece)
            pos = y
            if piece.startswith(",") or piece.strip() == "and" or re.fullmatch(r"\s+and\s+", piece):
                continue
            x += len(piece) - len(re.sub(r"^\s*(?:the\s+)?", "", piece))
            name = doc.text[x:y].strip(" ,")
            if not _EN_UNIT.search(fold(name)) or doc.names_in(x, y) or re.match(r"(?:a|an)\s", fold(name)):
                break  # the list of units has ended: a person, "a division head at …", anything else
            orgs, provinces = find_units(name), find_provinces(name)
            province = (
                provinces[0][0].name if provinces and re.search(r"provincial|city|municipal", fold(name)) else None
            )
            key = (
                f"org:{orgs[0][0].name}"
                if orgs
                else f"prov:{province}"
                if province and re.search(r"standing board|provincial party committee$", fold(name))
                else f"local:{fold(name)}"
            )
            out.append(Unit(name, province, key, doc.span(x, x + len(name))))
    return out


# --- people --------------------------------------------------------------------------------------------------------
_HONOR = r"(?:dong chi|ong|ba|" + "|".join(fold(r).lower() for r in RANKS) + r")"
_ROLE_WORD = r"(pho truong doan|truong doan)(?:\s+(?:kiem tra|thanh tra|cong tac))?(?:\s+so\s+\d+)?(\s+thuong truc)?"
_ROLE_TITLE = re.compile(
    rf"{_ROLE_WORD}{NOT_NA_DELEGATION}\b|(deputy )?(?:head of the (?:inspection )?team|team (?:leader|head))"
)
_VERB_ROLES = (
    (re.compile(r"lam\s+pho truong doan\b"), "deputy"),
    (re.compile(r"lam\s+truong doan\b"), "leader"),
    (re.compile(r"(?:dan dau|dung dau)\b"), "leader"),
    (re.compile(r"chu tri\s+tiep\b"), "host"),
    (re.compile(r"(?:dong\s+)?chu tri\b"), "chair"),
    (
        re.compile(
            r"(?:cong bo|doc|thong qua|pho bien|trinh bay)\s+(?:cac\s+)?(?:quyet dinh|ke hoach|lich|thong bao ket)"
        ),
        "announcer",
    ),
    (re.compile(r"(?:led|headed)\s+the\s+(?:inspection\s+)?team\b"), "leader"),
    (re.compile(r"(?:announced|presented|read)\s+(?:the\s+|a\s+)?(?:decision|plan)"), "announcer"),
    (re.compile(r"chaired\b|presided\s+over\b"), "chair"),
)
_GAP = re.compile(r"[\s,]*(?:(?:da|se|cung|vua|con|thay mat doan|da co|who)\s*,?\s*)*$")  # "X, who chaired"
_BEFORE_NAME = re.compile(
    rf"\b{_ROLE_WORD}{NOT_NA_DELEGATION}(?:\s+la\b|\s*:|\s*,|\s+[–—-])?\s*"  # "Trưởng đoàn – đồng chí X – …"
    rf"|\b(?:dung dau|dan dau)\s+la\s+|\b(?:led|headed)\s+by\s+|\breceived\s+by\s+"
    r"|\b(?:deputy\s+)?(?:head|leader)\s+of\s+the\s+(?:inspection\s+)?team,?\s+"
)
_LIST_INTRO = re.compile(
    r"\b(chu tri(?: buoi lam viec| hoi nghi| phien hop)?|tiep(?: va lam viec voi)? doan|ve phia [^,.;]{1,25}?|tham "
    r"du(?: buoi lam viec)?"
    r"|du(?: va tiep doan| buoi lam viec| hoi nghi| phien hop)?(?: con)?|lam viec voi doan|phia [^,.;]{1,20}?)\s+co\b"
)
_TEAM_SIDE = re.compile(
    rf"\b(?:thanh vien doan|thu ky doan|to giup viec|pho truong doan|truong doan{NOT_NA_DELEGATION}|"
    r"member of the (?:inspection )?team|head of the team)"
)
_LOCAL_TITLE = re.compile(
    r"\b(?:tinh uy|thanh uy|huyen uy|quan uy|thi uy|hdnd|ubnd|tinh|thanh pho|cong an tinh|"
    r"provincial|city|municipal)\b"
)


def _chain_end(doc: _Doc, y: int, limit: int) -> int:
    """Where the titles after a name end (the name's end when it has none)."""
    titles, end = title_chain(doc.text, y, limit)
    if not titles:
        paren = re.match(r"\s*\([^)]{1,60}\)", doc.text[y:limit])
        return y + paren.end() if paren else y
    return end


def _people(doc: _Doc, sents: list[tuple[int, int]]) -> list[Person]:
    found: list[Person] = []

    def add(x: int, y: int, role: str, a: int, b: int) -> None:
        titles = titles_after(doc.text, y, b) or titles_before(doc.text, x, a)
        titles = re.split(r"\s+và\s+(?=(?:[Đđ]ồng chí|[ÔôBb]|Thượng|Trung|Thiếu|Đại)\b)", titles)[0]
        found.append(Person(doc.text[x:y], role, titles, doc.span(x, y), doc.span(a, b), rank_before(doc.text, x)))

    for a, b in sents:
        names = doc.names_in(a, b)
        if not names:
            continue
        # the role among the titles: "X, <titles>, Phó Trưởng đoàn (thường trực)"; English "…, deputy head of the team"
        for x, y in names:
            chain = fold(titles_after(doc.text, y, b))
            hit = _ROLE_TITLE.search(chain)
            if hit:
                found_role = "deputy" if (hit.group(1) or "").startswith("pho") or hit.group(3) else "leader"
                add(x, y, found_role, a, b)
            if re.search(r"\bthanh vien doan\b|\bthu ky doan\b|\bto giup viec\b|member of the team", chain):
                add(x, y, "member", a, b)
        # the role after the name and its titles: "do X, <titles> làm Trưởng đoàn", "X … chủ trì"
        for pattern, role in _VERB_ROLES:
            for v in pattern.finditer(doc.folded, a, b):
                for x, y in reversed([n for n in names if n[1] <= v.start()]):
                    end = _chain_end(doc, y, v.start())
                    gap = doc.folded[end : v.start()]
                    # a title may run on with commas of its own ("Cục Thanh tra, giải quyết khiếu nại, tố cáo khu vực
                    # III, làm Trưởng đoàn"): no name, no verb, short
                    run_on = (
                        end > y
                        and len(gap) < 90
                        and gap.startswith(",")
                        and not doc.names_in(end, v.start())
                        and not re.search(
                            r"\b(?:lam|la|da|se|dan dau|dung dau|chu tri|cong bo|phat bieu|tiep)\b",
                            gap[:-8] if gap.endswith((", ", " ")) else gap,
                        )
                    )
                    if _GAP.fullmatch(gap) or run_on or re.fullmatch(r"\s+va\s+[^,]{3,60}", gap) and role == "chair":
                        add(x, y, role, a, b)
                        # "X và Y chủ trì": both
                        prev = [
                            n
                            for n in names
                            if n[1] <= x and re.fullmatch(r"\s+va\s+(?:\S+\s+){0,3}", doc.folded[n[1] : x])
                        ]
                        for px, py in prev:
                            add(px, py, role, a, b)
                        break
                    if re.search(r"\b(?:lam|dan dau|dung dau|chu tri|cong bo|la)\b", gap):
                        break  # another statement stands between
        # the role before the name: "Trưởng đoàn là X", "Trưởng đoàn, <title> X", "đứng đầu là X", "led by X"
        for r in _BEFORE_NAME.finditer(doc.folded, a, b):
            after = [n for n in names if n[0] >= r.end() and n[0] - r.end() <= 90]
            if not after:
                continue
            x, y = after[0]
            gap = doc.text[r.end() : x]
            if (
                re.search(r"(?:cua|uy quyen|thay mat)\s+$", doc.folded[max(a, r.start() - 14) : r.start()])
                and "," in doc.text[r.start() : x]
            ):
                continue  # "Thừa ủy quyền của Trưởng đoàn, đồng chí X": X acts for the head, is not the head
            if gap.strip() and not (
                re.fullmatch(rf"(?:{_HONOR}\s+)+", fold(gap).strip() + " ")
                or re.match(r"(?:" + "|".join(TITLE_WORDS) + r")\b", fold(gap).strip())
                and "," not in gap.strip(" ,")
            ):
                continue
            said = doc.folded[r.start() : r.end()]
            side = re.search(r"\b(?:side|province|locality|hosts?)\b[^.]{0,20}$", doc.folded[a : r.start()])
            role = (
                "host"
                if said.startswith("received") or said.startswith(("led", "headed")) and side
                else "deputy"
                if said.startswith(("pho", "deputy"))
                else "leader"
            )
            add(x, y, role, a, b)
            # "Hai Phó Trưởng đoàn là X, <titles> và Y, <titles>": the same role for Y
            end = _chain_end(doc, y, b)
            more = re.compile(rf"\s*,?\s+va\s+(?:{_HONOR}\s+)?").match(doc.folded, end)
            nxt = [n for n in names if more and n[0] == more.end()]
            if nxt:
                add(*nxt[0], role, a, b)
        # passive: "… được (đồng chí) X, <titles>, công bố"
        for p in re.finditer(rf"\bduoc\s+(?:{_HONOR}\s+)?", doc.folded[a:b]):
            start = a + p.end()
            named_here = [n for n in names if n[0] == start]
            if named_here and re.match(
                r"[\s,]*(?:cong bo|doc|thong qua|pho bien|trinh bay)\b",
                doc.folded[_chain_end(doc, named_here[0][1], b) : b],
            ):
                add(*named_here[0], "announcer", a, b)
        # lists: "Chủ trì buổi làm việc có X …, Trưởng đoàn; Y …" (chairs), "Tiếp Đoàn có X …; Y …" (hosts)
        for intro in _LIST_INTRO.finditer(doc.folded, a, b):
            role = "chair" if intro.group(1).startswith("chu tri") else "host"
            for x, y in [n for n in names if n[0] > intro.end()]:
                chain = fold(titles_after(doc.text, y, b))
                if role == "host" and _TEAM_SIDE.search(chain):
                    continue
                add(x, y, role, a, b)
    # hosts by their titles: people of the inspected side, named in the event, with local titles
    named = {p.name for p in found}
    for a, b in sents:
        for x, y in doc.names_in(a, b):
            name = doc.text[x:y]
            titles = titles_after(doc.text, y, b) or titles_before(doc.text, x, a)
            if (
                name not in named
                and titles
                and _LOCAL_TITLE.search(fold(titles))
                and not _TEAM_SIDE.search(fold(titles))
            ):
                add(x, y, "host", a, b)
                named.add(name)
    team_side = {p.name for p in found if p.role in ("leader", "deputy", "member")}
    out, seen = [], set()
    for person in found:  # first statement of each (name, role) wins; the team's own people are never its hosts
        if (person.name, person.role) not in seen and not (person.role == "host" and person.name in team_side):
            seen.add((person.name, person.role))
            out.append(person)
    return out


# --- where and when ------------------------------------------------------------------------------------------------
_VENUE = re.compile(
    r"(?:^|,\s*|\s)tai\s+((?:tru so|hoi truong)[^,.;]{0,60}|(?:tp\.?|thanh pho)\s+[^,.;()]{2,30}|[^,.;()]{2,25})\s*,"
)


def _where(doc: _Doc, rec: InspectionRecord, lead: tuple[int, int], sents: list[tuple[int, int]]) -> None:
    a, b = lead
    v = _VENUE.search(doc.folded, a, b)
    if v and v.start(1) < rec.team_span.start:
        rec.venue, rec.venue_span = doc.text[v.start(1) : v.end(1)].strip(), doc.span(v.start(1), v.end(1))
    elif doc.en:
        d = re.match(r"\s*([A-Z][\w ]{2,25}?)\s*\((?:VNA|VNS|VOV)\)", doc.text[a:b])
        if d:
            rec.venue, rec.venue_span = d.group(1), doc.span(a + d.start(1), a + d.end(1))
    main = rec.units[0] if rec.units else None
    if main and main.province:
        rec.province, rec.province_span = main.province, main.span
        now = re.compile(r"\s*\(?\s*(?:nay la|nay thuoc|now part of|now)\s+(?:tinh\s+|thanh pho\s+)?").match(
            doc.folded, main.span.end
        )
        later = find_provinces(doc.text[now.end() : now.end() + 30]) if now else []
        if later and later[0][1] == 0:
            rec.province_now = later[0][0].name
        return
    if main and main.key.startswith("org:"):
        return  # a central unit: the place of the meeting is its venue, not a province
    candidates: list[tuple[int, int]] = []
    if rec.body and rec.body_span and rec.body != SUBCOMMITTEE:
        candidates.append((rec.body_span.start, rec.body_span.end))  # a province's own team works in that province
    candidates += [(x, y) for x, y in sents if x <= rec.team_span.start < y] + sents
    for x, y in candidates:
        for p, px, py in find_provinces(doc.text[x:y]):
            pos = x + px
            if rec.venue_span and rec.venue_span.start <= pos < rec.venue_span.end and main:
                continue
            if any(n[0] <= pos < _chain_end(doc, n[1], y) for n in doc.names_in(x, y)):
                continue  # inside someone's titles
            rec.province, rec.province_span = p.name, doc.span(pos, x + py)
            return


_NOT_EVENT_DATE = re.compile(
    r"(?:thoi ky|truoc ngay|den het|han chot|hieu luc|tu nam|ky ngay|ban hanh|"
    r"dated|before|until|effective)\s*(?:ngay\s*)?$"
)


def _event_dates(doc: _Doc, a: int, b: int) -> list[DateRef]:
    legal = [(r.span.start, r.span.end) for r in doc.legal]
    out = []
    for d in find_dates(doc.text[a:b]):
        s, e = a + d.start, a + d.end
        if any(x <= s < y for x, y in legal) or _NOT_EVENT_DATE.search(doc.folded[max(a, s - 20) : s]):
            continue
        out.append(DateRef(d.day, d.month, d.year, s, e, d.end_day, d.end_month, d.end_year))
    return out


def _when(
    doc: _Doc,
    rec: InspectionRecord,
    lead: tuple[int, int],
    sents: list[tuple[int, int]],
    lead_in: list[tuple[int, int]],
) -> None:
    candidates = _event_dates(doc, *lead)
    if not candidates:  # "Cùng ngày, Đoàn kiểm tra số 8 …": the lead's date
        candidates = [d for x, y in lead_in for d in _event_dates(doc, x, y)][:1]
    if not candidates:
        candidates = [
            d
            for x, y in sents
            for d in _event_dates(doc, x, y)
            if not re.search(r"thoi gian|thoi ky|tu ngay|den ngay", doc.folded[max(x, d.start - 25) : d.start])
        ][:1]
    if candidates:
        d = candidates[0]
        span = doc.span(d.start, d.end)
        rec.date_text, rec.date_span = span.text, span
        if d.year:
            rec.year, rec.year_source, rec.year_span = d.year, "date", span
        elif doc.pub and doc.pub.year:
            late = (d.month, d.day or 1) > (doc.pub.month, (doc.pub.day or 28) + 1)
            rec.year, rec.year_source, rec.year_span = doc.pub.year - late, "metadata", span
        d = d.with_year(rec.year)
        rec.date, rec.date_end = d.iso, d.end_iso
        if rec.date_end is None:  # the schedule stated apart: "Theo lịch, Đoàn kiểm tra từ ngày 16/9 đến ngày 26/9"
            for x, y in sents:
                period = next(
                    (p for p in find_dates(doc.text[x:y]) if p.end_day and (p.day, p.month) == (d.day, d.month)), None
                )
                if period:
                    rec.date_end = period.with_year(rec.year).end_iso
                    rec.date_end_span = doc.span(x + period.start, x + period.end)
                    break
    if rec.year is None:  # "năm 2024" in the event, then in the article; not a period ("thời kỳ từ năm 2021")
        seg_a = sents[0][0]
        for base, years in ((seg_a, find_years(doc.text[seg_a : sents[-1][1]])), (0, find_years(doc.text))):
            for year, x, y in years:
                if not re.search(
                    r"(?:thoi ky|tu|nhiem ky|giai doan|den)\s*$", doc.folded[max(0, base + x - 12) : base + x]
                ):
                    rec.year, rec.year_source, rec.year_span = year, "text", doc.span(base + x, base + y)
                    if rec.date and rec.date.startswith("--"):
                        rec.date = f"{year:04d}{rec.date[1:]}"
                        rec.date_end = rec.date_end and f"{year:04d}{rec.date_end[1:]}"
                    return
