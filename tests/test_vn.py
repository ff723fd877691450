"""rag.vn: dates, legal references, places and organizations, names, titles, teams, counts — on sentences written
for these tests (accented, unaccented and English)."""

import pytest

from rag.vn.dates import display_date, find_dates, find_months, find_years, shown_date
from rag.vn.entities import (
    find_counts,
    find_teams,
    person_names,
    team_numbers,
    title_chain,
    titles_after,
    titles_before,
)
from rag.vn.gazetteer import SUBCOMMITTEE, find_bodies, find_provinces, find_units
from rag.vn.legal import asked_legal_kind, find_legal_refs
from rag.vn.text import fold


# --- dates ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, iso, end",
    [
        ("Sáng 7/8, Đoàn đến tỉnh.", "--08-07", None),
        ("Chiều qua (21-5), Đoàn làm việc.", "--05-21", None),
        ("Hôm nay (3/12), đoàn công bố quyết định.", "--12-03", None),
        ("ngày 09/4/2025, tại Hà Nội", "2025-04-09", None),
        ("Ngày 30-6-2024, Đoàn", "2024-06-30", None),
        ("ngày 5 tháng 6 năm 2023", "2023-06-05", None),
        ("từ ngày 2 đến 4/10/2024", "2024-10-02", "2024-10-04"),
        ("từ 28/9 đến 2/10/2025", "2025-09-28", "2025-10-02"),
        ("trong hai ngày 11 và 12/7/2023", "2023-07-11", "2023-07-12"),
        ("kiểm tra 20-22/3", "--03-20", "--03-22"),
        ("tu ngay 15/5 den ngay 30/6/2024", "2024-05-15", "2024-06-30"),
        ("on April 9 the team", "--04-09", None),
        ("dated October 2, 2024", "2024-10-02", None),
        ("signed on 17 June 2025", "2025-06-17", None),
    ],
)
def test_dates_and_ranges(text, iso, end):
    [d] = find_dates(text)
    assert (d.iso, d.end_iso) == (iso, end)


@pytest.mark.parametrize(
    "text",
    [
        "Quy định số 58-QĐ/TW",
        "3.200 trường hợp",
        "tháng 2/2022",
        "Đoàn kiểm tra số 5/2024",
        "May the team",
        "quý III/2024",
    ],
)
def test_not_dates(text):
    assert find_dates(text) == []


def test_months_and_years():
    assert [m.iso for m in find_months("Trong tháng 8/2024 và tháng 11 năm 2023, in March 2025")] == [
        "2024-08",
        "2023-11",
        "2025-03",
    ]
    assert [y for y, _, _ in find_years("Năm 2025, kế hoạch năm 2024; in 2023; the 2022 plan")] == [
        2025,
        2024,
        2023,
        2022,
    ]


def test_display_date():
    assert display_date("2024-04-24") == "24/4/2024"
    assert display_date("--11-02") == "2/11 (không rõ năm)"
    assert display_date("2024-09-10", "2024-09-12") == "10/9 đến 12/9/2024"
    assert display_date("2024-09-10", "2024-09-12", en=True) == "10/9 to 12/9/2024"
    assert display_date("2023-12-30", "2024-01-02") == "30/12/2023 đến 2/1/2024"


def test_a_date_inside_brackets_says_its_unknown_year_without_a_second_pair():
    assert f"Đoàn số 5 ({display_date('--11-02', bracketed=True)})" == "Đoàn số 5 (2/11, không rõ năm)"
    assert display_date("--09-10", "--09-12", en=True, bracketed=True) == "10/9 to 12/9, year not stated"
    assert display_date("2024-04-24", bracketed=True) == "24/4/2024"  # a known year needs nothing


@pytest.mark.parametrize(
    "stored, shown",
    [
        ("2024-04-24", "24/4/2024"),  # a record's or a document's ISO day
        ("--11-02", "2/11 (không rõ năm)"),  # a day whose year the article does not give
        ("2/11 (không rõ năm)", "2/11 (không rõ năm)"),  # a row's date already in words
        ("2024-04", "4/2024"),  # a month
        ("Xuân 2023", "Xuân 2023"),  # as a file's metadata wrote it
        ("", ""),
        (None, ""),
    ],
)
def test_shown_date_writes_every_stored_date_day_month_year(stored, shown):
    assert shown_date(stored) == shown


# --- legal references ----------------------------------------------------------------------------------------------
def test_legal_references_in_vietnamese_english_and_state_style():
    text = (
        "Theo Quyết định số 77-QĐ/TBBVCTNB ngày 3/4/2025 của Tiểu ban, Kế hoạch số 09-KH/TBBVCTNB và Quy định "
        "58-QĐ/TW “Một số vấn đề bảo vệ chính trị nội bộ Đảng”; Sắc lệnh số 58-QD/TW; Quyết định số 1020/QĐ-TTCP "
        "ngày 5/9/2024. The team read Decision No. 88-QD/TBBVCTNB dated March 3, 2025 under Regulation No. 58-QD/TW."
    )
    refs = find_legal_refs(text)
    assert [(r.kind, r.number, r.code) for r in refs] == [
        ("Quyết định", 77, "77-QĐ/TBBVCTNB"),
        ("Kế hoạch", 9, "09-KH/TBBVCTNB"),
        ("Quy định", 58, "58-QĐ/TW"),
        ("Quy định", 58, "58-QĐ/TW"),
        ("Quyết định", 1020, "1020/QĐ-TTCP"),
        ("Quyết định", 88, "88-QĐ/TBBVCTNB"),
        ("Quy định", 58, "58-QĐ/TW"),
    ]
    assert refs[0].date == "2025-04-03" and refs[2].title == "Một số vấn đề bảo vệ chính trị nội bộ Đảng"
    assert refs[5].date == "2025-03-03" and refs[1].key == "9-KH"
    for r in refs:
        assert text[r.span.start : r.span.end] == r.span.text


def test_whole_numbers_and_team_numbers_are_not_documents():
    assert [r.number for r in find_legal_refs("Quy định 158-QĐ/TW")] == [158]
    assert find_legal_refs("công bố quyết định thành lập Đoàn kiểm tra số 7 của Tiểu ban") == []
    assert [r.number for r in find_legal_refs("quy dinh 57 ve bao ve chinh tri", loose=True)] == [57]


@pytest.mark.parametrize(
    "question, kind",
    [
        ("Đoàn làm việc theo kế hoạch nào?", "Kế hoạch"),
        ("căn cứ chỉ thị nào của Bộ Chính trị", "Chỉ thị"),
        ("quyết định đó là quyết định số mấy", "Quyết định"),
        ("Which regulation did they apply?", "Quy định"),
        ("Under which decision was it set up?", "Quyết định"),
        ("Ai dẫn đầu đoàn?", None),
    ],
)
def test_asked_legal_kind(question, kind):
    assert asked_legal_kind(fold(question)) == kind


# --- places and organizations --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, name",
    [
        ("Ban Cán sự đảng Bộ Y tế", "Bộ Y tế"),
        ("Bộ GD&ĐT", "Bộ Giáo dục và Đào tạo"),
        ("ban can su dang bo giao thong van tai", "Bộ Giao thông vận tải"),
        ("Bộ Giao thông - Vận tải", "Bộ Giao thông vận tải"),
        ("the Ministry of Health's Party Delegation", "Bộ Y tế"),
        ("Đảng ủy Quân khu 7", "Quân khu 7"),
        ("Party Committee of Military Region 4", "Quân khu 4"),
        ("Đảng ủy Tập đoàn Dầu khí Việt Nam", "Tập đoàn Dầu khí Việt Nam"),
        ("Petrovietnam", "Tập đoàn Dầu khí Việt Nam"),
        ("Viện kiểm sát nhân dân tối cao", "Viện kiểm sát nhân dân tối cao"),
        ("the Supreme People's Procuracy", "Viện kiểm sát nhân dân tối cao"),
        ("Bộ Tư lệnh Bộ đội Biên phòng", "Bộ đội Biên phòng"),
        ("the SBV Party Committee", "Ngân hàng Nhà nước Việt Nam"),
        ("Đảng ủy Tổng Liên đoàn Lao động Việt Nam", "Tổng Liên đoàn Lao động Việt Nam"),
        ("Ban Thường vụ Đảng ủy Trung ương Đoàn TNCS Hồ Chí Minh", "Trung ương Đoàn Thanh niên Cộng sản Hồ Chí Minh"),
        ("the Vietnam Women's Union", "Hội Liên hiệp Phụ nữ Việt Nam"),
    ],
)
def test_units_with_short_and_english_forms(text, name):
    assert [o.name for o, _, _ in find_units(text)] == [name]


@pytest.mark.parametrize(
    "text, name",
    [
        ("Đoàn kiểm tra của Tiểu ban Bảo vệ chính trị nội bộ Trung ương", SUBCOMMITTEE),
        ("team No. 2 of the Central Sub-committee for Internal Political Protection", SUBCOMMITTEE),
        ("đoàn của Tiểu ban", SUBCOMMITTEE),
        ("the Politburo's team", "Bộ Chính trị"),
        (
            "Đoàn công tác của Ban Chỉ đạo Trung ương về phòng, chống tham nhũng, tiêu cực",
            "Ban Chỉ đạo Trung ương về phòng, chống tham nhũng, tiêu cực",
        ),
        (
            "doan cong tac ban chi dao trung uong phong chong tham nhung tieu cuc",
            "Ban Chỉ đạo Trung ương về phòng, chống tham nhũng, tiêu cực",
        ),
        ("a Government Inspectorate team", "Thanh tra Chính phủ"),
        ("UBKT Trung ương", "Ủy ban Kiểm tra Trung ương"),
    ],
)
def test_bodies(text, name):
    assert [o.name for o, _, _ in find_bodies(text)] == [name]


def test_a_local_subcommittee_is_not_the_central_one():
    assert find_bodies("Tiểu ban Bảo vệ chính trị nội bộ Tỉnh ủy Hà Giang họp") == []


def test_provinces_and_mergers():
    assert [p.name for p, _, _ in find_provinces("tại tỉnh Hà Giang (nay là tỉnh Tuyên Quang)")] == [
        "Hà Giang",
        "Tuyên Quang",
    ]
    assert [p.merged_into for p, _, _ in find_provinces("Quảng Nam")] == ["Đà Nẵng"]


# --- names, titles, teams, counts --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, names",
    [
        ("Trung tướng Đặng Hồng Quân, Ủy viên Trung ương Đảng", ["Đặng Hồng Quân"]),
        ("Bí thư Tỉnh ủy Quảng Nam Phan Việt Cường tiếp đoàn", ["Phan Việt Cường"]),
        ("Bí thư Tỉnh ủy Hứa Quang Tín khẳng định", ["Hứa Quang Tín"]),
        ("tại TP Long Xuyên, Đoàn", []),
        ("Huyện ủy Cam Lộ và Thành ủy Buôn Ma Thuột", []),
        ("Thiếu tướng Xìu A Páo", []),  # a family name the list lacks: no guess
        ("Đồng chí Sùng A Chớ, Bí thư Huyện ủy", ["Sùng A Chớ"]),  # H'Mông family names
        ("Dự có đồng chí Rơ Châm Hlinh, Phó Bí thư", ["Rơ Châm Hlinh"]),
        ("Đồng chí Ông Văn Tài, Ủy viên", ["Ông Văn Tài"]),  # "Ông" as a family name after "đồng chí" …
        ("Phát biểu tại buổi làm việc, bà Ông Thị Hạnh cho biết", ["Ông Thị Hạnh"]),  # … and before "Thị"
        ("Ông Lê Văn Tâm cho biết", ["Lê Văn Tâm"]),  # … else it is "Mr."
        ("Who led the team in Quang Tri and Tan Uyen?", []),
        (
            "Chairman of the Board of Members Lam Quoc Bao, who",
            ["Lam Quoc Bao"],
        ),  # unaccented: no family name folds to these
        ("do dong chi Lo Van Pha, Uy vien", ["Lo Van Pha"]),
        ("Ban Thuong vu Tinh uy Ha Giang", []),
        ("headed by Major General Cao Huu Tai, Director", ["Cao Huu Tai"]),
        ("Đoàn Kiểm tra số 5 và đồng chí Đoàn Thị Mai", ["Đoàn Thị Mai"]),
    ],
)
def test_person_names(text, names):
    assert [text[a:b] for a, b in person_names(text)] == names


def test_titles_after_and_before_a_name():
    t = (
        "đồng chí Vũ Minh Hiền, Phó Vụ trưởng Vụ Địa phương II (Ban Tổ chức Trung ương), thành viên Đoàn, "
        "đọc quyết định."
    )
    assert (
        titles_after(t, t.index(","), len(t))
        == "Phó Vụ trưởng Vụ Địa phương II (Ban Tổ chức Trung ương), thành viên Đoàn"
    )
    t = "Về phía tỉnh có Ủy viên Trung ương Đảng, Bí thư Tỉnh ủy Bùi Văn Nam và các đồng chí"
    assert titles_before(t, t.index("Bùi"), 0) == "Ủy viên Trung ương Đảng, Bí thư Tỉnh ủy"
    t = "Hai Phó Trưởng đoàn là ông Lý Văn Sơn, Cục trưởng Cục A và Thiếu tướng Kiều Văn B, Phó Cục trưởng"
    assert titles_after(t, t.index("Sơn") + 3, len(t)) == "Cục trưởng Cục A"
    t = "do Trung tướng Lê Văn An – Ủy viên Trung ương Đảng, Tư lệnh Quân khu 9 – dẫn đầu"
    assert title_chain(t, t.index(" –"), len(t)) == ("Ủy viên Trung ương Đảng, Tư lệnh Quân khu 9", t.index(" dẫn"))
    t = "Đại tá Lê Văn An, Ủy viên Ban Thường vụ Tỉnh ủy, Giám đốc Công an tỉnh, đọc quyết định"
    assert titles_after(t, t.index(","), len(t)) == "Ủy viên Ban Thường vụ Tỉnh ủy, Giám đốc Công an tỉnh"
    t = "Ông Lê Văn An – người dân xã Tân Hòa – cho biết"  # a dash aside that is no title
    assert titles_after(t, t.index(" –"), len(t)) == ""


@pytest.mark.parametrize(
    "text, kind, number",
    [
        ("Đoàn kiểm tra số 12 của Tiểu ban", "kiem tra", 12),
        ("Đoàn Kiểm tra số 02", "kiem tra", 2),
        ("Đoàn kiểm tra, giám sát số 2031 của Bộ Chính trị", "kiem tra, giam sat", 2031),
        ("Đoàn công tác số 4", "cong tac", 4),
        ("đoàn công tác thứ ba của Tiểu ban", "cong tac", 3),
        ("Đoàn thanh tra của Thanh tra Chính phủ", "thanh tra", None),
        ("Inspection team No. 6 of", "inspection", 6),
    ],
)
def test_team_mentions(text, kind, number):
    [t] = find_teams(text)
    assert (t.kind, t.number) == (kind, number)


def test_team_numbers_in_questions():
    assert team_numbers("doan kiem tra so 08 lam viec o dau") == [8]
    assert team_numbers("When did the Subcommittee's team 11 meet the police?") == [11]
    assert team_numbers("Đoàn giám sát số 7 gồm 9 thành viên") == [7]
    assert team_numbers("How many team members were there?") == []


def test_counts():
    got = [
        (n, noun)
        for n, noun, _, _ in find_counts("Tiểu ban sẽ kiểm tra 14 cấp ủy; đoàn gồm 11 thành viên trong 20 ngày")
    ]
    assert got == [("14", "cap uy"), ("11", "thanh vien"), ("20", "ngay")]


def test_titles_opened_by_a_dash_alone():
    text = (
        "Đồng chí Phùng Văn Lộc - Ủy viên Trung ương Đảng, Thứ trưởng Bộ Nội vụ phát biểu. Ông Lê Văn An - Hà Nội nói."
    )
    assert titles_after(text, text.index(" - "), len(text)) == "Ủy viên Trung ương Đảng, Thứ trưởng Bộ Nội vụ"
    assert titles_after(text, text.index(" - Hà"), len(text)) == ""  # a dash before no title opens none
