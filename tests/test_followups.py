import pytest

from rag.query.followups import standalone_question

TRA_VINH = [
    {"role": "user", "content": "Ai là trưởng đoàn kiểm tra tại Trà Vinh?"},
    {"role": "assistant", "content": "… Nguyễn Quang Dương [1]."},
]


def chat(*turns: str) -> list[dict[str, str]]:
    """User and assistant turns, alternating, the user's first."""
    return [{"role": ("user", "assistant")[i % 2], "content": t} for i, t in enumerate(turns)]


def users(*questions: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": q} for q in questions]


@pytest.mark.parametrize(
    "follow_up, standalone",
    [
        ("Còn ở Đắk Lắk thì sao?", "Ai là trưởng đoàn kiểm tra tại Đắk Lắk?"),
        ("con dak lak thi sao", "Ai là trưởng đoàn kiểm tra tại Đắk Lắk?"),
        ("What about Dak Lak?", "Ai là trưởng đoàn kiểm tra tại Đắk Lắk?"),
        ("Thế còn đoàn số 4?", "Ai là trưởng đoàn kiểm tra số 4?"),
        # a bare "đoàn" in a conversation is the team talked about
        ("Ai là phó trưởng đoàn?", "Ai là phó trưởng đoàn kiểm tra tại Trà Vinh?"),
        ("Có mấy đoàn kiểm tra?", "Có mấy đoàn kiểm tra?"),  # a count of teams is a question of its own
    ],
)
def test_follow_up_carries_the_field_and_replaces_the_entity(follow_up, standalone):
    assert standalone_question(follow_up, TRA_VINH) == standalone


def test_content_as_parts_and_no_history():
    history = [{"role": "user", "content": [{"type": "text", "text": "Đoàn kiểm tra số 5 làm việc ngày nào?"}]}]
    assert standalone_question("còn đoàn số 4 thì sao", history) == "Đoàn kiểm tra số 4 làm việc ngày nào?"
    assert standalone_question("Còn ở Đắk Lắk thì sao?", None) == "Còn ở Đắk Lắk thì sao?"


def test_a_follow_up_of_a_follow_up_reads_from_the_resolved_chain():
    history = users("Đoàn kiểm tra làm việc tại Hà Giang ngày nào?", "Còn Tuyên Quang thì sao?")
    assert standalone_question("Thế còn đoàn số 7?", history) == "Đoàn kiểm tra số 7 làm việc ngày nào?"
    history = users("Ai dẫn đầu đoàn kiểm tra ở Hà Giang?", "Còn ở Tuyên Quang thì sao?")
    assert standalone_question("Còn đoàn số 7 năm 2023 thì sao?", history) == "Ai dẫn đầu đoàn kiểm tra số 7 năm 2023?"
    # an anaphor in the middle of the chain: "đoàn đó" there is the Hà Giang team
    history = users("Ai dẫn đầu đoàn kiểm tra của Tiểu ban ở Hà Giang?", "Đoàn đó làm việc ngày nào?")
    assert standalone_question("Còn phó trưởng đoàn là ai?", history) == (
        "Phó trưởng đoàn kiểm tra của Tiểu ban tại Hà Giang là ai?"
    )


@pytest.mark.parametrize(
    "earlier, follow_up, standalone",
    [
        (  # a place: the unit as written, with the team and body that the follow-up does not name
            "Đoàn kiểm tra số 6 của Tiểu ban làm việc với Tỉnh ủy Hà Giang khi nào?",
            "Ai đọc quyết định ở đó?",
            "Ai đọc quyết định ở Tỉnh ủy Hà Giang (đoàn kiểm tra số 6 của Tiểu ban)?",
        ),
        (  # the team and the place, in the follow-up's words
            "Who headed team 2 in Tuyen Quang?",
            "When did that team start working there?",
            "When did team 2 start working in Tuyen Quang?",
        ),
        (  # an English follow-up stays English
            "Ai là trưởng đoàn kiểm tra số 2 tại Tuyên Quang?",
            "Which units did the team inspect there?",
            "Which units did team 2 inspect in Tuyên Quang?",
        ),
        (  # the follow-up's own place replaces the earlier one in "đoàn đó"
            "Đoàn kiểm tra số 8 làm việc tại Hà Giang ngày nào?",
            "Đoàn này có làm việc ở Tuyên Quang không?",
            "Đoàn kiểm tra số 8 có làm việc ở Tuyên Quang không?",
        ),
        ("Ông Lê Văn Bình làm trưởng đoàn nào?", "Ông ấy giữ chức vụ gì?", "Ông Lê Văn Bình giữ chức vụ gì?"),
        (  # a title with its owner, less the earlier year (the follow-up has its own)
            "Ai là Bí thư Tỉnh ủy Hà Giang năm 2023?",
            "Năm 2025 ai giữ chức vụ này?",
            "Năm 2025 ai giữ chức vụ Bí thư Tỉnh ủy Hà Giang?",
        ),
        (  # "it": the body
            "When did the Sub-committee hold its first meeting of 2024?",
            "Which provinces did it inspect in 2025?",
            "Which provinces did the Sub-committee inspect in 2025?",
        ),
        (  # typed without diacritics: what is put in is too
            "doan kiem tra so 5 lam viec voi tinh uy ha giang ngay nao?",
            "ai chu tri buoi lam viec o do?",
            "Ai chu tri buoi lam viec o tinh uy ha giang (doan kiem tra so 5)?",
        ),
    ],
)
def test_an_anaphor_is_replaced_by_the_earlier_entities(earlier, follow_up, standalone):
    assert standalone_question(follow_up, users(earlier)) == standalone


def test_what_the_earlier_question_asked_is_taken_from_its_answer():
    history = chat("Đoàn kiểm tra số 8 làm việc ở tỉnh nào?", "Đoàn kiểm tra số 8 (3/2024) làm việc tại Hà Giang [1].")
    assert standalone_question("Ai tiếp đoàn ở tỉnh đó?", history) == "Ai tiếp đoàn ở tỉnh Hà Giang?"
    history = chat("Who headed team 2 in Tuyen Quang?", "The head of team 2 in Tuyên Quang was Tran Van Minh [1].")
    assert standalone_question("What position does he hold?", history) == "What position does Tran Van Minh hold?"


@pytest.mark.parametrize(
    "history, follow_up",
    [
        (None, "Ai dẫn đầu đoàn đó?"),  # nothing to resolve it from
        (None, "Còn ở Hà Giang thì sao?"),
        (TRA_VINH, "Còn gì nữa không?"),  # no entity at all
        (users("Đoàn kiểm tra số 5 làm việc ở đâu?"), "Ông ấy nói gì?"),  # no person, none asked
        (users("Ai là trưởng đoàn kiểm tra tại Trà Vinh?"), "Còn chức vụ đó thì sao?"),  # no title
    ],
)
def test_what_refers_to_nothing_is_unclear(history, follow_up):
    result = standalone_question(follow_up, history)
    assert result.unclear and result == follow_up


@pytest.mark.parametrize(
    "question",
    [
        "Con số đoàn kiểm tra năm 2024 là bao nhiêu?",  # "Con số" is no "Còn"
        "How many teams were there in 2024?",  # "were there" is no place
        "Who led the inspection team in Nghe An?",  # "the team" names its place
        "Who led inspection team No. 9 when it worked in Bac Giang?",
        "Who announced the decision in Bac Giang, and what was his role?",  # "his": the one asked
        "Ai là Phó Trưởng đoàn số 10, và người đó đã công bố quyết định nào?",
        "So sánh số đoàn kiểm tra năm 2023 và năm 2024.",
        "Đoàn kiểm tra số 5 có làm việc tại Trà Vinh không?",
    ],
)
def test_a_question_that_refers_to_itself_is_no_follow_up(question):
    for history in (None, TRA_VINH):
        result = standalone_question(question, history)
        assert result == question and not result.unclear


def test_ask_answers_the_follow_up_for_the_new_province(seeded):
    history = [
        {"role": "user", "content": "Đoàn kiểm tra làm việc tại Trà Vinh ngày nào?"},
        {"role": "assistant", "content": "… ngày 2/11 [1]."},
    ]
    answer = seeded.ask("Còn ở Đắk Lắk thì sao?", history=history)
    assert answer.found and "24/4/2024" in answer.answer and "Đắk Lắk" in answer.standalone
    assert answer.question == "Còn ở Đắk Lắk thì sao?"


def test_ask_asks_back_what_it_cannot_resolve(fake_assistant):
    answer = fake_assistant.ask("Ai là trưởng đoàn đó?")
    assert (answer.found, answer.mode, answer.answer) == (False, "clarify", "Bạn hỏi về tỉnh, đơn vị hay đoàn nào?")
    answer = fake_assistant.ask("Còn gì nữa không?", history=TRA_VINH)
    assert not answer.found and answer.mode == "clarify" and answer.standalone == "Còn gì nữa không?"
    answer = fake_assistant.ask("What did the team find there?")
    assert answer.answer == "Which province, unit or team do you mean?" and answer.language == "en"


@pytest.mark.parametrize(
    "question",
    [
        "Thế nào là một cuộc kiểm tra trực tiếp?",  # "Thế nào là" asks something of its own
        "Vậy là tỉnh đã khắc phục xong chưa?",
        "Why is it hard to verify the files of members abroad?",  # "it" as a filler
        "Doan do ong Le Van Tam dan dau lam viec o dau?",  # folded "do" is "by", not "đó"
    ],
)
def test_a_question_that_stands_alone_is_never_asked_back(question):
    result = standalone_question(question, None)
    assert not result.unclear and result == question


def test_a_bare_team_in_a_conversation_is_the_team_talked_about_and_a_first_question_s_is_its_own():
    history = chat("Ai dẫn đầu đoàn kiểm tra tại Cao Bằng?", "… [1].", "Còn ở Lạng Sơn thì sao?", "… [1].")
    # "Đoàn ấy … ở đấy": the place named by the chain says which team, even though the chain named no team number
    assert standalone_question("Đoàn ấy làm việc ở đấy vào hôm nào?", history) == (
        "Đoàn kiểm tra làm việc ở Lạng Sơn vào hôm nào?"
    )
    assert standalone_question("Doan lam viec vao hom nao?", history) == "Doan kiem tra tai Lang Son lam viec vao hom nao?"
    numbered = chat("Đoàn kiểm tra số 7 làm việc ở Bình Định ngày nào?", "Ngày 3/6 [1].")
    assert standalone_question("Trưởng đoàn tên gì?", numbered) == "Trưởng đoàn kiểm tra số 7 tại Bình Định tên gì?"
    for own in ("Những đoàn nào đã đến Bình Định?", "Đoàn kiểm tra số 2 làm việc ở đâu?", "Mỗi đoàn có mấy người?"):
        assert standalone_question(own, numbered) == own
    first = standalone_question("Đoàn làm việc hôm nào?", None)  # no conversation: nothing to refer to
    assert first == "Đoàn làm việc hôm nào?" and not first.unclear
