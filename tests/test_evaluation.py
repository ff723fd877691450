"""Gold files: a file that cannot be read, or a malformed line, is one error naming the file (and the line)."""

import pytest

from rag import RagError
from rag.evaluation import load_gold


def test_an_unreadable_gold_file_or_a_bad_line_is_said_in_both_languages(tmp_path):
    with pytest.raises(RagError, match="cannot read gold file") as e:
        load_gold(tmp_path / "missing.jsonl")
    assert e.value.render("vi").startswith(f"không đọc được tệp đáp án {tmp_path / 'missing.jsonl'}: [Errno 2] ")
    cases = [
        ("[1, 2]", "a line must be a JSON object", "mỗi dòng phải là một đối tượng JSON"),
        ('{"expect": ["x"]}', "needs a string 'question' (or 'q')", "cần trường 'question' (hoặc 'q') là một chuỗi"),
        ('{"q": "Ai?", "history": "Ai?"}', "'history' must be a list of questions", "'history' phải là danh sách"),
    ]
    for line, en, vi in cases:
        gold = tmp_path / "gold.jsonl"
        gold.write_text('{"q": "Ai là trưởng đoàn?", "expect": ["x"]}\n' + line + "\n", encoding="utf-8")
        with pytest.raises(RagError) as e:
            load_gold(gold)
        assert str(e.value) == f"{gold}:2: bad gold line ({en})"
        assert e.value.render("vi").startswith(f"{gold}:2: dòng đáp án hỏng ({vi}")
    gold.write_text("{not json\n", encoding="utf-8")  # the parser's own words, as they are
    with pytest.raises(RagError) as e:
        load_gold(gold)
    assert (
        e.value.render("vi") == f"{gold}:1: dòng đáp án hỏng (Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1))"
    )
