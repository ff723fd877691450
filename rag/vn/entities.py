"""People, titles, teams and counts in Vietnamese (accented or not) and English news text.

    names     "đồng chí Nguyễn Quang Dương", "Thượng tướng Triệu Quang Hiển", "Y Thanh Hà Niê Kđăm", "Phung Ba Thuoc",
              "Senior Lieutenant General Han Dinh Khoi" — 2-5 capitalized words opening with a family name, never
              inside a place or unit ("Bí thư Tỉnh ủy Quảng Ninh Nguyễn Thành Tâm" names Nguyễn Thành Tâm)
    titles    the comma-separated chain after (or before) a name: ", Ủy viên Trung ương Đảng, Thứ trưởng Bộ Công an"
    teams     "Đoàn kiểm tra số 5", "Đoàn Kiểm tra số 01", "Đoàn kiểm tra, giám sát số 1927", "Đoàn công tác số 3",
              "đoàn công tác thứ hai", "Đoàn thanh tra", "Inspection team No. 9", "team 5"
    counts    "10 cấp ủy", "5 đoàn kiểm tra", "45 ngày", "hơn 3.200 trường hợp"

Patterns run on the folded copy where that makes them robust to missing diacritics; folded offsets equal original
offsets (see `text.fold`), so every hit maps back to an exact span of the original.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .gazetteer import find_bodies, find_provinces, find_units
from .text import fold, has_diacritics

__all__ = [
    "person_names",
    "is_family_name",
    "TeamMention",
    "find_teams",
    "team_numbers",
    "team_number_spans",
    "PLACE_WORDS",
    "titles_after",
    "title_chain",
    "titles_before",
    "RANKS",
    "rank_before",
    "TITLE_WORDS",
    "find_counts",
    "NUMBER_WORDS",
]

# Vietnamese family names, enough to anchor a name; minority names (Y, H', Ksor...) included. Accented text must
# match them accented ("Trưởng" is a title, "Trương" a name); unaccented text (and English) matches them folded.
_SURNAMES = frozenset(
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Kim Lâm Đinh Trương Tô Mai Đào Cao Hà "
    "Tạ Lương Đoàn Trịnh Chu Thái Triệu Tống Quách Lưu Châu Nông Lò Y H Ksor Rmah Siu Niê Mạc La Khuất Văn Thạch "
    "Sơn Danh Lại Giang Vương Tăng Âu Lữ Diệp Kiều Tiêu Quan Đàm Hứa Phùng Lã Đồng Hoa Ninh Khổng Từ Viên Nghiêm "
    "Khúc Mẫn Tiết Ôn Thiều Bạch Lều Lục Khương Hầu Ứng Cấn Chử Mã Yên Bàn Nhan Hàn Đậu Bế Ngọ Cù Trầm Nhâm Cầm "
    "Lường Doãn Phí Lạc Thân Giáp Quản Ngụy Nguỵ Vi Điêu Sầm Tôn Trình Bạc Chế Chung Cung Kha Lỗ Luân Mông Nhữ "
    "Thang Thiệu Tòng Vòng Xa Đới Đèo Bì Dư Đái Ma Hồng Hạ "
    # H'Mông, Dao and Central Highlands family names (not those that fold to common syllables: Tẩn "tan", Quàng
    # "quang", which unaccented text needs as place and given names)
    "Giàng Sùng Thào Lầu Vàng Chảo Hờ Cháng Rơ Kpă Puih".split()
)
_SURNAMES_FOLDED = frozenset(fold(s) for s in _SURNAMES)
RANKS = (
    "Đại tướng",
    "Thượng tướng",
    "Trung tướng",
    "Thiếu tướng",
    "Đại tá",
    "Thượng tá",
    "Trung tá",
    "Thiếu tá",
    "Đô đốc",
    "Phó Đô đốc",
    "Chuẩn Đô đốc",
    "General",
    "Colonel General",
    "Admiral",
    "Vice Admiral",
    "Rear Admiral",
    "Senior Lieutenant General",
    "Lieutenant General",
    "Major General",
    "Senior Colonel",
    "Colonel",
)
_RANK_BEFORE = re.compile(rf"\b({'|'.join(sorted((fold(r) for r in RANKS), key=len, reverse=True))})\s+$")
_WORD = re.compile(r"[^\W\d_][\w’']*", re.UNICODE)


def rank_before(text: str, start: int) -> str:
    """The military or police rank right before a name at `start` ("Thượng tướng Hà Đình Quyết"), or ""."""
    m = _RANK_BEFORE.search(fold(text[max(0, start - 30) : start]))
    return text[max(0, start - 30) + m.start(1) : max(0, start - 30) + m.end(1)] if m else ""


# "Ông" is "Mr." unless it cannot be: after a rank or "đồng chí", or before the middle name "Thị" ("Ông Thị Mai")
_HONORIFIC_SURNAMES = frozenset({"Ông"})
_SURNAME_NOT_HONORIFIC = re.compile(r"(?:tướng|tá|tuong|ta|đồng chí|dong chi)\s+$", re.I)


def _is_surname(word: str, accented: bool) -> bool:
    return word in _SURNAMES if accented else fold(word) in _SURNAMES_FOLDED


def is_family_name(word: str) -> bool:
    """A Vietnamese family name, typed with or without diacritics or capitals ("Trương", "truong")."""
    return _is_surname(word[:1].upper() + word[1:], has_diacritics(word))


# Two capitalized words right after these are a place or a unit's owner ("TP Cao Lãnh", "Huyện ủy Lục Nam"); a
# person has three or more there ("Bí thư Tỉnh ủy Thái Doãn Kiên", "Phó Chủ tịch UBND tỉnh Châu Hồng Phúc").
PLACE_WORDS = (
    r"(?:tp\.?|thanh pho|tinh|huyen|quan|thi xa|xa|phuong|thi tran|khu|cum|song|nui|duong|pho|city of|province of)"
)
_PLACE_BEFORE = re.compile(rf"\b(?:{PLACE_WORDS}|tinh uy|thanh uy|huyen uy|quan uy|thi uy|dang uy)\s+$")
# Capitalized phrases that are units or titles, not names, in text typed without diacritics ("Ban Thuong vu").
_NOT_NAME = re.compile(
    r"doan\s+(?:kiem tra|thanh tra|cong tac|giam sat)\b|ha long\b|"  # (Hạ Long, a city; Hạ a family name)
    r"(?:ban|tieu ban|uy ban|dang uy|tinh uy|thanh uy|bo|cuc|vu|so|tong cuc|hoc vien)\s+"
    r"(?:thuong vu|to chuc|tuyen giao|dan van|noi chinh|kinh te|doi ngoai|chap hanh|can su|bi thu|"
    r"chi dao|bao ve|kiem tra|chinh tri|cong an|quoc phong|ngoai giao|noi vu|tai chinh)\b"
)


# A name does not start in the middle of a capitalized run ("Buôn Ma Thuột" is a city), except after these.
_PREV_WORD = re.compile(r"([^\W\d_]\w*) $")
_BEFORE_NAME_OK = frozenset(
    "general colonel secretary director minister chairman chairwoman president dr mr mrs ms "
    "ts gs pgs ths bs ks commissar commander ong ba "
    # English titles end a run of capitals: "Chairman of the Board of Members Trieu Quang Vinh"
    "members member head governor chief officer official leader admiral inspector".split()
)


def person_names(text: str) -> list[tuple[int, int]]:
    """Spans of 2-5 capitalized words starting with a family name, outside places and units. In text typed with
    diacritics the family name must be spelled with them ("Ban" is not "Bàn")."""
    accented = has_diacritics(text)
    masked = [(a, b) for finder in (find_provinces, find_units, find_bodies) for _, a, b in finder(text)]
    words = [(m.start(), m.end()) for m in _WORD.finditer(text) if not any(a <= m.start() < b for a, b in masked)]
    folded = fold(text)
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        a, b = words[i]
        prev = _PREV_WORD.search(text, max(0, a - 40), a)  # the word just before (a window: linear in the text)
        mid_run = (
            prev is not None
            and prev.group(1)[0].isupper()
            and prev.group(1)[1:].islower()
            and not any(p <= prev.start(1) < q for p, q in masked)
            and fold(prev.group(1)) not in _BEFORE_NAME_OK
        )
        surname = (
            _is_surname(text[a:b], accented)
            or text[a:b] in _HONORIFIC_SURNAMES
            and bool(_SURNAME_NOT_HONORIFIC.search(text, max(0, a - 30), a) or re.match(r" Th[ịi] [A-ZÀ-ỸĐ]", text[b:]))
        )
        if text[a].isupper() and surname and not _NOT_NAME.match(folded, a) and not mid_run:
            j = i + 1
            # next words must be capitalized and separated by a single space
            while (
                j < len(words)
                and j - i < 5
                and text[words[j][0]].isupper()
                and text[words[j - 1][1] : words[j][0]] == " "
            ):
                j += 1
            if j - i >= (3 if _PLACE_BEFORE.search(folded[max(0, a - 20) : a]) else 2):
                out.append((a, words[j - 1][1]))
            if j - i >= 2:
                i = j
                continue
        i += 1
    return out


# --- titles -----------------------------------------------------------------------------------------------------
# Words a title opens with (folded), Vietnamese and English: "Ủy viên …", "Phó Trưởng ban …", "Thứ trưởng …",
# "member of …", "Deputy Head of …". A comma-separated chain of such items after a name is that person's titles.
TITLE_WORDS = (
    "uy vien",
    "pho",
    "bi thu",
    "chu tich",
    "truong",
    "tong",
    "giam doc",
    "tinh uy vien",
    "thanh uy vien",
    "thu truong",
    "bo truong",
    "cuc truong",
    "vu truong",
    "vien truong",
    "chanh",
    "chinh uy",
    "tu lenh",
    "thu ky",
    "thanh vien",
    "to truong",
    "chu nhiem",
    "tham muu truong",
    "dai bieu",
    "dai tuong",
    "thuong tuong",
    "trung tuong",
    "thieu tuong",
    "dai ta",
    "thuong ta",
    "trung ta",
    "thieu ta",
    "dai dien",
    "can bo",
    "chuyen vien",
    "nguyen",
    "member",
    "deputy",
    "head",
    "secretary",
    "chairman",
    "chairwoman",
    "president",
    "director",
    "minister",
    "vice",
    "standing",
    "chief",
    "general",
    "colonel",
    "senior",
    "major",
    "lieutenant",
    "permanent",
    "division",
    "governor",
    "commander",
    "inspector",
    "official",
    "officer",
    "expert",
    "political commissar",
    "commander",
)
# English titles may open with an article: "Nghiem Thi Yen, a division head at the Department …"
_TITLE_START = re.compile(rf"(?:(?:a|an|the)\s+)?(?:{'|'.join(sorted(TITLE_WORDS, key=len, reverse=True))})\b")
# on the text itself: "Đảng" and "Văn" are no verbs; "và các đồng chí …", "cùng lãnh đạo …" start other people
_AUX = re.compile(
    r"\s(?:đã|sẽ|đang|cũng|vẫn|vừa|thì|da|se)\s|\s+(?:và|cùng|va|cung)\s+(?:các|cac|lãnh đạo|lanh dao|đại diện|dai "
    r"dien)\b"
    r"|\s+(?:và|va|and)\s+(?=(?:đồng chí|ông|bà|dong chi|ong|ba|Đại|Thượng|Trung|Thiếu|Dai|Thuong|Thieu)\s)"
)
_TITLE_STOP = re.compile(  # on folded text, where "Giám đốc" reads "giam doc" ("đọc" = reads)
    r"(?<!\bgiam)\s+(?:lam|la|dan dau|dung dau|phat bieu|tiep|bao cao|chu tri|cong bo|doc|"
    r"thong qua|pho bien|trinh bay|nhan manh|de nghi|cho biet|khang dinh|ghi nhan|bay to|"
    r"tiep thu|cam ket|danh gia|yeu cau|(?<!\bban )chi dao|luu y|cam on|thong nhat|ket luan|huong dan|"
    r"thay mat|tham du|chuc mung|"
    r"led|headed|announced|said|chaired|presented|received|stressed|noted|asked|pledged|"
    r"on|worked|was|is)\b"
)


# " – <titles> – ": a dash with spaces around it on both sides, no sentence end between
_DASHED = re.compile(r"\s+[–—-]\s+([^–—;.:]{3,300}?)\s+[–—-]\s+")
_SEP, _FIRST_SEP = re.compile(r", "), re.compile(r", |\s+[–—-]\s+")


def titles_after(text: str, end: int, limit: int) -> str:
    """Appositive titles after a name: ', Ủy viên Trung ương Đảng, Phó Trưởng ban ...' up to a verb or ; . :"""
    return title_chain(text, end, limit)[0]


def title_chain(text: str, end: int, limit: int) -> tuple[str, int]:
    """(the titles after a name, where they end in the text; `end` when there are none). The titles may also be set
    off by dashes: "X – Ủy viên Trung ương Đảng, Phó Trưởng ban … – làm Trưởng đoàn" (the end is after the second).
    Reads text[end - 16 : limit + 16] only (patterns look a few characters around), so a caller may pass a whole
    article once per name."""
    lo = max(0, end - 16)
    titles, stop = _title_chain(text[lo : limit + 16], end - lo, limit - lo)
    return titles, lo + stop


def _title_chain(text: str, end: int, limit: int) -> tuple[str, int]:
    folded = fold(text)
    dashed = _DASHED.match(text, end, limit)
    if dashed and _TITLE_START.match(folded, dashed.start(1)):
        items = [i.strip() for i in dashed.group(1).split(",")]
        return ", ".join(i for i in items if i), dashed.end() - (len(dashed.group()) - len(dashed.group().rstrip()))
    items = []
    pos = end
    stop_at = end
    # ", <title>, <title> …"; the first may open with a dash alone: "X – Ủy viên …, Thứ trưởng … phát biểu"
    while pos < limit and (sep := (_SEP if pos > end else _FIRST_SEP).match(text, pos)):
        joined = re.compile(r"(?:và|and)\s+").match(text, sep.end())  # ", and deputy head of the team"
        if joined and re.match(
            r"(?:đồng chí|ông|bà|dong chi|ong|ba|Đại|Thượng|Trung|Thiếu|Dai|Thuong|Thieu)\s",
            text[joined.end() : joined.end() + 12],
            re.I,
        ):
            break  # ", và Thiếu tướng Y …": another person
        m = re.compile(r"(?:[^,;.:()]|\([^()]*\))+").match(text, joined.end() if joined else sep.end(), limit)
        if not m or not (_TITLE_START.match(folded, m.start()) or text[m.start()].isupper() and sep.group() == ", "):
            break
        cuts = [
            c.start()
            for c in (_TITLE_STOP.search(folded, m.start(), m.end()), _AUX.search(text, m.start(), m.end()))
            if c
        ]
        cut = min(cuts) if cuts else None
        item_end = cut if cut is not None else m.end()
        items.append(text[m.start() : item_end])
        stop_at = item_end - (len(items[-1]) - len(items[-1].rstrip()))
        if cut:
            break
        pos = m.end()
    return ", ".join(i.strip() for i in items if i.strip()), stop_at


def titles_before(text: str, start: int, floor: int) -> str:
    """Titles right before a name: 'Phó Cục trưởng Cục Bảo vệ ... (Ban Tổ chức Trung ương) Nguyễn Văn Định',
    'Ủy viên Trung ương Đảng, Bí thư Tỉnh ủy, Chủ tịch HĐND tỉnh Kiên Giang Lâm Quốc Thạnh' (the whole chain)."""
    seg = text[floor:start]
    cut = max(seg.rfind(";"), seg.rfind(":"))
    items = [i.strip() for i in (seg[cut + 1 :] if cut >= 0 else seg).split(",")]
    kept: list[str] = []
    for item in reversed(items):
        if item and _TITLE_START.match(fold(item)) and item[0].isupper():
            kept.insert(0, item)
            continue
        # the chain's first item may follow an introduction: "Về phía tỉnh có Ủy viên Trung ương Đảng"
        m = re.search(r"\s(?=[A-ZÀ-ỸĐ])", item)
        while m and not _TITLE_START.match(fold(item[m.end() :])):
            m = re.compile(r"\s(?=[A-ZÀ-ỸĐ])").search(item, m.end())
        if m and kept is not None and item[m.end() :]:
            kept.insert(0, item[m.end() :])
        break
    return ", ".join(kept) if kept and kept[-1] == items[-1] else ""


# --- teams ---------------------------------------------------------------------------------------------------------
NUMBER_WORDS = {
    "mot": 1,
    "hai": 2,
    "ba": 3,
    "bon": 4,
    "tu": 4,
    "nam": 5,
    "sau": 6,
    "bay": 7,
    "tam": 8,
    "chin": 9,
    "muoi": 10,
    "nhat": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
_ORDINAL = r"(?:nhat|hai|ba|tu|nam|sau|bay|tam|chin|muoi)"
_TEAM = re.compile(
    rf"\bdoan\s+(kiem tra(?:,?\s+giam sat)?|giam sat|cong tac|thanh tra)?\s*(?:(?:so|thu)\s+0*(\d{{1,4}}|"
    rf"{_ORDINAL})\b)?"
    rf"|\b(?:(inspection(?: and supervision)?|supervision|working|inspectorate)\s+)?team\s*(?:(?:no\.?|number|"
    rf"#)\s*0*(\d{{1,4}})\b)?"
)


@dataclass(frozen=True)
class TeamMention:
    kind: str  # folded: "kiem tra", "kiem tra, giam sat", "cong tac", "thanh tra", "inspection", "" (bare "Đoàn")
    number: int | None
    start: int
    end: int


def find_teams(text: str) -> list[TeamMention]:
    """Mentions of teams, numbered or not, in order. A bare "Đoàn"/"team" counts only with a number."""
    out = []
    for m in _TEAM.finditer(fold(text)):
        kind = m.group(1) if m.group(1) is not None else (m.group(3) or "")
        raw = m.group(2) or m.group(4)
        number = None if raw is None else int(raw) if raw.isdigit() else NUMBER_WORDS.get(raw)
        if number is None and not kind:
            continue
        end = m.end() if number is not None else m.start() + len(m.group().rstrip())
        out.append(TeamMention(re.sub(r"\s+", " ", kind.replace(",", ",")), number, m.start(), end))
    return out


_QUESTION_TEAM = re.compile(
    r"\b(?:doan|team)\b[^.?!;]{0,30}?\b(?:so|no\.?|number|#)\s*0*(\d{1,4})\b"
    r"|\bteam\s+0*(\d{1,4})\b(?!\s*(?:members?|people))"
)


def team_number_spans(text: str) -> list[tuple[int, int, int]]:
    """(number, start, end) of each team number a question names, the span being the number's own digits:
    'Đoàn kiểm tra số 05' -> [(5, 18, 20)]; 'team no. 4', 'team 10' too."""
    folded = fold(text)
    out = [
        (int(m.group(1) or m.group(2)), m.start(1) if m.group(1) else m.start(2), m.end())
        for m in _QUESTION_TEAM.finditer(folded)
    ]
    for t in find_teams(text):
        digits = re.search(r"\d+$", folded[t.start : t.end])
        if t.number is not None and digits and not any(a <= t.start + digits.start() < b for _, a, b in out):
            out.append((t.number, t.start + digits.start(), t.end))
    return sorted(out, key=lambda x: x[1])


def team_numbers(text: str) -> list[int]:
    """Team numbers a question names: 'Đoàn kiểm tra số 05' -> [5]; 'team no. 4', 'team 10' -> [4], [10]."""
    return list(dict.fromkeys(n for n, _, _ in team_number_spans(text)))


# --- counts ----------------------------------------------------------------------------------------------------------
_COUNT = re.compile(rf"(?<![\d/.,-])(\d{{1,3}}(?:[.,]\d{{3}})*|\d+|{'|'.join(NUMBER_WORDS)})\s+([a-z]+(?:\s+[a-z]+)?)")


def find_counts(text: str) -> list[tuple[str, str, int, int]]:
    """(number as written, the folded noun after it, start, end): '10 cấp ủy' -> ('10', 'cap uy', …)."""
    folded = fold(text)
    return [
        (text[m.start(1) : m.end(1)], m.group(2), m.start(), m.end())
        for m in _COUNT.finditer(folded)
        if not (
            m.group(1) in NUMBER_WORDS
            and not re.match(r"\d", m.group(1))
            and m.group(1) in ("nam", "tu", "ba")
            and m.group(2).split()[0] in ("nay", "qua", "truoc", "sau")
        )
    ]
