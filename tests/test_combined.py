"""Aggregates over the records and questions naming two entities, on a small corpus written for these tests (names
and events invented): each inspection counted once and cited once, another body's teams left out of the
Subcommittee's, totals an article states left to the passage route, one cited block per entity, and no false
statement about what the library holds."""

import re

import pytest
from conftest import HashEmbedding, ask_checked, make_settings, store_of, write

from rag import Assistant
from rag.query.answers.combined import _fit, _pair, _sub, combined_answer
from rag.query.questions import analyze
from rag.results import Answer, Citation

_TB = "Tiểu ban Bảo vệ chính trị nội bộ Trung ương"
ARTICLES = {
    "yb.txt": f"# date = 2024-04-02\n\nNgày 2/4, Đoàn kiểm tra số 4 của {_TB} do đồng chí Tôn Thất Bình, "
    "Phó Trưởng ban Dân vận Trung ương, làm Trưởng đoàn đã làm việc với Ban Thường vụ Tỉnh ủy Yên Bái "
    "về công tác bảo vệ chính trị nội bộ.",
    "yb_en.txt": "# date = 2024-04-02\n\nYen Bai (VNA) – Inspection team No. 4 of the Central Sub-committee for "
    "Internal Political Protection, led by Ton That Binh, on April 2 worked with the Standing Board of the Yen Bai "
    "provincial Party Committee.",
    "yb_kq.txt": f"# date = 2024-07-10\n\nNgày 10/7, Đoàn kiểm tra số 4 của {_TB} thông báo kết quả kiểm tra "
    "đối với Ban Thường vụ Tỉnh ủy Yên Bái. Đồng chí Tôn Thất Bình, Trưởng đoàn, chủ trì hội nghị.",
    "byt.txt": f"# date = 2024-05-15\n\nChiều 15/5, tại Hà Nội, Đoàn kiểm tra số 4 của {_TB} do đồng chí "
    "Tôn Thất Bình làm Trưởng đoàn đã làm việc với Ban Cán sự đảng Bộ Y tế.",
    "tq_ubkt.txt": "# date = 2024-06-03\n\nSáng 3/6, Đoàn kiểm tra số 4 của Ủy ban Kiểm tra Trung ương do đồng chí "
    "Đinh Văn Lộc, Ủy viên Ủy ban Kiểm tra Trung ương, làm Trưởng đoàn đã làm việc với Ban Thường vụ "
    "Tỉnh ủy Tuyên Quang.",
    "tq.txt": f"# date = 2024-03-20\n\nNgày 20/3, Đoàn kiểm tra số 2 của {_TB} do đồng chí Mai Xuân Hòa "
    "làm Trưởng đoàn đã làm việc với Ban Thường vụ Tỉnh ủy Tuyên Quang về công tác bảo vệ chính trị nội bộ.",
    "yb_ttcp.txt": "# date = 2024-09-05\n\nNgày 5/9, Đoàn thanh tra của Thanh tra Chính phủ do ông Lạc Văn Tùng làm "
    "Trưởng đoàn đã công bố quyết định thanh tra tại UBND tỉnh Yên Bái.",
    "tong_ket.txt": f"# date = 2024-12-28\n\nNăm 2024, {_TB} đã thành lập 7 đoàn kiểm tra công tác bảo vệ "
    "chính trị nội bộ. Năm 2025, Tỉnh ủy Lào Cai sẽ được kiểm tra.",
}


@pytest.fixture(scope="module")
def a(tmp_path_factory):
    return store_of(tmp_path_factory.mktemp("combined"), ARTICLES)


def ask(a, question):
    answer = ask_checked(a, question)
    assert [c.id for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    return answer


def sources(answer):
    return {c.source.rsplit("/", 1)[-1] for c in answer.citations}


def test_a_count_lists_each_inspection_once_with_one_citation_each(a):
    # Yên Bái: two outlets on 2/4 and the results meeting on 10/7 are one inspection
    answer = ask(
        a, "Đồng chí Tôn Thất Bình đã dẫn đầu đoàn kiểm tra tại bao nhiêu cơ quan, địa phương? Đó là những nơi nào?"
    )
    assert answer.found and answer.answer.startswith("2 nơi:")
    assert "Yên Bái" in answer.answer and "Bộ Y tế" in answer.answer and len(answer.citations) == 2


def test_a_count_of_provinces_leaves_out_central_units(a):
    answer = ask(a, "Đồng chí Tôn Thất Bình đã kiểm tra bao nhiêu tỉnh?")
    assert answer.answer.startswith("1 tỉnh") and "Yên Bái" in answer.answer and "Bộ Y tế" not in answer.answer


def test_a_count_scoped_to_the_subcommittee_counts_only_its_teams(a):
    answer = ask(a, "Năm 2024 có mấy đoàn kiểm tra của Tiểu ban mang số 4, và các đoàn đó làm việc ở đâu?")
    assert answer.answer.startswith("2 đoàn:") and "Tuyên Quang" not in answer.answer
    assert "tq_ubkt.txt" not in sources(answer)


@pytest.mark.parametrize(
    "question",
    [
        # a total an article states: the passage route quotes it
        "Năm 2024, Tiểu ban Bảo vệ chính trị nội bộ Trung ương đã thành lập bao nhiêu đoàn kiểm tra?",
        # the units of one inspection, not places counted across inspections
        "Đoàn kiểm tra số 4 của Tiểu ban đã làm việc với bao nhiêu đơn vị?",
        # a scope the intersection does not apply: no answer rather than a wider one
        f"Năm 2023, những tỉnh nào vừa được {_TB} kiểm tra, vừa có đoàn của một cơ quan Trung ương khác?",
    ],
)
def test_what_the_records_cannot_answer_is_left_to_the_usual_routes(a, question):
    _, articles, known, events = a._facts_cache()
    assert combined_answer(analyze(question, known), articles, events, a.document_text, a.ask, a._mentioned) is None


def test_two_places_are_answered_one_cited_block_each(a):
    answer = ask(a, "Ai là Trưởng đoàn kiểm tra của Tiểu ban tại Yên Bái và tại Tuyên Quang?")
    first, second = answer.answer.splitlines()[:2]
    assert first.startswith("Yên Bái:") and "Tôn Thất Bình" in first
    assert second.startswith("Tuyên Quang:") and "Mai Xuân Hòa" in second
    assert "Đinh Văn Lộc" not in answer.answer  # never another body's team for a Subcommittee question


def test_two_bodies_in_one_place(a):
    answer = ask(
        a,
        f"Ở Tuyên Quang, đoàn kiểm tra của {_TB} và đoàn kiểm tra của Ủy ban Kiểm tra Trung ương lần lượt "
        "do ai làm Trưởng đoàn?",
    )
    first, second = answer.answer.splitlines()[:2]
    assert "Mai Xuân Hòa" in first and "Đinh Văn Lộc" in second


def test_a_part_without_an_answer_says_so_and_never_wrongly_that_no_article_names_it(a):
    named = ask(a, "Ai là Trưởng đoàn kiểm tra của Tiểu ban tại Yên Bái và tại Lào Cai?")
    assert named.found and "Tôn Thất Bình" in named.answer
    assert "Lào Cai:" in named.answer and "Không có bài báo nào" not in named.answer  # tong_ket.txt names Lào Cai
    unnamed = ask(a, "Ai là Trưởng đoàn kiểm tra của Tiểu ban tại Yên Bái và tại Cà Mau?")
    assert unnamed.found and "Không có bài báo nào đã nạp nói về Cà Mau" in unnamed.answer


def test_which_bodies_sent_teams_besides_the_one_named(a):
    answer = ask(
        a, "Trong năm 2024, ngoài Tiểu ban, những cơ quan Trung ương nào đã cử đoàn đến làm việc với các tỉnh?"
    )
    lines = answer.answer.splitlines()
    assert lines[0] == "2 cơ quan:" and len(answer.citations) == 2
    assert "Ủy ban Kiểm tra Trung ương" in answer.answer and "Thanh tra Chính phủ" in answer.answer
    assert "Tiểu ban" not in answer.answer


def test_provinces_both_the_subcommittee_and_another_body_went_to(a):
    answer = ask(
        a,
        f"Những tỉnh nào vừa được {_TB} kiểm tra, vừa có đoàn của một cơ quan Trung ương khác đến làm việc?",
    )
    lines = answer.answer.splitlines()
    assert lines[0].startswith("2 tỉnh") and {x.split(":")[0] for x in lines[1:]} == {"- Yên Bái", "- Tuyên Quang"}
    assert all(len(re.findall(r"\[\d+\]", x)) == 2 for x in lines[1:])  # each side cited


def test_each_parts_citations_are_renumbered_refusals_too(a):
    """Both parts cite their own [1]: the joined answer's [1] and [2] point at each part's own sentence."""
    docs = {d["source"].rsplit("/", 1)[-1]: d["doc_id"] for d in a.documents()}

    def part(sub: str) -> Answer:
        doc = docs["yb.txt" if "Yên Bái" in sub else "tq_ubkt.txt"]
        text = a.document_text(doc)
        c = Citation(id=1, source=doc, title="", quote=text[:20], start=0, end=20, score=1.0, doc_id=doc)
        return Answer(sub, f"{sub} [1].", "Yên Bái" in sub, [c], "vi")

    _, articles, known, events = a._facts_cache()
    q = analyze("Ai dẫn đầu đoàn kiểm tra của Tiểu ban ở Yên Bái và ở Tuyên Quang?", known)
    answer = combined_answer(q, articles, events, a.document_text, part, a._mentioned)
    assert answer is not None and answer.found
    assert answer.answer.splitlines()[1].endswith("[2].")  # the refusal's own source, renumbered
    assert [c.doc_id for c in answer.citations] == [docs["yb.txt"], docs["tq_ubkt.txt"]]


@pytest.mark.parametrize(
    "question, subs",
    [
        (
            "So sánh thời hạn báo cáo kết quả của Yên Bái và của Tuyên Quang.",
            ["Thời hạn báo cáo kết quả của Yên Bái?", "Thời hạn báo cáo kết quả của Tuyên Quang?"],
        ),
        (
            "Compare who led the inspections of the Ministry of Health and of the State Audit Office.",
            [
                "Who led the inspections of the Ministry of Health?",
                "Who led the inspections of the State Audit Office?",
            ],
        ),
        (
            "Đoàn số 4 ở Yên Bái và đoàn số 2 ở Tuyên Quang khác nhau thế nào về Trưởng đoàn và Phó Trưởng đoàn?",
            [
                "Đoàn số 4 ở Yên Bái: ai là Trưởng đoàn và ai là Phó Trưởng đoàn?",
                "Đoàn số 4 ở Tuyên Quang: ai là Trưởng đoàn và ai là Phó Trưởng đoàn?",
            ],
        ),
        (
            "So sánh số đoàn mà Tiểu ban lập trong năm 2023 và năm 2024.",
            ["Bao nhiêu đoàn Tiểu ban lập trong năm 2023?", "Bao nhiêu đoàn Tiểu ban lập trong năm 2024?"],
        ),
        (
            "Đoàn kiểm tra năm 2023 và năm 2024 ở Yên Bái lần lượt do ai dẫn đầu?",
            ["Đoàn kiểm tra năm 2023 ở Yên Bái do ai dẫn đầu?", "Đoàn kiểm tra năm 2024 ở Yên Bái do ai dẫn đầu?"],
        ),
    ],
)
def test_each_sub_question_names_one_entity(question, subs):
    q = analyze(question)
    pair = _pair(q)
    assert pair is not None
    got = [_sub(q, *pair), _sub(q, *pair[::-1])]
    assert got == subs and all(_pair(analyze(s)) is None for s in got)


@pytest.mark.parametrize(
    "question",
    [
        "Đoàn nào đã làm việc ở cả Yên Bái và Tuyên Quang?",  # one team in both: one question
        "Ai là Trưởng đoàn kiểm tra tại Yên Bái?",
        "Đoàn kiểm tra tại Quảng Nam (nay là Đà Nẵng) do ai dẫn đầu?",  # two names, one place
    ],
)
def test_questions_about_one_thing_are_not_split(question):
    assert _pair(analyze(question)) is None


def test_a_long_part_is_cut_to_whole_quotes_then_words_keeping_its_marks():
    text = "Câu thứ nhất khá dài về đoàn kiểm tra. [1] Câu thứ hai cũng dài như vậy. [2]"
    assert _fit(text, 50) == "Câu thứ nhất khá dài về đoàn kiểm tra. [1]"
    lines = "Có 2 đoàn:\n- Trưởng đoàn A là X [1].\n- Trưởng đoàn B là Y [2]."
    assert _fit(lines, 100) == lines and _fit(lines, 40) == "Có 2 đoàn:\n- Trưởng đoàn A là X [1]."
    cut = _fit("Một câu rất dài " * 10 + "[3].", 60)
    assert len(cut) <= 60 and cut.endswith("… [3].")


def test_everyone_who_held_a_title_once_each_and_no_deputy(tmp_path):
    docs = {
        "one.txt": "# date = 2023-03-01\n\nNgày 1/3, Đoàn kiểm tra số 6 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương "
        "do đồng chí Hà Minh Khuê làm Trưởng đoàn; đồng chí Vi Đức Lâm, Vụ trưởng Vụ Địa phương, Ban Nội chính Trung "
        "ương, làm Phó Trưởng đoàn.",
        "two.txt": "# date = 2025-02-01\n\nNgày 1/2, đồng chí Lò Thị Sen, Vụ trưởng Vụ Địa phương, Ban Nội chính Trung "
        "ương, công bố quyết định; đồng chí Mạc Văn Tú, Phó Vụ trưởng Vụ Địa phương, thành viên Đoàn.",
    }
    assistant = Assistant(make_settings(tmp_path / "data", auto_seed=False), embedder=HashEmbedding())
    assistant.ingest([write(tmp_path / name, text) for name, text in docs.items()])
    answer = ask(assistant, "Những ai từng giữ chức Vụ trưởng Vụ Địa phương Ban Nội chính Trung ương?")
    assert answer.found and answer.answer.startswith("2 người")
    assert "Vi Đức Lâm" in answer.answer and "Lò Thị Sen" in answer.answer and "Mạc Văn Tú" not in answer.answer


def test_a_quote_cut_to_fit_keeps_its_own_citation_mark():
    text = "Đoàn chỉ ra " + "nhiều tồn tại ở cơ sở, " * 20 + "cần khắc phục. [1] Một câu ngắn khác. [2]"
    out = _fit(text, 280)
    assert len(out) <= 280 and out.endswith("[1]") and "[2]" not in out


def test_a_place_or_body_named_only_in_english_is_not_claimed_absent(tmp_path):
    # The library's only word on Hà Nội and the Secretariat is an English report: a Vietnamese question naming them
    # must not read "no article mentions Hà Nội / Ban Bí thư" (their English spellings come from the gazetteer).
    a = store_of(
        tmp_path,
        {
            "yb.txt": ARTICLES["yb.txt"],
            "hn_en.txt": "# date = 2024-10-08\n\nHanoi (VNA) – An inspection team of the Secretariat worked with the "
            "Standing Board of the Hanoi Party Committee on October 8.",
        },
    )
    answer = ask_checked(a, "Ai là Trưởng đoàn kiểm tra của Tiểu ban tại Yên Bái và tại Hà Nội?")
    assert "Tôn Thất Bình" in answer.answer and "Hà Nội:" in answer.answer
    assert "Không có bài báo nào" not in answer.answer
    assert a._mentioned("Ban Bí thư") and a._mentioned("Hà Nội") and not a._mentioned("Cà Mau")


def test_cutting_to_fit_drops_a_persons_title_but_never_a_quotes_own_parenthesis():
    titled = "Yên Bái: Tôn Thất Bình (Phó Trưởng ban Dân vận Trung ương) [1]. " + "Thêm một câu khá dài. [2]" * 3
    assert _fit(titled, 60).startswith("Yên Bái: Tôn Thất Bình [1].")
    quoted = "Đoàn làm việc theo Quy định số 58 (năm 2017) [1]. " + "Thêm một câu khá dài. [2]" * 3
    assert _fit(quoted, 60).startswith("Đoàn làm việc theo Quy định số 58 (năm 2017) [1].")
