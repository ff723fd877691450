"""Places and organizations: provinces (with the 2025 mergers), central units (ministries, central bodies, the
police and the army, state groups) and the bodies that send inspection teams — each with its short and English
forms.

Every `find_*` works on accented or unaccented text alike (matching is done on folded text, on word boundaries), so
"Dak Lak", "Đăk Lăk" and "Đắk Lắk" all give "Đắk Lắk", and "Bộ GTVT", "Bộ Giao thông - Vận tải" and "Ministry of
Transport" all give the same unit. Accented text must match an accented form ("lòng an" is not Long An).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from .text import fold, has_diacritics

__all__ = [
    "MERGER_DATE",
    "Province",
    "PROVINCES",
    "find_provinces",
    "Org",
    "UNITS",
    "BODIES",
    "SUBCOMMITTEE",
    "find_units",
    "find_bodies",
    "body_named",
    "unit_named",
    "spellings",
    "shown_name",
    "COMMITTEES",
    "UNIT_HEAD",
    "LOCAL_BODY",
]


MERGER_DATE = "2025-07-01"  # the day the provinces merged (Resolution 202/2025/QH15)


@dataclass(frozen=True)
class Province:
    name: str  # canonical, as the government writes it
    variants: tuple[str, ...] = ()  # other spellings; folded forms are derived automatically
    merged_into: str | None = None  # the province it belongs to since the 1 July 2025 merger, if it was merged


def _p(name: str, *variants: str, merged_into: str | None = None) -> Province:
    return Province(name, variants, merged_into)


# 63 units before 2025 (5 cities + 58 provinces). Since 1 July 2025 there are 34: the merged ones name the
# province they joined; the 34 names all already stand here ("Huế" is the city that was Thừa Thiên Huế).
PROVINCES: tuple[Province, ...] = (
    _p("Hà Nội", "Hanoi", "TP Hà Nội", "TP. Hà Nội"),
    _p(
        "TP. Hồ Chí Minh",
        "Hồ Chí Minh",
        "TP Hồ Chí Minh",
        "Thành phố Hồ Chí Minh",
        "TP.HCM",
        "TP HCM",
        "TPHCM",
        "HCM",
        "Sài Gòn",
        "Ho Chi Minh City",
    ),
    _p("Hải Phòng"),
    _p("Đà Nẵng", "Da Nang"),
    _p("Cần Thơ", "Can Tho"),
    _p("Huế", "Thừa Thiên Huế", "Thừa Thiên - Huế", "Thừa Thiên – Huế", "Hue"),
    _p("An Giang"),
    _p("Bà Rịa - Vũng Tàu", "Bà Rịa – Vũng Tàu", "Bà Rịa-Vũng Tàu", "Vũng Tàu", merged_into="TP. Hồ Chí Minh"),
    _p("Bắc Giang", merged_into="Bắc Ninh"),
    _p("Bắc Kạn", "Bắc Cạn", merged_into="Thái Nguyên"),
    _p("Bạc Liêu", merged_into="Cà Mau"),
    _p("Bắc Ninh"),
    _p("Bến Tre", merged_into="Vĩnh Long"),
    _p("Bình Định", merged_into="Gia Lai"),
    _p("Bình Dương", merged_into="TP. Hồ Chí Minh"),
    _p("Bình Phước", merged_into="Đồng Nai"),
    _p("Bình Thuận", merged_into="Lâm Đồng"),
    _p("Cà Mau"),
    _p("Cao Bằng"),
    _p("Đắk Lắk", "Đắc Lắc", "Đăk Lăk", "Đắk Lăk", "Đăk Lắk", "Daklak"),
    _p("Đắk Nông", "Đăk Nông", "Đắc Nông", merged_into="Lâm Đồng"),
    _p("Điện Biên"),
    _p("Đồng Nai"),
    _p("Đồng Tháp"),
    _p("Gia Lai"),
    _p("Hà Giang", merged_into="Tuyên Quang"),
    _p("Hà Nam", merged_into="Ninh Bình"),
    _p("Hà Tĩnh"),
    _p("Hải Dương", merged_into="Hải Phòng"),
    _p("Hậu Giang", merged_into="Cần Thơ"),
    _p("Hòa Bình", "Hoà Bình", merged_into="Phú Thọ"),
    _p("Hưng Yên"),
    _p("Khánh Hòa", "Khánh Hoà"),
    _p("Kiên Giang", merged_into="An Giang"),
    _p("Kon Tum", "Kontum", merged_into="Quảng Ngãi"),
    _p("Lai Châu"),
    _p("Lâm Đồng"),
    _p("Lạng Sơn"),
    _p("Lào Cai"),
    _p("Long An", merged_into="Tây Ninh"),
    _p("Nam Định", merged_into="Ninh Bình"),
    _p("Nghệ An"),
    _p("Ninh Bình"),
    _p("Ninh Thuận", merged_into="Khánh Hòa"),
    _p("Phú Thọ"),
    _p("Phú Yên", merged_into="Đắk Lắk"),
    _p("Quảng Bình", merged_into="Quảng Trị"),
    _p("Quảng Nam", merged_into="Đà Nẵng"),
    _p("Quảng Ngãi"),
    _p("Quảng Ninh"),
    _p("Quảng Trị"),
    _p("Sóc Trăng", merged_into="Cần Thơ"),
    _p("Sơn La"),
    _p("Tây Ninh"),
    _p("Thái Bình", merged_into="Hưng Yên"),
    _p("Thái Nguyên"),
    _p("Thanh Hóa", "Thanh Hoá"),
    _p("Tiền Giang", merged_into="Đồng Tháp"),
    _p("Trà Vinh", merged_into="Vĩnh Long"),
    _p("Tuyên Quang"),
    _p("Vĩnh Long"),
    _p("Vĩnh Phúc", merged_into="Phú Thọ"),
    _p("Yên Bái", merged_into="Lào Cai"),
)


# --- central units and issuing bodies ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Org:
    name: str  # canonical Vietnamese name
    kind: str  # ministry | central | police | army | group | body
    forms: tuple[str, ...] = ()  # other Vietnamese spellings and short forms
    en: tuple[str, ...] = ()  # English names
    same_as: str | None = None  # the org this one is the party committee of ("Công an Trung ương" -> "Bộ Công an")


def _o(name: str, kind: str, *forms: str, en: tuple[str, ...] = (), same_as: str | None = None) -> Org:
    return Org(name, kind, forms, en, same_as)


# Units that are not provinces: what a team inspects when it does not go to a province. "Ban Cán sự đảng Bộ X",
# "Đảng ủy Bộ X" and "Đảng đoàn X" all name the unit X.
UNITS: tuple[Org, ...] = (
    _o("Bộ Quốc phòng", "ministry", "BQP", en=("Ministry of National Defence", "Ministry of National Defense")),
    _o("Bộ Công an", "ministry", en=("Ministry of Public Security",)),
    _o("Bộ Ngoại giao", "ministry", en=("Ministry of Foreign Affairs",)),
    _o("Bộ Nội vụ", "ministry", en=("Ministry of Home Affairs",)),
    _o("Bộ Tư pháp", "ministry", en=("Ministry of Justice",)),
    _o("Bộ Tài chính", "ministry", en=("Ministry of Finance",)),
    _o("Bộ Công Thương", "ministry", en=("Ministry of Industry and Trade",)),
    _o(
        "Bộ Nông nghiệp và Phát triển nông thôn",
        "ministry",
        "Bộ NN&PTNT",
        "Bộ NNPTNT",
        en=("Ministry of Agriculture and Rural Development",),
    ),
    _o("Bộ Nông nghiệp và Môi trường", "ministry", "Bộ NN&MT", en=("Ministry of Agriculture and Environment",)),
    _o(
        "Bộ Giao thông vận tải",
        "ministry",
        "Bộ Giao thông - Vận tải",
        "Bộ GTVT",
        "Bộ GT-VT",
        en=("Ministry of Transport",),
    ),
    _o("Bộ Xây dựng", "ministry", en=("Ministry of Construction",)),
    _o(
        "Bộ Tài nguyên và Môi trường",
        "ministry",
        "Bộ TN&MT",
        "Bộ TNMT",
        "Bộ Tài nguyên - Môi trường",
        en=("Ministry of Natural Resources and Environment",),
    ),
    _o(
        "Bộ Thông tin và Truyền thông",
        "ministry",
        "Bộ TT&TT",
        "Bộ TTTT",
        en=("Ministry of Information and Communications",),
    ),
    _o(
        "Bộ Lao động - Thương binh và Xã hội",
        "ministry",
        "Bộ LĐ-TB&XH",
        "Bộ LĐTBXH",
        en=("Ministry of Labour, Invalids and Social Affairs", "Ministry of Labor, Invalids and Social Affairs"),
    ),
    _o(
        "Bộ Văn hóa, Thể thao và Du lịch",
        "ministry",
        "Bộ Văn hoá, Thể thao và Du lịch",
        "Bộ VH-TT&DL",
        "Bộ VHTTDL",
        en=("Ministry of Culture, Sports and Tourism",),
    ),
    _o("Bộ Khoa học và Công nghệ", "ministry", "Bộ KH&CN", "Bộ KHCN", en=("Ministry of Science and Technology",)),
    _o("Bộ Giáo dục và Đào tạo", "ministry", "Bộ GD&ĐT", "Bộ GDĐT", en=("Ministry of Education and Training",)),
    _o("Bộ Y tế", "ministry", en=("Ministry of Health",)),
    _o("Bộ Kế hoạch và Đầu tư", "ministry", "Bộ KH&ĐT", "Bộ KHĐT", en=("Ministry of Planning and Investment",)),
    _o("Bộ Dân tộc và Tôn giáo", "ministry", en=("Ministry of Ethnic and Religious Affairs",)),
    _o("Ủy ban Dân tộc", "ministry", "Uỷ ban Dân tộc", en=("Committee for Ethnic Minority Affairs",)),
    _o("Ngân hàng Nhà nước Việt Nam", "ministry", "Ngân hàng Nhà nước", "NHNN", en=("State Bank of Vietnam", "SBV")),
    _o("Thanh tra Chính phủ", "ministry", en=("Government Inspectorate",)),
    _o("Văn phòng Chính phủ", "ministry", en=("Government Office",)),
    _o(
        "Kiểm toán Nhà nước",
        "central",
        "KTNN",
        en=("State Audit Office of Vietnam", "State Audit Office", "State Audit of Vietnam"),
    ),
    _o(
        "Tòa án nhân dân tối cao",
        "central",
        "Toà án nhân dân tối cao",
        "TAND tối cao",
        "TANDTC",
        "Tòa án tối cao",
        en=("Supreme People's Court",),
    ),
    _o("Viện kiểm sát nhân dân tối cao", "central", "VKSND tối cao", "VKSNDTC", en=("Supreme People's Procuracy",)),
    _o("Văn phòng Quốc hội", "central", en=("Office of the National Assembly",)),
    _o("Văn phòng Chủ tịch nước", "central", en=("Office of the President",)),
    _o(
        "Mặt trận Tổ quốc Việt Nam",
        "central",
        "Ủy ban Trung ương Mặt trận Tổ quốc Việt Nam",
        en=("Vietnam Fatherland Front",),
    ),
    _o(
        "Tổng Liên đoàn Lao động Việt Nam",
        "central",
        "Tổng Liên đoàn Lao động",
        "Tổng Liên đoàn",
        "Tổng LĐLĐ Việt Nam",
        en=("Vietnam General Confederation of Labour", "Vietnam General Confederation of Labor", "VGCL"),
    ),
    _o(
        "Trung ương Đoàn Thanh niên Cộng sản Hồ Chí Minh",
        "central",
        "Trung ương Đoàn TNCS Hồ Chí Minh",
        "Đoàn Thanh niên Cộng sản Hồ Chí Minh",
        en=("Ho Chi Minh Communist Youth Union",),
    ),
    _o("Hội Liên hiệp Phụ nữ Việt Nam", "central", "Hội LHPN Việt Nam", en=("Vietnam Women's Union",)),
    _o("Hội Nông dân Việt Nam", "central", en=("Vietnam Farmers' Union",)),
    _o("Hội Cựu chiến binh Việt Nam", "central", en=("Vietnam Veterans Association",)),
    _o(
        "Khối Doanh nghiệp Trung ương", "central", "Khối DNTW", en=("Central Business Bloc", "Central Enterprises Bloc")
    ),
    _o("Khối các cơ quan Trung ương", "central", en=("Central Agencies Bloc",)),
    _o("Học viện Chính trị quốc gia Hồ Chí Minh", "central", en=("Ho Chi Minh National Academy of Politics",)),
    _o("Đài Truyền hình Việt Nam", "central", "VTV", en=("Vietnam Television",)),
    _o("Đài Tiếng nói Việt Nam", "central", "VOV", en=("Voice of Vietnam",)),
    _o("Thông tấn xã Việt Nam", "central", "TTXVN", en=("Vietnam News Agency",)),
    _o("Công an Trung ương", "police", en=("Central Public Security", "Central Police"), same_as="Bộ Công an"),
    _o("Bộ Tư lệnh Cảnh sát cơ động", "police", en=("Mobile Police High Command", "Mobile Police Command")),
    _o("Quân ủy Trung ương", "army", en=("Central Military Commission",), same_as="Bộ Quốc phòng"),
    _o(
        "Tổng cục Chính trị Quân đội nhân dân Việt Nam",
        "army",
        "Tổng cục Chính trị",
        en=("General Department of Politics",),
    ),
    _o("Bộ Tổng Tham mưu", "army", en=("General Staff",)),
    _o(
        "Bộ đội Biên phòng",
        "army",
        "Bộ Tư lệnh Bộ đội Biên phòng",
        en=("Border Guard", "Border Defence", "Border Defense"),
    ),
    _o("Cảnh sát biển Việt Nam", "army", "Bộ Tư lệnh Cảnh sát biển", en=("Vietnam Coast Guard",)),
    _o("Quân chủng Hải quân", "army", en=("Vietnam People's Navy", "Navy")),
    _o("Quân chủng Phòng không - Không quân", "army", en=("Air Defence - Air Force", "Air Defense - Air Force")),
    _o("Bộ Tư lệnh Thủ đô Hà Nội", "army", en=("Hanoi Capital High Command",)),
    *(_o(f"Quân khu {n}", "army", en=(f"Military Region {n}", f"Military Zone {n}")) for n in range(1, 10)),
    _o("Tập đoàn Điện lực Việt Nam", "group", "EVN", en=("Vietnam Electricity",)),
    _o(
        "Tập đoàn Dầu khí Việt Nam",
        "group",
        "Tập đoàn Dầu khí Quốc gia Việt Nam",
        "Petrovietnam",
        "PVN",
        en=("Vietnam Oil and Gas Group", "Vietnam National Industry - Energy Group"),
    ),
    _o("Tập đoàn Công nghiệp - Viễn thông Quân đội", "group", "Viettel", en=("Viettel Group",)),
    _o(
        "Tập đoàn Công nghiệp Than - Khoáng sản Việt Nam",
        "group",
        "TKV",
        "Vinacomin",
        en=("Vietnam National Coal and Mineral Industries Group",),
    ),
    _o("Tập đoàn Bưu chính Viễn thông Việt Nam", "group", "VNPT", en=("Vietnam Posts and Telecommunications Group",)),
    _o("Tập đoàn Công nghiệp Cao su Việt Nam", "group", "VRG", en=("Vietnam Rubber Group",)),
    _o(
        "Tập đoàn Hóa chất Việt Nam",
        "group",
        "Tập đoàn Hoá chất Việt Nam",
        "Vinachem",
        en=("Vietnam National Chemical Group",),
    ),
    _o("Tập đoàn Xăng dầu Việt Nam", "group", "Petrolimex", en=("Vietnam National Petroleum Group",)),
    _o("Tổng công ty Hàng không Việt Nam", "group", "Vietnam Airlines", en=("Vietnam Airlines Corporation",)),
    _o("Tổng công ty Đường sắt Việt Nam", "group", en=("Vietnam Railways",)),
    _o("Tổng công ty Đầu tư và Kinh doanh vốn nhà nước", "group", "SCIC", en=("State Capital Investment Corporation",)),
    _o("Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam", "group", "Agribank"),
    _o("Ngân hàng TMCP Ngoại thương Việt Nam", "group", "Vietcombank"),
    _o("Ngân hàng TMCP Công Thương Việt Nam", "group", "VietinBank"),
    _o("Ngân hàng TMCP Đầu tư và Phát triển Việt Nam", "group", "BIDV"),
)

# Party committees by level (folded), and the heads a unit's name starts with: "Ban Cán sự đảng" + "Bộ Y tế",
# "Ban Thường vụ Huyện ủy" + "Cam Lộ", "Đảng ủy" + "Quân khu 7". The owner follows the head.
COMMITTEES = r"(?:tinh uy|thanh uy|huyen uy|quan uy|thi uy|dang uy)"
UNIT_HEAD = (
    rf"(?:ban thuong vu\s+|btv\s+)?(?:ban can su dang|dang doan|{COMMITTEES}"
    rf"|ban (?:to chuc|tuyen giao(?: va dan van)?|dan van|noi chinh|kinh te)(?:\s+{COMMITTEES})?"
    rf"|uy ban kiem tra(?:\s+{COMMITTEES})?|van phong (?:tinh uy|thanh uy)"
    r"|ubnd|uy ban nhan dan|toa an nhan dan|vien kiem sat nhan dan|dang bo|chi bo)\b|ban thuong vu\b"
)
# A local body sending its own team: "Ban Thường vụ Tỉnh ủy X", "Ủy ban Kiểm tra Tỉnh ủy X", "Ban Chỉ đạo … tỉnh".
LOCAL_BODY = (
    r"(?:ban thuong vu\s+|uy ban kiem tra\s+|tieu ban bao ve chinh tri noi bo\s+|ban chi dao [^,.;()]{3,60}?\s+)?"
    rf"{COMMITTEES}\b|ban chi dao\s+[^.;()]{{3,80}}?\s+(?:tinh|thanh pho)\b|ban chi dao\b"
)

SUBCOMMITTEE = "Tiểu ban Bảo vệ chính trị nội bộ Trung ương"
# Bodies that send inspection teams. A team of another body is always that body's, never the Subcommittee's.
BODIES: tuple[Org, ...] = (
    _o(
        SUBCOMMITTEE,
        "body",
        "Tiểu ban BVCTNB Trung ương",
        "Tiểu ban Bảo vệ chính trị nội bộ TW",
        "Tiểu ban Bảo vệ chính trị nội bộ",
        "Tiểu ban BVCTNB",
        "Tiểu ban",
        en=(
            "Central Sub-committee for Internal Political Protection",
            "Central Subcommittee for Internal Political Protection",
            "Sub-committee for Internal Political Protection",
            "Subcommittee for Internal Political Protection",
            "Central Internal Political Protection Sub-committee",
            "Sub-committee",
            "Subcommittee",
        ),
    ),
    _o(
        "Bộ Chính trị, Ban Bí thư",
        "body",
        "Bộ Chính trị - Ban Bí thư",
        "Bộ Chính trị và Ban Bí thư",
        en=("Politburo and Secretariat", "Politburo and the Secretariat"),
    ),
    _o("Bộ Chính trị", "body", en=("Politburo",)),
    _o("Ban Bí thư", "body", en=("Secretariat",)),
    _o(
        "Ủy ban Kiểm tra Trung ương",
        "body",
        "Uỷ ban Kiểm tra Trung ương",
        "UBKT Trung ương",
        "UBKTTW",
        en=(
            "Central Inspection Commission",
            "Party Central Committee's Inspection Commission",
            "Inspection Commission of the Party Central Committee",
        ),
    ),
    _o(
        "Ban Chỉ đạo Trung ương về phòng, chống tham nhũng, tiêu cực",
        "body",
        "Ban Chỉ đạo Trung ương về phòng, chống tham nhũng, lãng phí, tiêu cực",
        "Ban Chỉ đạo Trung ương phòng, chống tham nhũng, lãng phí, tiêu cực",
        "Ban Chỉ đạo Trung ương về phòng, chống tham nhũng",
        "Ban Chỉ đạo Trung ương phòng, chống tham nhũng, tiêu cực",
        "Ban Chỉ đạo Trung ương phòng, chống tham nhũng",
        "BCĐ Trung ương về phòng, chống tham nhũng, tiêu cực",
        en=(
            "Central Steering Committee on Preventing and Combating Corruption and Negative Phenomena",
            "Central Steering Committee on Preventing and Combating Corruption and Negativity",
            "Central Steering Committee for Anti-corruption",
            "Central Steering Committee on Anti-Corruption",
            "Central Steering Committee for Corruption and Negative Phenomena Prevention and Control",
        ),
    ),
    _o(
        "Ban Chỉ đạo 35 Trung ương",  # (not "Ban Chỉ đạo 35 tỉnh", a province's own)
        "body",
        "Ban Chỉ đạo Trung ương về bảo vệ nền tảng tư tưởng của Đảng, đấu tranh phản bác các quan điểm sai trái, thù "
        "địch",
        "Ban Chỉ đạo Trung ương về bảo vệ nền tảng tư tưởng của Đảng",
        "Ban Chỉ đạo 35 TW",
        en=(
            "Central Steering Committee 35",
            "Central Steering Committee for the Protection of the Party's Ideological Foundation",
        ),
    ),
    _o("Thanh tra Chính phủ", "body", en=("Government Inspectorate",)),
    _o(
        "Ủy ban Thường vụ Quốc hội",
        "body",
        "Uỷ ban Thường vụ Quốc hội",
        "UBTVQH",
        en=(
            "National Assembly Standing Committee",
            "Standing Committee of the National Assembly",
            "NA Standing Committee",
        ),
    ),
    _o(
        "Ban Tổ chức Trung ương",
        "body",
        en=(
            "Central Organisation Commission",
            "Central Organization Commission",
            "Party Central Committee's Organisation Commission",
        ),
    ),
)


def _letters(s: str) -> str:
    return re.sub(r"[\W_]+", "", s.lower())


class _Matcher:
    """Finds any of many names (and their spelling variants) on folded text, longest first; separators between
    syllables are free ("Bà Rịa–Vũng Tàu", "Bộ Giao thông - Vận tải")."""

    def __init__(self, entries: list[tuple[object, str]]):
        self.by_form: dict[str, object] = {}
        for entry, form in entries:
            self.by_form.setdefault(self.key(fold(form)), entry)
        self.accented = frozenset(_letters(f) for _, f in entries)
        forms = sorted(self.by_form, key=len, reverse=True)
        alts = "|".join(r"[\s.,\-–]*".join(re.escape(w) for w in re.split(r"[\s,]+", f) if w not in "-") for f in forms)
        self.pattern = re.compile(rf"(?<!\w)(?:{alts})(?!\w)")
        self.by_letters = {_letters(f): e for f, e in self.by_form.items()}

    @staticmethod
    def key(matched: str) -> str:
        return " ".join(re.sub(r"\s*[-–]\s*", " - ", matched).replace(".", ". ").replace(",", " ").split())

    def find(self, text: str) -> list[tuple[Any, int, int]]:  # entries: a province name (str) or an Org
        out: list[tuple[Any, int, int]] = []
        for m in self.pattern.finditer(fold(text)):
            entry = self.by_form.get(self.key(m.group())) or self.by_letters.get(_letters(m.group()))
            surface = text[m.start() : m.end()]
            if entry is not None and (not has_diacritics(surface) or _letters(surface) in self.accented):
                out.append((entry, m.start(), m.end()))
        return out


@cache
def _matcher(which: str) -> _Matcher:
    if which == "provinces":
        return _Matcher([(p, f) for p in PROVINCES for f in (p.name, *p.variants)])
    orgs = UNITS if which == "units" else BODIES
    return _Matcher([(o, f) for o in orgs for f in (o.name, *o.forms, *o.en)])


def find_provinces(text: str) -> list[tuple[Province, int, int]]:
    """Provinces named in `text`, with their (start, end) spans, in order of appearance."""
    return _matcher("provinces").find(text)


def find_units(text: str) -> list[tuple[Org, int, int]]:
    """Central units (ministries, central bodies, police, army, state groups) named in `text`, in order."""
    return _matcher("units").find(text)


def find_bodies(text: str) -> list[tuple[Org, int, int]]:
    """Issuing bodies named in `text` ("Tiểu ban Bảo vệ chính trị nội bộ Trung ương", "Politburo", …), in order.
    A local subcommittee ("Tiểu ban Bảo vệ chính trị nội bộ Tỉnh ủy Nghệ An") is not the central one."""
    folded = fold(text)
    return [
        (o, a, b)
        for o, a, b in _matcher("bodies").find(text)
        if not re.match(r"\s+(?:tinh uy|thanh uy|huyen uy|quan uy|thi uy|dang uy)\b", folded[b:])
    ]


def body_named(name: str) -> Org | None:
    return next((o for o in BODIES if o.name == name), None)


def unit_named(name: str) -> Org | None:
    return next((o for o in UNITS if o.name == name), None)


def spellings(name: str) -> tuple[str, ...]:
    """Every way the articles may write the province, unit or body that `name` is exactly (canonical or variant
    form), in both languages: an English report writes "Secretariat" for "Ban Bí thư", "Hanoi" for "Hà Nội".
    A name the gazetteer does not hold is only itself."""
    key = _Matcher.key(fold(name))
    for which in ("provinces", "units", "bodies"):
        entry = _matcher(which).by_form.get(key)
        if isinstance(entry, Province):
            return (entry.name, *entry.variants)
        if isinstance(entry, Org):
            return (entry.name, *entry.forms, *entry.en)
    return (name,)


def shown_name(name: str, language: str) -> str:
    """How an answer in `language` names the unit or body `name`: its English name in an English answer ("the
    Politburo", not "the Bộ Chính trị"; the unit's own for its party committee: "Ban Cán sự đảng Bộ Y tế" -> "Ministry
    of Health"); a province, or anything the gazetteer lacks, as it is."""
    if language != "en":
        return name
    inside = [o for o, _, _ in find_units(name)]
    org = unit_named(name) or body_named(name) or (inside[0] if len(inside) == 1 else None)
    return org.en[0] if org is not None and org.en else name
