"""Latency and scale: warm `ask()` p50/p95 over the product's gold questions and over 100 free-form ones (XQuAD-vi's,
all answered by passage retrieval), peak memory, and cold `rag ask`, at 2 / 100 / 1,000 / 2,655 articles
(the seeds, plus news-dantri-2020) and 20,000 / 100,000 (copies of the 2,655-article store with changed ids).
Document vectors come from bench/.cache (bench/embed_corpus.py computes them once, with the product's embedder);
question vectors are always computed live by the product's embedder. Chunks the cache does not hold (articles not
embedded yet) borrow cached vectors (reported per row): latency and memory depend on the index's size, not on which
vector each chunk has; their text, lexical index and records are real.

Sizes up to the corpus are ingested through `Assistant.ingest`. Larger ones would take hours that way: they are the
corpus's store copied (`copy_store`): every document again under a new id and source, with its text, chunk rows,
lexical terms, fact records and vectors (each copy's chunk carries its original's vector), written straight into the
catalog and the Chroma collection. With `--stores DIR` the stores are kept there and a store already built is
measured as it is.

    python bench/embed_corpus.py && python bench/latency_scale.py [--stores DIR] [SIZES...]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import RESULTS, ROOT, XQUAD, CachedEmbedder, corpus_order, save, table

from rag import Assistant, Settings

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
    """The seeds plus the first size-2 articles of the topic-interleaved order."""
    return (sorted((ROOT / "seeds").glob("*.txt")) + corpus_order())[:size]


def copy_store(src: Path, dst: Path, size: int) -> None:
    """`dst`: the store at `src` (its folder copied) and copies of its documents, in order, until it holds `size`.
    Copy n of a document has the id sha256("<id>:<n>")[:16], its source in a folder copy<n>/ beside the original's,
    and its original's text, title, date, chunk rows (ids from the new id), lexical terms, fact records (ids and
    source replaced in their JSON) and vectors. Written straight into the catalog and the collection, a copy at a
    time (vectors first, as the store writes), so both sides agree and the store's identity stays as it was."""
    import chromadb

    shutil.copytree(src, dst)
    db = sqlite3.connect(dst / "catalog.sqlite3", isolation_level=None)
    assert db.execute("SELECT count(*) FROM meta WHERE key = 'generation' AND value != '0'").fetchone()[0] == 0
    docs = db.execute(
        "SELECT doc_id, source, title, url, date, metadata, text, n_chunks FROM documents ORDER BY added_at, source"
    ).fetchall()
    chunks: dict[str, list[tuple]] = {}
    for doc_id, *row in db.execute(
        'SELECT c.doc_id, c.idx, c.start, c."end", f.terms FROM chunks c JOIN chunks_fts f ON f.rowid = c.rowid '
        "ORDER BY c.rowid"
    ):
        chunks.setdefault(doc_id, []).append(tuple(row))
    facts = dict(db.execute("SELECT record_id, data FROM facts").fetchall())
    col = chromadb.PersistentClient(
        path=str(dst / "chroma"), settings=chromadb.Settings(anonymized_telemetry=False)
    ).get_collection("vn_news")
    vectors: dict[str, object] = {}
    while len(vectors) < col.count():
        got = col.get(include=["embeddings"], limit=5000, offset=len(vectors))
        vectors.update(zip(got["ids"], got["embeddings"], strict=True))
    batch = min(col._client.get_max_batch_size(), 5000)
    n, total = 0, len(docs)
    while total < size:
        n += 1
        take = docs[: size - total]
        rowid = db.execute("SELECT coalesce(max(rowid), 0) FROM chunks").fetchone()[0]
        new_id = {d[0]: hashlib.sha256(f"{d[0]}:{n}".encode()).hexdigest()[:16] for d in take}
        new_source = {d[0]: str(Path(d[1]).parent / f"copy{n}" / Path(d[1]).name) for d in take}
        doc_rows, chunk_rows, fact_rows, ids, embeddings = [], [], [], [], []
        for i, (doc_id, source, title, url, date, metadata, text, n_chunks) in enumerate(take):
            nid, nsource = new_id[doc_id], new_source[doc_id]
            doc_rows.append((nid, nsource, title, url, date, metadata, text, n_chunks, time.time() + i * 1e-6))
            for idx, start, end, terms in chunks[doc_id]:
                rowid += 1
                chunk_rows.append((rowid, f"{nid}-{idx:04d}", nid, idx, start, end, terms))
                ids.append(f"{nid}-{idx:04d}")
                embeddings.append(vectors[f"{doc_id}-{idx:04d}"])
            if doc_id in facts:
                data = facts[doc_id].replace(doc_id, nid).replace(json.dumps(source)[1:-1], json.dumps(nsource)[1:-1])
                fact_rows.append((nid, nid, data))
        for b in range(0, len(ids), batch):
            col.upsert(ids=ids[b : b + batch], embeddings=embeddings[b : b + batch])
        db.execute("BEGIN IMMEDIATE")
        db.executemany(
            "INSERT INTO documents(doc_id, source, title, url, date, metadata, text, n_chunks, added_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            doc_rows,
        )
        db.executemany(
            'INSERT INTO chunks(rowid, chunk_id, gen, doc_id, idx, start, "end") VALUES (?, ?, 0, ?, ?, ?, ?)',
            [r[:6] for r in chunk_rows],
        )
        db.executemany("INSERT INTO chunks_fts(rowid, terms) VALUES (?, ?)", [(r[0], r[6]) for r in chunk_rows])
        db.executemany("INSERT INTO facts(record_id, doc_id, data) VALUES (?, ?, ?)", fact_rows)
        db.execute("COMMIT")
        total += len(take)
        print(f"copy {n}: {total} documents, {rowid} chunk rows", flush=True)
    db.close()


def build(stores: Path, size: int, base: int, embedder: CachedEmbedder) -> Path:
    """The store of `size` articles under `stores` (kept: one already there is used as it is), with what its
    building borrowed in `built.json` beside it."""
    where = stores / f"scale{size}"
    if (where / "built.json").exists():
        return where / "data"
    if size <= base:
        borrowed_before = embedder.borrowed
        Assistant(Settings(data_dir=where / "data", auto_seed=False), embedder=embedder).ingest(corpus(size))
        built = {"how": "ingest", "borrowed": embedder.borrowed - borrowed_before}
    else:
        origin = build(stores, base, base, embedder)
        copy_store(origin, where / "data", size)
        built = {"how": f"copies of the {base:,}-article store", "borrowed": 0}
    (where / "built.json").write_text(json.dumps(built))
    return where / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=Path, help="where the stores are built and kept (default: a new temp dir)")
    parser.add_argument("sizes", nargs="*", type=int, default=[2, 100, 1000, 2655, 20000, 100000])
    args = parser.parse_args()
    stores = args.stores or Path(tempfile.mkdtemp(prefix="scale-"))
    embedder = CachedEmbedder("dantri", borrow=True)
    embedder._borrow = False  # the seeds are always embedded for real (they are not in the corpus cache)
    Assistant(Settings(data_dir=Path(tempfile.mkdtemp()) / "seeds", auto_seed=False), embedder=embedder).ingest(
        corpus(2)
    )
    embedder._borrow = True
    base = len(corpus(10**9))
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    rows = []
    for size in args.sizes:
        data = build(stores, size, base, embedder)
        built = json.loads((data.parent / "built.json").read_text())
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
        stats = Assistant(Settings(data_dir=data, auto_seed=False), embedder=embedder).stats()
        rows.append(
            {
                "articles": stats["documents"],
                "chunks": stats["chunks"],
                "ask p50 ms": warm["all_p50"],
                "ask p95 ms": warm["all_p95"],
                "passage route p50 ms": warm["passages_p50"],
                "passage route p95 ms": warm["passages_p95"],
                "free-form p50 ms": warm["free_p50"],
                "free-form p95 ms": warm["free_p95"],
                "facts route p50 ms": warm["facts_p50"],
                "peak RSS MiB": warm["peak_rss_mib"],
                "rag ask cold s": statistics.median(cold),
                "chunk vectors borrowed": built["borrowed"],
                "built by": built["how"],
            }
        )
        print(table(rows[-1:], list(rows[-1])), flush=True)
    print()
    print(table(rows, list(rows[0])))
    print(f"wrote {save('latency_scale', {'question_set': str(GOLD.relative_to(ROOT)), 'rows': rows})}")
    plot(rows)


def plot(rows: list[dict]) -> None:
    try:
        import matplotlib
    except ImportError:  # (not a dependency of the product)
        print("no matplotlib: bench/results/latency.png not drawn")
        return

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
