import pytest

from rag.followups import standalone_question

TRA_VINH = [
    {"role": "user", "content": "Ai là trưởng đoàn kiểm tra tại Trà Vinh?"},
    {"role": "assistant", "content": "… Nguyễn Quang Dương [1]."},
]


@pytest.mark.parametrize(
    "follow_up, standalone",
    [
        ("Còn ở Đắk Lắk thì sao?", "Ai là trưởng đoàn kiểm tra tại Đắk Lắk?"),
        ("con dak lak thi sao", "Ai là trưởng đoàn kiểm tra tại Đắk Lắk?"),
        ("What about Dak Lak?", "Ai là trưởng đoàn kiểm tra tại Đắk Lắk?"),
        ("Thế còn đoàn số 4?", "Ai là trưởng đoàn kiểm tra số 4?"),
        ("Ai là phó trưởng đoàn?", "Ai là phó trưởng đoàn?"),  # a question of its own
        ("Còn gì nữa không?", "Còn gì nữa không?"),  # no entity to carry
    ],
)
def test_follow_up_carries_the_field_and_replaces_the_entity(follow_up, standalone):
    assert standalone_question(follow_up, TRA_VINH) == standalone


def test_content_as_parts_and_no_history():
    history = [{"role": "user", "content": [{"type": "text", "text": "Đoàn kiểm tra số 5 làm việc ngày nào?"}]}]
    assert standalone_question("còn đoàn số 4 thì sao", history) == "Đoàn kiểm tra số 4 làm việc ngày nào?"
    assert standalone_question("Còn ở Đắk Lắk thì sao?", None) == "Còn ở Đắk Lắk thì sao?"


def test_ask_answers_the_follow_up_for_the_new_province(seeded):
    history = [
        {"role": "user", "content": "Đoàn kiểm tra làm việc tại Trà Vinh ngày nào?"},
        {"role": "assistant", "content": "… ngày 2/11 [1]."},
    ]
    answer = seeded.ask("Còn ở Đắk Lắk thì sao?", history=history)
    assert answer.found and "24/4/2024" in answer.answer and "Đắk Lắk" in answer.standalone
    assert answer.question == "Còn ở Đắk Lắk thì sao?"
