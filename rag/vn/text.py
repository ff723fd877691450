"""Vietnamese text primitives: NFC, diacritic folding, syllable terms, sentences with offsets.

Folding maps an NFC string character by character ("Đắk Lắk" -> "dak lak"), so `fold(s)` has the same length as
`s` and offsets found in the folded copy are offsets in the original. That is what lets the lexical side match
unaccented questions and still cite the accented text exactly.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "Span",
    "nfc",
    "fold",
    "has_diacritics",
    "syllables",
    "lexical_terms",
    "split_sentences",
]


@dataclass
class Span:
    """A piece of a stored text: `text == stored[start:end]` (every extracted fact carries one)."""

    text: str
    start: int
    end: int

    @classmethod
    def of(cls, stored: str, start: int, end: int) -> Span:
        return cls(stored[start:end], start, end)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _fold_char(ch: str) -> str:
    if ch in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", ch)[0].lower()
    # A character whose base is more than one char when lowered (e.g. "İ") keeps its first char: length is kept.
    return base[0] if base else ch


class _FoldTable(dict[int, str]):
    """str.translate table filled on first sight of each character (a C loop instead of a Python one)."""

    def __missing__(self, code: int) -> str:
        self[code] = _fold_char(chr(code))
        return self[code]


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """Lower case without diacritics, đ -> d; same length as `text` when `text` is NFC."""
    return text.translate(_FOLD)


def has_diacritics(text: str) -> bool:
    """True when some letter carries a Vietnamese (or other) diacritic or is đ."""
    return any(not c.isascii() and c.isalpha() and _FOLD[ord(c)] != c.lower() for c in text)


_WORD = re.compile(r"\w+", re.UNICODE)


def syllables(text: str) -> list[str]:
    """Folded syllables: 'Trà Vinh, 2/11' -> ['tra', 'vinh', '2', '11']."""
    return _WORD.findall(fold(text))


def lexical_terms(text: str) -> list[str]:
    """Syllables plus syllable bigrams joined by '_' (Vietnamese words are mostly two syllables)."""
    syl = syllables(text)
    return syl + [f"{a}_{b}" for a, b in zip(syl, syl[1:], strict=False)]


# --- sentences -------------------------------------------------------------------------------------------------
# A sentence ends at . ! ? … (plus closing quotes/brackets) followed by space and a capital, digit or opening
# quote; a line break always ends one. Abbreviations that are followed by a name ("TP. Hồ Chí Minh", "TS. Lê")
# must not end a sentence.
_ABBREV = {"tp", "ts", "ths", "pgs", "gs", "bs", "ks", "q", "p", "tt", "st", "mr", "mrs", "dr", "no", "vs", "đ/c"}
_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-ZÀ-ỸĐ0-9])")
_LINE = re.compile(r"[^\n]+")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of `text`, stripped of surrounding white space.

    >>> t = "Ngày 24/4, Đoàn làm việc. Ông Lê Hải Bình phát biểu.\\nTTXVN"
    >>> [t[a:b] for a, b in split_sentences(t)]
    ['Ngày 24/4, Đoàn làm việc.', 'Ông Lê Hải Bình phát biểu.', 'TTXVN']
    """
    spans: list[tuple[int, int]] = []
    for line in _LINE.finditer(text):
        start = line.start()
        for m in _END.finditer(line.group()):
            end = line.start() + m.end()
            word = re.search(r"(\S+?)[.!?…]+[\"'”’)\]]*$", text[start:end])
            if word and word.group(1).lower() in _ABBREV and m.group().startswith("."):
                continue
            spans.append((start, end))
            start = end
        spans.append((start, line.end()))
    # strip white space inside each span, drop empty ones
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            out.append((a, b))
    return out
