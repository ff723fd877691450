"""Dates in Vietnamese and English news text: one parser for articles and questions alike.

    "Sáng 12/3", "Chiều qua (14-6)", "Hôm nay (27/7)", "ngày 05/9/2023", "Ngày 12-3-2024", "24 tháng 4 năm 2024",
    "từ ngày 10 đến 12/9/2024", "từ 09/8 đến 11/8/2023", "trong hai ngày 3 và 4/11/2025", "10-12/9",
    "on March 6", "November 20, 2025", "6 November 2025"               -> DateRef(day, month, year?, end…)
    "tháng 5/2024", "Tháng 10/2025", "in March 2025"                     -> DateRef(month, year) (a month)
    "năm 2023", "in 2024", "2025 plan"                                   -> years

Patterns run on the folded copy (same offsets as the text), so unaccented text reads the same. A number pair is a
date only when day and month are in range and it is not part of a code ("58-QĐ/TW") or a fraction of a year
("tháng 2/2022" is a month, not 2 February).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .text import fold

__all__ = ["DateRef", "find_dates", "find_months", "find_years", "display_date", "row_date", "shown_date", "MONTHS_EN"]

MONTHS_EN = {
    m: i
    for i, m in enumerate(
        "january february march april may june july august september october november december".split(), 1
    )
}
_MON = "|".join(sorted(list(MONTHS_EN) + [m[:3] for m in MONTHS_EN if len(m) > 3] + ["sept"], key=len, reverse=True))


@dataclass(frozen=True)
class DateRef:
    """A day (`day`/`month`, `year` when stated), a range of days (`end_*`), or a month (`day` None)."""

    day: int | None
    month: int
    year: int | None
    start: int  # span in the text
    end: int
    end_day: int | None = None
    end_month: int | None = None
    end_year: int | None = None

    def with_year(self, year: int | None) -> DateRef:
        """The same date with the year filled where the text left it out (the range's end shares it)."""
        if year is None or self.year is not None:
            return self
        return DateRef(
            self.day,
            self.month,
            year,
            self.start,
            self.end,
            self.end_day,
            self.end_month,
            self.end_year or (year if self.end_day else None),
        )

    @property
    def iso(self) -> str:
        """'2024-03-12', '--03-12' (year unknown), '2024-03' (a month)."""
        y = f"{self.year:04d}" if self.year else "-"
        return f"{y}-{self.month:02d}" if self.day is None else f"{y}-{self.month:02d}-{self.day:02d}"

    @property
    def end_iso(self) -> str | None:
        if self.end_day is None:
            return None
        year = self.end_year or self.year
        return (
            f"{year:04d}-{self.end_month:02d}-{self.end_day:02d}"
            if year
            else f"--{self.end_month:02d}-{self.end_day:02d}"
        )


def _ok(day: int | None, month: int) -> bool:
    return 1 <= month <= 12 and (day is None or 1 <= day <= 31)


def _year(s: str | None) -> int | None:
    return int(s) if s and len(s) == 4 and 1900 <= int(s) <= 2100 else None


_SEP = r"\s*[/.-]\s*"
_DM = rf"(\d{{1,2}}){_SEP}(\d{{1,2}})(?:{_SEP}(\d{{4}}))?"
# ranges first: "từ (ngày) 10 đến (ngày) 12/9/2024", "từ 09/8 đến 11/8/2023", "hai ngày 3 và 4/11/2025", "10-12/9"
_RANGE = re.compile(
    rf"(?:\btu\s+(?:ngay\s+)?|\b(?:hai|2|ba|3)\s+ngay\s+|\bngay\s+)?(\d{{1,2}})(?:{_SEP}(\d{{1,2}}))?(?:{_SEP}(\d{{4}}))?"
    rf"\s*(?:den|toi|va|-|–)\s*(?:het\s+)?(?:ngay\s+)?{_DM}(?![\d/-])"
)
_DAY = re.compile(rf"(?<![\d/.-])(?<!so )(?<!no\. )(?<!no )(?:ngay\s+)?{_DM}(?![\d/]|-[a-z])")
_VI_WORDS = re.compile(
    r"\bngay\s+(\d{1,2})\s+thang\s+(\d{1,2})(?:\s+nam\s+(\d{4}))?"
    r"|(?<!so )(?<!no\. )\b(\d{1,2})\s+thang\s+(\d{1,2})\b(?![/-]\d)(?:\s+nam\s+(\d{4}))?"
)
_EN = re.compile(
    rf"\b(?:({_MON})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?|(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MON})\.?(?:,?\s+(\d{{4}}))?)\b"
)
_MONTH = re.compile(
    rf"\bthang\s+(\d{{1,2}})(?:{_SEP}(\d{{4}})|\s+nam\s+(\d{{4}}))?(?![\d/])|\b(?:in\s+)?({_MON})\.?\s+(\d{{4}})\b"
)
_YEAR = re.compile(
    r"\b(?:nam|in|year|of)\s+((?:19|20)\d\d)\b|\b((?:19|20)\d\d)\s+(?:plan|programme|program|inspection)"
)


def _en_month(name: str) -> int:
    return next(v for k, v in MONTHS_EN.items() if k.startswith(name[:3]))


def find_dates(text: str) -> list[DateRef]:
    """Days and ranges of days in `text`, in order; spans are offsets into `text`."""
    folded = fold(text)
    found: list[DateRef] = []
    taken: list[tuple[int, int]] = []

    def add(ref: DateRef) -> None:
        if not any(a < ref.end and ref.start < b for a, b in taken):
            found.append(ref)
            taken.append((ref.start, ref.end))

    for m in _RANGE.finditer(folded):
        d1, m1, y1, d2, m2, y2 = m.group(1), m.group(2), m.group(3), m.group(4), m.group(5), m.group(6)
        day1, day2, mon2 = int(d1), int(d2), int(m2)
        mon1 = int(m1) if m1 else mon2
        joined = m.group(0)
        if not (_ok(day1, mon1) and _ok(day2, mon2)) or (
            not m1 and not re.search(r"\b(tu|den|toi|va|ngay)\b", joined) and "-" not in joined and "–" not in joined
        ):
            continue
        if not m1 and (day1 >= day2 or day2 - day1 > 15) and "va" not in joined.split():
            continue  # "10-12/9" is a range; "18-10, ..." or "58-QĐ" are not
        year2 = _year(y2)
        add(DateRef(day1, mon1, _year(y1) or year2, m.start(), m.end(), day2, mon2, year2))
    for m in _VI_WORDS.finditer(folded):
        g = m.groups()
        day, month, year = (g[0], g[1], g[2]) if g[0] else (g[3], g[4], g[5])
        if _ok(int(day), int(month)):
            add(DateRef(int(day), int(month), _year(year), m.start(), m.end()))
    for m in _DAY.finditer(folded):
        day, month, year = int(m.group(1)), int(m.group(2)), _year(m.group(3))
        before = folded[max(0, m.start() - 8) : m.start()]
        if not _ok(day, month) or re.search(r"(?:thang|quy)\s*$", before):
            continue  # "tháng 2/2022" is a month
        if m.group(3) is None and re.match(rf"{_SEP}\d", folded[m.end() : m.end() + 3]):
            continue
        add(DateRef(day, month, year, m.start(), m.end()))
    for m in _EN.finditer(folded):
        if m.group(1):
            month, day, year = _en_month(m.group(1)), int(m.group(2)), _year(m.group(3))
        else:
            day, month, year = int(m.group(4)), _en_month(m.group(5)), _year(m.group(6))
        if _ok(day, month) and not (m.group(1) == "may" and not text[m.start()].isupper()):
            add(DateRef(day, month, year, m.start(), m.end()))
    return sorted(found, key=lambda r: r.start)


def find_months(text: str) -> list[DateRef]:
    """Months named with "tháng M(/YYYY)" or "March 2025" (day None)."""
    out = []
    for m in _MONTH.finditer(fold(text)):
        if m.group(1):
            month, year = int(m.group(1)), _year(m.group(2) or m.group(3))
        else:
            month, year = _en_month(m.group(4)), _year(m.group(5))
        if _ok(None, month):
            out.append(DateRef(None, month, year, m.start(), m.end()))
    return out


def find_years(text: str) -> list[tuple[int, int, int]]:
    """(year, start, end) for "năm 2024", "in 2024", "2025 plan"."""
    return [(int(m.group(1) or m.group(2)), m.start(), m.end()) for m in _YEAR.finditer(fold(text))]


_NO_YEAR = ("không rõ năm", "year not stated")
_ISO = re.compile(r"(\d{4}|-)-(\d{2})(?:-(\d{2}))?")  # "2024-04-24", "--11-02" (no year), "2024-04" (a month)


def display_date(iso: str, end_iso: str | None = None, en: bool = False, bracketed: bool = False) -> str:
    """'2024-04-24' -> '24/4/2024'; '--11-02' -> '2/11 (không rõ năm)'; a range -> '10/9 đến 12/9/2024'.
    `bracketed`: the date is written inside brackets already ("Đoàn số 5 (…)"), so an unknown year is said
    without a second pair: '2/11, không rõ năm'."""

    def one(value: str, with_year: bool = True) -> str:
        year, month, day = value[:-6], int(value[-5:-3]), int(value[-2:])
        return f"{day}/{month}/{year}" if year.strip("-") and with_year else f"{day}/{month}"

    if end_iso:
        same_year = iso[:-6] == end_iso[:-6]
        text = f"{one(iso, not same_year)} {'to' if en else 'đến'} {one(end_iso)}"
        year_known = bool(end_iso[:-6].strip("-"))
    else:
        text, year_known = one(iso), bool(iso[:-6].strip("-"))
    if year_known:
        return text
    return f"{text}, {_NO_YEAR[en]}" if bracketed else f"{text} ({_NO_YEAR[en]})"


def row_date(iso: str | None) -> str:
    """A record's date for a CSV row: ISO when its year is known (sortable), else said in words
    ('--11-02' -> '2/11 (không rõ năm)'), never ISO's year-less form; '' when there is none."""
    if not iso:
        return ""
    return iso if iso[:4].isdigit() else display_date(iso)


def shown_date(value: str | None) -> str:
    """Any date the product keeps, as the page shows it (day/month/year), the one place that formats them: a
    record's or a document's ISO date ('2024-04-24' -> '24/4/2024', '--11-02' -> '2/11 (không rõ năm)', a month
    '2024-04' -> '4/2024'); a row's date already in words (`row_date`), or one a file's metadata gave as written
    ('Xuân 2023'), as it is; '' for none."""
    s = value or ""
    m = _ISO.fullmatch(s)
    if not m or (m.group(3) is None and m.group(1) == "-"):
        return s
    return display_date(s) if m.group(3) else f"{int(m.group(2))}/{m.group(1)}"
