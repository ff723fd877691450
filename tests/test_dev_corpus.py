"""The development corpus (../shared/data/inspections-dev: 41 synthetic reports, 149 questions) over its docs plus
the seeds, scored as `rag eval` scores it. Skipped where the shared data is absent (a user's clone has none)."""

from __future__ import annotations

import pytest
from conftest import SEEDS, SHARED_DATA, make_settings

from rag import Assistant
from rag.evaluation import MAX_ANSWER_CHARS, evaluate, load_gold

DEV = SHARED_DATA / "inspections-dev"
pytestmark = pytest.mark.skipif(not (DEV / "gold.jsonl").exists(), reason=f"no development corpus at {DEV}")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    assistant = Assistant(make_settings(tmp_path_factory.mktemp("dev") / "data", auto_seed=False))
    ingested = assistant.ingest([DEV / "docs", SEEDS])
    assert len(ingested.added) == 43 and not ingested.rejected
    return evaluate(assistant, load_gold(DEV / "gold.jsonl"))


def test_at_least_95_percent_by_category(report):
    totals, categories = report.totals(), report.by_category()
    failed = [(r.id, r.why) for r in report.results if not r.correct]
    print("\ndev corpus:", totals)
    for kind, groups in categories.items():
        print(f"  by {kind}:", {k: f"{v['correct']}/{v['questions']}" for k, v in groups.items()})
    assert totals["answer_accuracy"] >= 0.95, f"failed: {failed}"
    assert {"vi", "unaccented", "en"} <= set(categories["language"])


def test_every_must_refuse_question_is_refused(report):
    refused = [r for r in report.results if r.refusal_expected]
    assert len(refused) == 15 and all(not r.found for r in refused), [r.id for r in refused if r.found]


def test_no_answer_is_over_600_characters(report):
    assert max(len(r.answer) for r in report.results) <= MAX_ANSWER_CHARS
