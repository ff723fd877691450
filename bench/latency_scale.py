"""Latency and scale: warm `ask()` p50/p95, peak memory, and cold `rag ask`, at 2 / 100 / 1,000 / 2,655 articles
(the seeds, plus news-dantri-2020). Document vectors come from bench/.cache (bench/embed_corpus.py computes them
once); question vectors are always computed live by the product's embedder.

    python bench/embed_corpus.py && python bench/latency_scale.py [SIZES...]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import RESULTS, ROOT, CachedEmbedder, corpus_order, save, table

from rag import Assistant, Settings

SIZES = [int(x) for x in sys.argv[1:]] or [2, 100, 1000, 2655]
GOLD = ROOT / "tests" / "data" / "seed_questions.jsonl"
COLD_QUESTION = "Ai là trưởng đoàn kiểm tra tại Trà Vinh?"

# Runs in a fresh process per store: the product as a user's script would load it.
MEASURE = r"""
import json, resource, statistics, sys, time
from rag import Assistant, Settings
questions = [json.loads(l)["question"] for l in open(sys.argv[2], encoding="utf-8") if l.strip()]
a = Assistant(Settings(data_dir=sys.argv[1], auto_seed=False))
for q in questions:  # warm up: model, caches, SQLite pages
    a.ask(q)
times = []
for _ in range(3):
    for q in questions:
        t = time.perf_counter(); a.ask(q); times.append((time.perf_counter() - t) * 1000)
times.sort()
print(json.dumps({"p50_ms": statistics.median(times), "p95_ms": times[int(0.95 * len(times)) - 1],
                  "asks": len(times), "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def corpus(size: int) -> list[Path]:
    """The seeds plus the first size-2 articles of the topic-interleaved order."""
    return sorted((ROOT / "seeds").glob("*.txt")) + corpus_order()[: size - 2]


def main() -> None:
    embedder = CachedEmbedder("dantri")
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    rows = []
    for size in SIZES:
        data = Path(tempfile.mkdtemp(prefix=f"scale{size}-")) / "data"
        t0 = time.perf_counter()
        report = Assistant(Settings(data_dir=data, auto_seed=False), embedder=embedder).ingest(corpus(size))
        build = time.perf_counter() - t0
        docs = len(report.added)
        out = subprocess.run([sys.executable, "-c", MEASURE, str(data), str(GOLD)], capture_output=True, text=True,
                             env=env, cwd=ROOT, check=True)
        warm = json.loads(out.stdout.strip().splitlines()[-1])
        cold = []
        for _ in range(3):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "rag", "ask", COLD_QUESTION], capture_output=True, check=True,
                           env={**env, "RAG_DATA_DIR": str(data)}, cwd=ROOT)
            cold.append(time.perf_counter() - t0)
        chunks = Assistant(Settings(data_dir=data, auto_seed=False), embedder=embedder).stats()["chunks"]
        rows.append({"articles": docs, "chunks": chunks, "ask p50 ms": warm["p50_ms"], "ask p95 ms": warm["p95_ms"],
                     "peak RSS MiB": warm["peak_rss_mib"], "rag ask cold s": statistics.median(cold),
                     "build s (cached vectors)": build})
        print(table(rows[-1:], list(rows[-1])), flush=True)
    embedder.save()
    print()
    print(table(rows, list(rows[0])))
    plot(rows)
    print(f"wrote {save('latency_scale', {'question_set': str(GOLD.relative_to(ROOT)), 'rows': rows})}")


def plot(rows: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = [r["articles"] for r in rows]
    fig, ax = plt.subplots(figsize=(6.4, 3.8), dpi=110)
    ax.plot(x, [r["ask p50 ms"] for r in rows], "o-", label="ask() p50")
    ax.plot(x, [r["ask p95 ms"] for r in rows], "s-", label="ask() p95")
    ax.axhline(50, color="tab:blue", ls=":", lw=1, label="target p50 50 ms")
    ax.axhline(150, color="tab:orange", ls=":", lw=1, label="target p95 150 ms")
    ax.set_xscale("log")
    ax.set_xlabel("articles in the index")
    ax.set_ylabel("ms per question (warm)")
    ax.set_title("ask() latency vs corpus size (2 cores, no LLM)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    RESULTS.mkdir(parents=True, exist_ok=True)
    fig.savefig(RESULTS / "latency.png")


if __name__ == "__main__":
    main()
