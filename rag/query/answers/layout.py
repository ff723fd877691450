"""What in an article's text can answer: its body paragraphs. Never the headline, a section heading, a byline, a
dateline, a photo caption, a URL or the "related articles" list (they share a question's words without stating
anything).

    text -> [Block(start, end, kind, heading)]   kind: "body" | "heading" | "prompt" | "skip"

A heading (a short line without closing punctuation) and a prompt (an interviewer's question, "- Thưa ông, …?")
frame the body paragraphs after them: `heading` is the span of the nearest one above.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ...vn.text import fold

__all__ = ["Block", "blocks", "answerable"]

# A line is a paragraph: sentences never cross a line break (vn/text.split_sentences), and a text stored one
# sentence a line, or with its dateline on the line above the lead, must not be read as one block of that kind
_PARAGRAPH = re.compile(r"[^\n]+")
# "Tin liên quan:", "Bài liên quan", "TIN LIÊN QUAN", "Related news", "Xem thêm", "Đọc thêm": the rest is links
_RELATED = re.compile(
    r"^\s*(?:tin|bai|chu de)\s+(?:lien quan|khac)\b|^\s*related\b|^\s*(?:xem|doc) them\b|^\s*see also"
)
_CAPTION = re.compile(r"\b(?:anh|photo|nguon anh|anh tu lieu)\s*:?\s*[^.]{0,40}$|\banh tu lieu\s*$|\(anh\b")
_DATELINE = re.compile(r"\|\s*.*\d{1,2}[/:.-]\d{1,2}|^\W*\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\W*$")
_URL = re.compile(r"^\s*(?:https?://|www\.)\S+\s*$")
_END = re.compile(r"[.!?…:;][\"'”’)\]]*\s*$")


@dataclass(frozen=True)
class Block:
    start: int
    end: int
    kind: str
    heading: tuple[int, int] | None = None  # the heading or prompt above a body paragraph
    after: int = 0  # body paragraphs between that heading and this one (0: the first under it)


def _kind(line: str, title: str) -> str:
    f = fold(line).strip()
    if (
        _URL.match(line)
        or _DATELINE.search(f)
        or _CAPTION.search(f)
        and len(line) < 200
        or title
        and f.strip(" .") == fold(title).strip(" .")
    ):
        return "skip"
    if line.rstrip().endswith("?"):
        return "prompt"
    if not _END.search(line) and len(line) <= 120:
        return "heading" if len(line.split()) > 3 else "skip"  # two or three words alone: a byline
    return "body"


@lru_cache(maxsize=256)
def blocks(text: str, title: str = "") -> tuple[Block, ...]:
    out: list[Block] = []
    frame: tuple[int, int] | None = None
    after = 0
    for m in _PARAGRAPH.finditer(text):
        line = m.group()
        if _RELATED.search(fold(line)):
            break  # the links to other articles, and whatever follows them
        kind = _kind(line, title)
        if kind in ("heading", "prompt"):
            frame, after = m.span(), 0
        out.append(Block(m.start(), m.end(), kind, frame if kind == "body" else None, after))
        after += kind == "body"
    return tuple(out)


def answerable(text: str, title: str, start: int, end: int) -> bool:
    """Whether text[start:end] lies in a body paragraph."""
    return any(b.kind == "body" and b.start <= start and end <= b.end for b in blocks(text, title))
