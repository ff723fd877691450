"""Vietnam's provinces and centrally-run cities: canonical names, spelling variants, the 2025 mergers.

`find_provinces(text)` works on accented or unaccented text alike (matching is done on folded text, on word
boundaries), so "Dak Lak", "Đăk Lăk" and "Đắk Lắk" all give "Đắk Lắk".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .text import fold, has_diacritics

__all__ = ["Province", "PROVINCES", "find_provinces"]


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
    _p("TP. Hồ Chí Minh", "Hồ Chí Minh", "TP Hồ Chí Minh", "Thành phố Hồ Chí Minh", "TP.HCM", "TP HCM", "TPHCM",
       "HCM", "Sài Gòn", "Ho Chi Minh City"),
    _p("Hải Phòng"), _p("Đà Nẵng", "Da Nang"), _p("Cần Thơ", "Can Tho"),
    _p("Huế", "Thừa Thiên Huế", "Thừa Thiên - Huế", "Thừa Thiên – Huế", "Hue"),
    _p("An Giang"), _p("Bà Rịa - Vũng Tàu", "Bà Rịa – Vũng Tàu", "Bà Rịa-Vũng Tàu", "Vũng Tàu",
                       merged_into="TP. Hồ Chí Minh"),
    _p("Bắc Giang", merged_into="Bắc Ninh"), _p("Bắc Kạn", "Bắc Cạn", merged_into="Thái Nguyên"),
    _p("Bạc Liêu", merged_into="Cà Mau"), _p("Bắc Ninh"), _p("Bến Tre", merged_into="Vĩnh Long"),
    _p("Bình Định", merged_into="Gia Lai"), _p("Bình Dương", merged_into="TP. Hồ Chí Minh"),
    _p("Bình Phước", merged_into="Đồng Nai"), _p("Bình Thuận", merged_into="Lâm Đồng"), _p("Cà Mau"),
    _p("Cao Bằng"), _p("Đắk Lắk", "Đắc Lắc", "Đăk Lăk", "Đắk Lăk", "Đăk Lắk", "Daklak"),
    _p("Đắk Nông", "Đăk Nông", "Đắc Nông", merged_into="Lâm Đồng"), _p("Điện Biên"), _p("Đồng Nai"),
    _p("Đồng Tháp"), _p("Gia Lai"), _p("Hà Giang", merged_into="Tuyên Quang"), _p("Hà Nam", merged_into="Ninh Bình"),
    _p("Hà Tĩnh"), _p("Hải Dương", merged_into="Hải Phòng"), _p("Hậu Giang", merged_into="Cần Thơ"),
    _p("Hòa Bình", "Hoà Bình", merged_into="Phú Thọ"), _p("Hưng Yên"), _p("Khánh Hòa", "Khánh Hoà"),
    _p("Kiên Giang", merged_into="An Giang"), _p("Kon Tum", "Kontum", merged_into="Quảng Ngãi"), _p("Lai Châu"),
    _p("Lâm Đồng"), _p("Lạng Sơn"), _p("Lào Cai"), _p("Long An", merged_into="Tây Ninh"),
    _p("Nam Định", merged_into="Ninh Bình"), _p("Nghệ An"), _p("Ninh Bình"),
    _p("Ninh Thuận", merged_into="Khánh Hòa"), _p("Phú Thọ"), _p("Phú Yên", merged_into="Đắk Lắk"),
    _p("Quảng Bình", merged_into="Quảng Trị"), _p("Quảng Nam", merged_into="Đà Nẵng"), _p("Quảng Ngãi"),
    _p("Quảng Ninh"), _p("Quảng Trị"), _p("Sóc Trăng", merged_into="Cần Thơ"), _p("Sơn La"), _p("Tây Ninh"),
    _p("Thái Bình", merged_into="Hưng Yên"), _p("Thái Nguyên"), _p("Thanh Hóa", "Thanh Hoá"),
    _p("Tiền Giang", merged_into="Đồng Tháp"), _p("Trà Vinh", merged_into="Vĩnh Long"), _p("Tuyên Quang"),
    _p("Vĩnh Long"), _p("Vĩnh Phúc", merged_into="Phú Thọ"), _p("Yên Bái", merged_into="Lào Cai"),
)


def _letters(s: str) -> str:
    return re.sub(r"[\W_]+", "", s.lower())


@lru_cache(maxsize=1)
def _accented_forms() -> frozenset[str]:
    return frozenset(_letters(f) for p in PROVINCES for f in (p.name, *p.variants))


@lru_cache(maxsize=1)
def _matcher() -> tuple[re.Pattern[str], dict[str, Province]]:
    by_form: dict[str, Province] = {}
    for p in PROVINCES:
        for form in (p.name, *p.variants):
            by_form[_key(fold(form))] = p
    # Longest forms first so "ba ria - vung tau" wins over "vung tau"; separators between syllables are free.
    forms = sorted(by_form, key=len, reverse=True)
    alts = "|".join(r"[\s.\-–]*".join(re.escape(w) for w in f.split() if w not in "-") for f in forms)
    return re.compile(rf"(?<!\w)(?:{alts})(?!\w)"), by_form


def _key(matched: str) -> str:
    return " ".join(re.sub(r"\s*[-–]\s*", " - ", matched).replace(".", ". ").split())


def find_provinces(text: str) -> list[tuple[Province, int, int]]:
    """Provinces named in `text`, with their (start, end) spans, in order of appearance."""
    pattern, by_form = _matcher()
    folded = fold(text)
    out = []
    for m in pattern.finditer(folded):
        p = by_form.get(_key(m.group()))
        if p is None:  # separators differ from the listed form: fall back to letters only
            p = next((q for f, q in by_form.items() if _letters(f) == _letters(m.group())), None)
        surface = text[m.start() : m.end()]
        # Accented text must match an accented form: "lòng an" folds to "long an" but is not Long An.
        if p is not None and (not has_diacritics(surface) or _letters(surface) in _accented_forms()):
            out.append((p, m.start(), m.end()))
    return out
