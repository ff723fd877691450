"""Shared by the benchmarks: machine facts, a disk-cached embedder, result files.

Benchmarks are not tests: each prints a table and writes its numbers to bench/results/<name>.json."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CACHE = ROOT / "bench" / ".cache"
SHARED = ROOT.parent / "shared" / "data"
DANTRI = SHARED / "news-dantri-2020" / "docs"
XQUAD = SHARED / "xquad-vi" / "xquad.vi.json"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from rag.indexing.embeddings import Embedder, make_embedder  # noqa: E402
from rag.settings import Settings  # noqa: E402


def corpus_order() -> list[Path]:
    """The dantri articles in a fixed order that interleaves the 10 topics, so any prefix is a mixed corpus
    (the scale benchmark's sizes are prefixes; the embedding cache fills in this order)."""
    files = sorted(DANTRI.glob("*.txt"))
    by_topic: dict[str, list[Path]] = {}
    for f in files:
        by_topic.setdefault(f.name.split("_")[1], []).append(f)
    longest = max(len(v) for v in by_topic.values())
    return [v[i] for i in range(longest) for v in by_topic.values() if i < len(v)]


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        (
            int(line.split()[1]) // 1024**2
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        None,
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": mem,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def save(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **data}, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """A Markdown table."""
    out = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    out += [
        "| " + " | ".join(f"{r[c]:.3f}" if isinstance(r[c], float) else str(r[c]) for c in columns) + " |" for r in rows
    ]
    return "\n".join(out)


def bench_embedder() -> str:
    """The embedder the benchmarks measure: RAG_EMBEDDER, else the product's default."""
    return os.environ.get("RAG_EMBEDDER") or Settings.model_fields["embedder"].default


class CachedEmbedder(Embedder):
    """The product's embedder with a disk cache (text hash -> vector), so a large corpus is embedded once across
    runs. Query and passage vectors are cached apart (e5 prefixes differ)."""

    def __init__(self, name: str = "cache", spec: str | None = None, borrow: bool = False):
        """`spec`: the embedder (default: RAG_EMBEDDER, else the product's default), cached apart per embedder.
        `borrow`: a passage missing from the cache gets a cached vector (chosen by its hash) instead of being
        embedded — for latency/memory at a scale the cache does not cover yet; `borrowed` counts them."""
        spec = spec or bench_embedder()
        self._inner = make_embedder(spec)
        self._borrow = borrow
        self.borrowed = 0
        self.name, self.model, self.dim = self._inner.name, self._inner.model, self._inner.dim
        self._path = CACHE / f"{name}_{spec.replace('/', '_').replace(':', '_')}.npz"
        self._vectors: dict[str, np.ndarray] = {}
        if self._path.exists():
            data = np.load(self._path)
            self._vectors = dict(zip(data["keys"].tolist(), data["vectors"]))
        self.misses = 0

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        keys = [hashlib.sha1(f"{is_query}\0{t}".encode()).hexdigest() for t in texts]
        todo = [i for i, k in enumerate(keys) if k not in self._vectors]
        if todo and self._borrow and not is_query:
            pool = list(self._vectors)
            self.borrowed += len(todo)
            return np.stack(
                [self._vectors[k] if k in self._vectors else self._vectors[pool[int(k, 16) % len(pool)]] for k in keys]
            )
        if todo:
            self.misses += len(todo)
            for i, v in zip(todo, self._inner._encode([texts[i] for i in todo], is_query)):
                self._vectors[keys[i]] = v
        return np.stack([self._vectors[k] for k in keys]) if keys else np.zeros((0, self.dim), np.float32)

    def count_tokens(self, texts: list[str]) -> int:
        return self._inner.count_tokens(texts)

    def save(self) -> None:
        CACHE.mkdir(parents=True, exist_ok=True)
        keys = list(self._vectors)
        np.savez(self._path, keys=np.array(keys), vectors=np.stack([self._vectors[k] for k in keys]))
