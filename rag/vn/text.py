"""Vietnamese text primitives: NFC, diacritic folding, syllable terms, sentences with offsets.

Folding maps an NFC string character by character ("Đắk Lắk" -> "dak lak"), so `fold(s)` has the same length as
`s` and offsets found in the folded copy are offsets in the original. That is what lets the lexical side match
unaccented questions and still cite the accented text exactly.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "Span",
    "nfc",
    "fold",
    "has_diacritics",
    "syllables",
    "lexical_terms",
    "split_sentences",
    "split_long",
    "bounded_sentences",
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
    return _fold_kept(text) if len(text) <= 20_000 else text.translate(_FOLD)


@lru_cache(maxsize=1024)  # a question folds the same articles, chunks and sentences many times over (~400 calls);
def _fold_kept(text: str) -> str:  # (at most ~40 MB kept: only texts up to 20,000 characters)
    return text.translate(_FOLD)


def has_diacritics(text: str) -> bool:
    """True when some letter carries a Vietnamese (or other) diacritic or is đ."""
    return any(not c.isascii() and c.isalpha() and _FOLD[ord(c)] != c.lower() for c in text)


def vietnamese(text: str) -> bool:
    """Whether `text` is written in Vietnamese rather than English: more than a few of its words carry diacritics
    (an English sentence naming "Đắk Lắk" is still English)."""
    words = text.split()
    return sum(has_diacritics(w) for w in words) > 0.15 * max(1, len(words))


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
# must not end a sentence. Every pattern here is tried at O(1) places per character (no rescans of what precedes a
# hit), so all of this is linear in the text: ingest runs it on multi-megabyte single-line files.
_ABBREV = {"tp", "ts", "ths", "pgs", "gs", "bs", "ks", "q", "p", "tt", "st", "mr", "mrs", "dr", "no", "vs", "đ/c"}
# (?<!…): a run of "....." is tried once, at its start, not again at each of its characters (quadratic)
_END = re.compile(r"(?<![.!?…])[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-ZÀ-ỸĐ0-9])")
# the abbreviation as the whole word right before the dot, searched in the few characters before it
_ABBREV_BEFORE = re.compile(rf"(?<!\S)(?:{'|'.join(map(re.escape, sorted(_ABBREV)))})\Z", re.IGNORECASE)
_LINE = re.compile(r"[^\n]+")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of `text`, stripped of surrounding white space.

    >>> t = "Ngày 24/4, Đoàn làm việc. Ông Lê Hải Bình phát biểu.\\nTTXVN"
    >>> [t[a:b] for a, b in split_sentences(t)]
    ['Ngày 24/4, Đoàn làm việc.', 'Ông Lê Hải Bình phát biểu.', 'TTXVN']
    """
    spans: list[tuple[int, int]] = []
    for line in _LINE.finditer(text):
        s, start = line.group(), line.start()
        for m in _END.finditer(s):
            if m.group().startswith(".") and _ABBREV_BEFORE.search(s, max(0, m.start() - 4), m.start()):
                continue
            spans.append((start, line.start() + m.end()))
            start = line.start() + m.end()
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


# --- clauses: where a sentence too long for a chunk (or for per-sentence fact patterns) is cut -------------------
# A clause ends after , ; : (or . ! ? … that end no sentence, e.g. before a lower-case word) with their closing
# quotes/brackets, after a closing quote or bracket, or before a spaced dash (" – ", " - "); always before white
# space, so the text on both sides stays whole words. The lookbehinds make each run of marks a single try.
_CLAUSE_END = re.compile(
    r"(?<![.!?…;:,])[.!?…;:,]+[\"'”’)\]»]*(?=\s)|(?<![\"'”’)\]»])[\"'”’)\]»]+(?=\s)|(?<=\S)(?=\s+[–—-]\s)"
)
_SPACE = re.compile(r"\s+")
_NON_SPACE = re.compile(r"\S")


def split_long(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Pieces of the stripped span text[start:end], each at most `max_chars` long: cut at the last clause end that
    fits, else at the last white space, else hard (a string without spaces). Pieces are stripped and in order; only
    white space lies between them.

    >>> t = "Đoàn làm việc với Huyện ủy Nam Đàn, Huyện ủy Đô Lương; Thành ủy Vinh"
    >>> [t[a:b] for a, b in split_long(t, 0, len(t), 40)]
    ['Đoàn làm việc với Huyện ủy Nam Đàn,', 'Huyện ủy Đô Lương; Thành ủy Vinh']
    """
    if max_chars < 1:
        raise ValueError(f"max_chars must be positive, got {max_chars}")
    out = []
    # Each step scans one window of max_chars. A cut early in a window leaves no clause end (then no space) in the
    # rest of it, so the next cuts land past it: a few scans per window, linear in the span.
    while end - start > max_chars:
        limit = start + max_chars
        # a few characters past the window: the dash's look-ahead; only cuts inside the window count
        clauses = _CLAUSE_END.finditer(text, start, min(end, limit + 4))
        cut = max((m.end() for m in clauses if start < m.end() <= limit), default=0)
        if not cut:
            cut = max((m.start() for m in _SPACE.finditer(text, start + 1, limit + 1)), default=limit)
        out.append((start, cut))
        nxt = _NON_SPACE.search(text, cut, end)
        start = nxt.start() if nxt else end  # always found: the span ends on a non-space
    if start < end:
        out.append((start, end))
    return out


def bounded_sentences(text: str, max_chars: int) -> list[tuple[int, int]]:
    """`split_sentences`, each sentence longer than `max_chars` cut into pieces by `split_long`."""
    out: list[tuple[int, int]] = []
    for a, b in split_sentences(text):
        out += [(a, b)] if b - a <= max_chars else split_long(text, a, b, max_chars)
    return out
