"""Answers from inspection records on small corpora written for these tests: precision first (every named entity
matched, or a refusal naming it), other bodies' teams, events reported by two outlets, real conflicts, lists, and the
limits on answers."""

import json
import sqlite3

import pytest
from conftest import DATA, SEEDS, HashEmbedding, ask_checked, make_settings, store_of, write

from rag import Assistant

ARTICLES = {
    "gl_vi.txt": "# date = 2024-05-14\n\nChiều 14/5, Đoàn kiểm tra số 5 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương do "
    "đồng chí Phan Đình Trạc, Phó Trưởng ban Nội chính Trung ương, làm Trưởng đoàn đã làm việc với Ban Thường "
    "vụ Tỉnh ủy Gia Lai về công tác bảo vệ chính trị nội bộ.\n\nTiếp đoàn có đồng chí Hồ Văn Niên, Bí thư "
    "Tỉnh ủy Gia Lai.\n\nĐồng chí Lưu Văn Khải, Phó Cục trưởng, thành viên Đoàn, công bố Quyết định số "
    "140-QĐ/TBBVCTNB ngày 2/5/2024 của Tiểu ban. Đoàn sẽ kiểm tra tại Ban Tổ chức Tỉnh ủy, Đảng ủy Công an "
    "tỉnh và Thành ủy Pleiku.",
    "gl_en.txt": "# date = 2024-05-14\n\nGia Lai (VNA) – Inspection team No. 5 of the Central Sub-committee for Internal "
    "Political Protection, led by Phan Dinh Trac, Deputy Head of the Party Central Committee's Internal "
    "Affairs Commission, on May 14 worked with the Standing Board of the Gia Lai provincial Party Committee.",
    "gl_later.txt": "# date = 2024-07-02\n\nNgày 2/7, Đoàn kiểm tra số 5 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương tổ "
    "chức hội nghị thông báo kết quả kiểm tra đối với Ban Thường vụ Tỉnh ủy Gia Lai. Đồng chí Phan Đình Trạc, "
    "Trưởng đoàn, chủ trì hội nghị.",
    "kt_ubkt.txt": "# date = 2024-06-03\n\nSáng 3/6, Đoàn kiểm tra số 5 của Ủy ban Kiểm tra Trung ương do đồng chí Hà Minh "
    "Lâm, Ủy viên Ủy ban Kiểm tra Trung ương, làm Trưởng đoàn đã làm việc với Ban Thường vụ Tỉnh ủy Kon Tum "
    "về việc thực hiện nhiệm vụ kiểm tra, giám sát.",
    "byt.txt": "# date = 2024-08-20\n\nChiều 20/8, tại Hà Nội, Đoàn kiểm tra số 9 của Tiểu ban Bảo vệ chính trị nội bộ Trung "
    "ương do đồng chí Chu Thị Mai làm Trưởng đoàn đã làm việc với Ban Cán sự đảng Bộ Y tế. Quyết định số "
    "141-QĐ/TBBVCTNB ngày 5/8/2024 được công bố tại buổi làm việc.",
    "qn.txt": "# date = 2024-04-10\n\nNgày 10/4, Đoàn kiểm tra số 3 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương do đồng "
    "chí Lê Văn Dũng làm Trưởng đoàn làm việc với Ban Thường vụ Tỉnh ủy Quảng Nam (nay là thành phố Đà Nẵng).",
}


@pytest.fixture(scope="module")
def a(tmp_path_factory):
    return store_of(tmp_path_factory.mktemp("fa"), ARTICLES)


ask = ask_checked


def corpus(tmp_path, articles):
    """A store of the articles written for one test ({file name: text}), with the hash embedding."""
    a = Assistant(make_settings(tmp_path / "data", auto_seed=False), embedder=HashEmbedding())
    a.ingest([write(tmp_path / name, text) for name, text in articles.items()])
    return a


def sources(answer):
    return {c.source.rsplit("/", 1)[-1] for c in answer.citations}


def test_two_outlets_on_one_event_are_one_answer_citing_both(a):
    answer = ask(a, "Ai dẫn đầu đoàn kiểm tra làm việc với Tỉnh ủy Gia Lai ngày 14/5/2024?")
    assert answer.found and answer.mode == "facts" and "Phan Đình Trạc" in answer.answer
    assert sources(answer) == {"gl_vi.txt", "gl_en.txt"} and "khác nhau" not in answer.answer
    english = ask(a, "Who led inspection team No. 5 in Gia Lai in May 2024?")
    assert "Phan Đình Trạc" in english.answer or "Phan Dinh Trac" in english.answer


def test_a_later_meeting_of_the_same_team_is_another_event(a):
    answer = ask(a, "Kết quả kiểm tra tại Gia Lai được thông báo ngày nào?")
    assert "2/7/2024" in answer.answer and "14/5" not in answer.answer and sources(answer) == {"gl_later.txt"}
    start = ask(a, "Đoàn kiểm tra số 5 công bố quyết định kiểm tra tại Gia Lai ngày nào?")
    assert "14/5/2024" in start.answer and "2/7" not in start.answer


def test_another_bodys_team_is_named_as_that_bodys(a):
    answer = ask(a, "Ai là trưởng đoàn kiểm tra số 5 của Ủy ban Kiểm tra Trung ương?")
    assert "Hà Minh Lâm" in answer.answer and "Phan Đình Trạc" not in answer.answer
    assert "Ủy ban Kiểm tra Trung ương" in answer.answer
    sub = ask(a, "Trưởng đoàn kiểm tra số 5 của Tiểu ban là ai?")
    assert "Phan Đình Trạc" in sub.answer and "Hà Minh Lâm" not in sub.answer


def test_whose_team_it_is_is_said_once_on_the_line_that_answers_it(a):
    answer = ask(a, "Đoàn kiểm tra số 5 làm việc ở Kon Tum là đoàn của cơ quan nào?")
    assert answer.found and answer.answer.count("Ủy ban Kiểm tra Trung ương") == 1, answer.answer
    assert "là đoàn của Ủy ban Kiểm tra Trung ương" in answer.answer


def test_internal_political_protection_questions_skip_other_work(a):
    answer = ask(a, "Ai dẫn đầu đoàn kiểm tra công tác bảo vệ chính trị nội bộ tại Kon Tum?")
    assert "Hà Minh Lâm" not in answer.answer  # that team inspected discipline work, not internal political protection


def test_a_ministry_not_a_province(a):
    answer = ask(a, "Who led the inspection team at the Ministry of Health?")
    assert "Chu Thị Mai" in answer.answer
    assert (
        "Chu Thị Mai" in ask(a, "Đoàn kiểm tra số 9 làm việc ở Hà Nội với cơ quan nào?").answer
        or "Bộ Y tế" in ask(a, "Đoàn kiểm tra số 9 làm việc ở Hà Nội với cơ quan nào?").answer
    )
    place = ask(a, "Đoàn kiểm tra số 9 làm việc với Ban Cán sự đảng Bộ Y tế ở đâu?")
    assert "Hà Nội" in place.answer


@pytest.mark.parametrize(
    "question, named",
    [
        ("Kẻ Gian là ai?", "Kẻ Gian"),
        ("Who is John Smith?", "John Smith"),
        ("Ai là trưởng đoàn kiểm tra tại tỉnh Hà Sơn Bình?", "Hà Sơn Bình"),
        ("Phan Đình Trạc làm việc với Tỉnh ủy Cà Mau ngày nào?", "Cà Mau"),
        ("Đoàn kiểm tra số 12 làm việc ở đâu?", "12"),
    ],
)
def test_what_no_article_names_is_refused_by_name(a, question, named):
    answer = ask(a, question)
    assert not answer.found and answer.citations == [] and named in answer.answer


@pytest.mark.parametrize(
    "question",
    [
        "Đồng chí Phan Đình Trạc năm nay bao nhiêu tuổi?",
        "Kinh phí cho đợt kiểm tra tại Gia Lai là bao nhiêu?",
        "Đoàn kiểm tra tại Gia Lai gồm bao nhiêu thành viên?",
        "In what year was Phan Dinh Trac born?",
        "Ai là Phó Trưởng đoàn kiểm tra tại Gia Lai?",
    ],
)
def test_what_the_articles_do_not_state_is_refused(a, question):
    answer = ask(a, question)
    assert not answer.found and answer.citations == []


def test_a_misspelled_province_is_answered_with_the_reading_shown(a):
    answer = ask(a, "ai la truong doan kiem tra o Gai Lai")
    assert (
        answer.found and "Phan Đình Trạc" in answer.answer and "Gai Lai" in answer.answer and "Gia Lai" in answer.answer
    )


def test_merged_provinces_resolve_where_the_article_says_so(a):
    assert "Lê Văn Dũng" in ask(a, "Ai là trưởng đoàn kiểm tra tại Đà Nẵng?").answer
    assert "Lê Văn Dũng" in ask(a, "Ai là trưởng đoàn kiểm tra tại Quảng Nam?").answer
    assert "Lê Văn Dũng" not in ask(a, "Ai là trưởng đoàn kiểm tra tại Gia Lai?").answer


def test_the_host_and_the_announcer_and_the_decision(a):
    assert "Hồ Văn Niên" in ask(a, "Bí thư Tỉnh ủy Gia Lai là ai?").answer
    both = ask(a, "Quyết định nào thành lập đoàn kiểm tra tại Gia Lai, và ai công bố quyết định đó?")
    assert "140-QĐ/TBBVCTNB" in both.answer and "Lưu Văn Khải" in both.answer
    assert "141-QĐ/TBBVCTNB" not in both.answer


@pytest.fixture
def many(tmp_path):
    provinces = [
        "Bắc Ninh",
        "Hưng Yên",
        "Nam Định",
        "Ninh Bình",
        "Thanh Hóa",
        "Hà Tĩnh",
        "Quảng Bình",
        "Quảng Trị",
        "Quảng Ngãi",
        "Bình Định",
        "Phú Yên",
        "Khánh Hòa",
    ]
    a = Assistant(make_settings(tmp_path / "data", auto_seed=False), embedder=HashEmbedding())
    a.ingest(
        [
            write(
                tmp_path / "docs" / f"{i:02d}.txt",
                f"# date = 2024-03-{i + 1:02d}\n\nNgày {i + 1}/3, Đoàn kiểm tra số {i + 1} của Tiểu ban Bảo vệ chính trị "
                f"nội bộ Trung ương do đồng chí Nguyễn Văn {name} làm Trưởng đoàn đã làm việc với Ban Thường vụ Tỉnh ủy "
                f"{p} về công tác bảo vệ chính trị nội bộ.",
            )
            for i, (p, name) in enumerate(
                zip(provinces, "An Bình Cường Dũng Đức Giang Hải Khánh Long Minh Nam Phúc".split())
            )
        ]
    )
    return a


def test_a_list_only_when_asked_and_at_most_ten_lines(many):
    answer = ask(many, "Những tỉnh nào đã được kiểm tra năm 2024?")
    lines = answer.answer.splitlines()
    shown = [x for x in lines if x.startswith("- ")]
    left = int(lines[-1].split()[2])  # "… và N kết quả khác."
    assert answer.found and len(shown) <= 10 and left >= 2 and len(shown) + left == 12
    assert len(answer.citations) == len(shown)  # the lines cut took their citations with them


def test_a_singular_question_that_many_teams_answer_asks_to_narrow_it(many):
    answer = ask(many, "Ai là trưởng đoàn kiểm tra?")
    assert not answer.found and "12" in answer.answer and answer.citations == []
    assert "Nguyễn Văn Long" in ask(many, "Ai là trưởng đoàn kiểm tra tại Quảng Ngãi?").answer


def test_conflicting_articles_give_both_values_with_sources(tmp_path):
    a = Assistant(make_settings(tmp_path / "data"), embedder=HashEmbedding())
    a.ingest([SEEDS, DATA / "conflict"])
    answer = ask(a, "Ai là trưởng đoàn kiểm tra số 9 tại Quảng Ninh?")
    assert "khác nhau" in answer.answer and "Phạm Minh Khoa" in answer.answer and "Trần Thu Hà" in answer.answer
    assert sources(answer) == {"bao_a.txt", "bao_b.txt"}
    dates = ask(a, "Quy định 58-QĐ/TW ban hành ngày nào?")
    assert "8/2/2022" in dates.answer and "2/8/2022" in dates.answer and "khác nhau" in dates.answer
    assert not ask(a, "Quy định 158-QĐ/TW ban hành ngày nào?").found


def test_reports_in_two_languages_naming_the_provincial_committee_differently_are_one_event(tmp_path):
    vi = (
        "# date = 2025-12-08\n\nNgày 8/12, Đoàn kiểm tra số 11 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương do "
        "đồng chí Lê Quốc Hùng làm Trưởng đoàn đã làm việc với Ban Thường vụ Tỉnh ủy Tây Ninh."
    )
    en = (
        "# date = 2025-12-08\n\nTay Ninh (VNA) – Inspection Team No. 11 of the Central Sub-committee for Internal "
        "Political Protection, led by Le Quoc Hung, on December 8 worked with the Standing Board of the provincial "
        "Party Committee in the southern province of Tay Ninh."
    )
    a = corpus(tmp_path, {"vi.txt": vi, "en.txt": en})
    answer = ask(a, "Ai là trưởng đoàn kiểm tra số 11 tại Tây Ninh?")
    assert "Lê Quốc Hùng" in answer.answer and "khác nhau" not in answer.answer
    assert sources(answer) == {"vi.txt", "en.txt"} and answer.answer.count("\n") == 0


def test_one_inspection_named_with_two_heads_across_its_meetings_is_a_disagreement(tmp_path):
    start = (
        "# date = 2025-09-16\n\nSáng 16/9, Đoàn kiểm tra số 7 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương do "
        "Thiếu tướng Mai Văn Đông làm Trưởng đoàn đã làm việc với Ban Thường vụ Tỉnh ủy Lạng Sơn. Đồng chí Lý Thị "
        "Hoa, Thư ký Đoàn kiểm tra, công bố Quyết định số 231-QĐ/TBBVCTNB. Theo lịch, Đoàn kiểm tra từ ngày 16/9 đến "
        "ngày 26/9/2025."
    )
    results = (
        "# date = 2025-11-17\n\nNgày 17/11, Đoàn kiểm tra số 7 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương tổ "
        "chức hội nghị thông báo kết quả kiểm tra đối với Ban Thường vụ Tỉnh ủy Lạng Sơn. Đồng chí Mai Văn Hùng, "
        "Trưởng đoàn, chủ trì hội nghị."
    )
    a = corpus(tmp_path, {"start.txt": start, "results.txt": results})
    answer = ask(a, "Trưởng đoàn kiểm tra số 7 tại Lạng Sơn là ai?")
    assert "khác nhau" in answer.answer and "Mai Văn Đông" in answer.answer and "Mai Văn Hùng" in answer.answer
    secretary = ask(a, "Ai là Thư ký Đoàn kiểm tra số 7 tại Lạng Sơn?")  # a title on the team's side
    assert "Lý Thị Hoa" in secretary.answer and sources(secretary) == {"start.txt"}
    rank = ask(a, "Who led inspection team No. 7 in Lang Son in September 2025, and what was his military rank?")
    assert "Mai Văn Đông" in rank.answer and "Thiếu tướng" in rank.answer
    period = ask(a, "Đoàn kiểm tra số 7 làm việc tại Lạng Sơn từ ngày nào đến ngày nào?")
    assert "16/9 đến 26/9/2025" in period.answer
    assert not ask(a, "Quân hàm của đồng chí Lý Thị Hoa là gì?").found  # no rank stated: refused


def test_passages_about_another_bodys_team_or_the_team_as_subject_answer_nothing(tmp_path):
    other = (
        "# date = 2025-10-21\n\nNgày 21/10, Đoàn kiểm tra số 3 của Ban Chỉ đạo phòng, chống tham nhũng, lãng phí, "
        "tiêu cực tỉnh Nghệ An do đồng chí Hồ Văn Tám làm Trưởng đoàn đã làm việc với Đảng ủy xã Diễn Châu.\n\n"
        "Tin liên quan\n\n- Đoàn kiểm tra số 8 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương làm việc tại Nghệ An"
    )
    brief = (
        "# date = 2025-10-28\n\nNgày 28/10, Đoàn kiểm tra số 20 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương do "
        "đồng chí Lê Văn Bảo làm Trưởng đoàn đã công bố quyết định kiểm tra đối với Ban Thường vụ Đảng ủy Bộ Ngoại "
        "giao."
    )
    a = corpus(tmp_path, {"other.txt": other, "brief.txt": brief})
    wrong = a.ask(
        "Đoàn kiểm tra số 3 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương tại Nghệ An do ai làm Trưởng đoàn?"
    )
    assert not wrong.found and "Hồ Văn Tám" not in wrong.answer
    assert not a.ask("Ai công bố quyết định kiểm tra của Đoàn kiểm tra số 20 tại Bộ Ngoại giao?").found
    assert "Lê Văn Bảo" in ask(a, "Ai là trưởng đoàn kiểm tra số 20 tại Bộ Ngoại giao?").answer


def test_a_supervision_team_is_named_as_such_and_asked_apart(tmp_path):
    text = (
        "# date = 2025-10-21\n\nNgày 21/10, Đoàn kiểm tra số 8 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương do đồng "
        "chí Lê Văn Khoa làm Trưởng đoàn làm việc với Ban Thường vụ Tỉnh ủy Sóc Trăng.\n\nCũng trong ngày 21/10, "
        "Đoàn giám sát của Ủy ban Thường vụ Quốc hội do đồng chí Trần Văn Khải làm Trưởng đoàn làm việc tại Sóc Trăng."
    )
    a = corpus(tmp_path, {"st.txt": text})
    answer = ask(a, "Ai là trưởng đoàn giám sát làm việc tại Sóc Trăng?")
    assert (
        answer.answer.startswith("Trưởng Đoàn giám sát của Ủy ban Thường vụ Quốc hội")
        and "Lê Văn Khoa" not in answer.answer
    )


def test_a_former_province_answers_for_the_merged_one_only_after_the_merger(tmp_path):
    old = "# date = 2024-11-02\n\nChiều 2/11, Đoàn kiểm tra số 5 do đồng chí Lê Văn Khoa làm Trưởng đoàn làm việc tại Trà Vinh."
    a = corpus(tmp_path, {"old.txt": old})
    assert not a.ask("Ai là trưởng đoàn kiểm tra ở Vĩnh Long?").found  # Trà Vinh joined Vĩnh Long in July 2025
    assert "Lê Văn Khoa" in ask(a, "Ai là trưởng đoàn kiểm tra ở Trà Vinh?").answer


def test_besides_a_unit_lists_the_others(a):
    answer = ask(a, "Ngoài Ban Thường vụ Tỉnh ủy, Đoàn kiểm tra số 5 kiểm tra những đơn vị nào ở Gia Lai?")
    assert "Thành ủy Pleiku" in answer.answer and "Ban Thường vụ Tỉnh ủy Gia Lai" not in answer.answer


def test_a_document_by_its_issuer_and_date(a):
    answer = ask(a, "Quyết định số 140-QĐ/TBBVCTNB ban hành ngày nào?")
    assert "2/5/2024" in answer.answer and sources(answer) == {"gl_vi.txt"}
    mixed = ask(a, "Who announced which decision tại Gia Lai, và quyết định đó ngày nào?")
    assert "140-QĐ/TBBVCTNB" in mixed.answer and "2/5/2024" in mixed.answer


def test_results_are_answered_only_from_a_results_meeting(a):
    assert not ask(a, "Kết quả kiểm tra tại Bộ Y tế được thông báo như thế nào?").found


def test_facts_stored_by_an_older_extractor_are_read_again(tmp_path):
    settings = make_settings(tmp_path / "data", auto_seed=False)
    Assistant(settings, embedder=HashEmbedding()).ingest([write(tmp_path / "gl.txt", ARTICLES["gl_vi.txt"])])
    with sqlite3.connect(tmp_path / "data" / "catalog.sqlite3") as db:  # as an older version stored it
        [(record_id, data)] = db.execute("SELECT record_id, data FROM facts").fetchall()
        row = json.loads(data)
        row["extractor"], row["events"][0]["team"] = 0, 99
        db.execute("UPDATE facts SET data = ? WHERE record_id = ?", (json.dumps(row), record_id))
    [rec] = Assistant(settings, embedder=HashEmbedding()).records()
    assert rec.team == 5


BINH_DINH = (
    "# date = 2024-09-23\n\nSáng 23/9, Đoàn kiểm tra số 6 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương do đồng chí "
    "Vương Đình Huệ, Phó Trưởng ban Nội chính Trung ương, làm Trưởng đoàn đã làm việc với Ban Thường vụ Tỉnh ủy Bình "
    "Định.\n\nTham dự hội nghị có đồng chí Đinh Thị Lan, Chủ tịch Ủy ban Mặt trận Tổ quốc tỉnh, và đại diện các sở, "
    "ngành của tỉnh.\n\nTheo kế hoạch, Đoàn làm việc tại Bình Định trong 5 ngày, từ 23 đến 27/9/2024.\n\nĐoàn công "
    "tác của Sở Tài nguyên và Môi trường cũng báo cáo về quản lý đất đai."
)


def test_who_attended_beside_the_team_and_how_many_days_it_worked(tmp_path):
    a = corpus(tmp_path, {"bd.txt": BINH_DINH, "gl.txt": ARTICLES["gl_vi.txt"]})
    for question in ("Những ai dự hội nghị cùng Đoàn kiểm tra ở Bình Định?", "Who attended the meeting in Binh Dinh?"):
        answer = ask(a, question)
        assert answer.found and "Đinh Thị Lan" in answer.answer and "Vương Đình Huệ" not in answer.answer
    for question in ("Đoàn kiểm tra làm việc tại Bình Định mấy ngày?", "How many days did the team work in Binh Dinh?"):
        answer = ask(a, question)
        assert answer.found and "5 ngày" in answer.answer
    # nobody is said to attend in Gia Lai (the hosts received the team): refused, the head is no attendee
    none = ask(a, "Ai dự buổi làm việc cùng đoàn ở Gia Lai?")
    assert not none.found and "Phan Đình Trạc" not in none.answer and "trưởng đoàn" not in none.answer
    assert not ask(a, "Đoàn kiểm tra làm việc ở Gia Lai bao nhiêu ngày?").found  # no duration stated


def test_a_refusal_never_says_what_is_asked_is_missing_when_only_the_questions_qualifier_is(tmp_path):
    a = corpus(tmp_path, {"bd.txt": BINH_DINH})
    vi = ask(a, "Ai làm Trưởng đoàn kiểm tra về quản lý đất đai tại Bình Định?")  # the head is named, not about land
    assert not vi.found and "Vương Đình Huệ" not in vi.answer
    assert vi.answer == "Các bài báo về Bình Định không nêu trưởng đoàn gắn với “quản lý đất đai”."
    en = ask(a, "Who led the inspection team on land management in Binh Dinh?")
    assert not en.found and "in connection with “land management”" in en.answer


@pytest.mark.parametrize(
    "question",
    [
        "Ai là trưởng đoàn kiểm tra của Tiểu ban Bảo vệ chính trị nội bộ Trung ương tại Kon Tum?",
        "ai dan dau doan kiem tra cong tac bao ve chinh tri noi bo o kon tum",
        "Who led the Sub-committee's inspection team in Kon Tum?",
        "Đoàn kiểm tra của Tiểu ban làm việc với Tỉnh ủy Kon Tum ngày nào?",
        "Ai dự buổi làm việc của đoàn Tiểu ban với Tỉnh ủy Kon Tum?",  # (no field the records hold)
    ],
)
def test_only_another_bodys_team_there_is_a_refusal_naming_it(a, question):
    answer = ask(a, question)
    assert not answer.found and "Hà Minh Lâm" not in answer.answer and "Phan Đình Trạc" not in answer.answer
    body = "Central Inspection Commission" if answer.language == "en" else "Ủy ban Kiểm tra Trung ương"
    assert sources(answer) == {"kt_ubkt.txt"} and body in answer.answer


def test_a_field_only_another_bodys_team_states_is_refused_naming_that_team(tmp_path):
    a = corpus(
        tmp_path,
        {
            "tb.txt": "Ngày 3/9/2024, Đoàn kiểm tra số 6 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương do đồng chí "
            "Mai Văn Chính làm Trưởng đoàn làm việc với Ban Thường vụ Tỉnh ủy Bình Phước.",
            "ub.txt": "Ngày 12/5/2024, Đoàn kiểm tra của Ủy ban Kiểm tra Trung ương do đồng chí Trần Văn Rón làm Trưởng "
            "đoàn làm việc với Ban Thường vụ Tỉnh ủy Bình Phước. Cùng dự có đồng chí Vũ Hồng Sơn, Phó Trưởng đoàn.",
        },
    )
    answer = ask(a, "Ai là Phó Trưởng đoàn kiểm tra của Tiểu ban Bảo vệ chính trị nội bộ Trung ương tại Bình Phước?")
    assert not answer.found and "Vũ Hồng Sơn" not in answer.answer and sources(answer) == {"ub.txt"}
    assert "phó trưởng đoàn" in answer.answer and "Ủy ban Kiểm tra Trung ương" in answer.answer
    assert "Trần Văn Rón" in ask(a, "Ai là trưởng đoàn kiểm tra của Ủy ban Kiểm tra Trung ương tại Bình Phước?").answer


def test_a_deputy_who_led_the_meeting_is_said_to_have_when_the_head_is_not_named(tmp_path):
    a = corpus(
        tmp_path,
        {
            "led.txt": "Ngày 8/10/2024, Đoàn kiểm tra số 11 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương do ông Đỗ "
            "Văn Chiến, Vụ trưởng, làm Phó Trưởng đoàn đã làm việc với Ban Thường vụ Tỉnh ủy Hậu Giang.",
            "beside.txt": "Ngày 9/10/2024, Đoàn kiểm tra số 12 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương làm việc "
            "với Ban Thường vụ Tỉnh ủy Sóc Trăng. Cùng dự có ông Hồ Văn Tư, Phó Trưởng đoàn.",
        },
    )
    answer = ask(a, "Ai là trưởng đoàn kiểm tra tại Hậu Giang?")
    assert answer.found and "không nêu trưởng đoàn" in answer.answer and "Đỗ Văn Chiến" in answer.answer
    assert "Đỗ Văn Chiến" in answer.citations[0].quote
    unaccented = ask(a, "ai la truong doan kiem tra o hau giang")
    assert unaccented.found and "Đỗ Văn Chiến" in unaccented.answer
    beside = ask(a, "Ai là trưởng đoàn kiểm tra tại Sóc Trăng?")  # a deputy who only attended led nothing
    assert not beside.found and "Hồ Văn Tư" not in beside.answer


def test_the_passage_route_keeps_the_same_scope():
    from rag.query.answers.extractive import _in_scope
    from rag.query.questions import analyze

    ubkt = "Sáng 15/5, Đoàn kiểm tra số 4 của Ủy ban Kiểm tra Trung ương do đồng chí Lê Minh Tú làm Trưởng đoàn đã đến."
    said = "Trưởng đoàn Lê Minh Tú đề nghị Tỉnh ủy Thanh Hóa chuẩn bị hồ sơ."
    for question in (
        "Ai là trưởng đoàn kiểm tra công tác bảo vệ chính trị nội bộ tại Thanh Hóa?",
        "Ai là trưởng đoàn kiểm tra của Tiểu ban tại Thanh Hóa?",
    ):
        q = analyze(question)
        assert not _in_scope(q, ubkt, "Tin Thanh Hóa\n", None)  # the sentence says whose team it is
        assert not _in_scope(q, said, "Ủy ban Kiểm tra Trung ương kiểm tra tại Thanh Hóa\n", None)  # the title does
        assert _in_scope(q, said, "Tiểu ban Bảo vệ chính trị nội bộ Trung ương kiểm tra tại Thanh Hóa\n", None)
    # a province's own team on internal political protection work is what a question on that work asks about
    q = analyze("Ai là trưởng đoàn kiểm tra công tác bảo vệ chính trị nội bộ tại Thanh Hóa?")
    own = "Ban Thường vụ Tỉnh ủy Thanh Hóa kiểm tra công tác bảo vệ chính trị nội bộ tại Huyện ủy Nga Sơn\n"
    assert _in_scope(q, said, own, None)


def test_an_english_answer_names_bodies_and_units_in_english(tmp_path):
    a = store_of(
        tmp_path,
        {
            "sl.txt": "# date = 2024-05-06\n\nNgày 6/5, Đoàn kiểm tra số 14 của Bộ Chính trị do đồng chí Lò Văn Páo, "
            "Ủy viên Trung ương Đảng, làm Trưởng đoàn đã làm việc với Ban Thường vụ Tỉnh ủy Sơn La.",
            "byt.txt": "# date = 2024-05-15\n\nChiều 15/5, Đoàn kiểm tra số 4 của Tiểu ban Bảo vệ chính trị nội bộ "
            "Trung ương do đồng chí Tôn Thất Bình làm Trưởng đoàn đã làm việc với Ban Cán sự đảng Bộ Y tế.",
        },
    )
    led = ask_checked(a, "Who led the inspection team in Son La?")
    assert "inspection team no. 14 of the Politburo in Sơn La" in led.answer and "Lò Văn Páo" in led.answer
    when = ask_checked(a, "When did team no. 4 work with the Ministry of Health?")
    assert "at the Ministry of Health: 15/5/2024" in when.answer
    assert "Ban Cán sự" not in when.answer.split("[")[0]
    bodies = ask_checked(a, "Which bodies sent inspection teams in 2024?")
    assert "- Politburo (Sơn La, 6/5/2024)" in bodies.answer and "Bộ Chính trị" not in bodies.answer


def test_which_document_a_team_works_under_is_its_basis_not_every_reference(tmp_path):
    a = store_of(
        tmp_path,
        {
            "hg.txt": "# date = 2024-08-12\n\nNgày 12/8, Đoàn kiểm tra số 8 của Tiểu ban Bảo vệ chính trị nội bộ Trung "
            "ương do đồng chí Vàng Seo Pao làm Trưởng đoàn công bố Quyết định số 201-QĐ/TBBVCTNB về việc thành lập "
            "Đoàn kiểm tra tại Hà Giang. Đoàn kiểm tra việc thực hiện Quy định số 58-QĐ/TW của Bộ Chính trị. Tỉnh ủy "
            "đã quán triệt Kết luận số 21-KL/TW của Ban Chấp hành Trung ương về xây dựng Đảng.",
        },
    )
    answer = ask_checked(a, "Đoàn kiểm tra tại Hà Giang làm việc theo văn bản nào?")
    assert "201-QĐ/TBBVCTNB" in answer.answer and "58-QĐ/TW" in answer.answer
    assert "21-KL/TW" not in answer.answer  # the province's own reference is no basis of the inspection


def test_a_disagreement_inside_one_report_does_not_head_a_list_of_several_teams(tmp_path):
    line = (
        "# date = 2025-0{m}-0{d}\n\n{when}, Đoàn kiểm tra số {n} của Tiểu ban Bảo vệ chính trị nội bộ Trung ương do "
        "đồng chí {who} làm Trưởng đoàn đã làm việc với Ban Thường vụ Tỉnh ủy {where}."
    )
    b = store_of(
        tmp_path,
        {
            "sl_a.txt": line.format(m=4, d=3, when="Ngày 3/4/2025", n=2, who="Vũ Văn Hòa", where="Sơn La"),
            # another outlet: the same meeting, with the inspection's whole span as its date
            "sl_b.txt": line.format(m=4, d=3, when="Từ ngày 3/4 đến ngày 20/4/2025", n=2, who="Vũ Văn Hòa", where="Sơn La"),
            "lc.txt": line.format(m=5, d=6, when="Ngày 6/5/2025", n=6, who="Đỗ Minh Tâm", where="Lào Cai"),
            "hb.txt": line.format(m=6, d=7, when="Ngày 7/6/2025", n=7, who="Trần Quốc Vinh", where="Hòa Bình"),
            "yb.txt": line.format(m=7, d=8, when="Ngày 8/7/2025", n=8, who="Mai Thị Lan", where="Yên Bái"),
        },
    )
    one = ask(b, "Đoàn kiểm tra số 2 làm việc ở Sơn La ngày nào?")  # one report, two readings of its date
    assert one.found and one.answer.startswith("Các bài báo đưa thông tin khác nhau:") and "20/4/2025" in one.answer
    every = ask(b, "Đoàn kiểm tra của Tiểu ban làm việc ngày nào?")  # every team: which one is asked?
    assert not every.found and every.answer.startswith("Câu hỏi khớp với 4 đoàn kiểm tra khác nhau")
