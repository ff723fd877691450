"""The project's second gold set (tests/data/inspections: 16 reports, 60 questions, written without seeing the
code) over its own articles: every question must pass, as `rag eval` scores it."""

from __future__ import annotations

from conftest import DATA, make_settings

from rag import Assistant
from rag.evaluation import evaluate, load_gold

GOLD = DATA / "inspections"


def test_the_second_gold_set_passes_whole(tmp_path):
    assistant = Assistant(make_settings(tmp_path / "data", auto_seed=False))
    assert len(assistant.ingest([GOLD / "docs"]).added) == 16
    report = evaluate(assistant, load_gold(GOLD / "gold.jsonl"))
    failed = [(r.id, r.why) for r in report.results if not r.correct]
    assert failed == [], failed
    assert report.totals()["refusal_accuracy"] == 1.0 and len(report.results) == 60
