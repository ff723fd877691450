"""Question analysis: what is asked (one field or several), what is named, and what is left over."""

import pytest
from conftest import make_settings

from rag import Assistant, QueryError
from rag.assistant import MAX_QUESTION_CHARS
from rag.query.questions import Known, analyze
from rag.vn.gazetteer import SUBCOMMITTEE
from rag.vn.gazetteer import SUBCOMMITTEE

KNOWN = Known(
    {"pham van thang": "Phạm Văn Thắng", "le thi hong": "Lê Thị Hồng"}, frozenset({"cam lo", "phuong an hoa"})
)


@pytest.mark.parametrize(
    "question, fields",
    [
        ("Ai là trưởng đoàn kiểm tra tại Gia Lai?", ["leader"]),
        ("ai dan dau doan kiem tra o gia lai", ["leader"]),
        ("Who headed the inspection team in Gia Lai?", ["leader"]),
        ("Phó Trưởng đoàn kiểm tra số 4 là ai?", ["deputy"]),
        ("Các Phó Trưởng đoàn là những ai?", ["deputy"]),
        ("Ai đọc quyết định thành lập đoàn?", ["announcer"]),
        ("Who presented the inspection plan?", ["announcer"]),
        ("Ai chủ trì hội nghị công bố quyết định?", ["chair"]),
        ("Who chaired the meeting on the draft report?", ["chair"]),
        ("Ai là Bí thư Tỉnh ủy Gia Lai?", ["host"]),
        ("Đoàn kiểm tra số mấy làm việc tại Gia Lai?", ["team"]),
        ("Đoàn số 7 là đoàn của cơ quan nào?", ["body"]),
        ("Hai đoàn công tác làm việc tại Sơn La là đoàn của những cơ quan nào?", ["body"]),  # whose, not whom met
        ("Đoàn kiểm tra làm việc với những cơ quan nào ở Sơn La?", ["units"]),
        ("Những tỉnh nào đã được kiểm tra?", ["province"]),
        ("Đoàn làm việc ở đâu?", ["place"]),
        ("Đoàn kiểm tra những đơn vị nào ở Gia Lai?", ["units"]),
        ("Đoàn làm việc ngày nào?", ["date"]),
        ("kiem tra nam nao", ["year"]),
        ("Đoàn kiểm tra trực tiếp đến ngày nào?", ["deadline"]),
        ("Đoàn làm việc theo kế hoạch nào?", ["legal"]),
        ("Đoàn gồm bao nhiêu thành viên?", ["count"]),
        ("Phạm Văn Thắng giữ vai trò gì trong đoàn?", ["role"]),
        ("Phạm Văn Thắng giữ chức vụ gì?", ["titles"]),
        ("Phạm Văn Thắng là ai?", ["titles"]),
        ("Đoàn chỉ ra những hạn chế gì?", ["free"]),
        # two things at once
        ("Đoàn kiểm tra số 2 làm việc tại tỉnh nào và do ai làm Trưởng đoàn?", ["province", "leader"]),
        ("Buổi làm việc diễn ra khi nào, ở đâu?", ["date", "place"]),
        ("Quyết định nào thành lập đoàn, và ai công bố quyết định đó?", ["legal", "announcer"]),
        ("Who announced the decision, and what was her role in the team?", ["announcer", "role"]),
        ("Đoàn làm việc vào ngày nào, năm nào?", ["date", "year"]),
    ],
)
def test_asked_fields(question, fields):
    assert analyze(question, KNOWN).fields == fields


def test_the_decision_number_is_a_legal_question_not_a_team_question():
    q = analyze("Quyết định kiểm tra là quyết định số mấy, ban hành ngày nào?")
    assert q.fields == ["legal"] and q.legal_kinds == ["Quyết định"]


def test_entities_of_every_kind():
    q = analyze(
        "Tháng 6/2024, Đoàn kiểm tra số 05 của Tiểu ban do Phạm Văn Thắng dẫn đầu làm việc với Ban Cán sự đảng "
        "Bộ Y tế theo Quy định 58-QĐ/TW vào ngày nào?",
        KNOWN,
    )
    assert q.fields == ["date"] and q.teams == [5] and q.bodies == [SUBCOMMITTEE] and q.persons == ["Phạm Văn Thắng"]
    assert [u.key for u in q.units] == ["org:Bộ Y tế"] and [r.key for r in q.legal] == ["58-QĐ"]
    assert [m.iso for m in q.months] == ["2024-06"] and q.years == [2024] and q.residual == []


def test_lowercase_names_and_local_units_are_found_through_what_the_articles_name():
    q = analyze("le thi hong da kiem tra huyen uy cam lo ngay nao", KNOWN)
    assert q.persons == ["Lê Thị Hồng"] and [u.key for u in q.units] == ["local:cam lo"]


def test_the_issuer_of_a_document_is_not_the_teams_body():
    assert analyze("Đoàn kiểm tra tại Gia Lai căn cứ quy định nào của Bộ Chính trị?").bodies == []
    assert analyze("Which Politburo regulation did the team apply?").bodies == []
    assert analyze("Đoàn kiểm tra, giám sát của Bộ Chính trị do ai dẫn đầu?").bodies == ["Bộ Chính trị"]


def test_a_local_body():
    q = analyze("Đoàn kiểm tra số 3 của Ban Thường vụ Tỉnh ủy Gia Lai do ai làm Trưởng đoàn?")
    assert q.bodies == ["Ban Thường vụ Tỉnh ủy Gia Lai"]


def test_a_misspelled_province_is_read_as_the_closest_one_and_said_so():
    q = analyze("ai la truong doan kiem tra o Gai Lai")
    assert [p.name for p in q.provinces] == ["Gia Lai"] and q.corrections == [("Gai Lai", "Gia Lai")]
    assert analyze("Who led the team in Thahn Hoa?").corrections == [("Thahn Hoa", "Thanh Hóa")]
    # common words after "tại" are no misspelling: "Ban Cán sự" is not Bắc Kạn
    assert analyze("Ai làm trưởng đoàn tại Ban Cán sự đảng Bộ Y tế?").corrections == []


def test_unknown_places_and_people_are_named_for_the_refusal():
    assert analyze("Ai là trưởng đoàn kiểm tra tại tỉnh Hà Sơn Bình?").unknown == ["tỉnh Hà Sơn Bình"]
    assert analyze("Kẻ Trộm là ai?").unknown == ["Kẻ Trộm"]
    assert analyze("Who is John Smith?").unknown == ["John Smith"]
    assert analyze("Nguyễn Văn Vô Danh dẫn đầu đoàn nào?", KNOWN).unknown == ["Nguyễn Văn Vô Danh"]
    # typed in lower case after an honorific: a family name first, then a verb
    assert analyze("dong chi tran van vo danh lam truong doan nao?", KNOWN).unknown == ["tran van vo danh"]
    q = analyze("dong chi pham van thangg lam truong doan nao?", KNOWN)  # a misspelling of a known name
    assert (q.unknown, q.persons) == ([], ["Phạm Văn Thắng"])
    assert analyze("ong truong doan la ai?", KNOWN).unknown == []  # "ông trưởng đoàn": a role, not a name


@pytest.mark.parametrize(
    "question, residual",
    [
        ("Đồng chí Phạm Văn Thắng năm nay bao nhiêu tuổi?", []),  # the count asks for "tuổi" itself
        ("Kinh phí cho đợt kiểm tra tại Gia Lai là bao nhiêu?", ["kinh phi"]),
        ("Ai làm Trưởng đoàn thanh tra về quản lý đất đai tại Gia Lai?", ["quan ly dat dai"]),
        ("In what year was Phạm Văn Thắng born?", ["born"]),
        ("Ai là Trưởng đoàn kiểm tra công tác bảo vệ chính trị nội bộ tại Gia Lai?", []),
        ("ai dan dau moi doan kiem tra o gia lai va kon tum", []),  # "mỗi" (each) is no topic
        ("Who led each inspection team in Gia Lai?", []),
        ("Đồng chí Phạm Văn Thắng đã dẫn bao nhiêu đoàn kiểm tra?", []),  # "dẫn … đoàn": leads
    ],
)
def test_residual_words(question, residual):
    assert analyze(question, KNOWN).residual == residual


def test_counts_stage_topic_and_lists():
    q = analyze("Năm 2025 Tiểu ban sẽ kiểm tra bao nhiêu cấp ủy?")
    assert (q.fields, q.count_noun, q.years) == (["count"], "cap uy", [2025])
    assert analyze("Kết quả kiểm tra tại Gia Lai được thông báo ngày nào?").stage == "results"
    assert analyze("Ai chủ trì buổi thông qua dự thảo báo cáo?").stage == "draft"
    assert analyze("Ai kiểm tra công tác bảo vệ chính trị nội bộ tại Gia Lai?").topic
    assert analyze("Những tỉnh nào được kiểm tra?").wants_list and not analyze("Tỉnh nào được kiểm tra?").wants_list


@pytest.mark.parametrize(
    "question, fields, extra",
    [
        ("Quyết định thành lập Đoàn kiểm tra số 4 có số hiệu gì và do ai đọc?", ["legal", "announcer"], {}),
        ("quyet dinh kiem tra doi voi bo y te so bao nhieu, ngay nao", ["legal"], {}),
        ("Bộ trưởng nào tiếp đoàn kiểm tra tại Bộ Y tế?", ["host"], {"title": "bo truong"}),
        ("Đoàn kiểm tra những đảng ủy nào ở Quân khu 7?", ["units"], {}),
        ("Thời hạn thanh tra bao lâu?", ["count"], {}),
        ("Who chaired buổi làm việc ngày 8/5/2024 tại Tỉnh ủy Gia Lai?", ["chair"], {"residual": []}),
        ("Đoàn kiểm tra số 12 ở Gia Lai inspected which units?", ["units"], {"residual": []}),
        ("Ai là Thư ký Đoàn kiểm tra tại Gia Lai?", ["host"], {"title": "thu ky"}),  # who holds a title, any side
        ("Đoàn do Trung tướng Lê Văn An dẫn đầu mang số hiệu mấy?", ["team"], {}),
        ("Who led the team in Gia Lai, and what was the team's number?", ["leader", "team"], {}),
        ("Kế hoạch 17-KH/TBBVCTNB được ban hành bởi cơ quan nào?", ["body"], {"residual": []}),
        ("Quyết định kiểm tra Gia Lai số bao nhiêu, ký ngày nào?", ["legal"], {"residual": []}),
        ("Đoàn kiểm tra tại Gia Lai từ ngày nào đến ngày nào?", ["date"], {}),  # one period, not a deadline
        ("Tên Trưởng đoàn kiểm tra tại Gia Lai các bài báo ghi có thống nhất không?", ["leader"], {"residual": []}),
        ("Who led the team in Gia Lai and what was his military rank?", ["leader", "rank"], {}),
        ("What conclusions did the team announce in Gia Lai?", ["free"], {"stage": "results"}),
        # where a title is held asks about the title, it is no constraint on the records
        ("Trưởng đoàn tại Gia Lai giữ chức vụ gì ở Ban Tổ chức Trung ương?", ["titles"], {"bodies": []}),
        ("What role does Đại tá Lê Văn An play in the team?", ["role"], {"residual": []}),
        ("Ai dẫn đầu đoàn giám sát ở Gia Lai?", ["leader"], {"team_kind": "giam sat"}),  # another kind of team
        ("Ai dẫn đầu đoàn kiểm tra, giám sát số 2 ở Gia Lai?", ["leader"], {"team_kind": "giam sat"}),
        ("Who led the inspection team in Gia Lai?", ["leader"], {"team_kind": None}),
        # who attended, beside the team: no question about its head, and "cùng đoàn" names no residual word
        ("Những ai có mặt tại hội nghị cùng đoàn kiểm tra ở Gia Lai?", ["attendee"], {"residual": []}),
        ("ai tham du buoi lam viec voi doan kiem tra so 3 tai gia lai", ["attendee"], {"residual": []}),
        ("Ai cùng dự hội nghị công bố quyết định tại Gia Lai?", ["attendee"], {"residual": []}),
        ("Who attended the meeting with the team in Gia Lai?", ["attendee"], {"residual": []}),
        ("Ai làm việc cùng đoàn kiểm tra tại Gia Lai?", ["person"], {}),  # beside the team, not its head
        ("Ai dẫn đầu đoàn kiểm tra dự kiến làm việc tại Gia Lai?", ["leader"], {}),  # "dự kiến" attends nothing
        # "mấy ngày", "bao nhiêu ngày", "how many days": how long, the counted noun never residual
        ("Đoàn kiểm tra làm việc tại Gia Lai trong mấy ngày?", ["count"], {"count_noun": "ngay", "residual": []}),
        ("doan lam viec o gia lai may ngay", ["count"], {"count_noun": "ngay", "residual": []}),
        ("Đoàn có mấy thành viên?", ["count"], {"count_noun": "thanh vien", "residual": []}),
        ("How many days did the team stay in Gia Lai?", ["count"], {"count_noun": "ngay"}),
    ],
)
def test_questions_seen_on_unseen_reports(question, fields, extra):
    q = analyze(question)
    assert q.fields == fields
    for key, value in extra.items():
        assert getattr(q, key) == value


@pytest.mark.parametrize(
    "question, fields",
    [
        # other words for a role become the role asked, never words left over
        ("Ai phụ trách đoàn kiểm tra ở Gia Lai?", ["leader"]),
        ("Đoàn công tác tới Gia Lai do ai cầm đầu?", ["leader"]),
        ("Người đứng đầu đoàn công tác tới Gia Lai là ai?", ["leader"]),
        ("Who was at the helm of the team in Gia Lai?", ["leader"]),
        ("Who was in charge of the Sub-committee's team in Gia Lai?", ["leader"]),
        ("Ai cầm trịch buổi làm việc ở Gia Lai?", ["chair"]),
        ("Ai đứng ra điều hành hội nghị ở Gia Lai?", ["chair"]),
        ("Who presided over the meeting in Gia Lai?", ["chair"]),
        ("nguoi dung ra doc thong bao ket qua o gia lai la ai", ["announcer"]),
        ("Cơ quan nào cử đoàn kiểm tra tới Gia Lai?", ["body"]),
        ("Đoàn kiểm tra số 3 làm việc ở Gia Lai do cơ quan nào cử?", ["body"]),
        # "nội bộ nào" asks which team, not "bộ nào" (a ministry)
        ("doan kiem tra bao ve chinh tri noi bo nao lam viec o gia lai", ["team"]),
        # the teams a conference was for are not asked about
        ("Ai chủ trì hội nghị tập huấn cho thành viên các đoàn kiểm tra?", ["chair"]),
    ],
)
def test_paraphrased_roles_are_the_field_asked(question, fields):
    q = analyze(question, KNOWN)
    assert q.fields == fields and not {"phu trach", "cam dau", "cam trich", "dieu hanh", "dung ra", "cu"} & set(
        " ".join(q.residual).split()
    )


@pytest.mark.parametrize(
    "question, language, accented",
    [
        ("Who led the inspection team in Đắk Lắk?", "en", False),  # the place's diacritics make it no Vietnamese
        ("Which units did team 3 inspect in Thừa Thiên Huế?", "en", False),
        ("ai la truong doan kiem tra o Đắk Lắk", "vi", False),
        ("Ai là trưởng đoàn kiểm tra tại Đắk Lắk?", "vi", True),
    ],
)
def test_the_language_is_that_of_the_words_outside_names(question, language, accented):
    q = analyze(question)
    assert (q.language, q.accented) == (language, accented)


def test_the_findings_are_the_results_stage():
    assert analyze("Who was at the helm when the inspection findings were announced in Gia Lai?").stage == "results"


def test_a_level_of_government_is_no_misspelled_province():
    q = analyze("Cán bộ ở cấp huyện gặp những khó khăn gì khi làm công tác này?")
    assert q.provinces == [] and q.corrections == []


def test_a_time_limit_is_what_how_long_asks_not_a_residual_word():
    q = analyze("Huyện ủy phải nộp báo cáo khắc phục trong thời hạn bao lâu?")
    assert "count" in q.fields and not any("thoi han" in r for r in q.residual)


def test_a_question_the_product_cannot_take_is_said_in_both_languages(tmp_path):
    a = Assistant(make_settings(tmp_path / "data"))  # refused before the store is opened
    cases = [
        (lambda: a.retrieve("  "), "the question is empty", "câu hỏi trống"),
        (
            lambda: a.retrieve("x" * 3000),
            f"the question is 3000 characters long; the limit is {MAX_QUESTION_CHARS}",
            f"câu hỏi dài 3000 ký tự; giới hạn là {MAX_QUESTION_CHARS}",
        ),
        (lambda: a.retrieve("Ai?", k=0), "k must be between 1 and 50 (got 0)", "k phải từ 1 đến 50 (giá trị nhận được: 0)"),
    ]
    for call, en, vi in cases:
        with pytest.raises(QueryError) as e:
            call()
        assert str(e.value) == en and e.value.render("vi") == vi
    assert "_opened" not in a.__dict__


def test_a_refusal_names_what_the_question_names_never_the_question_itself():
    from rag.query.answers.scope import describe

    assert describe(analyze("Tiểu ban đã rà soát tổng cộng mấy địa phương?", KNOWN)) == SUBCOMMITTEE
    english = analyze("How many localities did the Subcommittee review?", KNOWN)
    assert describe(english) == "the Subcommittee for Internal Political Protection"
    assert describe(analyze("Tiểu ban kiểm tra tỉnh Hà Tây khi nào?", KNOWN)) == "tỉnh Hà Tây"  # unknown: as typed
