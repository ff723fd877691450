"""Inspection records: each extraction pattern on sentences and short articles written for the test (Vietnamese
with and without diacritics, English), and the seeds' complete records."""

import pytest
from conftest import SEEDS

from rag.facts import extract_facts, extract_records
from rag.vn.gazetteer import SUBCOMMITTEE
from rag.vn.legal import find_legal_refs


def one(text, **kw):
    [rec] = extract_records(text, "d", "/a.txt", **kw)
    spans = [rec.team_span, rec.body_span, rec.province_span, rec.date_span, rec.year_span]
    spans += [p.span for p in rec.people] + [p.sentence for p in rec.people] + [u.span for u in rec.units]
    for span in spans + [r.span for r in rec.legal]:
        assert span is None or text[span.start : span.end] == span.text
    return rec


def roles(rec):
    return {(p.role, p.name) for p in rec.people}


# --- teams and bodies -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, team, body",
    [
        (
            "Chiều 3/5, Đoàn kiểm tra số 7 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương làm việc tại Bắc Ninh.",
            7,
            SUBCOMMITTEE,
        ),
        ("Đoàn Kiểm tra số 01 thuộc Tiểu ban Bảo vệ chính trị nội bộ Trung ương đến Lạng Sơn.", 1, SUBCOMMITTEE),
        (
            "Đoàn kiểm tra, giám sát số 15 của Bộ Chính trị, Ban Bí thư làm việc với Tỉnh ủy Gia Lai.",
            15,
            "Bộ Chính trị, Ban Bí thư",
        ),
        (
            "Đoàn kiểm tra số 3 của Ủy ban Kiểm tra Tỉnh ủy Nghệ An làm việc với Huyện ủy Nam Đàn.",
            3,
            "Ủy ban Kiểm tra Tỉnh ủy Nghệ An",
        ),
        ("Đoàn kiểm tra số 2 làm việc tại Sơn La.", 2, None),
    ],
)
def test_team_number_and_issuing_body(text, team, body):
    rec = one(text)
    assert (rec.team, rec.body) == (team, body)


# --- people -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Đoàn kiểm tra số 6 do đồng chí Hoàng Văn Nam, Thứ trưởng Bộ Công an làm trưởng đoàn đã làm việc tại Hà Giang.",
            {("leader", "Hoàng Văn Nam")},
        ),
        (
            "Đoàn kiểm tra số 6 làm việc tại Hà Giang. Trưởng đoàn là đồng chí Vũ Thị Lan, Phó Chủ nhiệm Ủy ban Kiểm tra Trung ương.",
            {("leader", "Vũ Thị Lan")},
        ),
        ("Đoàn kiểm tra số 6 do ông Đỗ Quang Huy dẫn đầu đã làm việc tại Hà Giang.", {("leader", "Đỗ Quang Huy")}),
        (
            "Đoàn kiểm tra số 6 làm việc tại Hà Giang; ông Bùi Đức Long, Phó Tổng Thanh tra Chính phủ làm Phó Trưởng đoàn.",
            {("deputy", "Bùi Đức Long")},
        ),
        (
            "Tham dự có đồng chí Trịnh Văn Sơn, Bí thư Tỉnh ủy Hà Giang. Đoàn kiểm tra số 6 làm việc tại Ban Thường vụ Tỉnh ủy Hà Giang.",
            {("host", "Trịnh Văn Sơn")},
        ),
        (
            "Đoàn kiểm tra số 6 làm việc tại Hà Giang. Tại buổi làm việc, đại diện Đoàn kiểm tra, Vụ trưởng Vụ Địa phương Lê Thị Mai đã công bố quyết định thành lập Đoàn.",
            {("announcer", "Lê Thị Mai")},
        ),
    ],
)
def test_people_with_roles_in_several_phrasings(text, expected):
    assert roles(one(text)) == expected


def test_role_named_before_the_person_with_a_comma():
    rec = one(
        "Chiều 12/6, Đoàn kiểm tra số 2 làm việc với Ban Thường vụ Tỉnh ủy Phú Thọ. Trưởng Đoàn kiểm tra số 2, đồng chí "
        "Lê Minh Hưng, Bí thư Trung ương Đảng, Trưởng Ban Tổ chức Trung ương phát biểu chỉ đạo."
    )
    [leader] = rec.person("leader")
    assert (leader.name, leader.titles) == ("Lê Minh Hưng", "Bí thư Trung ương Đảng, Trưởng Ban Tổ chức Trung ương")


def test_minority_names_of_five_words():
    rec = one(
        "Tiếp Đoàn có đồng chí Y Thanh Hà Niê Kđăm, Bí thư Tỉnh ủy Đắk Lắk. Sáng 8/5, Đoàn kiểm tra số 7 làm việc "
        "tại Ban Thường vụ Tỉnh ủy Đắk Lắk."
    )
    assert roles(rec) == {("host", "Y Thanh Hà Niê Kđăm")}


def test_two_teams_in_one_article_with_the_body_after_the_list():
    recs = extract_records(
        "Đoàn kiểm tra số 5 và Đoàn kiểm tra số 6 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương lần "
        "lượt làm việc tại Bình Định và Phú Yên. Đoàn kiểm tra số 6 do ông Hồ Văn Niên làm trưởng đoàn.",
        "d",
        "x",
    )
    assert [(r.team, r.body) for r in recs] == [(5, SUBCOMMITTEE), (6, SUBCOMMITTEE)]
    assert roles(recs[1]) == {("leader", "Hồ Văn Niên")} and roles(recs[0]) == set()


def test_titles_are_kept_and_a_national_assembly_delegation_head_is_not_a_leader():
    rec = one(
        "Đoàn kiểm tra số 6 do đồng chí Hoàng Văn Nam, Ủy viên Trung ương Đảng, Thứ trưởng Bộ Công an làm trưởng đoàn "
        "làm việc tại Hà Giang. Dự buổi làm việc có ông Lò Văn Tư, Phó Bí thư Tỉnh ủy, Trưởng đoàn Đại biểu Quốc hội tỉnh Hà Giang."
    )
    assert rec.person("leader")[0].titles == "Ủy viên Trung ương Đảng, Thứ trưởng Bộ Công an"
    assert [p.name for p in rec.person("leader")] == ["Hoàng Văn Nam"]
    assert [p.name for p in rec.person("host")] == ["Lò Văn Tư"]


# --- units, province, dates -------------------------------------------------------------------------------------
def test_inspected_units_and_canonical_province():
    rec = one(
        "Ngày 5/6, Đoàn kiểm tra số 8 sẽ kiểm tra tại Ban Thường vụ Tỉnh ủy Đăk Lăk, Đảng ủy Công an tỉnh, "
        "Huyện ủy Krông Búk và Thành ủy Buôn Ma Thuột."
    )
    assert [u.name for u in rec.units] == [
        "Ban Thường vụ Tỉnh ủy Đăk Lăk",
        "Đảng ủy Công an tỉnh",
        "Huyện ủy Krông Búk",
        "Thành ủy Buôn Ma Thuột",
    ]
    assert rec.province == "Đắk Lắk"


def test_a_ministry_party_committee_stays_a_unit_without_province():
    rec = one("Đoàn kiểm tra số 12 làm việc với Ban Cán sự đảng Bộ Công Thương về công tác bảo vệ chính trị nội bộ.")
    assert [u.name for u in rec.units] == ["Ban Cán sự đảng Bộ Công Thương"] and rec.province is None


@pytest.mark.parametrize(
    "text, date, year, source",
    [
        ("Chiều nay (2/11), Đoàn kiểm tra số 5 làm việc tại Bến Tre.", "--11-02", None, None),
        (
            "Sáng 10/4, Đoàn kiểm tra số 5 làm việc tại Bến Tre trong chương trình kiểm tra năm 2024.",
            "2024-04-10",
            2024,
            "text",
        ),
        ("Ngày 17-4-2024, Đoàn kiểm tra số 5 làm việc tại Bến Tre.", "2024-04-17", 2024, "date"),
        ("Từ 09/8 đến 11/8/2023, Đoàn kiểm tra số 5 làm việc tại Bến Tre.", "2023-08-09", 2023, "date"),
    ],
)
def test_dates_and_years_never_invented(text, date, year, source):
    rec = one(text)
    assert (rec.date, rec.year, rec.year_source) == (date, year, source)


def test_year_from_metadata_when_the_text_has_none():
    rec = one("Ngày 24/4, Đoàn kiểm tra số 4 làm việc tại Đắk Lắk.", metadata_date="2024-04-25")
    assert (rec.date, rec.year_source) == ("2024-04-24", "metadata")


# --- legal references ---------------------------------------------------------------------------------------------
def test_legal_references_canonical_codes_dates_titles():
    text = (
        "Căn cứ Quy định số 58-QĐ/TW ngày 8/2/2022 của Bộ Chính trị “Một số vấn đề bảo vệ chính trị nội bộ Đảng”, "
        "Kết luận 21-KL/TW và Sắc lệnh số 58-QD/TW; Chỉ thị số 28-CT/TU; Kế hoạch số 12."
    )
    refs = find_legal_refs(text)
    assert [(r.kind, r.number, r.code) for r in refs] == [
        ("Quy định", 58, "58-QĐ/TW"),
        ("Kết luận", 21, "21-KL/TW"),
        ("Quy định", 58, "58-QĐ/TW"),
        ("Chỉ thị", 28, "28-CT/TU"),
        ("Kế hoạch", 12, None),
    ]
    assert refs[0].date == "2022-02-08" and refs[0].title == "Một số vấn đề bảo vệ chính trị nội bộ Đảng"
    assert [r.number for r in find_legal_refs("Quy định 158-QĐ/TW")] == [158]


# --- the seeds ------------------------------------------------------------------------------------------------------
def test_seed_records_complete():
    t0 = (SEEDS / "000_b584f524cb46930b.txt").read_text(encoding="utf-8")
    [r] = extract_records(t0, "a", "000")
    assert (r.team, r.body, r.province, r.date, r.year) == (5, SUBCOMMITTEE, "Trà Vinh", "--11-02", None)
    assert roles(r) >= {
        ("leader", "Nguyễn Quang Dương"),
        ("host", "Ngô Chí Cường"),
        ("host", "Kim Ngọc Thái"),
        ("host", "Lâm Minh Đặng"),
    }
    assert not any(p.role in ("deputy", "announcer") for p in r.people)
    assert [u.name for u in r.units] == ["Ban Thường vụ Tỉnh ủy Trà Vinh"]
    assert [x.code for x in r.legal] == ["58-QĐ/TW", "21-KL/TW"] and r.legal[0].date == "2022-02-08"
    assert [x.code for x in r.basis] == ["58-QĐ/TW"]  # what is inspected; 21-KL/TW is in the province's report

    t1 = (SEEDS / "001_cb98ca3c559514ce.txt").read_text(encoding="utf-8")
    [r] = extract_records(t1, "b", "001")
    assert (r.team, r.body, r.province, r.date, r.year) == (4, SUBCOMMITTEE, "Đắk Lắk", "2024-04-24", 2024)
    assert roles(r) == {("deputy", "Lê Hải Bình"), ("announcer", "Nguyễn Văn Định"), ("host", "Nguyễn Đình Trung")}
    assert [u.name for u in r.units] == [
        "Ban Thường vụ Tỉnh ủy Đắk Lắk",
        "Ban Tổ chức Tỉnh ủy",
        "Đảng ủy Công an tỉnh",
        "Huyện ủy Cư M’Gar",
        "Thành ủy Buôn Ma Thuột",
    ]
    assert [x.code for x in r.legal] == ["28-CT/TU"]
    assert r.basis == []  # the province's own directive; the decision and plan announced have no number


# --- the inspection's basis -----------------------------------------------------------------------------------------
TEAM_9 = (
    "Sáng 5/3/2024, Đoàn kiểm tra số 9 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương làm việc tại Tỉnh ủy Nam Định. "
)


@pytest.mark.parametrize(
    "sentence, basis",
    [
        pytest.param(
            "Bà Hoàng Thu Hà, thành viên Đoàn, công bố Quyết định số 77-QĐ/TBBVCTNB ngày 1/3/2024 của Tiểu ban về việc "
            "thành lập Đoàn kiểm tra và Kế hoạch số 11-KH/ĐKT của Đoàn.",
            ["77-QĐ/TBBVCTNB", "11-KH/ĐKT"],
            id="announced-with-the-plan-listed",
        ),
        pytest.param(
            "Quyết định số 78-QĐ/TBBVCTNB của Tiểu ban về việc thành lập Đoàn kiểm tra được đọc tại hội nghị.",
            ["78-QĐ/TBBVCTNB"],
            id="its-subject-is-the-team",
        ),
        pytest.param(
            "Cuộc kiểm tra được thực hiện theo Kế hoạch số 30-KH/TBBVCTNB ngày 2/1/2024 của Tiểu ban.",
            ["30-KH/TBBVCTNB"],
            id="under-a-plan",
        ),
        pytest.param(
            "Thực hiện Kế hoạch số 31-KH/TBBVCTNB của Tiểu ban, Đoàn làm việc trong ba ngày.",
            ["31-KH/TBBVCTNB"],
            id="thuc-hien-opens-the-sentence",
        ),
        pytest.param(
            "Căn cứ kiểm tra là Quy định số 58-QĐ/TW của Bộ Chính trị và Kế hoạch số 32-KH/TBBVCTNB của Tiểu ban.",
            ["58-QĐ/TW", "32-KH/TBBVCTNB"],
            id="can-cu-with-a-list",
        ),
        pytest.param(
            "Nội dung kiểm tra gồm việc thực hiện Quy định số 58-QĐ/TW; đặc biệt là Quy định số 50-QĐ/TW về quy "
            "hoạch cán bộ; công tác cán bộ theo tinh thần Nghị quyết số 18-NQ/TW.",
            ["58-QĐ/TW", "50-QĐ/TW"],
            id="content-items-not-a-passing-mention",
        ),
        pytest.param(
            "Noi dung kiem tra tap trung vao viec lanh dao, chi dao thuc hien Quy dinh so 58-QD/TW cua Bo Chinh tri.",
            ["58-QĐ/TW"],
            id="unaccented",
        ),
        pytest.param(
            "Báo cáo cho biết Ban Thường vụ Tỉnh ủy đã ban hành Chỉ thị số 12-CT/TU về công tác này và chỉ đạo thực "
            "hiện nghiêm Kết luận số 21-KL/TW.",
            [],
            id="the-province-report-is-no-basis",
        ),
        pytest.param(
            "Tỉnh ủy đã thực hiện tốt Quy định số 58-QĐ/TW; Kết luận số 21-KL/TW được quán triệt sâu rộng.",
            [],
            id="no-team-no-inspection-named",
        ),
        pytest.param(
            "The team's deputy head announced Decision No. 79-QD/TBBVCTNB of the Sub-committee on the establishment of "
            "the team. The team will examine how the Standing Board has implemented Regulation No. 58-QD/TW.",
            ["79-QĐ/TBBVCTNB", "58-QĐ/TW"],
            id="english",
        ),
    ],
)
def test_the_basis_is_what_the_team_works_under_not_every_reference(sentence, basis):
    rec = one(TEAM_9 + sentence)
    assert [x.code for x in rec.basis] == basis
    assert {x.code for x in rec.basis} <= {x.code for x in rec.legal}  # every reference stays in `legal`
    for x in rec.basis:
        assert (TEAM_9 + sentence)[x.span.start : x.span.end] == x.span.text


def test_the_basis_is_a_record_field_stored_and_read_back():
    from rag.facts import InspectionRecord, record_rows

    rec = one(TEAM_9 + "Bà Hà công bố Quyết định số 77-QĐ/TBBVCTNB của Tiểu ban về việc thành lập Đoàn kiểm tra.")
    again = InspectionRecord.from_dict(rec.to_dict())
    assert [x.code for x in again.basis] == ["77-QĐ/TBBVCTNB"]
    old = {k: v for k, v in rec.to_dict().items() if k != "basis"}  # stored by extractor 3, before the field
    assert InspectionRecord.from_dict(old).basis == []
    [row] = record_rows([rec])
    assert (row["basis"], row["legal"]) == ("Quyết định số 77-QĐ/TBBVCTNB", "77-QĐ/TBBVCTNB")


# --- what the first version missed -----------------------------------------------------------------------------------
def records(text, **kw):
    recs = extract_records(text, "d", "/a.txt", **kw)
    for rec in recs:
        spans = [rec.team_span, rec.body_span, rec.province_span, rec.date_span, rec.year_span, rec.venue_span]
        spans += [p.span for p in rec.people] + [p.sentence for p in rec.people] + [u.span for u in rec.units]
        for span in spans + [r.span for r in rec.legal]:
            assert span is None or text[span.start : span.end] == span.text
    return recs


def test_a_ministry_is_the_unit_and_the_venue_is_not_the_province():
    [rec] = records(
        "Sáng 2/10, tại Hà Nội, Đoàn kiểm tra số 11 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương do đồng "
        "chí Lê Quang Huy, Phó Trưởng ban Tổ chức Trung ương, làm Trưởng đoàn đã làm việc với Ban Cán sự đảng "
        "Bộ Y tế. Đoàn sẽ làm việc trực tiếp với Đảng ủy Bộ Y tế và Vụ Tổ chức cán bộ."
    )
    assert rec.units[0].key == "org:Bộ Y tế" and rec.province is None and rec.venue == "Hà Nội"
    assert roles(rec) >= {("leader", "Lê Quang Huy")}


@pytest.mark.parametrize(
    "unit, key",
    [
        ("Ban Thường vụ Đảng ủy Quân khu 7", "org:Quân khu 7"),
        ("Đảng ủy Tập đoàn Dầu khí Việt Nam (Petrovietnam)", "org:Tập đoàn Dầu khí Việt Nam"),
        ("Ban cán sự đảng Viện kiểm sát nhân dân tối cao", "org:Viện kiểm sát nhân dân tối cao"),
        ("Ban Thường vụ Huyện ủy Cam Lộ", "local:cam lo"),
        ("Đảng ủy Tổng công ty Khí Việt Nam", "local:tong cong ty khi viet nam"),
    ],
)
def test_units_of_every_kind(unit, key):
    [rec] = records(
        f"Ngày 4/6/2025, Đoàn kiểm tra số 3 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương đã làm việc với {unit}."
    )
    assert rec.units[0].key == key


def test_another_bodys_unnumbered_team_beside_a_numbered_one_is_its_own_event():
    recs = records(
        "Ngày 14/10/2025, Đoàn kiểm tra số 6 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương làm việc với Đảng ủy Bộ Y "
        "tế. Theo kế hoạch, Đoàn kiểm tra Đảng ủy Bệnh viện Bạch Mai.\n\nCũng trong ngày 14/10, Đoàn giám sát của Ủy "
        "ban Thường vụ Quốc hội do đồng chí Trần Văn Khải, Phó Chủ tịch Quốc hội làm Trưởng đoàn làm việc tại Sóc "
        "Trăng."
    )
    assert [(r.team, r.body, r.kind) for r in recs] == [
        (6, SUBCOMMITTEE, "kiểm tra"),  # "Đoàn kiểm tra Đảng ủy …" inspects; it is no team of that committee
        (None, "Ủy ban Thường vụ Quốc hội", "giám sát"),
    ]
    assert roles(recs[1]) == {("leader", "Trần Văn Khải")} and recs[1].province == "Sóc Trăng"


def test_a_unit_name_ends_before_a_verb():
    [rec] = records(
        "Ngày 4/6/2025, Đoàn kiểm tra số 3 của Tiểu ban đã làm việc với Đảng ủy Khu kinh tế Vân Phong thành lập "
        "năm 2006."
    )
    assert [u.name for u in rec.units] == ["Đảng ủy Khu kinh tế Vân Phong"]


def test_an_unnumbered_team_and_a_four_digit_number():
    [rec] = records(
        "Ngày 8/5/2025, Đoàn kiểm tra của Tiểu ban Bảo vệ chính trị nội bộ Trung ương do đồng chí Hoàng Văn "
        "Thanh làm Trưởng đoàn đã làm việc với Ban cán sự đảng Bộ Tư pháp."
    )
    assert rec.team is None and rec.body == SUBCOMMITTEE and roles(rec) == {("leader", "Hoàng Văn Thanh")}
    [rec] = records("Chiều 9/1/2026, Đoàn kiểm tra, giám sát số 2104 của Bộ Chính trị làm việc với Tỉnh ủy Nghệ An.")
    assert (rec.team, rec.body, rec.kind) == (2104, "Bộ Chính trị", "kiểm tra, giám sát")


@pytest.mark.parametrize(
    "text, role, name",
    [
        (
            "Đoàn kiểm tra số 4 của Tiểu ban do Trung tướng Phạm Văn Lực, Phó Chủ nhiệm Tổng cục Chính trị, dẫn đầu đã làm việc "
            "tại Kon Tum.",
            "leader",
            "Phạm Văn Lực",
        ),
        (
            "Đoàn kiểm tra số 4 của Tiểu ban, đứng đầu là đồng chí Vũ Thị Hằng, Phó Trưởng ban Dân vận Trung ương, đã làm việc "
            "tại Kon Tum.",
            "leader",
            "Vũ Thị Hằng",
        ),
        (
            "Đoàn kiểm tra số 4 làm việc tại Kon Tum. Thiếu tướng Đinh Công Sơn, Phó Tư lệnh Quân khu 5, Trưởng đoàn chủ trì "
            "buổi làm việc.",
            "chair",
            "Đinh Công Sơn",
        ),
        (
            "Đoàn kiểm tra số 4 làm việc tại Kon Tum. Buổi làm việc do Phó Trưởng đoàn Trần Minh Khôi chủ trì.",
            "chair",
            "Trần Minh Khôi",
        ),
        (
            "Đoàn kiểm tra số 4 làm việc tại Kon Tum. Đồng chí Ngô Thanh Bình, Vụ trưởng Vụ Địa phương II, Ban Tổ chức Trung "
            "ương, Thư ký Đoàn, phổ biến kế hoạch, lịch kiểm tra.",
            "announcer",
            "Ngô Thanh Bình",
        ),
        (
            "Đoàn kiểm tra số 4 làm việc tại Kon Tum. Quyết định thành lập Đoàn được đồng chí Mai Văn Tùng, Phó Cục trưởng, "
            "công bố.",
            "announcer",
            "Mai Văn Tùng",
        ),
        (
            "Đoàn kiểm tra số 4 làm việc tại Kon Tum. Thừa ủy quyền của Trưởng đoàn, đồng chí Lò Thị Mai, Phó Vụ trưởng, đọc "
            "Quyết định số 90-QĐ/TBBVCTNB.",
            "announcer",
            "Lò Thị Mai",
        ),
        (  # titles set off by dashes
            "Đoàn kiểm tra số 6 của Tiểu ban do đồng chí Lê Hải Bình – Ủy viên Trung ương Đảng, Phó Trưởng Ban Tuyên "
            "giáo Trung ương – làm Trưởng đoàn đã làm việc tại Cà Mau.",
            "leader",
            "Lê Hải Bình",
        ),
        (
            "Đoàn kiểm tra số 6 làm việc tại Cà Mau. Đồng chí Lê Hải Bình và đồng chí Hồ Thị Lan – Bí thư Tỉnh ủy Cà Mau "
            "– đồng chủ trì hội nghị.",
            "chair",
            "Hồ Thị Lan",
        ),
        (
            "Đoàn kiểm tra số 6 làm việc tại Cà Mau. Đồng chí Lê Hải Bình và đồng chí Hồ Thị Lan – Bí thư Tỉnh ủy Cà Mau "
            "– đồng chủ trì hội nghị.",
            "chair",
            "Lê Hải Bình",
        ),
    ],
)
def test_roles_in_more_phrasings(text, role, name):
    [rec] = records(text)
    assert (role, name) in roles(rec)


def test_the_leader_named_by_title_first_and_by_name_later():
    [rec] = records(
        "Chiều 3/6/2024, Đoàn kiểm tra số 8 của Tiểu ban do đồng chí Phó Trưởng ban Nội chính Trung ương làm "
        "Trưởng đoàn đã làm việc với Ban Thường vụ Tỉnh ủy Hòa Bình.\n\nPhát biểu tại hội nghị, Trưởng đoàn, "
        "Phó Trưởng ban Nội chính Trung ương Đặng Văn Dũng đề nghị tỉnh chuẩn bị hồ sơ."
    )
    assert [p.name for p in rec.person("leader")] == ["Đặng Văn Dũng"]


def test_acting_for_the_head_is_not_being_the_head():
    [rec] = records(
        "Đoàn kiểm tra số 8 làm việc tại Hòa Bình. Thừa ủy quyền của Trưởng đoàn, đồng chí Tạ Văn Hòa, Phó Cục "
        "trưởng, đã công bố quyết định kiểm tra."
    )
    assert ("leader", "Tạ Văn Hòa") not in roles(rec) and ("announcer", "Tạ Văn Hòa") in roles(rec)


def test_two_deputies_in_one_sentence():
    [rec] = records(
        "Đoàn kiểm tra số 8 làm việc tại Hòa Bình. Hai Phó Trưởng đoàn là đồng chí Lục Văn Hải, Cục trưởng Cục "
        "A, và Thiếu tướng Nông Văn Tư, Phó Cục trưởng Cục B."
    )
    assert {p.name for p in rec.person("deputy")} == {"Lục Văn Hải", "Nông Văn Tư"}


def test_a_host_next_to_the_leader_is_not_a_leader():
    [rec] = records(
        "Chiều 5/3/2025, Đoàn kiểm tra số 6 của Tiểu ban do đồng chí Nguyễn Hữu Đông làm Trưởng đoàn làm việc "
        "với Ban Thường vụ Tỉnh ủy Quảng Ninh. Tiếp đoàn có Bí thư Tỉnh ủy Quảng Ninh Vũ Đại Thắng."
    )
    assert rec.person("leader")[0].name == "Nguyễn Hữu Đông" and ("host", "Vũ Đại Thắng") in roles(rec)
    assert not any(p.name.startswith("Ninh") for p in rec.people)


@pytest.mark.parametrize(
    "lead, date, end",
    [
        ("Hôm nay (9/7), Đoàn kiểm tra số 2", "2024-07-09", None),
        ("Chiều qua (30-6), Đoàn kiểm tra số 2", "2024-06-30", None),
        ("Từ ngày 15 đến 17/7/2024, Đoàn kiểm tra số 2", "2024-07-15", "2024-07-17"),
        ("Trong hai ngày 8 và 9/7/2024, Đoàn kiểm tra số 2", "2024-07-08", "2024-07-09"),
    ],
)
def test_relative_dates_and_ranges_take_the_publication_year(lead, date, end):
    [rec] = records(f"{lead} của Tiểu ban làm việc tại Sơn La.", metadata_date="2024-07-10")
    assert (rec.date, rec.date_end) == (date, end)


def test_the_schedule_stated_apart_gives_the_end_of_the_period():
    text = (
        "Sáng 3/3, Đoàn kiểm tra số 2 làm việc tại Sơn La. Theo kế hoạch, Đoàn làm việc từ ngày 3/3 đến ngày 14/3/2026."
    )
    [rec] = records(text, metadata_date="2026-03-03")
    assert (rec.date, rec.date_end, rec.date_end_span.text) == (
        "2026-03-03",
        "2026-03-14",
        "từ ngày 3/3 đến ngày 14/3/2026",
    )
    [rec] = records("Sáng 3/3, Đoàn kiểm tra số 2 làm việc tại Sơn La. Từ ngày 5/3 đến 8/3, Đoàn làm việc ở Mộc Châu.")
    assert rec.date_end is None  # another period is no end of this one


def test_ranks_before_names_are_kept():
    [rec] = records(
        "Đoàn kiểm tra số 9 do Trung tướng Lê Văn An, Phó Chủ nhiệm Tổng cục Chính trị làm Trưởng đoàn làm việc với "
        "Đảng ủy Quân chủng Hải quân. Tiếp Đoàn có Phó Đô đốc Trần Minh Quân, Chính ủy Quân chủng."
    )
    assert {(p.name, p.rank) for p in rec.people} >= {("Lê Văn An", "Trung tướng"), ("Trần Minh Quân", "Phó Đô đốc")}


def test_a_publication_date_in_january_puts_a_december_meeting_in_the_year_before():
    [rec] = records("Sáng 29/12, Đoàn kiểm tra số 2 làm việc tại Sơn La.", metadata_date="2025-01-03")
    assert rec.date == "2024-12-29"


def test_english_report():
    text = (
        "Hanoi (VNA) – Inspection team No. 4 of the Central Sub-committee for Internal Political Protection, led by "
        "Vo Van Minh, member of the Party Central Committee, on May 7 worked with the Standing Board of the Binh "
        "Duong provincial Party Committee. Le Thi Hoa, deputy director of the Department, and deputy head of the "
        "team, announced Decision No. 61-QD/TBBVCTNB dated April 20, 2025. The team was received by Tran Van Nam, "
        "Secretary of the Binh Duong provincial Party Committee."
    )
    [rec] = records(text, metadata_date="2025-05-07")
    assert (rec.team, rec.body, rec.province, rec.date, rec.language) == (
        4,
        SUBCOMMITTEE,
        "Bình Dương",
        "2025-05-07",
        "en",
    )
    assert roles(rec) >= {
        ("leader", "Vo Van Minh"),
        ("deputy", "Le Thi Hoa"),
        ("announcer", "Le Thi Hoa"),
        ("host", "Tran Van Nam"),
    }
    assert [r.code for r in rec.legal] == ["61-QĐ/TBBVCTNB"]


def test_english_roles_before_names_and_a_list_of_units_that_ends_at_a_person():
    text = (
        "Hue (VNA) – Inspection Team No. 2 of the Central Sub-committee for Internal Political Protection on March 3 "
        "began its work in Hue city. At a working session with the Standing Board of the municipal Party Committee, "
        "Pham Thi Thu, a division head at the Department of Internal Political Protection, announced the decision. "
        "Deputy head of the team Vu Quoc Dat, deputy director of the Department, presented the plan."
    )
    [rec] = records(text, metadata_date="2026-03-03")
    assert [u.name for u in rec.units] == ["Standing Board of the municipal Party Committee"]
    assert roles(rec) >= {("announcer", "Pham Thi Thu"), ("deputy", "Vu Quoc Dat")}
    assert rec.person("announcer")[0].titles.startswith("a division head at the Department")


def test_an_article_typed_without_diacritics():
    [rec] = records(
        "Ngay 2/4/2025, Doan kiem tra so 9 cua Tieu ban Bao ve chinh tri noi bo Trung uong do dong chi Tran "
        "Quoc Viet, Pho Truong ban To chuc Trung uong lam Truong doan da lam viec voi Ban Thuong vu Tinh uy "
        "Ha Giang. Dong chi Be Thi Lan, Pho Cuc truong, thanh vien Doan, da cong bo quyet dinh kiem tra."
    )
    assert (rec.team, rec.body, rec.province, rec.date) == (9, SUBCOMMITTEE, "Hà Giang", "2025-04-02")
    assert roles(rec) >= {("leader", "Tran Quoc Viet"), ("announcer", "Be Thi Lan")}


def test_another_bodys_team_a_recalled_team_and_related_links():
    text = (
        "Ngày 10/11/2024, Đoàn kiểm tra số 1 của Ban Thường vụ Tỉnh ủy Yên Bái do đồng chí Giàng Thị Dung làm Trưởng "
        "đoàn đã làm việc với Ban Thường vụ Huyện ủy Lục Yên về công tác bảo vệ chính trị nội bộ.\n\nTrước đó, sau đợt "
        "kiểm tra của Đoàn kiểm tra số 4 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương tại tỉnh, Tỉnh ủy đã chỉ đạo "
        "rút kinh nghiệm.\n\nXem thêm:\n\n- Đoàn kiểm tra số 12 làm việc tại Lào Cai"
    )
    [rec] = records(text)
    assert (rec.team, rec.body, rec.topic, rec.province) == (1, "Ban Thường vụ Tỉnh ủy Yên Bái", True, "Yên Bái")
    assert rec.units[0].key == "local:luc yen"


def test_a_local_steering_committee_team_and_related_links_after_the_byline():
    text = (
        "Ngày 2/6/2025, Đoàn kiểm tra số 2 của Ban Chỉ đạo phòng, chống tham nhũng, lãng phí, tiêu cực tỉnh Nghệ An do "
        "đồng chí Hồ Văn Tám, Trưởng Ban Nội chính Tỉnh ủy, Phó Trưởng Ban Chỉ đạo, làm Trưởng đoàn đã làm việc với "
        "Đảng ủy xã Diễn Châu.\n\nThu Hà\n\nTin liên quan\n\n- Đoàn kiểm tra số 8 của Tiểu ban Bảo vệ chính trị nội bộ "
        "Trung ương làm việc tại Nghệ An"
    )
    [rec] = records(text)  # the related link is no event of this article
    assert (rec.team, rec.body) == (2, "Ban Chỉ đạo phòng, chống tham nhũng, lãng phí, tiêu cực tỉnh Nghệ An")
    assert roles(rec) >= {("leader", "Hồ Văn Tám")}  # "Ban Chỉ đạo" in a title is no verb ("chỉ đạo")


def test_english_who_chaired_and_a_company_among_units():
    text = (
        "Hanoi (VNA) – Inspection Team No. 5 of the Central Sub-committee for Internal Political Protection on May 4 "
        "worked with the Party Committee of Vietnam Electricity. Besides the Standing Board, it will directly inspect "
        "the Party Committee of the National Power Transmission Corporation and the Hanoi Power Company. Chairman of "
        "the Board of Members Dang Quoc Vinh, who chaired the meeting, pledged support."
    )
    [rec] = records(text, metadata_date="2025-05-04")
    assert "Hanoi Power Company" in [u.name for u in rec.units]
    assert ("chair", "Dang Quoc Vinh") in roles(rec)


def test_stage_of_the_meeting():
    [draft] = records(
        "Chiều 4/12/2024, Đoàn kiểm tra số 5 làm việc với Ban Thường vụ Tỉnh ủy Gia Lai để thông qua dự thảo "
        "báo cáo kết quả kiểm tra."
    )
    [results] = records(
        "Ngày 20/1/2025, Đoàn kiểm tra số 5 tổ chức hội nghị thông báo kết quả kiểm tra đối với Ban Thường "
        "vụ Tỉnh ủy Gia Lai."
    )
    assert (draft.stage, results.stage) == ("draft", "results")


def test_the_province_an_article_says_it_belongs_to_now():
    [rec] = records(
        "Ngày 5/5/2024, Đoàn kiểm tra số 3 làm việc với Ban Thường vụ Tỉnh ủy Quảng Nam (nay là thành phố Đà Nẵng)."
    )
    assert (rec.province, rec.province_now) == ("Quảng Nam", "Đà Nẵng")


def test_two_teams_on_the_same_day_share_the_lead_and_date():
    text = (
        "Ngày 6/9/2024, hai đoàn kiểm tra của Tiểu ban Bảo vệ chính trị nội bộ Trung ương làm việc tại Yên Bái và Lào "
        "Cai.\n\nTại Yên Bái, Đoàn kiểm tra số 3 do đồng chí Hà Văn Bình làm Trưởng đoàn làm việc với Ban Thường vụ Tỉnh "
        "ủy Yên Bái.\n\nCùng ngày, Đoàn kiểm tra số 10 do đồng chí Vương Thị Lan làm Trưởng đoàn làm việc với Ban "
        "Thường vụ Tỉnh ủy Lào Cai."
    )
    a, b = records(text)
    assert [(r.team, r.province, r.date, r.body) for r in (a, b)] == [
        (3, "Yên Bái", "2024-09-06", SUBCOMMITTEE),
        (10, "Lào Cai", "2024-09-06", SUBCOMMITTEE),
    ]
    assert roles(a) == {("leader", "Hà Văn Bình")} and roles(b) == {("leader", "Vương Thị Lan")}


def test_article_facts_keep_every_legal_reference_and_person():
    facts = extract_facts(
        "Quy định số 58-QĐ/TW ngày 28/2/2022 thay thế Quy định số 57-QĐ/TW ngày 3/5/2007. Ông Lê Văn "
        "Hòa, Cục trưởng Cục Bảo vệ chính trị nội bộ, cho biết.",
        "d",
        "/a.txt",
    )
    assert facts.events == [] and [r.code for r in facts.legal] == ["58-QĐ/TW", "57-QĐ/TW"]
    assert [(p.name, p.titles) for p in facts.people] == [("Lê Văn Hòa", "Cục trưởng Cục Bảo vệ chính trị nội bộ")]


def test_more_phrasings_found_on_unseen_reports():
    [rec] = records(
        "Sáng nay (2/10), Đoàn thanh tra của Thanh tra Chính phủ do ông Lý Quang Hào, Phó Cục trưởng Cục Thanh "
        "tra, giải quyết khiếu nại khu vực II, làm Trưởng đoàn đã công bố quyết định tại UBND tỉnh Bạc Liêu. "
        "Tiếp đoàn có Thiếu tướng Ông Văn Bảy, Chỉ huy trưởng.",
        metadata_date="2024-10-02",
    )
    assert ("leader", "Lý Quang Hào") in roles(rec) and ("host", "Ông Văn Bảy") in roles(rec)
    [rec] = records(
        "Ngày 4/3/2025, Đoàn kiểm tra số 6 làm việc với Đảng ủy Tập đoàn Hóa chất Việt Nam. Đoàn sẽ kiểm tra "
        "Đảng ủy Tổng công ty Phân bón (PVFCCo) và Đảng ủy Công ty Cao su Đồng Nai."
    )
    assert [u.name for u in rec.units][-2:] == ["Đảng ủy Tổng công ty Phân bón", "Đảng ủy Công ty Cao su Đồng Nai"]
    [rec] = records(
        "Hue (VNA) – Inspection team No. 8 of the Central Sub-committee for Internal Political Protection on "
        "June 3 held a working session with the Standing Board of the Hue municipal Party Committee. The city "
        "side was led by Le Truong Luu, Secretary of the municipal Party Committee.",
        metadata_date="2025-06-03",
    )
    assert rec.units[0].key == "prov:Huế" and roles(rec) == {("host", "Le Truong Luu")}


def test_who_issued_a_legal_reference():
    refs = find_legal_refs(
        "theo Quyết định số 77/QĐ-TTCP ngày 1/3/2024 của Tổng Thanh tra Chính phủ về việc thanh tra; "
        "Kế hoạch số 3-KH/TU của Ban Thường vụ Tỉnh ủy Bạc Liêu."
    )
    assert [r.issuer for r in refs] == ["Tổng Thanh tra Chính phủ", "Ban Thường vụ Tỉnh ủy Bạc Liêu"]


def test_facts_of_a_megabyte_on_one_line_are_read_whole():
    # the shape of a dump, not of an article: one line, one endless "sentence" of clauses (no capital after a dot)
    lead = (
        "Ngày 12/3/2024, Đoàn kiểm tra số 4 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương do đồng chí Trần Văn "
        "Hùng, Thứ trưởng Bộ Công an làm Trưởng đoàn đã làm việc với Ban Thường vụ Tỉnh ủy Nghệ An. "
    )
    filler = "kiểm tra việc lãnh đạo, chỉ đạo, tổ chức thực hiện công tác cán bộ; theo Quy định số 58-QĐ/TW, "
    text = lead + filler * (1_000_000 // len(filler))
    facts = extract_facts(text, "d", "/dump.txt")
    [rec] = facts.events
    assert (rec.team, rec.body, rec.province) == (4, SUBCOMMITTEE, "Nghệ An")
    assert roles(rec) == {("leader", "Trần Văn Hùng")}
    spans = [rec.team_span, rec.body_span, rec.province_span] + [r.span for r in facts.legal]
    spans += [p.span for p in facts.people] + [p.sentence for p in facts.people]
    assert all(text[s.start : s.end] == s.text for s in spans)
    assert len(facts.legal) == 1_000_000 // len(filler)  # every reference, to the end of the megabyte


def test_roles_on_reports_with_long_title_chains_dashes_and_other_wordings():
    # the role ends a long chain of titles after the name
    rec = one(
        "Chiều 3/3, Đoàn kiểm tra số 7 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương làm việc với Ban Thường vụ "
        "Tỉnh ủy Yên Bái. Phát biểu kết luận, đồng chí Đặng Văn Tâm, Ủy viên Trung ương Đảng, Phó Trưởng ban Nội "
        "chính Trung ương, Trưởng Ban Chỉ đạo cải cách tư pháp, Trưởng Đoàn Kiểm tra nhấn mạnh yêu cầu bảo mật."
    )
    [head] = rec.person("leader")
    assert head.name == "Đặng Văn Tâm" and head.name in head.sentence.text
    # titles set off by dashes, closed or not
    for text in (
        "Chiều 3/3, Đoàn kiểm tra số 7 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương do đồng chí Phùng Văn Lộc – "
        "Ủy viên Trung ương Đảng, Thứ trưởng Bộ Nội vụ – làm Trưởng đoàn đã làm việc với Tỉnh ủy Yên Bái.",
        "Chiều 3/3, Đoàn kiểm tra số 7 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương làm việc với Tỉnh ủy Yên Bái. "
        "Trưởng đoàn - đồng chí Phùng Văn Lộc - Ủy viên Trung ương Đảng, Thứ trưởng Bộ Nội vụ phát biểu.",
    ):
        [head] = one(text).person("leader")
        assert (head.name, head.titles) == ("Phùng Văn Lộc", "Ủy viên Trung ương Đảng, Thứ trưởng Bộ Nội vụ")
    # another body's head ("làm Trưởng đoàn thanh tra")
    rec = one(
        "Ngày 5/6, Đoàn thanh tra của Thanh tra Chính phủ do ông Vương Đình Hải, Phó Vụ trưởng Vụ III, làm Trưởng "
        "đoàn thanh tra đã công bố quyết định thanh tra tại UBND tỉnh Bình Định."
    )
    assert rec.body == "Thanh tra Chính phủ" and roles(rec) >= {("leader", "Vương Đình Hải")}
    # "X … làm Trưởng Đoàn kiểm tra số 3 của …": the team is numbered in the role itself
    rec = one(
        "Ngày 9/9/2024, đồng chí Lâm Văn Mẫn, Bí thư Tỉnh ủy Sóc Trăng, làm Trưởng Đoàn kiểm tra số 3 của Ban "
        "Thường vụ Tỉnh ủy làm việc với Huyện ủy Mỹ Xuyên."
    )
    assert rec.team == 3 and roles(rec) == {("leader", "Lâm Văn Mẫn")}
    # English "presided over"; the results read out ("đọc thông báo kết luận")
    rec = one(
        "Binh Dinh (VNA) - Inspection team No. 3 of the Central Sub-committee for Internal Political Protection "
        "worked with the Standing Board of the Binh Dinh provincial Party Committee on June 5. Nguyen Van Hung, "
        "Deputy Head of the Central Organisation Commission, presided over the meeting."
    )
    assert roles(rec) == {("chair", "Nguyen Van Hung")}
    rec = one(
        "Ngày 9/9/2024, Đoàn kiểm tra số 3 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương thông báo kết luận "
        "kiểm tra tại Bình Định. Bà Tôn Thị Lan, Vụ trưởng, thành viên Đoàn, đọc thông báo kết luận."
    )
    assert ("announcer", "Tôn Thị Lan") in roles(rec)


def test_a_steering_committee_35_team_and_its_head():
    rec = one(
        "Ngày 2/4/2024, Đoàn kiểm tra số 5 của Ban Chỉ đạo Trung ương về bảo vệ nền tảng tư tưởng của Đảng (Ban "
        "Chỉ đạo 35 Trung ương) do đồng chí Hạ Văn Tùng, Phó Trưởng Ban Tuyên giáo Trung ương làm Trưởng đoàn đã "
        "làm việc với Ban Thường vụ Tỉnh ủy Bắc Ninh. Tiếp đoàn có đồng chí Lê Văn Hòa, Trưởng Ban Chỉ đạo 35 tỉnh."
    )
    assert rec.body == "Ban Chỉ đạo 35 Trung ương" and ("leader", "Hạ Văn Tùng") in roles(rec)


def test_a_team_recalled_from_an_earlier_year_starts_no_event():
    recs = extract_records(
        "Chiều 9/7, Đoàn kiểm tra của Ủy ban Kiểm tra Trung ương do đồng chí Lò Văn Pín làm Trưởng đoàn làm việc với "
        "Ban Thường vụ Tỉnh ủy Ninh Bình. Tỉnh cho biết, năm 2023 Ban Thường vụ Tỉnh ủy đã được Đoàn kiểm tra số 3 "
        "của Tiểu ban Bảo vệ chính trị nội bộ Trung ương kiểm tra.",
        "d",
        "/a.txt",
        metadata_date="2024-07-09",
    )
    assert [(r.team, r.body) for r in recs] == [(None, "Ủy ban Kiểm tra Trung ương")]
