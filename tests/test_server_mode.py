"""Vectors on a real Chroma server (`chroma run` on 127.0.0.1), catalog local."""

import shutil
import socket
import subprocess
import time

import pytest
from conftest import SEEDS, HashEmbedding, make_settings

from rag import Assistant, StoreUnavailableError


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    exe = shutil.which("chroma")
    assert exe, "the chroma CLI ships with chromadb"
    port = _free_port()
    proc = subprocess.Popen(
        [exe, "run", "--path", str(tmp_path_factory.mktemp("chroma")), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    yield port
    proc.terminate()
    proc.wait(10)


def test_ingest_and_ask_against_a_chroma_server(tmp_path, chroma_server):
    settings = make_settings(
        tmp_path / "data", chroma_host="127.0.0.1", chroma_port=chroma_server, collection="server_test"
    )
    a = Assistant(settings, embedder=HashEmbedding())
    assert len(a.ingest([SEEDS]).added) == 2
    assert a.store.vectors.where == f"Chroma server 127.0.0.1:{chroma_server}"
    assert not (tmp_path / "data" / "chroma").exists()
    n_chunks = a.store.counts()[1]
    assert a.store.vectors.count() == n_chunks
    passages = a.retrieve("Đoàn kiểm tra số 4 Đắk Lắk", 3)
    assert passages and all(p.dense_score is not None or p.lexical_score is not None for p in passages)
    a.remove(str(SEEDS))
    assert a.store.vectors.count() == 0


def test_unreachable_server_is_a_clear_error(tmp_path):
    settings = make_settings(tmp_path / "data", chroma_host="127.0.0.1", chroma_port=_free_port())
    with pytest.raises(StoreUnavailableError, match="cannot reach Chroma server 127.0.0.1"):
        Assistant(settings, embedder=HashEmbedding()).store
