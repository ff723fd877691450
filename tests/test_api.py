"""The public API: what `import rag` exposes, and what an Answer says about the question it answered."""

import types

import rag

TRA_VINH = [
    {"role": "user", "content": "Ai là trưởng đoàn kiểm tra tại Trà Vinh?"},
    {"role": "assistant", "content": "… Nguyễn Quang Dương [1]."},
]


def test_dir_shows_the_public_names_and_the_submodules_only():
    public = {n for n in dir(rag) if not n.startswith("_")}
    extra = public - set(rag.__all__)
    assert extra == {n for n in extra if isinstance(getattr(rag, n), types.ModuleType)}, extra
    assert {"assistant", "errors", "results"} <= extra and not set(rag.__all__) - public
    assert isinstance(rag.__version__, str) and rag.__version__


def test_a_follow_up_keeps_the_question_asked_and_the_one_answered(fake_assistant):
    answer = fake_assistant.ask("Còn ở Đắk Lắk thì sao?", history=TRA_VINH)
    assert answer.question == "Còn ở Đắk Lắk thì sao?"
    assert answer.standalone == "Ai là trưởng đoàn kiểm tra tại Đắk Lắk?"
    d = answer.to_dict()
    assert (d["question"], d["standalone"]) == (answer.question, answer.standalone)
    # the refusal routes too: a province no article names
    refused = fake_assistant.ask("Còn ở Cà Mau thì sao?", history=TRA_VINH)
    assert not refused.found and refused.question == "Còn ở Cà Mau thì sao?"
    assert refused.standalone == "Ai là trưởng đoàn kiểm tra tại Cà Mau?"


def test_without_a_rewrite_the_standalone_question_is_the_question(fake_assistant):
    for history in (None, TRA_VINH):  # a question of its own is not rewritten, whatever came before
        answer = fake_assistant.ask("Ai là phó trưởng đoàn kiểm tra tại Đắk Lắk?", history=history)
        assert answer.standalone == answer.question == "Ai là phó trưởng đoàn kiểm tra tại Đắk Lắk?"
        assert answer.found and answer.to_dict()["standalone"] == answer.question
    assert rag.Answer(question="q", answer="a", found=False).standalone == "q"
