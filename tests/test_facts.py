"""Inspection records: each pattern on sentences written for the test, the seeds' complete records, question
parsing, lists, conflicts, another body's team, and the 158-QĐ/TW trap."""

import pytest

from rag import Assistant
from rag.answers.facts import parse_fact_question
from rag.facts import extract_records
from rag.vn.gazetteer import SUBCOMMITTEE
from rag.vn.legal import find_legal_refs
from rag.questions import analyze

from conftest import DATA, SEEDS, HashEmbedding, make_settings


def one(text, **kw):
    [rec] = extract_records(text, "d", "/a.txt", **kw)
    spans = [rec.team_span, rec.body_span, rec.province_span, rec.date_span, rec.year_span]
    spans += [p.span for p in rec.people] + [p.sentence for p in rec.people] + [u.span for u in rec.units]
    for span in spans + [r.span for r in rec.legal]:
        assert span is None or text[span.start:span.end] == span.text
    return rec


def roles(rec):
    return {(p.role, p.name) for p in rec.people}


# --- teams and bodies -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, team, body", [
    ("Chiều 3/5, Đoàn kiểm tra số 7 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương làm việc tại Bắc Ninh.", 7, SUBCOMMITTEE),
    ("Đoàn Kiểm tra số 01 thuộc Tiểu ban Bảo vệ chính trị nội bộ Trung ương đến Lạng Sơn.", 1, SUBCOMMITTEE),
    ("Đoàn kiểm tra, giám sát số 15 của Bộ Chính trị, Ban Bí thư làm việc với Tỉnh ủy Gia Lai.", 15, "Bộ Chính trị, Ban Bí thư"),
    ("Đoàn kiểm tra số 3 của Ủy ban Kiểm tra Tỉnh ủy Nghệ An làm việc với Huyện ủy Nam Đàn.", 3, "Ủy ban Kiểm tra Tỉnh ủy Nghệ An"),
    ("Đoàn kiểm tra số 2 làm việc tại Sơn La.", 2, None),
])
def test_team_number_and_issuing_body(text, team, body):
    rec = one(text)
    assert (rec.team, rec.body) == (team, body)


# --- people -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("Đoàn kiểm tra số 6 do đồng chí Hoàng Văn Nam, Thứ trưởng Bộ Công an làm trưởng đoàn đã làm việc tại Hà Giang.",
     {("leader", "Hoàng Văn Nam")}),
    ("Đoàn kiểm tra số 6 làm việc tại Hà Giang. Trưởng đoàn là đồng chí Vũ Thị Lan, Phó Chủ nhiệm Ủy ban Kiểm tra Trung ương.",
     {("leader", "Vũ Thị Lan")}),
    ("Đoàn kiểm tra số 6 do ông Đỗ Quang Huy dẫn đầu đã làm việc tại Hà Giang.", {("leader", "Đỗ Quang Huy")}),
    ("Đoàn kiểm tra số 6 làm việc tại Hà Giang; ông Bùi Đức Long, Phó Tổng Thanh tra Chính phủ làm Phó Trưởng đoàn.",
     {("deputy", "Bùi Đức Long")}),
    ("Tham dự có đồng chí Trịnh Văn Sơn, Bí thư Tỉnh ủy Hà Giang. Đoàn kiểm tra số 6 làm việc tại Ban Thường vụ Tỉnh ủy Hà Giang.",
     {("host", "Trịnh Văn Sơn")}),
    ("Đoàn kiểm tra số 6 làm việc tại Hà Giang. Tại buổi làm việc, đại diện Đoàn kiểm tra, Vụ trưởng Vụ Địa phương Lê Thị Mai đã công bố quyết định thành lập Đoàn.",
     {("announcer", "Lê Thị Mai")}),
])
def test_people_with_roles_in_several_phrasings(text, expected):
    assert roles(one(text)) == expected


def test_role_named_before_the_person_with_a_comma():
    rec = one("Chiều 12/6, Đoàn kiểm tra số 2 làm việc với Ban Thường vụ Tỉnh ủy Phú Thọ. Trưởng Đoàn kiểm tra số 2, đồng chí "
              "Lê Minh Hưng, Bí thư Trung ương Đảng, Trưởng Ban Tổ chức Trung ương phát biểu chỉ đạo.")
    [leader] = rec.person("leader")
    assert (leader.name, leader.titles) == ("Lê Minh Hưng", "Bí thư Trung ương Đảng, Trưởng Ban Tổ chức Trung ương")


def test_minority_names_of_five_words():
    rec = one("Tiếp Đoàn có đồng chí Y Thanh Hà Niê Kđăm, Bí thư Tỉnh ủy Đắk Lắk. Sáng 8/5, Đoàn kiểm tra số 7 làm việc "
              "tại Ban Thường vụ Tỉnh ủy Đắk Lắk.")
    assert roles(rec) == {("host", "Y Thanh Hà Niê Kđăm")}


def test_two_teams_in_one_article_with_the_body_after_the_list():
    recs = extract_records("Đoàn kiểm tra số 5 và Đoàn kiểm tra số 6 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương lần "
                           "lượt làm việc tại Bình Định và Phú Yên. Đoàn kiểm tra số 6 do ông Hồ Văn Niên làm trưởng đoàn.",
                           "d", "x")
    assert [(r.team, r.body) for r in recs] == [(5, SUBCOMMITTEE), (6, SUBCOMMITTEE)]
    assert roles(recs[1]) == {("leader", "Hồ Văn Niên")} and roles(recs[0]) == set()


def test_titles_are_kept_and_a_national_assembly_delegation_head_is_not_a_leader():
    rec = one("Đoàn kiểm tra số 6 do đồng chí Hoàng Văn Nam, Ủy viên Trung ương Đảng, Thứ trưởng Bộ Công an làm trưởng đoàn "
              "làm việc tại Hà Giang. Dự buổi làm việc có ông Lò Văn Tư, Phó Bí thư Tỉnh ủy, Trưởng đoàn Đại biểu Quốc hội tỉnh Hà Giang.")
    assert rec.person("leader")[0].titles == "Ủy viên Trung ương Đảng, Thứ trưởng Bộ Công an"
    assert [p.name for p in rec.person("leader")] == ["Hoàng Văn Nam"]
    assert [p.name for p in rec.person("host")] == ["Lò Văn Tư"]


# --- units, province, dates -------------------------------------------------------------------------------------
def test_inspected_units_and_canonical_province():
    rec = one("Ngày 5/6, Đoàn kiểm tra số 8 sẽ kiểm tra tại Ban Thường vụ Tỉnh ủy Đăk Lăk, Đảng ủy Công an tỉnh, "
              "Huyện ủy Krông Búk và Thành ủy Buôn Ma Thuột.")
    assert [u.name for u in rec.units] == ["Ban Thường vụ Tỉnh ủy Đăk Lăk", "Đảng ủy Công an tỉnh", "Huyện ủy Krông Búk",
                                           "Thành ủy Buôn Ma Thuột"]
    assert rec.province == "Đắk Lắk"


def test_a_ministry_party_committee_stays_a_unit_without_province():
    rec = one("Đoàn kiểm tra số 12 làm việc với Ban Cán sự đảng Bộ Công Thương về công tác bảo vệ chính trị nội bộ.")
    assert [u.name for u in rec.units] == ["Ban Cán sự đảng Bộ Công Thương"] and rec.province is None


@pytest.mark.parametrize("text, date, year, source", [
    ("Chiều nay (2/11), Đoàn kiểm tra số 5 làm việc tại Bến Tre.", "--11-02", None, None),
    ("Sáng 10/4, Đoàn kiểm tra số 5 làm việc tại Bến Tre trong chương trình kiểm tra năm 2024.", "2024-04-10", 2024, "text"),
    ("Ngày 17-4-2024, Đoàn kiểm tra số 5 làm việc tại Bến Tre.", "2024-04-17", 2024, "date"),
    ("Từ 09/8 đến 11/8/2023, Đoàn kiểm tra số 5 làm việc tại Bến Tre.", "2023-08-09", 2023, "date"),
])
def test_dates_and_years_never_invented(text, date, year, source):
    rec = one(text)
    assert (rec.date, rec.year, rec.year_source) == (date, year, source)


def test_year_from_metadata_when_the_text_has_none():
    rec = one("Ngày 24/4, Đoàn kiểm tra số 4 làm việc tại Đắk Lắk.", metadata_date="2024-04-25")
    assert (rec.date, rec.year_source) == ("2024-04-24", "metadata")


# --- legal references ---------------------------------------------------------------------------------------------
def test_legal_references_canonical_codes_dates_titles():
    text = ('Căn cứ Quy định số 58-QĐ/TW ngày 8/2/2022 của Bộ Chính trị “Một số vấn đề bảo vệ chính trị nội bộ Đảng”, '
            "Kết luận 21-KL/TW và Sắc lệnh số 58-QD/TW; Chỉ thị số 28-CT/TU; Kế hoạch số 12.")
    refs = find_legal_refs(text)
    assert [(r.kind, r.number, r.code) for r in refs] == [
        ("Quy định", 58, "58-QĐ/TW"), ("Kết luận", 21, "21-KL/TW"), ("Quy định", 58, "58-QĐ/TW"),
        ("Chỉ thị", 28, "28-CT/TU"), ("Kế hoạch", 12, None)]
    assert refs[0].date == "2022-02-08" and refs[0].title == "Một số vấn đề bảo vệ chính trị nội bộ Đảng"
    assert [r.number for r in find_legal_refs("Quy định 158-QĐ/TW")] == [158]


# --- the seeds ------------------------------------------------------------------------------------------------------
def test_seed_records_complete():
    t0 = (SEEDS / "000_b584f524cb46930b.txt").read_text(encoding="utf-8")
    [r] = extract_records(t0, "a", "000")
    assert (r.team, r.body, r.province, r.date, r.year) == (5, SUBCOMMITTEE, "Trà Vinh", "--11-02", None)
    assert roles(r) >= {("leader", "Nguyễn Quang Dương"), ("host", "Ngô Chí Cường"), ("host", "Kim Ngọc Thái"),
                        ("host", "Lâm Minh Đặng")}
    assert not any(p.role in ("deputy", "announcer") for p in r.people)
    assert [u.name for u in r.units] == ["Ban Thường vụ Tỉnh ủy Trà Vinh"]
    assert [x.code for x in r.legal] == ["58-QĐ/TW", "21-KL/TW"] and r.legal[0].date == "2022-02-08"

    t1 = (SEEDS / "001_cb98ca3c559514ce.txt").read_text(encoding="utf-8")
    [r] = extract_records(t1, "b", "001")
    assert (r.team, r.body, r.province, r.date, r.year) == (4, SUBCOMMITTEE, "Đắk Lắk", "2024-04-24", 2024)
    assert roles(r) == {("deputy", "Lê Hải Bình"), ("announcer", "Nguyễn Văn Định"), ("host", "Nguyễn Đình Trung")}
    assert [u.name for u in r.units] == ["Ban Thường vụ Tỉnh ủy Đắk Lắk", "Ban Tổ chức Tỉnh ủy", "Đảng ủy Công an tỉnh",
                                         "Huyện ủy Cư M’Gar", "Thành ủy Buôn Ma Thuột"]
    assert [x.code for x in r.legal] == ["28-CT/TU"]


# --- question parsing -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("question, field", [
    ("Ai là trưởng đoàn kiểm tra tại Trà Vinh?", "leader"), ("ai la truong doan kiem tra o tra vinh", "leader"),
    ("Who led the inspection team in Tra Vinh?", "leader"), ("Ai là phó trưởng đoàn?", "deputy"),
    ("who was the deputy head", "deputy"), ("Ai đã công bố quyết định kiểm tra?", "announcer"),
    ("Đoàn kiểm tra số mấy làm việc tại Đắk Lắk?", "team"), ("which team inspected dak lak", "team"),
    ("Những tỉnh nào đã được kiểm tra?", "province"), ("nhung tinh nao da duoc kiem tra", "province"),
    ("Which provinces were inspected?", "province"), ("Đoàn làm việc ngày nào?", "date"),
    ("When did the team work in Tra Vinh?", "date"), ("kiem tra nam nao", "year"),
    ("Căn cứ quy định nào?", "legal"), ("Under which regulation?", "legal"),
    ("Đoàn kiểm tra những đơn vị nào?", "units"), ("Ai là Bí thư Tỉnh ủy Trà Vinh?", "host"),
    ("Đoàn kiểm tra số 4 thuộc cơ quan nào?", "body"),
])
def test_asked_field_in_vietnamese_unaccented_and_english(question, field):
    assert parse_fact_question(analyze(question), set()).field == field


def test_question_entities():
    fq = parse_fact_question(analyze("Tô Lâm đã dẫn đầu những đoàn nào năm 2024 theo quy định 58?"), set())
    assert fq.persons == ["to lam"] and fq.year == 2024 and fq.legal == ["58-QĐ"]
    assert parse_fact_question(analyze("to lam dan dau nhung doan nao"), {"to lam"}).persons == ["to lam"]


# --- answers from records ---------------------------------------------------------------------------------------------
@pytest.fixture
def with_conflict(tmp_path):
    a = Assistant(make_settings(tmp_path / "data"), embedder=HashEmbedding())
    a.ingest([SEEDS, DATA / "conflict"])
    return a


def _verbatim(a, answer):
    for c in answer.citations:
        assert a.store.catalog.document_text(c.doc_id)[c.start:c.end] == c.quote


def test_list_of_provinces_one_cited_line_each(with_conflict):
    answer = with_conflict.ask("Những tỉnh nào đã được kiểm tra?")
    assert answer.mode == "facts" and answer.found
    for province in ("Trà Vinh", "Đắk Lắk", "Quảng Ninh"):
        assert province in answer.answer
    assert len(answer.answer.splitlines()) >= 3 and len(answer.facts) >= 4
    _verbatim(with_conflict, answer)


def test_conflicting_articles_give_both_values_with_sources(with_conflict):
    answer = with_conflict.ask("Ai là trưởng đoàn kiểm tra số 9 tại Quảng Ninh?")
    assert "khác nhau" in answer.answer and "Phạm Minh Khoa" in answer.answer and "Trần Thu Hà" in answer.answer
    assert {c.source.rsplit("/", 1)[-1] for c in answer.citations} == {"bao_a.txt", "bao_b.txt"}
    _verbatim(with_conflict, answer)
    dates = with_conflict.ask("Quy định 58-QĐ/TW ban hành ngày nào?")
    assert "8/2/2022" in dates.answer and "2/8/2022" in dates.answer and "khác nhau" in dates.answer


def test_leader_lookup_by_person_and_year(with_conflict):
    answer = with_conflict.ask("Trần Thu Hà đã dẫn đầu những đoàn nào?")
    assert answer.mode == "facts" and "số 9" in answer.answer and "Quảng Ninh" in answer.answer
    assert "số 4" not in answer.answer


def test_another_bodys_team_is_never_reported_as_a_subcommittee_team(tmp_path):
    a = Assistant(make_settings(tmp_path / "data", auto_seed=False), embedder=HashEmbedding())
    from conftest import write
    a.ingest([write(tmp_path / "ubkt.txt", "Ngày 3/5/2024, Đoàn kiểm tra số 3 của Ủy ban Kiểm tra Tỉnh ủy Nghệ An do "
                                            "ông Lê Văn Hùng làm trưởng đoàn làm việc với Huyện ủy Nam Đàn.")])
    answer = a.ask("Đoàn kiểm tra số 3 thuộc cơ quan nào?")
    assert "Ủy ban Kiểm tra Tỉnh ủy Nghệ An" in answer.answer and "Tiểu ban" not in answer.answer
    assert "Tiểu ban" not in a.ask("Ai là trưởng đoàn kiểm tra số 3?").answer
    sub = a.ask("Những đoàn nào của Tiểu ban Bảo vệ chính trị nội bộ Trung ương đã kiểm tra?")
    assert "số 3" not in sub.answer


def test_158_is_not_58(with_conflict):
    answer = with_conflict.ask("Quy định 158-QĐ/TW ban hành ngày nào?")
    assert not answer.found and answer.citations == [] and "158-QĐ/TW" in answer.answer
