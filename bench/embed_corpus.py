"""Embed the big corpus (bench/.cache/dantri.npz) once, with the product's own loader, chunker and titles.

python bench/embed_corpus.py      # ~30 min on 2 cores; later runs of bench/latency_scale.py reuse it
"""

from __future__ import annotations

import time

from common import CachedEmbedder, corpus_order

from rag.chunking import chunk_text
from rag.ingest import doc_id_for
from rag.loaders import load_file
from rag.settings import Settings


def main() -> None:
    emb = CachedEmbedder("dantri")
    settings = Settings(data_dir="/tmp/unused")
    files = corpus_order()
    start = time.perf_counter()
    for i, f in enumerate(files):
        doc = load_file(f, 10**8)[0]
        nodes = chunk_text(doc.text, doc_id_for(doc.text), settings.chunk_chars)
        emb.embed_passages([f"{doc.title}\n{n.text}" for n in nodes])
        if i % 100 == 99:
            emb.save()
            print(
                f"{i + 1}/{len(files)} files, {emb.misses} new vectors, {time.perf_counter() - start:.0f} s", flush=True
            )
    emb.save()
    print(f"done: {len(files)} files, {emb.misses} new vectors, {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
