"""Result types of the public API. Plain dataclasses with `to_dict()` giving JSON-ready dicts."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from wording import Message

__all__ = ["Passage", "Citation", "Answer", "FileResult", "IngestReport"]


@dataclass
class Passage:
    """A retrieved chunk. `text == stored_text[start:end]` of document `doc_id`."""

    chunk_id: str
    doc_id: str
    source: str
    title: str
    text: str
    start: int
    end: int
    score: float  # fused score in [0, 1]: 1 = ranked first by both the dense and the lexical side
    date: str | None = None
    url: str | None = None
    dense_score: float | None = None  # cosine similarity, when the dense side found it
    lexical_score: float | None = None  # BM25, when the lexical side found it

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Citation:
    """What `[id]` in an answer points at: `stored_text[start:end] == quote` in document `doc_id`."""

    id: int
    source: str
    title: str
    quote: str
    start: int
    end: int
    score: float
    doc_id: str = ""
    date: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Answer:
    question: str  # what the user asked, as typed
    answer: str
    found: bool
    citations: list[Citation] = field(default_factory=list)
    language: str = "vi"
    # "facts": inspection records; "extractive": retrieved passages; "llm": verified LLM answer; "clarify": a follow-up
    # with nothing to resolve it from, asked back
    mode: str = "extractive"
    facts: list[dict[str, Any]] = field(default_factory=list)  # the inspection records used
    note: str | None = None  # e.g. why an LLM answer was replaced by the exact one
    # The self-contained question that was answered: a follow-up rewritten from the conversation ("Còn ở Đắk Lắk thì
    # sao?" -> "Ai là trưởng đoàn kiểm tra tại Đắk Lắk?"); the question itself when it needed no rewriting.
    standalone: str = ""

    def __post_init__(self) -> None:
        self.standalone = self.standalone or self.question

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "standalone": self.standalone,
            "answer": self.answer,
            "found": self.found,
            "citations": [c.to_dict() for c in self.citations],
            "language": self.language,
            "mode": self.mode,
            "facts": self.facts,
            "note": self.note,
        }


@dataclass
class FileResult:
    source: str
    status: str  # added | updated | unchanged | rejected
    reason: str | None = None  # why it was rejected, or what it duplicates: a `Message` ("indexing.<name>")
    doc_id: str | None = None
    chunks: int = 0


@dataclass
class IngestReport:
    results: list[FileResult] = field(default_factory=list)

    def _with(self, status: str) -> list[FileResult]:
        return [r for r in self.results if r.status == status]

    @property
    def added(self) -> list[FileResult]:
        return self._with("added")

    @property
    def updated(self) -> list[FileResult]:
        return self._with("updated")

    @property
    def unchanged(self) -> list[FileResult]:
        return self._with("unchanged")

    @property
    def rejected(self) -> list[FileResult]:
        return self._with("rejected")

    def summary(self) -> Message:
        """The counts line: "2 added, 0 updated, 1 unchanged, 0 rejected"."""
        added, updated, unchanged, rejected = map(len, (self.added, self.updated, self.unchanged, self.rejected))
        return Message("indexing.counts", added=added, updated=updated, unchanged=unchanged, rejected=rejected)

    def to_dict(self) -> dict[str, Any]:
        return {"summary": self.summary(), "results": [asdict(r) for r in self.results]}
