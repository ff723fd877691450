import unicodedata

import pytest
from conftest import SEEDS

from rag.vn.gazetteer import PROVINCES, find_provinces
from rag.vn.text import bounded_sentences, fold, has_diacritics, lexical_terms, split_long, split_sentences


def test_fold_strips_diacritics_keeps_length():
    assert fold("Đắk Lắk, Huỳnh Văn Thịnh") == "dak lak, huynh van thinh"
    text = (SEEDS / "000_b584f524cb46930b.txt").read_text(encoding="utf-8")
    assert len(fold(text)) == len(text)


def test_has_diacritics():
    assert has_diacritics("Trà Vinh") and has_diacritics("đ")
    assert not has_diacritics("tra vinh") and not has_diacritics("Who led?")


def test_lexical_terms_are_folded_syllables_and_bigrams():
    assert lexical_terms("Trà Vinh") == ["tra", "vinh", "tra_vinh"]


def test_sentences_keep_offsets_and_skip_abbreviations():
    text = "Ngày 24/4, Đoàn làm việc tại TP. Hồ Chí Minh. Ông Lê Hải Bình phát biểu!\nẢnh: TTXVN"
    spans = split_sentences(text)
    assert [text[a:b] for a, b in spans] == [
        "Ngày 24/4, Đoàn làm việc tại TP. Hồ Chí Minh.",
        "Ông Lê Hải Bình phát biểu!",
        "Ảnh: TTXVN",
    ]


def test_gazetteer_has_all_63_units_and_the_2025_mergers():
    assert len(PROVINCES) == 63
    merged = {p.name: p.merged_into for p in PROVINCES}
    assert merged["Trà Vinh"] == "Vĩnh Long" and merged["Đắk Lắk"] is None
    assert len({p.merged_into or p.name for p in PROVINCES}) == 34


@pytest.mark.parametrize(
    "text, name",
    [
        ("làm việc tại Đắk Lắk", "Đắk Lắk"),
        ("o dak lak", "Đắk Lắk"),
        ("tỉnh Đăk Lăk", "Đắk Lắk"),
        ("TP.HCM", "TP. Hồ Chí Minh"),
        ("TP HCM", "TP. Hồ Chí Minh"),
        ("Thừa Thiên Huế", "Huế"),
        ("Bà Rịa – Vũng Tàu", "Bà Rịa - Vũng Tàu"),
        ("in Ho Chi Minh City", "TP. Hồ Chí Minh"),
        (unicodedata.normalize("NFD", "Trà Vinh"), "Trà Vinh"),
    ],
)
def test_find_provinces_variants(text, name):
    assert [p.name for p, _, _ in find_provinces(unicodedata.normalize("NFC", text))] == [name]


def test_accented_text_must_match_accented_name():
    assert find_provinces("tấm lòng an ủi") == []
    assert [p.name for p, _, _ in find_provinces("tinh long an")] == ["Long An"]


def pieces(text, spans):
    return [text[a:b] for a, b in spans]


def test_sentences_on_a_long_line_of_abbreviations():
    # every "TP." is tested against the abbreviations in a few characters before it, not the whole line before it
    line = "Đoàn làm việc tại TP. Hà Nội và TP. Huế, " * 20_000
    assert split_sentences(line) == [(0, len(line) - 1)]
    text = "Ở TP. Vinh. Tại Q. Ba Đình... Xong"
    assert pieces(text, split_sentences(text)) == ["Ở TP. Vinh.", "Tại Q. Ba Đình...", "Xong"]


def test_split_long_cuts_at_clauses_then_spaces_then_hard():
    text = "Ông Phan Văn Mãi – Phó Trưởng đoàn – phát biểu (tại hội trường) rồi ký biên bản"
    spans = split_long(text, 0, len(text), 30)
    assert pieces(text, spans) == [
        "Ông Phan Văn Mãi",
        "– Phó Trưởng đoàn",
        "– phát biểu (tại hội trường)",
        "rồi ký biên bản",
    ]
    assert pieces("một hai ba bốn", split_long("một hai ba bốn", 0, 14, 8)) == ["một hai", "ba bốn"]
    assert pieces("abcdefgh", split_long("abcdefgh", 0, 8, 3)) == ["abc", "def", "gh"]


def test_bounded_sentences_keep_short_ones_and_bound_long_ones():
    text = "Câu ngắn. " + "Một vế, " * 100 + "hết. Câu cuối."
    got = pieces(text, bounded_sentences(text, 50))
    assert got[0] == "Câu ngắn." and got[-1] == "Câu cuối." and len(got) == 2 + 17
    assert all(len(p) <= 50 and p.endswith((",", "hết.")) for p in got[1:-1])
    assert " ".join(got) == text
