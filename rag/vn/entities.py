"""Entity spotting in Vietnamese text (accented or not): person names, team numbers, dates, party units.
(Legal references have their own parser in `facts.find_legal_refs`.)

Patterns run on the folded copy where that makes them robust to missing diacritics; folded offsets equal
original offsets (see `text.fold`), so every hit maps back to an exact span of the original.
"""

from __future__ import annotations

import re

from .gazetteer import find_provinces
from .text import fold, has_diacritics

__all__ = ["person_names", "team_numbers", "has_date", "count_units"]

# Common Vietnamese family names, enough to anchor a name; minority names (Y, H', Ksor...) included.
# Accented text must match them accented ("Trưởng" is a title, "Trương" a name); unaccented text folded.
_SURNAMES = frozenset(
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Kim Lâm Đinh Trương Tô Mai Đào Cao Hà "
    "Tạ Lương Đoàn Trịnh Chu Thái Triệu Tống Quách Lưu Châu Nông Lò Y H Ksor Rmah Siu Niê Mạc La Khuất Văn Thạch "
    "Sơn Danh Lại Giang Vương Tăng Âu Lữ Diệp Kiều Tiêu Quan Đàm Hứa Phùng Lã Đồng Hoa Ninh Khổng Từ Viên".split()
)
_SURNAMES_FOLDED = frozenset(fold(s) for s in _SURNAMES)


def _is_surname(word: str) -> bool:
    return word in _SURNAMES if has_diacritics(word) else fold(word) in _SURNAMES_FOLDED
_WORD = re.compile(r"[^\W\d_][\w’']*", re.UNICODE)


def person_names(text: str) -> list[tuple[int, int]]:
    """Spans of 2-5 capitalized words starting with a family name: 'đồng chí Nguyễn Quang Dương, ...',
    'Y Thanh Hà Niê Kđăm'."""
    words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        a, b = words[i]
        if text[a].isupper() and _is_surname(text[a:b]):
            j = i + 1
            # next words must be capitalized and separated by a single space
            while j < len(words) and j - i < 5 and text[words[j][0]].isupper() and text[words[j - 1][1]:words[j][0]] == " ":
                j += 1
            if j - i >= 2:
                span = (a, words[j - 1][1])
                if not find_provinces(text[span[0]:span[1]]):  # "Hà Nội", "Lâm Đồng" are places
                    out.append(span)
                    i = j
                    continue
        i += 1
    return out


_TEAM = re.compile(r"\b(?:doan(?: kiem tra| kiem tra, giam sat| cong tac)?|team)\s+(?:so|no\.?|number|#)\s*0*(\d{1,3})\b"
                   r"|\bteam\s+0*(\d{1,3})\b")


def team_numbers(text: str) -> list[int]:
    """Team numbers named in text: 'Đoàn kiểm tra số 05' -> [5]; 'team no. 4' -> [4]."""
    return [int(m.group(1) or m.group(2)) for m in _TEAM.finditer(fold(text))]


_DATE = re.compile(r"\b\d{1,2}[/-]\d{1,2}(?:[/-]\d{2,4})?\b|\bngay \d{1,2}\b|\bnam (?:19|20)\d\d\b")


def has_date(text: str) -> bool:
    return bool(_DATE.search(fold(text)))


_UNIT = re.compile(r"\b(?:ban thuong vu|huyen uy|thanh uy|quan uy|thi uy|dang uy|tinh uy|ban to chuc|ban can su)\b")


def count_units(text: str) -> int:
    """How many party units ('Huyện ủy Cư M’Gar', 'Đảng ủy Công an tỉnh'...) a sentence names."""
    return len(_UNIT.findall(fold(text)))
