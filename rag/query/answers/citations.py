"""One citation builder for every answer route (records, passages, LLM), and the refusal.

A citation is a verbatim span of a stored document: `stored_text[start:end] == quote`. The builder numbers them in
order of first use and gives the same number to the same span, so an answer made of several parts (one per asked
field, say) keeps one consistent `[n]` numbering.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from wording import render

from ...results import Answer, Citation
from ...vn.text import split_sentences
from ..questions import Query

__all__ = ["Citations", "refusal", "sentence_around", "MAX_ANSWER_CHARS"]

MAX_ANSWER_CHARS = 600


class Citations:
    def __init__(self, doc_text: Callable[[str], str]):
        self.doc_text = doc_text
        self.items: list[Citation] = []
        self._ids: dict[tuple[str, int, int], int] = {}

    def cite(
        self, doc_id: str, source: str, title: str, start: int, end: int, score: float = 1.0, date: str | None = None
    ) -> int:
        """The number of the citation of doc_id[start:end] (a new one when not cited yet)."""
        key = (doc_id, start, end)
        if key not in self._ids:
            self._ids[key] = len(self.items) + 1
            quote = self.doc_text(doc_id)[start:end]
            self.items.append(
                Citation(
                    id=self._ids[key],
                    source=source,
                    title=title,
                    quote=quote,
                    start=start,
                    end=end,
                    score=score,
                    doc_id=doc_id,
                    date=date,
                )
            )
        return self._ids[key]

    def marks(self, numbers: list[int]) -> str:
        return "".join(f"[{n}]" for n in dict.fromkeys(numbers))

    def used_in(self, text: str) -> tuple[str, list[Citation]]:
        """(text, citations) keeping only the citations `text` still refers to (after lines were cut), renumbered
        in order of first mention."""
        order = list(dict.fromkeys(int(n) for n in re.findall(r"\[(\d+)\]", text)))
        new = {old: i for i, old in enumerate(order, 1)}
        kept = [replace(self.items[old - 1], id=new[old]) for old in order if 0 < old <= len(self.items)]
        return re.sub(r"\[(\d+)\]", lambda m: f"[{new.get(int(m.group(1)), m.group(1))}]", text), kept


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence(s) holding text[start:end]."""
    sents = split_sentences(text)
    a = next((x for x, y in sents if x <= start < y), start)
    b = next((y for x, y in sents if x < end <= y), end)
    return a, b


def refusal(query: Query, entity: str | None = None, missing: str | None = None, ambiguous: int = 0) -> Answer:
    """found=False, saying what was not found: an entity no article names, what the articles about it omit, or
    that the question fits several teams and must say which."""
    lang = query.language
    if ambiguous:
        text = render(f"ambiguous_{lang}", n=ambiguous)
    elif entity and missing:
        text = render(f"not_stated_{lang}", entity=entity, missing=missing)
    elif entity:
        text = render(f"not_found_entity_{lang}", entity=entity)
    else:
        text = render(f"not_found_{lang}")
    return Answer(question=query.text, answer=text, found=False, citations=[], language=lang)
