"""Legal references: party and state documents named in text or questions, one parser for both.

    "Quy định số 58-QĐ/TW ngày 8/2/2022 của Bộ Chính trị “Một số vấn đề …”", "Sắc lệnh … số 58-QD/TW" (degraded),
    "Kết luận 21-KL/TW", "Quyết định số 318/QĐ-TTCP" (state style), "Kế hoạch số 12",
    "Decision No. 127-QD/TBBVCTNB dated February 19, 2024", "Regulation No. 58-QD/TW"
and, in questions only (`loose=True`), "quy định 58" / "regulation 58" without "số".
Numbers compare whole: 158-QĐ/TW is not 58-QĐ/TW (`legal_key`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .dates import find_dates
from .text import Span, fold

__all__ = ["LegalRef", "KINDS", "find_legal_refs", "legal_key", "asked_legal_kind"]

# kind -> (code, folded Vietnamese nouns, English nouns). One table for every use.
KINDS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "Quy định": ("QĐ", ("quy dinh", "sac lenh"), ("regulation",)),
    "Quyết định": ("QĐ", ("quyet dinh",), ("decision",)),
    "Chỉ thị": ("CT", ("chi thi",), ("directive",)),
    "Kết luận": ("KL", ("ket luan",), ("conclusion",)),
    "Nghị quyết": ("NQ", ("nghi quyet",), ("resolution",)),
    "Kế hoạch": ("KH", ("ke hoach",), ("plan",)),
    "Hướng dẫn": ("HD", ("huong dan",), ("guideline", "guidance")),
    "Thông báo": ("TB", ("thong bao",), ("notice",)),
}
_CODES = {"qd": "QĐ", "qdi": "QĐi", "kl": "KL", "ct": "CT", "nq": "NQ", "kh": "KH", "hd": "HD", "tb": "TB"}
_NOUN_KIND = {n: k for k, (_, vi, en) in KINDS.items() for n in vi + en}
_NOUNS = "|".join(sorted(_NOUN_KIND, key=len, reverse=True))
_CODE = r"(qdi|qd|kl|ct|nq|kh|hd|tb)"
_LEGAL = re.compile(
    # noun (+ up to 60 chars) + "số"/"No." + number (+ code): "Quyết định số 245-QĐ/TBBVCTNB", "Decision No. 127-QD/X"
    rf"\b({_NOUNS})s?\b([^.;\d]{{0,60}}?)\b(?:so|no\.?|number)\s*(\d{{1,5}})"
    rf"(?:\s*-\s*{_CODE}\s*/\s*([a-z]{{1,10}})|\s*/\s*{_CODE}\s*-\s*([a-z]{{1,10}}))?(?![\d\w])"
    # a bare code: "58-QĐ/TW", "318/QĐ-TTCP"
    rf"|(?<![\d-])(\d{{1,5}})\s*-\s*{_CODE}\s*/\s*([a-z]{{1,10}})\b|(?<![\d/])(\d{{1,5}})\s*/\s*{_CODE}\s*-\s*([a-z]{{1,10}})\b"
)
_LOOSE = re.compile(rf"\b({_NOUNS})\s+(\d{{1,5}})\b(?![/-])")
_TITLE = re.compile(r"\s*(?:của\s+[^“\"”.;,]{1,40}?)?\s*(?:về\s+)?[“\"]([^”\"]{3,200})[”\"]")


@dataclass
class LegalRef:
    kind: str  # Quy định, Quyết định, Chỉ thị, Kết luận, Nghị quyết, Kế hoạch, Hướng dẫn, Thông báo
    number: int
    code: str | None  # canonical "58-QĐ/TW" / "318/QĐ-TTCP" when the text gives the code (also from "58-QD/TW")
    date: str | None  # ISO date of the document when the text gives it
    title: str | None  # quoted title
    span: Span
    issuer: str | None = None  # who issued it, as the text names it after the reference ("của Bộ Chính trị")

    @property
    def key(self) -> str:
        return legal_key(self.number, self.kind)

    @property
    def name(self) -> str:
        """'Quy định số 58-QĐ/TW' / 'Kế hoạch số 12'."""
        return f"{self.kind} số {self.code or self.number}"


def legal_key(number: int, kind: str | None) -> str:
    """Comparable key: '58-QĐ' ('Quy định số 58' and '58-QD/TW' alike); the number is matched whole."""
    return f"{number}-{KINDS[kind][0] if kind in KINDS else (kind or '')}".rstrip("-")


def _kind_of_code(code: str, noun_kind: str | None) -> str:
    """'QĐ' is both Quy định and Quyết định: the noun decides; otherwise the code's own kind."""
    if noun_kind and KINDS[noun_kind][0] == code:
        return noun_kind
    return next((k for k, (c, _, _) in KINDS.items() if c == code), code)


def find_legal_refs(text: str, start: int = 0, end: int | None = None, loose: bool = False) -> list[LegalRef]:
    """References in text[start:end], in order. `loose` (questions) also reads "quy định 58" without "số"."""
    folded = fold(text)
    end = len(text) if end is None else end
    refs: list[LegalRef] = []
    for m in _LEGAL.finditer(folded, start, end):
        g = m.groups()
        if g[0]:
            noun_kind: str | None = _NOUN_KIND[g[0]]
            number, code, issuer = int(g[2]), g[3] or g[5], g[4] or g[6]
            state_style = bool(g[5])
            if g[1] and re.search(r"\b(doan|team)\b", g[1]):
                continue  # "Quyết định thành lập Đoàn kiểm tra số 9": the team's number, not the document's
        else:
            noun_kind = None
            number, code, issuer = int(g[7] or g[10]), g[8] or g[11], g[9] or g[12]
            state_style = bool(g[10])
        a, b = m.start(), m.end()
        noun = re.search(rf"\b({_NOUNS})\s+$", folded[max(start, a - 15) : a])
        if noun_kind is None and noun:  # "Kết luận 21-KL/TW": the noun belongs to the reference
            noun_kind, a = _NOUN_KIND[noun.group(1)], a - len(noun.group())
        canon = _CODES[code] if code else None
        kind = _kind_of_code(canon, noun_kind) if canon else (noun_kind or "")
        written_issuer = text[m.end() - len(issuer) : m.end()].upper() if issuer else ""
        written = re.search(rf"0*{number}\b", folded[m.start() : m.end()])
        num = written.group() if written else str(number)
        full = (
            (f"{num}/{canon}-{written_issuer}" if state_style else f"{num}-{canon}/{written_issuer}") if canon else None
        )
        date = None
        d = re.compile(r"\s*,?\s*(?:ngay|dated|of)\s+").match(folded, b)
        if d:
            dates = [x for x in find_dates(text[d.end() : d.end() + 24]) if x.start == 0 and x.year]
            if dates:
                date, b = dates[0].iso, d.end() + dates[0].end
        t = _TITLE.match(text, b)
        refs.append(
            LegalRef(
                kind,
                number,
                full,
                date,
                t.group(1).strip() if t else None,
                Span.of(text, a, b),
                _issuer(text, folded, b),
            )
        )
    if loose:
        have = {r.number for r in refs}
        for m in _LOOSE.finditer(folded, start, end):
            if int(m.group(2)) not in have:
                refs.append(
                    LegalRef(
                        _NOUN_KIND[m.group(1)], int(m.group(2)), None, None, None, Span.of(text, m.start(), m.end())
                    )
                )
    return sorted(refs, key=lambda r: r.span.start)


_ISSUER = re.compile(r"\s*(?:của|cua|of the|by the)\s+")


def _issuer(text: str, folded: str, pos: int) -> str | None:
    """'… ngày 8/2/2022 của Bộ Chính trị' -> 'Bộ Chính trị'; an issuing body or unit from the gazetteer, else the
    capitalized words that follow (up to 8)."""
    from .gazetteer import find_bodies, find_units

    m = _ISSUER.match(text, pos) or _ISSUER.match(folded, pos)
    if not m:
        return None
    rest = text[m.end() : m.end() + 120]
    known = [(o, b) for finder in (find_bodies, find_units) for o, a, b in finder(rest) if a == 0]
    if known:
        return max(known, key=lambda k: k[1])[0].name
    words = re.match(
        r"[A-ZÀ-ỸĐ][^,;.()\n]{0,60}?(?=\s+(?:về|ve|ngày|ngay|on|dated|đối với|doi voi|to|for|tại|tai)\b"
        r"|[,;.()\n]|$)",
        rest,
    )
    return words.group().strip() if words else None


_ASKED = re.compile(
    rf"\b({_NOUNS})s?\b(?:\s+\w+){{0,3}}?\s+(?:nao|gi|so may|so bao nhieu)\b|\b(?:which|"
    rf"what)\s+(?:\w+\s+){{0,3}}?({_NOUNS})s?\b"
)


def asked_legal_kind(folded_question: str) -> str | None:
    """The kind a question asks for: 'theo kế hoạch nào' -> Kế hoạch; 'which 2025 plan' -> Kế hoạch."""
    m = _ASKED.search(folded_question) or re.match(rf"\s*({_NOUNS})\b", folded_question)
    return _NOUN_KIND[m.group(1) or m.group(2)] if m else None
