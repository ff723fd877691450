"""The open route (what / how / why questions), the article layout it reads and the cue words it weighs. Articles
and questions are written for these tests; the hash embedding keeps them fast (the dense side is a tie-breaker)."""

from __future__ import annotations

import pytest
from conftest import HashEmbedding, ask_checked, make_settings, store_of, write

from rag import Assistant
from rag.query.answers.layout import answerable, blocks
from rag.query.questions import analyze
from rag.vn.cues import asked_items, asked_kinds, gives, items, requester
from rag.vn.text import fold

# An invented results report: a headline, a dateline, a caption, subheadings, an announced list, a byline, links.
RESULTS = """# title = Bốn việc Yên Bái phải làm sau đợt kiểm tra bảo vệ chính trị nội bộ
# date = 2023-05-20

Xây dựng Đảng | 20/05/2023 09:10

Bốn việc Yên Bái phải làm sau đợt kiểm tra bảo vệ chính trị nội bộ

YBO - Sáng 19/5, Đoàn kiểm tra số 12 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương do đồng chí Phan Trọng Khiêm làm Trưởng đoàn thông báo kết quả kiểm tra đối với Ban Thường vụ Tỉnh ủy Yên Bái.

Đồng chí Phan Trọng Khiêm phát biểu tại hội nghị. Ảnh: Thu Hà

Theo báo cáo, Ban Thường vụ Tỉnh ủy đã ban hành 7 văn bản chỉ đạo, việc thẩm định tiêu chuẩn chính trị được thực hiện nền nếp, đúng quy trình.

Vướng ở cấp xã

Tuy nhiên, Đoàn chỉ ra một số tồn tại. Hồ sơ đảng viên ở nhiều chi bộ vùng cao chưa được cập nhật. Việc xác minh lý lịch người vào Đảng còn chậm, có trường hợp kéo dài tám tháng. Cán bộ làm công tác này ở cấp xã phải kiêm nhiệm nhiều việc.

Riêng Huyện ủy Văn Chấn chưa lập sổ theo dõi đảng viên đi nước ngoài; đây là việc Đoàn lưu ý tỉnh.

Trên cơ sở đó, Đoàn đề nghị Ban Thường vụ Tỉnh ủy rà soát hồ sơ nhân sự quy hoạch; bố trí cán bộ chuyên trách ở cấp huyện; số hóa hồ sơ lưu trữ; báo cáo kết quả khắc phục trước ngày 30/9/2023.

Thu Hà

Tin liên quan:
- Yên Bái: những tồn tại trong công tác cán bộ
"""

TITLE = "Bốn việc Yên Bái phải làm sau đợt kiểm tra bảo vệ chính trị nội bộ"

# An invented English report of the same kind.
ENGLISH = """# title = Lao Cai's border trade tests internal political protection
# date = 2023-06-02

Politics | June 02, 2023 - 08:00

Lao Cai (VNA) – Inspection team No. 14 of the Central Sub-committee for Internal Political Protection, led by Ma Thi Quynh, announced its findings to the Standing Board of the Lao Cai provincial Party Committee on June 1.

The team found that the Standing Board had issued nine documents on the work. However, files on Party members trading across the border were not yet complete, and few communes had full-time staff.

Quynh asked the province to finish the files by October 15 and to train commune officials.
"""


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    root = tmp_path_factory.mktemp("open")
    docs = [write(root / "docs" / "yen_bai.txt", RESULTS), write(root / "docs" / "lao_cai.txt", ENGLISH)]
    a = Assistant(make_settings(root / "data", auto_seed=False), embedder=HashEmbedding())
    assert len(a.ingest(docs).added) == 2
    return a


def test_layout_keeps_only_body_paragraphs():
    text = RESULTS.split("\n\n", 1)[1]  # without the front matter, as stored
    kinds = [(b.kind, text[b.start : b.end][:12]) for b in blocks(text, TITLE)]
    assert [k for k, _ in kinds][:5] == ["skip", "skip", "body", "skip", "body"]  # dateline, headline, caption
    assert ("heading", "Vướng ở cấp ") in kinds
    assert ("skip", "Thu Hà") in kinds  # a byline
    assert not any(t.startswith("- Yên") for _, t in kinds)  # the related links and all after them
    start = text.index("Ảnh: Thu Hà")
    assert not answerable(text, "", start, start + 11)


def test_cues_say_what_kind_of_answer_is_asked_and_given():
    assert asked_kinds("doan da chi ra nhung ton tai gi o yen bai") == ["limits"]
    assert "requests" in asked_kinds("doan de nghi tinh lam nhung gi")
    assert "list" in asked_kinds("bon viec yen bai phai lam la gi")
    assert gives("limits", "ho so dang vien chua duoc cap nhat")
    assert not gives("limits", "doan de nghi ra soat ho so")  # a request is no shortcoming
    assert asked_items("bon viec yen bai phai lam la gi") == 4 and items("gom: mot; hai; ba; bon.") == 4
    assert asked_items("yen bai phai lam gi") is None


def test_shortcomings_are_the_announced_items_not_the_sentence_naming_them(assistant):
    a = assistant.ask("Đoàn kiểm tra số 12 đã chỉ ra những tồn tại gì ở Yên Bái?")
    assert a.found and "chưa được cập nhật" in a.answer and "kéo dài tám tháng" in a.answer
    assert "Trên cơ sở đó" not in a.answer  # the requests are another kind of finding
    for c in a.citations:
        assert assistant.document_text(c.doc_id)[c.start : c.end] == c.quote


def test_a_headline_is_never_the_answer_to_a_title_trap(assistant):
    a = assistant.ask("Bốn việc Yên Bái phải làm sau đợt kiểm tra là gì?")
    assert a.found and "rà soát hồ sơ nhân sự quy hoạch" in a.answer
    assert not a.answer.startswith("Bốn việc")


def test_a_subheading_frames_the_paragraph_under_it(assistant):
    a = assistant.ask("Theo đoàn kiểm tra số 12, vướng ở cấp xã là gì?")
    assert a.found and "kiêm nhiệm" in a.answer


def test_english_question_english_article_quoted_as_english(assistant):
    a = assistant.ask("What shortcomings did the team find in Lao Cai?")
    assert a.found and "not yet complete" in a.answer
    assert a.answer.startswith("The article says:")


def test_what_a_person_asked_is_their_own_sentence(assistant):
    a = assistant.ask("What did Ma Thi Quynh ask the province to do?")
    assert a.found and "October 15" in a.answer


def test_an_open_question_the_articles_do_not_answer_is_refused(assistant):
    a = assistant.ask("Kết quả kiểm tra đối với Đảng ủy Khối doanh nghiệp tỉnh Yên Bái ra sao về công tác dân vận?")
    assert not a.found


def test_a_province_no_article_names_is_said_only_when_no_article_names_it(assistant):
    a = assistant.ask("Đoàn kiểm tra số 12 chỉ ra những tồn tại gì ở Lào Cai?")  # each is named, not together
    assert not a.found and "Không có bài báo nào" not in a.answer
    assert analyze("Đoàn chỉ ra những tồn tại gì ở Lào Cai?").provinces[0].name == "Lào Cai"


def test_the_sentence_about_the_unit_asked_answers(assistant):
    a = assistant.ask("Đoàn kiểm tra số 12 chỉ ra hạn chế gì ở Huyện ủy Văn Chấn?")
    assert a.found and "sổ theo dõi" in a.answer


def test_an_english_count_matches_the_noun_as_typed_in_an_english_article(assistant):
    a = assistant.ask("How many documents had the Standing Board in Lao Cai issued on the work?")
    assert a.found and "nine documents" in a.answer


def test_a_deadline_is_no_date_of_what_was_done_and_a_venue_no_inspected_province():
    from rag.query.answers.extractive import _holds_asked

    q = analyze("On what date did the province report to the Sub-committee?")
    assert not _holds_asked("date", "Tỉnh phải báo cáo kết quả khắc phục trước ngày 30/9/2023.", q)
    assert _holds_asked("date", "Sáng 19/5, Đoàn kiểm tra số 12 làm việc với Tỉnh ủy.", q)
    q = analyze("Which provinces did the Sub-committee inspect in 2029?")
    assert not _holds_asked("province", "The Sub-committee met in Hanoi on January 10 to review 2029.", q)
    assert _holds_asked("province", "Inspection team No. 3 worked in Nghe An on March 2.", q)


def test_a_list_the_records_cannot_give_is_refused_not_answered_from_a_passing_sentence(tmp_path):
    review = """# title = Sub-committee reviews 2029
# date = 2030-01-12

Hanoi (VNA) – The Central Sub-committee for Internal Political Protection met in Hanoi on January 10 to review 2029.

In 2029 the Sub-committee set up four inspection teams, three of them for central agencies.
"""
    a = Assistant(make_settings(tmp_path / "data", auto_seed=False), embedder=HashEmbedding())
    a.ingest([write(tmp_path / "review.txt", review), write(tmp_path / "yen_bai.txt", RESULTS)])
    assert not a.ask("Which provinces did the Sub-committee inspect in 2029?").found


def test_a_cut_without_a_space_is_still_a_real_span():
    from rag.query.answers.open import _head

    assert _head("x" * 600, 0, 600, 520) == (0, 520)
    assert _head("a, " + "y" * 600, 0, 603, 520)[1] > 0


def test_a_text_stored_a_line_a_paragraph_keeps_its_body_after_a_dateline_line():
    text = "Thứ hai, 2/11/2023 | 14:30\nĐoàn kiểm tra số 5 làm việc tại Phú Thọ.\nĐoàn đề nghị tỉnh rà soát hồ sơ?"
    assert [b.kind for b in blocks(text, "")] == ["skip", "body", "prompt"]
    start = text.index("Đoàn kiểm tra")
    assert answerable(text, "", start, start + 10)


def test_who_requests_is_the_actor_nearest_the_verb_not_one_named_as_an_object():
    assert requester(fold("What did the team ask the province to do?")) == "team"
    assert requester(fold("Đồng chí Lò Văn A, Bí thư Tỉnh ủy Hà Giang, Trưởng đoàn, đề nghị tỉnh rà soát")) == "team"
    assert requester(fold("Tiếp thu ý kiến của Đoàn, Chủ tịch UBND tỉnh yêu cầu các sở khẩn trương")) == "host"
    assert requester(fold("Bí thư Tỉnh ủy cảm ơn Đoàn và đề nghị các cấp ủy chuẩn bị")) == "host"
    assert requester(fold("It asked the Standing Board to report")) is None  # "it": nobody named


def test_folded_look_alikes_are_no_request():
    assert not gives("requests", fold("Đoàn kiểm tra việc lãnh đạo, chỉ đạo công tác cán bộ"))  # cán bộ, not cần
    assert not gives("requests", fold("Đây không phải việc riêng của ngành tổ chức"))
    assert gives("requests", fold("Tỉnh cần sớm bổ sung cán bộ chuyên trách"))


def test_the_teams_requests_are_not_answered_with_the_hosts(tmp_path):
    a = store_of(
        tmp_path,
        {
            "kg.txt": "# date = 2024-03-04\n\nNgày 4/3, Đoàn kiểm tra số 5 của Tiểu ban Bảo vệ chính trị nội bộ "
            "Trung ương do đồng chí Hà Văn Tấn làm Trưởng đoàn làm việc với Ban Thường vụ Tỉnh ủy Kiên Giang.\n\n"
            "Tiếp thu ý kiến của Đoàn, Bí thư Tỉnh ủy yêu cầu các đơn vị được kiểm tra chuẩn bị đầy đủ tài liệu.\n\n"
            "Đồng chí Hà Văn Tấn đề nghị Tỉnh ủy Kiên Giang sớm bố trí cán bộ chuyên trách cho công tác bảo vệ "
            "chính trị nội bộ ở các khu kinh tế.",
        },
    )
    team = ask_checked(a, "Đoàn kiểm tra đề nghị Tỉnh ủy Kiên Giang những gì?")
    assert team.found and "bố trí cán bộ chuyên trách" in team.answer and "chuẩn bị đầy đủ" not in team.answer
    host = ask_checked(a, "Bí thư Tỉnh ủy Kiên Giang yêu cầu các đơn vị làm gì?")
    assert host.found and host.answer.startswith("Tiếp thu ý kiến của Đoàn")
