"""Question analysis: language, diacritics, what is asked (one or more fields), what is named, and what is left.

    "Ngày 19/10, Đoàn kiểm tra số 2 của Tiểu ban làm việc tại tỉnh nào và do ai làm Trưởng đoàn?"
      -> asks   [province, leader]            (each clause with its own interrogative)
         names  team 2, body Tiểu ban, date 19/10
    "Thượng tướng Nhan Quốc Thắng giữ chức vụ gì khi tiếp Đoàn kiểm tra số 1?"  -> asks [titles], names a person
    "Kinh phí cho đợt kiểm tra tại Lâm Đồng là bao nhiêu?"  -> asks [count], leaves "kinh phí" unexplained

Everything named is an entity the answer must match: provinces (misspellings matched with a correction that the
answer shows), units (ministries, central bodies, local party committees), people (known from the articles, or
capitalized names nobody mentions), team numbers, bodies, dates, months, years, legal references, the stage of an
inspection and its topic. Content words that neither a field nor an entity explains are `residual`: a question
with residual words is not one the inspection records can answer, and the passage that answers it must hold them.

Works on Vietnamese with or without diacritics and on English; English domain words are mapped to Vietnamese
("led" -> "trưởng đoàn") so the lexical side and the sentence checks see them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..vn.dates import DateRef, find_dates, find_months, find_years
from ..vn.entities import NUMBER_WORDS, PLACE_WORDS, is_family_name, person_names, team_numbers
from ..vn.gazetteer import COMMITTEES, PROVINCES, UNIT_HEAD, Province, find_bodies, find_provinces, find_units
from ..vn.legal import LegalRef, asked_legal_kind, find_legal_refs
from ..vn.text import fold, has_diacritics, lexical_terms, nfc, syllables
from ..vn.vocabulary import ROLE_WORDS, STAGES, TOPIC

__all__ = ["Query", "Known", "UnitRef", "analyze", "FIELDS", "GLOSSARY"]

FIELDS = (
    "leader",
    "deputy",
    "announcer",
    "chair",
    "host",
    "attendee",
    "titles",
    "rank",
    "role",
    "person",
    "team",
    "body",
    "province",
    "place",
    "units",
    "date",
    "deadline",
    "year",
    "legal",
    "count",
    "free",
)

# Function and question words that carry no topic (folded). Kept short: BM25's IDF handles the rest.
_VI_STOP = frozenset(
    "ai la gi nao khi o tai cua co khong the nhung cac cai duoc da va voi thi sao may hay hoi cho "
    "biet nhu vay trong mot nay do nguoi se dang phai bao nhieu thuoc moi tung".split()  # (mỗi, từng: each)
)
_EN_STOP = frozenset(
    "the a an of in on at to for by and or is are was were be been did do does who whom whose what which when "
    "where how why that this these those it its with from as about tell me please any there their his her he she "
    "they them after before during while each".split()
)
_EN_HINTS = _EN_STOP | frozenset("led lead head team inspection province decision regulation date year".split())

# English domain words -> Vietnamese phrases (accented; folded when used).
GLOSSARY = {
    "led": "trưởng đoàn dẫn đầu",
    "lead": "trưởng đoàn dẫn đầu",
    "leader": "trưởng đoàn",
    "leads": "dẫn đầu",
    "head": "trưởng đoàn",
    "headed": "trưởng đoàn dẫn đầu",
    "chief": "trưởng đoàn",
    "deputy": "phó trưởng đoàn",
    "team": "đoàn",
    "delegation": "đoàn",
    "inspection": "kiểm tra",
    "inspected": "kiểm tra",
    "inspect": "kiểm tra",
    "inspecting": "kiểm tra",
    "examined": "kiểm tra",
    "internal": "nội bộ",
    "political": "chính trị",
    "protection": "bảo vệ",
    "subcommittee": "tiểu ban",
    "sub-committee": "tiểu ban",
    "province": "tỉnh",
    "provincial": "tỉnh",
    "committee": "ủy ban",
    "standing": "thường vụ",
    "secretary": "bí thư",
    "decision": "quyết định",
    "regulation": "quy định",
    "plan": "kế hoạch",
    "conclusion": "kết luận",
    "directive": "chỉ thị",
    "resolution": "nghị quyết",
    "announced": "công bố",
    "announce": "công bố",
    "date": "ngày",
    "day": "ngày",
    "days": "ngày",
    "year": "năm",
    "unit": "đơn vị",
    "units": "đơn vị",
    "number": "số",
    "central": "trung ương",
    "politburo": "bộ chính trị",
    "worked": "làm việc",
    "working": "làm việc",
    "meeting": "buổi làm việc",
    "meet": "làm việc",
    "city": "thành phố",
    "district": "huyện",
    "police": "công an",
    "party": "đảng",
    "received": "tiếp",
    "editor": "tổng biên tập",
    "magazine": "tạp chí",
    "communist": "cộng sản",
    "organization": "tổ chức",
    "organisation": "tổ chức",
    "presented": "phổ biến trình bày",
    "schedule": "lịch",
    "chaired": "chủ trì",
    "presided": "chủ trì",
    "helm": "trưởng đoàn dẫn đầu",
    "findings": "kết luận kết quả",
    "attended": "dự",
    "attend": "dự",
    "attending": "dự",
    "chair": "chủ trì",
    "explained": "quán triệt",
    "conference": "hội nghị",
    "members": "thành viên đảng viên",
    "member": "thành viên",
    "disciplined": "kỷ luật",
    "discipline": "kỷ luật",
    "born": "sinh năm",
    "age": "tuổi",
    "old": "tuổi",
    "budget": "kinh phí",
    "cost": "kinh phí",
    "role": "vai trò",
    "commissar": "chính ủy",
    "commander": "tư lệnh",
    "military": "quân",
    "region": "khu",
    "draft": "dự thảo",
    "report": "báo cáo",
    "results": "kết quả",
    "result": "kết quả",
    "established": "thành lập",
    "implement": "thực hiện",
    "implemented": "thực hiện",
    "apply": "thực hiện",
    "programme": "chương trình",
    "program": "chương trình",
    "ministry": "bộ",
    "court": "tòa án",
    "audit": "kiểm toán",
    "electricity": "điện lực",
    "government": "chính phủ",
    "inspectorate": "thanh tra",
    "land": "đất đai",
    "management": "quản lý",
    "security": "an ninh",
    "public": "công",
    "replaced": "thay thế",
    "replace": "thay thế",
    "check": "kiểm tra",
    "content": "nội dung",
    "send": "gửi",
    "remedial": "khắc phục",
}
# Words that name something a record holds, or the inspection itself: never residual. Vietnamese (folded
# syllables) and English; everything else a question says must stand in the passage that answers it.
_KNOWN_VI = tuple(
    sorted(
        (  # phrases, longest first when masking
            "doan kiem tra|kiem tra|giam sat|thanh tra|cong tac|lam viec|buoi lam viec|hoi nghi|trien khai|cong bo|"
            "quyet dinh|"
            "ke hoach|quy dinh|chi thi|ket luan|nghi quyet|huong dan|van ban|bao ve chinh tri noi bo|tieu ban|trung "
            "uong|"
            "truong doan|pho truong doan|truong|pho|ban thuong vu|thuong vu|tinh uy|thanh uy|dang uy|huyen uy|quan "
            "uy|thi uy|"
            "ban can su dang|can su|dang|tinh|thanh pho|huyen|xa|phuong|tiep|tiep doan|chu tri|dan dau|dung dau|"
            "thanh lap|thuc hien|theo|can cu|ban hanh|truc tiep|don vi|co quan|to chuc|to chuc dang|ngay|nam|thang|"
            "thoi gian|sang|chieu|toi|trua|hom nay|hom qua|dong chi|ong|ba|thuong tuong|trung tuong|thieu tuong|dai "
            "tuong|"
            "dai ta|vai tro|chuc vu|chuc danh|giu|dien ra|vao|luc|bat dau|ket thuc|nguoi|tham gia|so|thu|lanh dao|ve|"
            "bvctnb|uy vien|uy ban|bo|tap doan|tong cong ty|cuc|vu|khoi|doanh nghiep|cap uy|doc|thong qua|tham du|du|"
            "co mat|cung du|cung doan|cung doan kiem tra|cung doan cong tac|"
            "den|tu|"
            "sau|truoc|ket qua|du thao|bao cao|thuong truc|ngoai|nganh|nha nuoc|ben canh|dot|doi voi|giua|pho bien|"
            "trinh bay|lich|cua|voi|tai|o|doan|cong bo quyet dinh|kiem tra truc tiep|thong bao|cac|nhung|nao|ai|gi|"
            "bo chinh tri|ban bi thu|uy ban kiem tra|ban chi dao|phong chong tham nhung|tieu cuc|ban to chuc|cong an|"
            "quan khu|quan su|bien phong|bo doi|chinh phu|nguoi do|lam truong doan|doan cong tac|doan thanh tra|"
            "cong tac bao ve chinh tri noi bo|chuong trinh kiem tra|chinh tri|ky|boi|danh cho|mang|so hieu|tien hanh|"
            # about the reports themselves: "các bài báo ghi thế nào, có thống nhất không?"
            "bai bao|bai viet|ghi|ghi nhan|dua tin|thong nhat|khac nhau|giong nhau|nguon|"
            # other words for a role (see ROLE_WORDS)
            "phu trach|cam dau|cam trich|dieu hanh|dung ra|"
            # the time limit "bao lâu" asks about ("trong thời hạn bao lâu")
            "thoi han"
        ).split("|"),
        key=len,
        reverse=True,
    )
)
_KNOWN_EN = frozenset(
    (
        "director secretary chairman commissar commander general colonel major lieutenant senior inspection inspected "
        "inspect inspecting inspections team teams no standing board committee committees provincial municipal city "
        "district party central sub committee sub-committee subcommittee internal political protection ministry state "
        "office group corporation delegation who what which when where year date day month worked work working meet "
        "met led lead headed head deputy leader chief announced announce presented received role position title "
        "besides apart other than also directly plan decision regulation directive resolution "
        "conclusion under body sent set formed agency will check did go over draft report results result chaired "
        "schedule "
        "chair took take place held meeting session unit units province provinces cities number established "
        "implement implemented apply applied politburo government inspectorate court audit electricity security public "
        "people's supreme natural resources environment military region vietnam many much read issued signed rank "
        "play plays does serve serves served hold holds act acts attend attended attending present helm charge "
        "findings visited visit sent presided over"
    ).split()
)
# Role words for "ai …" / "who …": the role whose words stand nearest the interrogative is asked.
_ASKED_ROLES = tuple(
    (
        role,
        pattern
        + (
            r"|\b(?:do\s+)?ai\s+(?:da\s+)?(?:cong bo|doc|thong qua|pho bien)\b"
            r"|\b(?:cong bo|doc|thong qua|pho bien)\s+(?:boi|do)\s+ai\b|\bread\b"
            if role == "announcer"
            else ""
        ),
    )
    for role, pattern in ROLE_WORDS.items()
)
_TITLE_HEAD = (
    r"(?:pho\s+)?(?:bi thu|chu tich|chinh uy|tu lenh|giam doc|bo truong|thu truong|truong ban|truong tieu ban|"
    r"chu nhiem|tong bien tap|vien truong|chanh an|thu ky|secretary|chairman|chairwoman|political commissar|"
    r"commander|director|minister)"
)
_ASK = (  # (field, pattern on the folded clause); a clause may ask several, in order of position
    (
        "legal",
        r"\b(?:quy dinh|quyet dinh|chi thi|ke hoach|nghi quyet|ket luan|van ban)\b[^,?\d]{0,20}?\b(?:nao|gi|so may)\b"
        r"|\b(?:which|what)\b[^,?]{0,25}?\b(?:regulation|decision|plan|directive|resolution)s?\b|\bunder which\b"
        r"|\bcan cu\s+(?:vao\s+)?(?:van ban|dau)\b|\blegal basis\b"
        r"|^\s*(?:quyet dinh|quy dinh|ke hoach|chi thi|nghi quyet|ket luan)\b.*\b(?:so hieu|so may|so bao nhieu)\b",
    ),
    # "từ ngày nào đến ngày nào": one question about the dates of the work, not a deadline
    ("date", r"\btu (?:ngay|khi|thoi diem) nao\s+den (?:ngay|khi|thoi diem) nao\b|\bfrom (?:when|what date) to\b"),
    (
        "deadline",
        r"\b(?:den|toi|truoc)\s+(?:ngay|khi|thoi diem)\s+nao\b|\bhan\s+(?:chot\s+)?(?:la\s+)?ngay nao\b"
        r"|\b(?:until|by) when\b|\bdeadline\b"
        # a question that is only its attribute ("[So sánh] thời hạn báo cáo … của A"): the deadline asked
        r"|^\s*(?:so sanh\s+)?(?:thoi han|han chot)\b(?!.*\b(?:bao lau|may ngay)\b)",
    ),
    (
        "date",
        r"\bngay nao\b|\bkhi nao\b|\bbao gio\b|\bluc nao\b|\bthoi gian nao\b|\bngay may\b|^\s*when\b|\band when\b"
        r"|\b(?:what|which) (?:date|day)\b|\bthoi diem nao\b"
        r"|^\s*(?:so sanh\s+)?thoi gian\b(?!.*\b(?:bao lau|may ngay)\b)",  # "[So sánh] thời gian kiểm tra của A"
    ),
    ("year", r"\bnam nao\b|\bnam may\b|\bnam bao nhieu\b|\b(?:what|which) year\b"),
    # "mấy ngày": the interrogative is "mấy"; the noun it counts is the count's own (`count_noun`), never residual
    (
        "count",
        r"\bbao nhieu\b|(?<!so )(?<!thu )\bmay (?!gio)(?=[a-z])|\bhow (?:many|much|long)\b|\bhow old\b|\bbao lau\b",
    ),
    (
        "team",
        r"\b(?:doan|team)\b[^,?]{0,40}?\b(?:so may|so bao nhieu|thu may)\b|\bdoan (?:kiem tra |cong tac )?nao\b"
        r"|\bnhung doan\b|\bcac doan\b|\b(?:which|what) (?:inspection )?teams?\b|\bdoan so may\b"
        r"|\bteam\s+(?:s\s+)?number\b|\bnumber of the team\b|\bso hieu\s+(?:may|bao nhieu|gi|nao)\b"
        r"|\bdoan (?:kiem tra )?(?:cong tac )?bao ve chinh tri noi bo nao\b",  # "nội bộ nào" is no "bộ nào"
    ),
    (
        "body",
        # "là đoàn của (những) cơ quan nào" whole: its "những cơ quan" asks whose team, not which units it met
        r"\b(?:la doan cua|thuoc|cua|do)\s+(?:(?:nhung|cac)\s+)?(?:co quan|ban|to chuc)\s+nao(?:\s+cu)?\b"
        r"|\bla doan cua\b"
        r"|\bwhich (?:central )?body\b"
        r"|\b(?:ban hanh|ky|issued|signed)\s+(?:boi|by)\s+(?:co quan|ban|to chuc|which body|whom)(?:\s+nao)?"
        r"|\b(?:co quan|ban|to chuc) nao\s+(?:da\s+)?(?:ban hanh|ky)\b|\bwho issued\b"
        r"|\bwhose team\b|\bwho (?:set up|sent|formed)\b|\bwhich (?:central )?(?:agency|organ)\b|\bthuoc\b.*\bnao\b"
        # who sent the team: "cơ quan nào cử đoàn", "do cơ quan nào cử"
        r"|\b(?:co quan|ban|to chuc) nao\s+(?:da\s+)?cu\b",
    ),
    (
        "units",
        r"\bdon vi nao\b|\bnhung don vi\b|\bcac don vi\b|\bunits?\b|\bban nao\b"
        r"|(?<!\bnoi )\b(?:co quan|to chuc dang|cap uy|"
        r"tong cong ty|bo|nganh|tap doan|doanh nghiep|dang uy|huyen uy|thanh uy|quan uy|dang bo|chi bo) nao\b|"
        r"\bnhung (?:co quan|bo|nganh|tap doan|tong cong ty|"
        r"to chuc dang|cap uy)\b|\bwhich (?:party )?(?:committees|organi[sz]ations|bodies|ministries|agencies)\b"
        r"|\bwhich (?:party )?units\b",
    ),
    (
        "province",
        r"\btinh nao\b|\bdia phuong nao\b|\bthanh pho nao\b"
        r"|\bwhich (?:province|provinces|city|cities|localit(?:y|ies))\b",
    ),
    ("place", r"\bo dau\b|\bnhung dau\b|\bnoi nao\b|\bwhere\b"),
    ("role", r"\bvai tro\b|\bwhat (?:was|is) (?:his|her|the) role\b|\bwhat role\b|\brole in\b"),
    ("rank", r"\b(?:military |police )?rank\b|\bquan ham\b|\bcap bac\b|\bham\s+(?:gi|nao)\b"),
    ("titles", r"\bchuc vu\b|\bchuc danh\b|\bwhat (?:position|title)s?\b|\bwhich position\b"),
    (
        "person",
        r"\bai\b|\bwho\b|\bwhom\b|\bnhung ai\b|\bten\s+(?:cua\s+)?(?=(?:pho\s+)?truong doan|nguoi)|\bname of the\b"
        r"|\b(?:pho\s+)?(?:bi thu|chu tich|chinh uy|tu lenh|giam doc|"
        r"bo truong|thu truong|truong ban|vien truong|chanh an)\s+nao\b",
    ),
    (
        "free",
        r"\b(?:noi dung|van de|viec|nhung)\s+gi\b|\bgi\b|\bthe nao\b|\bra sao\b|\bnhu the nao\b|\btai sao\b|\bvi "
        r"sao\b|\bwhat\b|\bhow\b|\bwhy\b",
    ),
)
_LIST = re.compile(
    r"\b(?:nhung|cac)\b|\bwhich (?:[a-z]+ )?(?:provinces|units|committees|teams|"
    r"organi[sz]ations|ministries|cities|agencies|bodies)\b|\blist\b|\bnhung dau\b"
)


@dataclass(frozen=True)
class UnitRef:
    key: str  # "org:Bộ Tài nguyên và Môi trường" or "local:duc trong" (folded owner)
    name: str  # as written in the question
    same_as: str | None = None


@dataclass
class Known:
    """What the articles name, so questions typed without capitals or diacritics still find it."""

    people: dict[str, str] = field(default_factory=dict)  # folded name -> name as written
    locals: frozenset[str] = frozenset()  # folded owners of local units ("duc trong", "lien chieu")


@dataclass
class Query:
    text: str  # NFC, stripped
    folded: str
    language: str  # "vi" | "en"
    accented: bool  # diacritics typed (always False for English)
    fields: list[str] = field(default_factory=list)  # asked, in order (see FIELDS); [] = nothing the records hold
    clauses: list[tuple[str, str]] = field(default_factory=list)  # (field, folded clause text)
    asked_spans: list[tuple[int, int]] = field(default_factory=list)  # where the interrogatives stand
    wants_list: bool = False
    legal_kinds: list[str | None] = field(default_factory=list)  # per "legal" field: the kind asked ("Kế hoạch")
    count_noun: str | None = None  # folded noun a count asks for ("cap uy", "thanh vien", "ngay")
    title: str | None = None  # folded title asked about ("bi thu tinh uy", "chinh uy")
    provinces: list[Province] = field(default_factory=list)
    places: set[str] = field(default_factory=set)  # provinces named as places ("ở Hà Nội"), not as a unit's owner
    units: list[UnitRef] = field(default_factory=list)
    persons: list[str] = field(default_factory=list)  # names as the articles write them, or as typed if unknown
    unknown: list[str] = field(default_factory=list)  # named things no gazetteer or article knows ("tỉnh Hà Tây")
    corrections: list[tuple[str, str]] = field(default_factory=list)  # (as typed, understood as)
    teams: list[int] = field(default_factory=list)
    team_kind: str | None = None  # "giam sat" or "thanh tra" when the question names such a team
    bodies: list[str] = field(default_factory=list)  # canonical central bodies, or local ones as written
    topic: bool = False  # asks about internal political protection work
    dates: list[DateRef] = field(default_factory=list)
    months: list[DateRef] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    legal: list[LegalRef] = field(default_factory=list)  # "58-QĐ/TW", "Quy định số 58" named in the question
    stage: str | None = None  # draft | results | start
    residual: list[str] = field(default_factory=list)  # phrases nothing above explains (folded, in question order)
    terms: list[str] = field(default_factory=list)  # folded lexical terms (syllables + bigrams), no stop words
    entity_terms: set[str] = field(default_factory=set)  # the terms that come from named entities

    @property
    def field(self) -> str | None:
        return self.fields[0] if self.fields else None

    @property
    def named(self) -> bool:
        """Whether the question names anything specific."""
        return bool(
            self.provinces
            or self.units
            or self.persons
            or self.teams
            or self.dates
            or self.months
            or self.years
            or self.legal
            or self.unknown
            or (self.bodies and self.bodies != [])
        )


def _outside_names(text: str) -> str:
    """`text` without the places, units, bodies and people it names: "Who led the team in Đắk Lắk?" is English, and
    "ai la truong doan o Đắk Lắk" unaccented, whatever the names' diacritics."""
    chars = list(text)
    for finder in (find_provinces, find_units, find_bodies):
        for _, a, b in finder(text):
            chars[a:b] = " " * (b - a)
    for a, b in person_names(text):
        chars[a:b] = " " * (b - a)
    return "".join(chars)


def _language(text: str, folded: str) -> str:
    if has_diacritics(_outside_names(text)):
        return "vi"
    words = syllables(folded)
    en = sum(w in _EN_HINTS for w in words)
    vi = sum(w in _VI_STOP for w in words)
    return "en" if en > vi else "vi"


# --- clauses and fields --------------------------------------------------------------------------------------------
def _clauses(folded: str) -> list[tuple[int, int]]:
    """Split at ", và" / " và " / ", and" / ", " when both sides ask something ("… tỉnh nào và do ai …")."""
    cuts = [0]
    for m in re.finditer(r"\s*,\s*(?:va|and)\s+|\s+(?:va|and)\s+|\s*,\s*", folded):
        left, right = folded[cuts[-1] : m.start()], folded[m.end() :]
        if _asks(left) and _asks(right):
            cuts.append(m.end())
    return list(zip(cuts, cuts[1:] + [len(folded)], strict=True))


def _ask_spans(clause: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for _, pattern in _ASK for m in re.finditer(pattern, clause)]


def _asks(clause: str) -> list[tuple[int, str]]:
    """(position, field) of every interrogative in a folded clause; where two overlap, the one listed first."""
    found: list[tuple[int, int, str]] = []
    for name, pattern in _ASK:
        for m in re.finditer(pattern, clause):
            if not any(s < m.end() and m.start() < e for s, e, _ in found):
                found.append((m.start(), m.end(), name))
    return sorted((s, f) for s, _, f in found)


def _fields(query: Query) -> None:
    folded = query.folded
    for a, b in _clauses(folded):
        clause = folded[a:b]
        asked = _asks(clause)
        query.asked_spans += [(a + s, a + e) for s, e in _ask_spans(clause)]
        kinds = {f for _, f in asked}
        chosen: list[str] = []
        if "legal" in kinds:
            chosen.append("legal")
            query.legal_kinds.append(asked_legal_kind(clause))
            kinds -= {"team", "free", "count"}  # "quyết định số mấy" asks the decision
            if "date" in kinds and re.search(r"\bban hanh\b|\bky\b|\bdated\b|\bissued\b", clause):
                kinds.discard("date")  # the document's date comes with it
        for pos, name in asked:
            if name not in kinds or name in chosen:
                continue
            if name == "person":
                role = _who(clause, query)
                if role:
                    chosen.append(role)
                continue
            if name == "free" and (chosen or kinds - {"free", "person"}):
                continue  # "what year", "what role": the other field says what
            if name == "team" and "person" in kinds and re.match(r"(?:cac|nhung) doan\b", clause[pos:]):
                continue  # "Ai chủ trì hội nghị cho thành viên các đoàn …": the teams are no question of their own
            if name == "count":
                noun = re.search(r"\b(?:bao nhieu|may|how many|how much)\s+([a-z]+(?:\s+[a-z]+)?)", clause)
                query.count_noun = _count_noun(noun.group(1) if noun else None, query.language)
            chosen.append(name)
        bare = len(re.findall(r"[a-z]+", clause)) <= 4  # "…, ngày nào?", "và vào ngày nào?"
        if (
            "date" in chosen
            and "legal" in query.fields + chosen
            and (bare or re.search(r"\bban hanh\b|\bky\b|\bdated\b|\bissued\b", clause))
        ):
            chosen.remove("date")  # "…, ban hành ngày nào?": the document's date comes with the document
        query.clauses += [(f, clause) for f in chosen]
        query.fields += [f for f in dict.fromkeys(chosen) if f not in query.fields or f == "legal"]
    query.wants_list = bool(_LIST.search(folded))


def _who(clause: str, query: Query) -> str | None:
    """What "ai"/"who" asks: a role ("ai chủ trì", "who led"; the role word nearest the interrogative), the holder
    of a title ("Ai là Bí thư Tỉnh ủy X?"), who a named person is ("X là ai?"), or who did something else."""
    title = (
        re.search(rf"\b(?:ai la|la ai|who is|who was|who are)\b.*?\b({_TITLE_HEAD}(?:\s+[a-z0-9]+){{0,8}})", clause)
        or re.search(rf"\b({_TITLE_HEAD}(?:\s+[a-z0-9]+){{0,8}}?)\s+(?:[a-z0-9/ ]+\s+)?la ai\b", clause)
        or re.search(rf"\b({_TITLE_HEAD})\s+nao\b", clause)
    )
    asked_at = [m.start() for m in re.finditer(r"\bai\b|\bwho\b|\bwhom\b", clause)] or [0]
    spans: list[tuple[int, int, str]] = []
    for role, pattern in _ASKED_ROLES:  # "phó trưởng đoàn" is a deputy, not also a "trưởng đoàn"
        spans += [
            (m.start(), m.end(), role)
            for m in re.finditer(pattern, clause)
            if not any(a < m.end() and m.start() < b for a, b, _ in spans)
        ]
    roles = [(min(abs(a - p) for p in asked_at), role) for a, _, role in spans]
    if roles and not (title and min(roles)[1] == "host"):
        return min(roles)[1]
    if title:
        words = title.group(1).split()
        stop = next(
            (
                i
                for i, w in enumerate(words)
                if w
                in {"tiep", "la", "cua", "who", "khi", "trong", "tai", "o", "ngay", "doan", "the", "that", "received"}
            ),
            len(words),
        )
        query.title = " ".join(words[:stop])
        place = find_provinces(query.title) + [(o, a, b) for o, a, b in find_units(query.title)]
        if place:  # "bí thư tỉnh ủy trà vinh": the title is "bí thư tỉnh ủy", Trà Vinh an entity of its own
            query.title = re.sub(
                r"\s+(?:tinh|thanh pho|cua|of)$", "", query.title[: min(a for _, a, _ in place)].strip()
            )
        if query.language == "en":
            query.title = {
                "political commissar": "chinh uy",
                "commander": "tu lenh",
                "secretary": "bi thu",
                "party secretary": "bi thu",
                "chairman": "chu tich",
                "director": "giam doc",
                "minister": "bo truong",
            }.get(re.sub(r"\s+(?:of|at|in)\b.*", "", query.title), query.title)
        return "host"
    if re.search(r"\bla ai\b|\bwho (?:is|was)\b", clause):
        return "titles"  # "X là ai?", "Who is X?": who the person is
    # "ai … đoàn": who led it, unless the team is only who the person was with ("cùng đoàn", "với đoàn", "with the
    # team"): someone beside the team is no head of it
    beside = r"\b(?:cung|voi|with)\s+(?:the\s+|this\s+|that\s+)?(?:inspection\s+)?(?:doan|team)\b"
    if re.search(r"\bdoan\b|\bteam\b", re.sub(beside, " ", clause)) and not re.search(
        r"\b(?:quan triet|explained|noi|said|phat bieu)\b", clause
    ):
        return "leader"
    return "person"  # "who explained …": someone the passage must name with what they did


def _count_noun(noun: str | None, language: str) -> str | None:
    if not noun:
        return None
    if language == "en":
        words = [w for w in noun.split() if w not in _EN_STOP]
        noun = " ".join(fold(GLOSSARY.get(w, w)).split()[0] if w in GLOSSARY else w for w in words[:2])
        return {"dang thanh": "dang vien", "thanh": "thanh vien"}.get(noun, noun) or None
    return " ".join(noun.split()[:2])


# --- entities --------------------------------------------------------------------------------------------------------
def _distance(a: str, b: str, limit: int = 99) -> int:
    """Edit distance with transpositions (optimal string alignment); more than `limit` once two whole rows are."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
        if min(d[i]) > limit and min(d[i - 1]) > limit:
            return limit + 1  # every later cell comes from these two rows
    return d[-1][-1]


def _closest(typed: str, candidates: dict[str, str]) -> str | None:
    """The one candidate (folded key -> name) within 1-2 edits of `typed` (folded), else None."""
    key = typed.replace(" ", "")
    if len(key) < 4:
        return None
    limit = 1 if len(key) <= 6 else 2
    pairs = {key[i : i + 2] for i in range(len(key) - 1)}
    best: dict[str, int] = {}
    for form, name in candidates.items():
        if (
            abs(len(form) - len(key)) <= limit
            # an edit breaks at most three letter pairs: cheap to check before the edit distance
            and len(pairs - {form[i : i + 2] for i in range(len(form) - 1)}) <= 3 * limit
            and (d := _distance(key, form, limit)) <= limit
        ):
            best[name] = min(d, best.get(name, d))
    ranked = sorted(best.items(), key=lambda kv: kv[1])
    if not ranked or len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
        return None  # nothing close, or two equally close: no guess
    return ranked[0][0]


_PLACE_AFTER = re.compile(
    r"\b(?:(tinh|thanh pho|tp\.?|province of)|o|tai|in|at)\s+(?!tinh\b|thanh pho\b|tp\b)"
    r"((?:[a-z]+\s?){1,3})"
)
# Words a unit, a title or a team starts with: what follows "tại" is then no misspelled province
_HEADS = frozenset(
    "ban bo so cuc vu dang doan tinh thanh huyen quan tieu uy truong pho tong tap cong toa vien kiem cap "
    "the a an buoi hoi tru dai chi xa phuong".split()
)


def _places(query: Query, masked: list[tuple[int, int]]) -> None:
    """Provinces named outright; a misspelled one is matched with a correction; an unknown "tỉnh X" is unknown."""
    found = find_provinces(query.text)
    query.provinces = list(dict.fromkeys(p for p, _, _ in found))
    query.places = {
        p.name
        for p, a, _ in found
        if re.search(r"\b(?:tai|o|in|at|thanh pho|tp)\s+$", query.folded[max(0, a - 12) : a])
    }
    forms = {fold(f).replace(" ", "").replace("-", ""): p.name for p in PROVINCES for f in (p.name, *p.variants)}
    for m in _PLACE_AFTER.finditer(query.folded):
        if any(a <= m.start(2) < b for a, b in masked):
            continue
        words = m.group(2).split()
        typed_text = query.text[m.start(2) : m.start(2) + len(" ".join(words))]
        says_province = bool(m.group(1))
        capitalized = [w for w in typed_text.split() if w[:1].isupper()]
        if not words or words[0] in _HEADS:
            continue
        for n in (3, 2, 1):
            guess = " ".join(words[:n])
            if n > len(words) or all(w in _VI_STOP or w in _EN_STOP or w in _KNOWN_VI for w in words[:n]):
                continue
            name = _closest(guess, forms)
            if name and any(p.name == name for p in query.provinces):
                break  # named outright already
            if name:
                query.corrections.append((" ".join(typed_text.split()[:n]), name))
                query.provinces.append(next(p for p in PROVINCES if p.name == name))
                masked.append((m.start(2), m.start(2) + len(guess)))
                break
        else:
            if says_province and len(capitalized) >= 1 and typed_text[:1].isupper():
                query.unknown.append(
                    f"tỉnh {' '.join(capitalized[:3])}" if query.language == "vi" else " ".join(capitalized[:3])
                )
                masked.append((m.start(2), m.end(2)))


_LOCAL_HEAD = re.compile(rf"\b(?:{UNIT_HEAD})\s+(?=((?:[a-z0-9]+\s?){{1,5}}))")


def _units(query: Query, known: Known, masked: list[tuple[int, int]]) -> None:
    for org, a, b in find_units(query.text):
        if any(x <= a < y for x, y in masked):
            continue
        query.units.append(UnitRef(f"org:{org.name}", query.text[a:b], org.same_as))
        masked.append((a, b))
    for m in _LOCAL_HEAD.finditer(query.folded):
        owner = m.group(1).strip()
        if any(a <= m.start(1) < b for a, b in masked):
            continue
        hit = next(
            (
                k
                for k in sorted(known.locals, key=len, reverse=True)
                if owner.startswith(k) or re.search(rf"\b{re.escape(k)}\b", owner)
            ),
            None,
        )
        if hit:
            query.units.append(UnitRef(f"local:{hit}", query.text[m.start() : m.start(1) + len(hit)]))
            masked.append((m.start(), m.start(1) + owner.index(hit) + len(hit)))


def _bodies(query: Query, masked: list[tuple[int, int]]) -> None:
    folded = query.folded
    for org, a, b in find_bodies(query.text):
        before = folded[max(0, a - 40) : a]
        if (
            re.search(
                r"\b(?:quy dinh|quyet dinh|chi thi|ke hoach|nghi quyet|ket luan)\s+(?:nao\s+|gi\s+|so may\s+|"
                r"so \S+\s+)?cua\s+$|\b(?:regulation|decision|plan|directive)\s+(?:no\.?\s*\S+\s+)?of\s+(?:the\s+)?$",
                before,
            )
            or re.match(r"'s\s+(?:\d{4}\s+)?(?:regulation|decision|plan|directive)", folded[b:])
            or re.match(r"\s+(?:regulation|decision|plan|directive)", folded[b:])
        ):
            masked.append((a, b))
            continue  # the issuer of a document, not the team's body: "quy định nào của Bộ Chính trị"
        if re.search(r"\b(?:truong|pho truong)\s+$", before) or any(x <= a < y for x, y in masked):
            masked.append((a, b))
            continue  # part of a title: "Trưởng Tiểu ban …", "chức vụ gì ở Ban Tổ chức Trung ương"
        query.bodies.append(org.name)
        masked.append((a, b))
    # a local body: "(Đoàn …) của Ban Thường vụ Thành ủy Đà Nẵng", "Ban Thường vụ Tỉnh ủy X kiểm tra …"
    for m in re.finditer(
        rf"(?:\b(?:cua|thuoc)\s+|^\s*)((?:ban thuong vu\s+|uy ban kiem tra\s+)?{COMMITTEES})\b", folded
    ):
        end = m.end(1)
        province = next(((a, b) for _, a, b in find_provinces(query.text) if a == end + 1), None)
        if province:
            end = province[1]
        else:
            owner = re.match(r"(?:\s+[A-ZÀ-ỸĐ][\w’'-]*)+", query.text[end:])
            end += owner.end() if owner else 0
        query.bodies.append(query.text[m.start(1) : end])
        masked.append((m.start(1), end))


_LOWERCASE_NAME = re.compile(
    r"\b(?:dong chi|ong|ba|comrade|mr|mrs|ms)\s+((?:[a-z]+\s+){1,3}?[a-z]+)"
    r"(?=\s+(?:lam|la|da|duoc|giu|co|dan dau|chu tri|cong bo|tiep|led|was|is)\b)"
)
_NOT_IN_NAMES = {"truong", "pho", "doan", "kiem", "uy", "ban", "tieu", "bi", "chu", "cuc", "team", "head"}


# the known names without their spaces, for the library's names dict last seen (made once, not once a question:
# ~1.5 ms at 20,000 articles)
_squeezed: tuple[dict[str, str], dict[str, str]] = ({}, {})


def _persons(query: Query, known: Known, masked: list[tuple[int, int]]) -> None:
    global _squeezed
    text, folded = query.text, query.folded
    if _squeezed[0] is not known.people:
        _squeezed = (known.people, {k.replace(" ", ""): v for k, v in known.people.items()})
    by_key = _squeezed[1]
    for a, b in person_names(text):
        if re.search(rf"\b{PLACE_WORDS}\s+$", folded[max(0, a - 12) : a]):
            continue  # "tỉnh Hà Sơn Bình": a place, whatever its words look like
        name = " ".join(text[a:b].split())
        if fold(name) in known.people:
            query.persons.append(known.people[fold(name)])
        elif (close := _closest(fold(name), by_key)) is not None:
            query.corrections.append((name, close))
            query.persons.append(close)
        else:
            query.persons.append(name)
            query.unknown.append(name)
        masked.append((a, b))
    # names the articles hold, typed in lower case: runs of 2-5 words looked up, longest first (a lookup per run,
    # not a search per known name: a large corpus knows thousands)
    tokens = [(m.start(), m.end()) for m in re.finditer(r"[a-z0-9’'-]+", folded)]
    for n in (5, 4, 3, 2):
        for i in range(len(tokens) - n + 1):
            a, b = tokens[i][0], tokens[i + n - 1][1]
            key = " ".join(folded[x:y] for x, y in tokens[i : i + n])
            if key in known.people and not any(x < b and a < y for x, y in masked):
                query.persons.append(known.people[key])
                masked.append((a, b))
    # "dong chi truong khac nhieu lam truong doan …": a name typed in lower case after an honorific, before a verb
    for m in _LOWERCASE_NAME.finditer(folded):
        a, b = m.span(1)
        words = m.group(1).split()
        if (
            any(x <= a < y for x, y in masked)
            or text[a:b] != text[a:b].lower()
            or not is_family_name(words[0])
            or set(words[1:]) & _NOT_IN_NAMES
        ):
            continue
        close = _closest(m.group(1), by_key)
        if close is not None:
            query.corrections.append((text[a:b], close))
        else:
            query.unknown.append(text[a:b])
        query.persons.append(close or text[a:b])
        masked.append((a, b))
    # "Kẻ Gian là ai?", "Who is John Smith?": a capitalized subject nobody knows
    subject = re.match(
        r"\s*(?:[Ww]ho (?:is|was))\s+((?:[A-Z][\w’'-]*\s?){1,4})|\s*((?:[A-ZÀ-ỸĐ][\w’'-]*\s?){1,4})\s+là ai\b", text
    )
    if subject:
        start = subject.start(1) if subject.group(1) else subject.start(2)
        name = (subject.group(1) or subject.group(2)).strip()
        if not any(x <= start < y for x, y in masked) and name.split()[0].lower() not in ("the", "đồng", "ông", "bà"):
            query.unknown.append(name)
            masked.append((start, start + len(name)))
    query.persons = list(dict.fromkeys(query.persons))


def _when(query: Query, masked: list[tuple[int, int]]) -> None:
    query.dates = [d for d in find_dates(query.text)]
    query.months = [m for m in find_months(query.text) if not any(d.start <= m.start < d.end for d in query.dates)]
    years = [y for y, a, b in find_years(query.text) if not any(d.start <= a < d.end for d in query.dates)]
    query.years = list(dict.fromkeys(years + [m.year for m in query.months if m.year]))
    masked += [(d.start, d.end) for d in query.dates + query.months]
    masked += [(a, b) for _, a, b in find_years(query.text)]


# --- residual ------------------------------------------------------------------------------------------------------
def _residual(query: Query, masked: list[tuple[int, int]]) -> None:
    chars = list(query.folded)
    for a, b in masked:
        chars[a:b] = " " * (b - a)
    rest = "".join(chars)
    leads = [m.span() for m in re.finditer(ROLE_WORDS["leader"], rest)]  # "đã dẫn bao nhiêu đoàn": what a record holds
    if query.language != "en":  # known phrases first, longest first: "thẩm định" is not "quyết định"
        for phrase in _KNOWN_VI:
            rest = re.sub(rf"\b{re.escape(phrase)}\b", lambda m: " " * len(m.group()), rest)
    for a, b in leads:
        rest = rest[:a] + " " * (b - a) + rest[b:]
    stop = _EN_STOP | _VI_STOP
    phrases: list[list[str]] = [[]]
    for m in re.finditer(r"[a-z]+|[^a-z]+", rest):  # runs of residual words, broken by anything else
        w = m.group()
        if not w.isalpha():
            if w.strip() and phrases[-1]:
                phrases.append([])
            continue
        # English words count as known in Vietnamese questions too ("…ở Quảng Ngãi inspected which units?")
        known = (
            w in stop
            or w in NUMBER_WORDS
            or w == "s"
            or w in _KNOWN_EN
            or w.endswith("s")
            and w[:-1] in _KNOWN_EN
            or any(w in (part or "").split() for part in (query.title, query.count_noun))
        )
        if known:
            if phrases[-1]:
                phrases.append([])
        elif w in GLOSSARY or query.language == "en":  # an English word: a phrase of its own
            phrases += [[w], []]
        else:
            phrases[-1].append(w)
    query.residual = list(dict.fromkeys(" ".join(p) for p in phrases if p))


# Vietnamese phrasings of the same role (folded): a question in one finds sentences in another.
_SYNONYMS = {
    "dan dau": "truong doan",
    "truong doan": "dan dau",
    "lanh dao doan": "truong doan",
    "dung dau": "truong doan",
    "cam dau": "truong doan",
    "phu trach": "truong doan",
    "cam trich": "chu tri",
    "dieu hanh": "chu tri",
}


def _glossed(word: str) -> str | None:
    """The GLOSSARY entry for an English word, or for its singular ("teams" -> "team")."""
    return word if word in GLOSSARY else word[:-1] if word.endswith("s") and word[:-1] in GLOSSARY else None


_TITLE_PLACE = re.compile(
    r"\b(?:chuc vu|chuc danh|positions?|titles?)\s+(?:gi\s+|nao\s+)?(?:o|tai|trong|at|in)\s+(?:the\s+)?([^,?;]+)"
)


def analyze(question: str, known: Known | None = None) -> Query:
    text = nfc(question).strip()
    folded = fold(text)
    folded = re.sub(r"(?<=\w)['’]s\b", "  ", folded)  # "Sub-committee's": same length, no stray "s"
    known = known or Known()
    language = _language(text, folded)
    query = Query(text, folded, language, language == "vi" and has_diacritics(_outside_names(text)))
    # where a title is held is part of the question about titles, not a constraint on the records
    masked: list[tuple[int, int]] = [m.span(1) for m in _TITLE_PLACE.finditer(folded)]
    _bodies(query, masked)  # "Thanh tra Chính phủ" sending a team is a body, not an inspected unit
    _units(query, known, masked)
    _persons(query, known, masked)
    _places(query, masked)
    masked += [(a, b) for _, a, b in find_provinces(text)]
    query.teams = team_numbers(text)
    # "đoàn giám sát", "đoàn thanh tra" are other kinds of team than "đoàn kiểm tra" ("kiểm tra, giám sát" is both)
    kind = re.search(r"\bdoan (?:kiem tra,?\s+)?(giam sat|thanh tra)\b|\b(supervision|inspectorate) team\b", folded)
    query.team_kind = (
        {"supervision": "giam sat", "inspectorate": "thanh tra"}.get(kind.group(2), kind.group(2))
        if kind and kind.group(2)
        else kind.group(1)
        if kind
        else None
    )
    masked += [(m.start(), m.end()) for m in re.finditer(r"\b(?:so|no\.?|number|team)\s*0*\d{1,4}\b", folded)]
    query.legal = find_legal_refs(text, loose=True)
    masked += [(r.span.start, r.span.end) for r in query.legal]
    _fields(query)
    _when(query, masked)
    masked += query.asked_spans
    query.stage = next((name for name, pattern in STAGES.items() if re.search(pattern, folded)), None)
    query.topic = bool(re.search(TOPIC, folded))
    _residual(query, masked)

    pieces = [text]  # bigrams are formed inside a piece only
    if language == "en":
        # Domain words become Vietnamese phrases; runs of capitalized words (names) and numbers stay as they are;
        # other English words are dropped: the articles are Vietnamese and would never contain them.
        pieces, name = [], []
        for i, w in enumerate(re.findall(r"[\w’'-]+", re.sub(r"(?<=\w)['’]s\b", "", text)) + [""]):
            if w and ((w[0].isupper() and i > 0) or w.isdigit()) and _glossed(w.lower()) is None:
                name.append(w)
                continue
            pieces += [" ".join(name)] if name else []
            name = []
            if (word := _glossed(w.lower())) is not None:
                pieces.append(GLOSSARY[word])
        pieces += [name for name in query.persons]
    else:  # a mixed question: its English domain words too
        pieces += [
            GLOSSARY[w]
            for w in re.findall(r"[a-z]+", folded)
            if w in GLOSSARY and w not in _VI_STOP and not has_diacritics(w)
        ]
    joined = fold(" . ".join(pieces))
    pieces += [alt for phrase, alt in _SYNONYMS.items() if re.search(rf"\b{phrase}\b", joined)]
    stop = _EN_STOP | _VI_STOP
    query.terms = list(
        dict.fromkeys(
            t for piece in pieces for t in lexical_terms(piece) if not any(part in stop for part in t.split("_"))
        )
    )
    for p in query.provinces:
        for form in (p.name, *p.variants):
            query.entity_terms.update(lexical_terms(form))
    for n in query.teams:
        query.entity_terms.update({str(n), f"so_{n}"})
    for r in query.legal:
        query.entity_terms.update(lexical_terms(r.span.text))
    return query
