"""`rag eval GOLD.jsonl`: answer accuracy, citation precision, refusal accuracy and latency on a gold file, in total
and by category (asked field, language, refusal).

Two gold formats, one question a line:
  project   {"question": "...", "expect": ["Nguyễn Quang Dương", ["58-QĐ/TW", "58-QD/TW"]],   # all; a list is any-of
             "forbid": ["Ngô Chí Cường"], "sources": ["000_b584f524cb46930b.txt"], "not_found": false}
            expect/forbid compare exactly; each source must be cited by a quote that holds an expected item.
  dev       {"id": "A1", "q": "...", "found": true, "expect": [["Khúc Đình Toản"]], "cite": ["a01"],
             "cite_any": ["a01", "a11"], "forbid": ["Quách Hữu Đạt"]}
            (the format of ../shared/data/inspections-dev): comparisons fold case, diacritics, Unicode form and white
            space; `cite` and `cite_any` are file-name prefixes; the answer is at most 600 characters.
            A `history` list holds the earlier user questions of the same chat: they are asked first, in order, each
            answered by the product and carried as conversation, and only the last answer is scored. `kind` and
            `lang`, where given, are categories of the report.
A question is answered correctly when (refusal expected) it is refused, or it is found, every expect item appears, no
forbid item does, the citations are as required and every quote stands verbatim in its document.
"""

from __future__ import annotations

import json
import re
import statistics
import time
import unicodedata
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from wording import Message

from .errors import RagError
from .indexing.loaders import source_file
from .vn.text import fold

__all__ = ["GoldQuestion", "QuestionResult", "EvalReport", "load_gold", "evaluate", "MAX_ANSWER_CHARS"]

MAX_ANSWER_CHARS = 600


@dataclass
class GoldQuestion:
    question: str
    expect: list[str | list[str]] = field(default_factory=list)  # every item; a list item is any-of
    forbid: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # each must be cited (file name, or prefix when `folded`)
    sources_any: list[str] = field(default_factory=list)  # one of them must be cited
    not_found: bool = False
    id: str = ""
    folded: bool = False  # dev format: fold comparisons, sources are prefixes, answers at most 600 characters
    extra: dict[str, Any] = field(default_factory=dict)  # other keys of the line (e.g. field, form), kept for reports
    history: list[str] = field(default_factory=list)  # earlier user questions of the same chat, asked first


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
    id: str = ""
    categories: dict[str, str] = field(default_factory=dict)  # field, language, refusal


def _rate(xs: list[bool]) -> float | None:
    return round(sum(xs) / len(xs), 4) if xs else None


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
            "answer_accuracy": _rate([x.correct for x in r]),
            "citation_precision": round(sum(x.precise_citations for x in r) / cited, 4) if cited else None,
            "refusal_accuracy": _rate([not x.found for x in refusals]),
            "false_refusals": sum(not x.found for x in answerable),
            "latency_ms_p50": round(statistics.median(latencies), 1) if latencies else None,
            "latency_ms_p95": round(latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))], 1)
            if latencies
            else None,
        }

    def by_category(self) -> dict[str, dict[str, dict[str, Any]]]:
        """{"field": {"leader": {"questions": 12, "correct": 11, "accuracy": 0.9167}, …}, "language": {…}, …}"""
        out: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        groups: dict[tuple[str, str], list[QuestionResult]] = defaultdict(list)
        for x in self.results:
            for kind, value in x.categories.items():
                groups[(kind, value)].append(x)
        for (kind, value), xs in sorted(groups.items()):
            out[kind][value] = {
                "questions": len(xs),
                "correct": sum(x.correct for x in xs),
                "accuracy": _rate([x.correct for x in xs]),
            }
        return dict(out)

    def to_dict(self) -> dict[str, Any]:
        return {
            "totals": self.totals(),
            "by_category": self.by_category(),
            "results": [asdict(x) for x in self.results],
        }


def load_gold(path: str | Path) -> list[GoldQuestion]:
    """Parse a gold file of either format; a malformed line is an error naming its line number."""
    out = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise RagError("evaluation.unreadable", path=path, error=str(e)) from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            if not isinstance(d, dict):
                raise ValueError(Message("evaluation.not_object"))
            if isinstance(d.get("q"), str):  # dev format
                groups: list[str | list[str]] = [g if isinstance(g, list) else [g] for g in d.get("expect", [])]
                out.append(
                    GoldQuestion(
                        d["q"],
                        groups,
                        list(d.get("forbid", [])),
                        list(d.get("cite") or []),
                        list(d.get("cite_any") or []),
                        not bool(d.get("found", True)),
                        str(d.get("id", n)),
                        True,
                        {
                            k: v
                            for k, v in d.items()
                            if k not in {"q", "expect", "forbid", "cite", "cite_any", "found", "id", "history"}
                        },
                        _history(d.get("history")),
                    )
                )
                continue
            if not isinstance(d.get("question"), str):
                raise ValueError(Message("evaluation.no_question"))
            known = {"question", "expect", "forbid", "sources", "not_found", "id"}
            out.append(
                GoldQuestion(
                    d["question"],
                    list(d.get("expect", [])),
                    list(d.get("forbid", [])),
                    list(d.get("sources", [])),
                    [],
                    bool(d.get("not_found", False)),
                    str(d.get("id", n)),
                    False,
                    {k: v for k, v in d.items() if k not in known},
                )
            )
        except (ValueError, TypeError) as e:
            # our own reasons are Messages (said in the reader's language), the JSON parser's words as they are
            problem = e.args[0] if len(e.args) == 1 and isinstance(e.args[0], Message) else str(e)
            raise RagError("evaluation.bad_line", path=path, line=n, problem=problem) from None
    return out


def _history(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(q, str) for q in value):
        raise ValueError(Message("evaluation.history_not_list"))
    return value


def _norm(text: str) -> str:
    return " ".join(fold(unicodedata.normalize("NFC", text)).split())


def _score(gold: GoldQuestion, answer: Any, doc_text: Any) -> tuple[bool, int, str]:
    """(correct, precise citations, why not)."""

    def same(text: str, item: str) -> bool:
        if not gold.folded:
            return item in text
        # on word boundaries: a count group "ba" (three) is not the "ba" of "bao nhiêu" or "bà"
        return re.search(rf"(?<!\w){re.escape(_norm(item))}(?!\w)", _norm(text)) is not None

    def has(text: str, item: str | list[str]) -> bool:
        return any(same(text, alt) for alt in ([item] if isinstance(item, str) else item))

    def file_of(source: str) -> str:
        return Path(source_file(source)).name

    def cites(source: str, wanted: str) -> bool:
        return file_of(source).startswith(wanted) if gold.folded else source_file(source).endswith(wanted)

    wanted = gold.sources + gold.sources_any
    verbatim = [c for c in answer.citations if doc_text(c.doc_id)[c.start : c.end] == c.quote]
    precise = sum(1 for c in verbatim if not wanted or any(cites(c.source, s) for s in wanted))
    if gold.not_found:
        # a refusal may cite what was found instead ("only another body's team worked there [1]")
        return not answer.found, precise, "" if not answer.found else "refusal expected"
    if not answer.found:
        return False, precise, "not found"
    missing = [e for e in gold.expect if not has(answer.answer, e)]
    if missing:
        return False, precise, f"missing {missing[0] if isinstance(missing[0], str) else missing[0][0]}"
    bad = [f for f in gold.forbid if same(answer.answer, f)]
    if bad:
        return False, precise, f"forbidden {bad[0]}"
    if len(verbatim) < len(answer.citations):
        return False, precise, "a quote is not verbatim"
    if gold.folded and len(answer.answer) > MAX_ANSWER_CHARS:
        return False, precise, f"answer of {len(answer.answer)} characters"
    for s in gold.sources:
        if not any(
            cites(c.source, s) and (gold.folded or not gold.expect or any(has(c.quote, e) for e in gold.expect))
            for c in verbatim
        ):
            return False, precise, f"no verbatim citation of {s}" + ("" if gold.folded else " holding the answer")
    if gold.sources_any and not any(cites(c.source, s) for c in verbatim for s in gold.sources_any):
        return False, precise, f"no citation of any of {', '.join(gold.sources_any)}"
    return True, precise, ""


def _categories(gold: GoldQuestion, assistant: Any) -> dict[str, str]:
    from .query.questions import analyze

    q = analyze(gold.question)
    form = (
        gold.extra.get("form")
        or {"vi-unaccented": "unaccented"}.get(gold.extra.get("lang", ""), gold.extra.get("lang"))
        or ("en" if q.language == "en" else "vi" if q.accented else "unaccented")
    )
    fields = list(dict.fromkeys(q.fields))
    asked = gold.extra.get("field") or (fields[0] if len(fields) == 1 else "two things" if fields else "free")
    kinds = {"kind": str(gold.extra["kind"])} if gold.extra.get("kind") else {}
    return {
        **kinds,
        "field": "refusal" if gold.not_found else str(asked),
        "language": str(form),
        "refusal": "must refuse" if gold.not_found else "must answer",
    }


def evaluate(assistant: Any, gold: list[GoldQuestion]) -> EvalReport:
    results = []
    for g in gold:
        history: list[dict[str, str]] = []
        for earlier in g.history:  # the same chat, as a user would have had it
            said = assistant.ask(earlier, history or None)
            history += [{"role": "user", "content": earlier}, {"role": "assistant", "content": said.answer}]
        start = time.perf_counter()
        answer = assistant.ask(g.question, history or None)
        latency = (time.perf_counter() - start) * 1000
        correct, precise, why = _score(g, answer, assistant.document_text)
        results.append(
            QuestionResult(
                g.question,
                correct,
                answer.found,
                g.not_found,
                answer.mode,
                len(answer.citations),
                precise,
                round(latency, 1),
                why,
                answer.answer,
                g.id,
                _categories(g, assistant),
            )
        )
    return EvalReport(results)
