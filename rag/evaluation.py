"""`rag eval GOLD.jsonl`: answer accuracy, citation precision, refusal accuracy and latency on a gold file.

A gold line (JSON):
  {"question": "...",
   "expect": ["Nguyễn Quang Dương", ["58-QĐ/TW", "58-QD/TW"]],  # all items must appear; a list item is any-of
   "forbid": ["Ngô Chí Cường"],                                 # must not appear in the answer
   "sources": ["000_b584f524cb46930b.txt"],                     # each must be cited (file name or path suffix)
   "not_found": true}                                           # the right answer is found=False
A question is answered correctly when (not_found) it is refused, or (otherwise) it is found, every expect item
appears in the answer, no forbid item does, and every listed source is cited by a citation that holds one of the
expected entities. A citation is precise when its quote is verbatim in its document and its source is a listed
one (any source when none is listed).
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .errors import RagError

__all__ = ["GoldQuestion", "QuestionResult", "EvalReport", "load_gold", "evaluate"]


@dataclass
class GoldQuestion:
    question: str
    expect: list[str | list[str]] = field(default_factory=list)
    forbid: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    not_found: bool = False
    extra: dict[str, Any] = field(default_factory=dict)  # other keys of the line (e.g. field, form), kept for reports


@dataclass
class QuestionResult:
    question: str
    correct: bool
    found: bool
    refusal_expected: bool
    mode: str
    citations: int
    precise_citations: int
    latency_ms: float
    why: str  # what was wrong, "" when right
    answer: str


@dataclass
class EvalReport:
    results: list[QuestionResult]

    def totals(self) -> dict[str, Any]:
        r = self.results
        refusals = [x for x in r if x.refusal_expected]
        answerable = [x for x in r if not x.refusal_expected]
        cited = sum(x.citations for x in r)
        latencies = sorted(x.latency_ms for x in r)
        return {
            "questions": len(r),
            "answer_accuracy": round(sum(x.correct for x in r) / len(r), 4) if r else None,
            "citation_precision": round(sum(x.precise_citations for x in r) / cited, 4) if cited else None,
            "refusal_accuracy": round(sum(not x.found for x in refusals) / len(refusals), 4) if refusals else None,
            "false_refusals": sum(not x.found for x in answerable),
            "latency_ms_p50": round(statistics.median(latencies), 1) if latencies else None,
            "latency_ms_p95": round(latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))], 1) if latencies else None,
        }

    def to_dict(self) -> dict[str, Any]:
        return {"totals": self.totals(), "results": [asdict(x) for x in self.results]}


def load_gold(path: str | Path) -> list[GoldQuestion]:
    """Parse a gold file; a malformed line is an error naming its line number."""
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            if not isinstance(d, dict) or not isinstance(d.get("question"), str):
                raise ValueError("needs a string 'question'")
            known = {"question", "expect", "forbid", "sources", "not_found"}
            out.append(GoldQuestion(d["question"], list(d.get("expect", [])), list(d.get("forbid", [])),
                                    list(d.get("sources", [])), bool(d.get("not_found", False)),
                                    {k: v for k, v in d.items() if k not in known}))
        except (ValueError, TypeError) as e:
            raise RagError(f"{path}:{n}: bad gold line ({e})") from None
    return out


def _has(text: str, item: str | list[str]) -> bool:
    return any(alt in text for alt in ([item] if isinstance(item, str) else item))


def _score(gold: GoldQuestion, answer: Any, doc_text: Any) -> tuple[bool, int, str]:
    """(correct, precise citations, why not)."""
    def right_source(source: str) -> bool:
        return not gold.sources or any(source.split("#", 1)[0].endswith(s) for s in gold.sources)

    precise = sum(1 for c in answer.citations if doc_text(c.doc_id)[c.start:c.end] == c.quote and right_source(c.source))
    if gold.not_found:
        return (not answer.found and not answer.citations), precise, "" if not answer.found else "refusal expected"
    if not answer.found:
        return False, precise, "not found"
    missing = [e for e in gold.expect if not _has(answer.answer, e)]
    if missing:
        return False, precise, f"missing {missing[0]}"
    bad = [f for f in gold.forbid if f in answer.answer]
    if bad:
        return False, precise, f"forbidden {bad[0]}"
    for s in gold.sources:
        if not any(c.source.split("#", 1)[0].endswith(s) and doc_text(c.doc_id)[c.start:c.end] == c.quote
                   and (not gold.expect or any(_has(c.quote, e) for e in gold.expect)) for c in answer.citations):
            return False, precise, f"no verbatim citation of {s} holding the answer"
    return True, precise, ""


def evaluate(assistant: Any, gold: list[GoldQuestion]) -> EvalReport:
    results = []
    for g in gold:
        start = time.perf_counter()
        answer = assistant.ask(g.question)
        latency = (time.perf_counter() - start) * 1000
        correct, precise, why = _score(g, answer, assistant.document_text)
        results.append(QuestionResult(g.question, correct, answer.found, g.not_found, answer.mode, len(answer.citations),
                                      precise, round(latency, 1), why, answer.answer))
    return EvalReport(results)
