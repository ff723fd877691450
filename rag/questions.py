"""Question analysis: language, whether diacritics were typed, the asked field, named entities, lexical terms.
One classifier of the asked field serves both routes (records and passages).

Works on Vietnamese with or without diacritics and on English. English questions get their domain words
mapped to Vietnamese ("led" -> "trưởng đoàn", "decision" -> "quyết định") so the lexical side and the sentence
scorer can still see them; names ("Tra Vinh", "Nguyen Quang Duong") match the folded Vietnamese text as is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .vn.entities import team_numbers
from .vn.legal import LegalRef, find_legal_refs
from .vn.gazetteer import Province, find_provinces
from .vn.text import fold, has_diacritics, lexical_terms, nfc, syllables

__all__ = ["Query", "analyze", "FIELDS"]

# Function and question words that carry no topic (folded). Kept short: BM25's IDF handles the rest.
_VI_STOP = frozenset(
    "ai la gi nao khi o tai cua co khong the nhung cac cai duoc da va voi thi sao may hay hoi cho "
    "biet nhu vay trong mot nay do nguoi".split()
)
_EN_STOP = frozenset(
    "the a an of in on at to for by and or is are was were be been did do does who whom whose what which when "
    "where how why that this these those it its with from as about tell me please any there their".split()
)
_EN_HINTS = _EN_STOP | frozenset("led lead head team inspection province decision regulation date year".split())

# English domain words -> Vietnamese phrases (accented; folded when used).
_GLOSSARY = {
    "led": "trưởng đoàn dẫn đầu", "lead": "trưởng đoàn dẫn đầu", "leader": "trưởng đoàn", "leads": "dẫn đầu",
    "head": "trưởng đoàn", "headed": "trưởng đoàn dẫn đầu", "chief": "trưởng đoàn", "deputy": "phó trưởng đoàn",
    "team": "đoàn", "delegation": "đoàn", "inspection": "kiểm tra", "inspected": "kiểm tra", "inspect": "kiểm tra",
    "inspecting": "kiểm tra", "examined": "kiểm tra", "internal": "nội bộ", "political": "chính trị",
    "protection": "bảo vệ", "subcommittee": "tiểu ban", "province": "tỉnh", "provincial": "tỉnh",
    "committee": "ủy ban", "standing": "thường vụ", "secretary": "bí thư", "decision": "quyết định",
    "regulation": "quy định", "plan": "kế hoạch", "conclusion": "kết luận", "directive": "chỉ thị",
    "resolution": "nghị quyết", "announced": "công bố", "announce": "công bố", "date": "ngày", "day": "ngày",
    "year": "năm", "unit": "đơn vị", "units": "đơn vị", "number": "số", "central": "trung ương",
    "politburo": "bộ chính trị", "worked": "làm việc", "working": "làm việc", "meeting": "buổi làm việc",
    "city": "thành phố", "district": "huyện", "police": "công an", "party": "đảng", "received": "tiếp",
    "editor": "tổng biên tập", "magazine": "tạp chí", "communist": "cộng sản", "organization": "tổ chức",
}

# Vietnamese phrasings of the same role (folded): a question in one finds sentences in another.
_SYNONYMS = {
    "dan dau": "truong doan", "truong doan": "dan dau", "lanh dao doan": "truong doan",
}

# Asked field, first match wins (folded question). Order matters: "Trưởng đoàn ... làm việc ngày nào?" asks a date.
FIELDS = (
    ("deputy", r"\bpho truong doan\b|\bdeputy\b"),
    ("announcer", r"\bcong bo\b|\bannounc|\bdoc quyet dinh\b"),
    ("year", r"\bnam nao\b|\bnam may\b|\bnam bao nhieu\b|\b(which|what) year\b"),
    ("date", r"\bkhi nao\b|\bngay nao\b|\bngay may\b|\bbao gio\b|\bluc nao\b|\bthoi gian nao\b|\bwhen\b"
             r"|\b(what|which) (date|day)\b|\bban hanh ngay\b"),
    ("legal", r"\b(quy dinh|quyet dinh|chi thi|ket luan|nghi quyet|van ban|can cu)\b.*\b(nao|gi|so may)\b"
              r"|\b(regulation|decision|directive|conclusion|resolution|legal basis|under which)\b"),
    ("units", r"\bdon vi\b|\bunits?\b|\bban nao\b|\bco quan (duoc )?kiem tra\b|\bto chuc dang nao\b"
              r"|\bwhich (party )?(committees|organi[sz]ations|bodies were)\b"),
    ("body", r"\bco quan nao\b|\bthuoc\b.*\bnao\b|\bcua (co quan|ban) nao\b|\bwhich body\b|\bwhose team\b"
             r"|\bwho (set up|sent|formed)\b"),
    ("team", r"\bso may\b|\bso bao nhieu\b|\bdoan nao\b|\bdoan kiem tra nao\b|\bnhung doan\b|\bcac doan\b"
             r"|\b(which|what) teams?\b|\bteam number\b"),
    ("province", r"\btinh nao\b|\bo dau\b|\bdia phuong nao\b|\bnoi nao\b|\bthanh pho nao\b|\bnhung tinh\b"
                 r"|\bwhere\b|\bwhich (province|provinces|city|cities|place)\b"),
    ("host", r"\bbi thu\b|\bchu tich\b|\bsecretary\b|\bchairman\b|\bhosts?\b|\bdon tiep\b|\btiep doan\b"),
    ("leader", r"\btruong doan\b|\bdan dau\b|\bled\b|\blead(er|s)?\b|\bhead(ed)?\b|\bchief\b|\bai\b|\bwho\b"),
)

@dataclass
class Query:
    text: str  # NFC, stripped
    folded: str
    language: str  # "vi" | "en"
    accented: bool  # diacritics typed (always False for English)
    field: str | None  # asked field: leader deputy announcer host team body province date year legal units, or None
    provinces: list[Province] = field(default_factory=list)
    teams: list[int] = field(default_factory=list)
    legal: list[LegalRef] = field(default_factory=list)  # "58-QĐ/TW", "Quy định số 58" named in the question
    terms: list[str] = field(default_factory=list)  # folded lexical terms (syllables + bigrams), no stop words
    entity_terms: set[str] = field(default_factory=set)  # the terms that come from named provinces/teams


def _language(text: str, folded: str) -> str:
    if has_diacritics(text):
        return "vi"
    words = syllables(folded)
    en = sum(w in _EN_HINTS for w in words)
    vi = sum(w in _VI_STOP for w in words)
    return "en" if en > vi else "vi"


def analyze(question: str) -> Query:
    text = nfc(question).strip()
    folded = fold(text)
    language = _language(text, folded)
    asked = next((name for name, pat in FIELDS if re.search(pat, folded)), None)
    provinces = list(dict.fromkeys(p for p, _, _ in find_provinces(text)))
    teams = list(dict.fromkeys(team_numbers(text)))

    pieces = [text]  # bigrams are formed inside a piece only
    if language == "en":
        # Domain words become Vietnamese phrases; runs of capitalized words (names) and numbers stay as they are;
        # other English words are dropped: the articles are Vietnamese and would never contain them.
        pieces, name = [], []
        for i, w in enumerate(re.findall(r"[\w’']+", text) + [""]):
            if w and ((w[0].isupper() and i > 0) or w.isdigit()) and w.lower() not in _GLOSSARY:
                name.append(w)
                continue
            pieces += [" ".join(name)] if name else []
            name = []
            if w.lower() in _GLOSSARY:
                pieces.append(_GLOSSARY[w.lower()])
    joined = fold(" . ".join(pieces))
    pieces += [alt for phrase, alt in _SYNONYMS.items() if re.search(rf"\b{phrase}\b", joined)]
    stop = _EN_STOP | _VI_STOP
    terms = [t for piece in pieces for t in lexical_terms(piece) if not any(part in stop for part in t.split("_"))]
    entity_terms: set[str] = set()
    for p in provinces:
        for form in (p.name, *p.variants):
            entity_terms.update(lexical_terms(form))
    for n in teams:
        entity_terms.update({str(n), f"so_{n}"})
    legal = find_legal_refs(text)
    for r in legal:
        entity_terms.update(lexical_terms(r.span.text))
    return Query(text, folded, language, language == "vi" and has_diacritics(text), asked, provinces, teams, legal,
                 list(dict.fromkeys(terms)), entity_terms)
