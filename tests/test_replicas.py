"""Replicas: two Assistants with their own data dirs, one PostgreSQL catalog (RAG_DATABASE_URL) and one Chroma server,
as two machines behind a load balancer. What one commits, the other answers from at its next question; what it
keeps between questions (facts, names, term statistics) follows the database's change counter."""

import logging
import threading
import time

import pytest
from conftest import SEEDS, HashEmbedding, make_settings
from test_feeds import LOOPBACK, serve_tau_ca, server  # noqa: F401 - `server`: the feeds' HTTP server fixture
from test_server_mode import chroma_server  # noqa: F401 - the fixture: a Chroma server on 127.0.0.1

from rag import Assistant, Feeds

TRA_VINH, DAK_LAK = SEEDS / "000_b584f524cb46930b.txt", SEEDS / "001_cb98ca3c559514ce.txt"


@pytest.fixture
def replicas(tmp_path, database_url, chroma_server, request):  # noqa: F811 - the fixture imported above
    def replica(name: str) -> Assistant:
        settings = make_settings(
            tmp_path / name,
            database_url=database_url,
            chroma_host="127.0.0.1",
            chroma_port=chroma_server,
            collection=f"replicas_{request.node.name[-40:]}",
            auto_seed=False,
            feed_timeout=0.5,
            feed_allow_networks=LOOPBACK,
            lock_timeout=60,
        )
        return Assistant(settings, embedder=HashEmbedding())

    return replica("a"), replica("b")


def test_a_document_committed_on_one_replica_answers_on_the_other_at_once(replicas):
    a, b = replicas
    a.ingest([TRA_VINH])
    first = b.ask("Ai là trưởng đoàn kiểm tra tại Trà Vinh?")
    assert "Nguyễn Quang Dương" in first.answer and first.citations
    assert b.ask("Đoàn kiểm tra số 4 làm việc tại Đắk Lắk ngày nào?").found is False  # not ingested yet
    a.ingest([DAK_LAK])  # B's kept facts and counts were read before this commit
    after = b.ask("Đoàn kiểm tra số 4 làm việc tại Đắk Lắk ngày nào?")
    assert after.found and "24/4" in after.answer
    assert {c.source for c in after.citations} == {str(DAK_LAK)}
    assert b.store.counts() == a.store.counts() == (2, a.store.counts()[1])
    a.remove(str(DAK_LAK))
    assert b.ask("Đoàn kiểm tra số 4 làm việc tại Đắk Lắk ngày nào?").found is False
    assert [d["source"] for d in b.documents()] == [str(TRA_VINH)]


def test_a_reindex_on_one_replica_is_followed_by_the_other(replicas):
    a, b = replicas
    a.ingest([TRA_VINH, DAK_LAK])
    before = b.ask("Ai là trưởng đoàn kiểm tra tại Trà Vinh?").answer
    a.reindex()
    assert a.store.catalog.generation() == 1
    assert b.ask("Ai là trưởng đoàn kiểm tra tại Trà Vinh?").answer == before
    passages = b.retrieve("buổi làm việc với Ban Thường vụ Tỉnh ủy Đắk Lắk", 3)  # dense search: on the new collection
    assert passages[0].source == str(DAK_LAK) and b.store.vectors.name.endswith("-g1")
    assert b.check(full=True).ok and a.check(full=True).ok


def test_writers_on_two_replicas_take_turns_and_lose_nothing(replicas, tmp_path):
    a, b = replicas
    texts = [
        f"Ngày {d}/5, Đoàn kiểm tra số {d} của Tiểu ban Bảo vệ chính trị nội bộ Trung ương làm việc tại tỉnh số {d}."
        for d in range(1, 9)
    ]
    paths = []
    for i, text in enumerate(texts):
        (tmp_path / f"{i}.txt").write_text(f"Bài {i}\n\n{text}", encoding="utf-8")
        paths.append(tmp_path / f"{i}.txt")
    threads = [threading.Thread(target=r.ingest, args=(paths[i::2],)) for i, r in enumerate((a, b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(d["source"] for d in a.documents()) == sorted(map(str, paths))
    assert a.check(full=True).ok and b.check(full=True).ok


def test_the_replicas_share_the_feeds_and_one_polls_at_a_time(replicas, server, tmp_path):  # noqa: F811
    a, b = replicas
    feed_a, feed_b = Feeds(a, backoff=0.01), Feeds(b, backoff=0.01)
    url = feed_a.add(serve_tau_ca(server)).url
    assert [f.url for f in feed_b.list()] == [url]  # added on A, listed on B
    results = []
    threads = [threading.Thread(target=lambda f=f: results.append(f.poll())) for f in (feed_a, feed_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(len(r.added) for [r] in results) == [0, 2]  # the second poll waited, then found both seen
    assert len(server.hits("/a/tau-ca.html")) == 1 and len(b.documents()) == 2
    assert feed_b.list()[0].articles == 2
    assert not (tmp_path / "a" / "feeds" / "poll.lock").exists()  # the lock is the database's, not a file


def test_the_replicas_background_polls_take_one_round_an_interval_between_them(replicas, server, caplog):  # noqa: F811
    caplog.set_level(logging.INFO, "rag.sources.feeds")
    a, b = replicas
    feed_a, feed_b = Feeds(a, backoff=0.01), Feeds(b, backoff=0.01)
    feed_a.add(serve_tau_ca(server))
    stop = threading.Event()
    threading.Thread(target=feed_a.poll_forever, args=(60, stop), daemon=True).start()
    deadline = time.monotonic() + 60
    while len(b.documents()) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    hits = len(server.hits("/a/rss.xml"))  # add + A's round
    threading.Thread(target=feed_b.poll_forever, args=(60, stop), daemon=True).start()
    while not any("this round is skipped" in m for m in caplog.messages) and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    assert len(server.hits("/a/rss.xml")) == hits == 2 and len(b.documents()) == 2
