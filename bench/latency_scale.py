"""Latency and scale: warm `ask()` p50/p95 over the product's gold questions and over 100 free-form ones (XQuAD-vi's,
all answered by passage retrieval), peak memory, and cold `rag ask`, at 2 / 100 / 1,000 / 2,655 articles
(the seeds, plus news-dantri-2020) and ~20,000 (the corpus repeated, each copy's text and so its id changed).
Document vectors come from bench/.cache (bench/embed_corpus.py computes them once, with the product's embedder);
question vectors are always computed live by the product's embedder. Chunks the cache does not hold (a copy's
changed last chunk, or articles not embedded yet) borrow cached vectors (reported per row): latency and memory
depend on the index's size, not on which vector each chunk has; their text, lexical index and records are real.

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

from common import RESULTS, ROOT, XQUAD, CachedEmbedder, corpus_order, save, table

from rag import Assistant, Settings

SIZES = [int(x) for x in sys.argv[1:]] or [2, 100, 1000, 2655, 20000]
GOLD = ROOT / "tests" / "data" / "seed_questions.jsonl"
COLD_QUESTION = "Ai là trưởng đoàn kiểm tra tại Trà Vinh?"

# Runs in a fresh process per store: the product as a user's script would load it.
MEASURE = r"""
import json, re, statistics, sys, time
from rag import Assistant, Settings
questions = [json.loads(l)["question"] for l in open(sys.argv[2], encoding="utf-8") if l.strip()]
a = Assistant(Settings(data_dir=sys.argv[1], auto_seed=False))
for q in questions:  # warm up: model, caches, SQLite pages
    a.ask(q)
times = {"all": [], "facts": [], "passages": []}
for _ in range(3):
    for q in questions:
        t = time.perf_counter(); mode = a.ask(q).mode; ms = (time.perf_counter() - t) * 1000
        times["all"].append(ms); times["facts" if mode == "facts" else "passages"].append(ms)
p = lambda xs, f: sorted(xs)[min(len(xs) - 1, int(f * len(xs)))]
data = json.load(open(sys.argv[3], encoding="utf-8"))  # free-form questions: 100 of XQuAD-vi's, all passage route
free = [qa["question"] for art in data["data"] for par in art["paragraphs"] for qa in par["qas"]][::10][:100]
for q in free[:20]:
    a.ask(q)
times["free"] = []
for q in free:
    t = time.perf_counter(); a.ask(q); times["free"].append((time.perf_counter() - t) * 1000)
print(json.dumps({**{f"{k}_{name}": p(v, f) for k, v in times.items() for name, f in (("p50", 0.5), ("p95", 0.95))},
                  "asks": {k: len(v) for k, v in times.items()},
                  # VmHWM, not getrusage: ru_maxrss survives exec, so it would report the (larger) bench process
                  "peak_rss_mib": int(re.search(r"VmHWM:\s+(\d+)", open("/proc/self/status").read())[1]) / 1024}))
"""


def corpus(size: int) -> list[Path]:
    """The seeds plus the first size-2 articles of the topic-interleaved order; past the corpus, copies of it whose
    text ends with a line naming the copy (so each copy is a new document with its own id)."""
    base = sorted((ROOT / "seeds").glob("*.txt")) + corpus_order()
    files, copies = list(base), Path(tempfile.mkdtemp(prefix="copies-"))
    for n in range(len(base), size):
        original = base[n % len(base)]
        copy = copies / f"{n // len(base)}" / original.name
        copy.parent.mkdir(exist_ok=True)
        copy.write_text(original.read_text(encoding="utf-8") + f"\n(Bản sao {n // len(base)}.)\n", encoding="utf-8")
        files.append(copy)
    return files[:size]


def main() -> None:
    embedder = CachedEmbedder("dantri", borrow=True)
    embedder._borrow = False  # the seeds are always embedded for real (they are not in the corpus cache)
    Assistant(Settings(data_dir=Path(tempfile.mkdtemp()) / "seeds", auto_seed=False), embedder=embedder).ingest(
        corpus(2)
    )
    embedder._borrow = True
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    rows = []
    for size in SIZES:
        data = Path(tempfile.mkdtemp(prefix=f"scale{size}-")) / "data"
        borrowed_before = embedder.borrowed
        report = Assistant(Settings(data_dir=data, auto_seed=False), embedder=embedder).ingest(corpus(size))
        docs = len(report.added)
        out = subprocess.run(
            [sys.executable, "-c", MEASURE, str(data), str(GOLD), str(XQUAD)],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            check=True,
        )
        warm = json.loads(out.stdout.strip().splitlines()[-1])
        cold = []
        for _ in range(3):
            t0 = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "ui", "ask", COLD_QUESTION],
                capture_output=True,
                check=True,
                env={**env, "RAG_DATA_DIR": str(data)},
                cwd=ROOT,
            )
            cold.append(time.perf_counter() - t0)
        chunks = Assistant(Settings(data_dir=data, auto_seed=False), embedder=embedder).stats()["chunks"]
        rows.append(
            {
                "articles": docs,
                "chunks": chunks,
                "ask p50 ms": warm["all_p50"],
                "ask p95 ms": warm["all_p95"],
                "passage route p50 ms": warm["passages_p50"],
                "passage route p95 ms": warm["passages_p95"],
                "free-form p50 ms": warm["free_p50"],
                "free-form p95 ms": warm["free_p95"],
                "facts route p50 ms": warm["facts_p50"],
                "peak RSS MiB": warm["peak_rss_mib"],
                "rag ask cold s": statistics.median(cold),
                "chunk vectors borrowed": embedder.borrowed - borrowed_before,
            }
        )
        print(table(rows[-1:], list(rows[-1])), flush=True)
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
    ax.plot(x, [r["ask p50 ms"] for r in rows], "o-", label="ask() p50, all questions")
    ax.plot(x, [r["ask p95 ms"] for r in rows], "s-", label="ask() p95, all questions")
    ax.plot(x, [r["passage route p50 ms"] for r in rows], "^--", label="p50, passage route only")
    ax.plot(x, [r["free-form p50 ms"] for r in rows], "v--", label="p50, free-form (XQuAD-vi questions)")
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
