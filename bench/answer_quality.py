"""Answer quality by category: `rag eval` (fresh store, the real default embedder, no LLM) on each gold set, the totals
and one row per category (field asked, language, must-refuse).

    python bench/answer_quality.py [NAME=GOLD.jsonl:DOCS_DIR ...]

Sets always run: the development corpus (../shared/data/inspections-dev, its docs plus the seeds; skipped when
absent), the open-questions set (../shared/data/inspections-open over its docs, the dev docs and the seeds), the
project's gold on the seeds, and the project's second gold set (tests/data/inspections). Extra sets
(e.g. held-out sets kept outside the repository) are given as NAME=GOLD:DOCS.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from common import ROOT, SHARED, save, table

from rag import Assistant, Settings
from rag.evaluation import evaluate, load_gold

SEEDS = ROOT / "seeds"
SETS: dict[str, tuple[Path, list[Path]]] = {
    "dev corpus": (SHARED / "inspections-dev" / "gold.jsonl", [SHARED / "inspections-dev" / "docs", SEEDS]),
    # questions beyond one record field, over its own articles, the dev corpus's and the seeds
    "open questions": (
        SHARED / "inspections-open" / "gold.jsonl",
        [SHARED / "inspections-open" / "docs", SHARED / "inspections-dev" / "docs", SEEDS],
    ),
    "project gold": (ROOT / "tests" / "data" / "seed_questions.jsonl", [SEEDS]),
    "second gold": (
        ROOT / "tests" / "data" / "inspections" / "gold.jsonl",
        [ROOT / "tests" / "data" / "inspections" / "docs"],
    ),
}


def run(gold: Path, docs: list[Path]) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-quality-") as tmp:
        assistant = Assistant(Settings(data_dir=Path(tmp), auto_seed=False))
        assistant.ingest(docs)
        report = evaluate(assistant, load_gold(gold))
        assistant.store.close()
    return {"totals": report.totals(), "by_category": report.by_category()}


def main() -> None:
    sets = dict(SETS)
    for arg in sys.argv[1:]:
        name, _, paths = arg.partition("=")
        gold, _, docs = paths.partition(":")
        sets[name] = (Path(gold), [Path(docs)])
    results, rows = {}, []
    for name, (gold, docs) in sets.items():
        if not gold.exists():
            print(f"skipped {name}: {gold} is absent")
            continue
        results[name] = r = run(gold, docs)
        t = r["totals"]
        rows.append(
            {
                "set": name,
                "category": "all",
                "questions": t["questions"],
                "correct": round(t["answer_accuracy"] * t["questions"]),
                "accuracy": t["answer_accuracy"],
            }
        )
        for kind, groups in r["by_category"].items():
            for value, g in groups.items():
                rows.append(
                    {
                        "set": name,
                        "category": f"{kind}: {value}",
                        "questions": g["questions"],
                        "correct": g["correct"],
                        "accuracy": g["accuracy"],
                    }
                )
        print(table(rows[-1 - sum(len(g) for g in r["by_category"].values()) :], list(rows[0])), flush=True)
    print(f"wrote {save('answer_quality', results)}")


if __name__ == "__main__":
    main()
