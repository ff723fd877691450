"""Faults while writing (issue 22): the data dir's disk full before and during an ingest and a reindex, and the
Chroma server stopped in the middle of an ingest and started again. Each fails with one keyed line, leaves every
document the catalog lists whole, `check` ok and the store answering, and the next run completes with every document
exactly once.

The full disk is a real one: a small tmpfs mounted under tmp_path (root can; elsewhere these tests are skipped), filled
with a ballast file, at a chosen point of the write (right after the store's own free-space check)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from conftest import HashEmbedding, make_settings, write

import vectorstore.store
from rag import Assistant, IngestAbortedError, StoreError
from vectorstore import space

N_DOCS = 30


def _docs(root: Path, n: int = N_DOCS) -> list[Path]:
    return [
        write(
            root / f"{i:02d}.txt",
            "\n\n".join(f"Bài {i}, đoạn {j}: Đoàn kiểm tra số {i} làm việc tại tỉnh thứ {j}. " * 6 for j in range(3)),
        )
        for i in range(n)
    ]


def _sound(a: Assistant, n_docs: int | None = None) -> None:
    """Every document the catalog lists has all its chunks and each chunk its vector, nothing else (`check` of
    every id ok), and the store answers."""
    health = a.check(full=True)
    assert health.ok, health.line()
    _whole(a, n_docs)


def _whole(a: Assistant, n_docs: int | None = None) -> None:
    """What can be asked while the disk is still full (local Chroma then neither counts nor searches: it writes its
    log out first): the documents the catalog lists are whole, and questions are answered (from the lexical side)."""
    docs = a.store.documents()
    assert all(len(a.store.catalog.chunk_ids(d["doc_id"])) == d["n_chunks"] > 0 for d in docs)
    if n_docs is not None:
        assert len(docs) == n_docs == len({d["source"] for d in docs})
    assert a.retrieve("Đoàn kiểm tra số 3 làm việc", 3)[0].source.endswith("03.txt")


class Disk:
    """A tmpfs of `size` MB at `path`, which `fill` leaves with `leave` bytes free and `free` empties again."""

    def __init__(self, path: Path, size: int):
        path.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}m", "tmpfs", str(path)], capture_output=True)
        if done.returncode:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
        self.path, self.ballast = path, path / "ballast"

    def fill(self, leave: int) -> None:
        with open(self.ballast, "ab", buffering=0) as f:
            for block in (2**20, 4096):
                try:
                    while True:
                        f.write(b"\0" * block)
                except OSError:
                    pass
        os.truncate(self.ballast, max(self.ballast.stat().st_size - leave, 0))

    def free(self) -> None:
        self.ballast.unlink(missing_ok=True)

    def unmount(self) -> None:
        subprocess.run(["umount", "-l", str(self.path)], check=False)


@pytest.fixture
def disk(tmp_path):
    d = Disk(tmp_path / "disk", 96)  # the store's margin (space.MIN_FREE, 64 MB) and the store fit
    yield d
    d.unmount()


def _fill_after_check(monkeypatch, disk: Disk, at: int, leave: int) -> None:
    """The disk fills (to `leave` bytes free) right after the store's `at`-th free-space check passed: another
    program taking the space in the middle of a write."""
    real, calls = vectorstore.store.ensure_room, []

    def check_then_fill(path: Path) -> None:
        real(path)
        calls.append(path)
        if len(calls) == at:
            disk.fill(leave)

    monkeypatch.setattr(vectorstore.store, "ensure_room", check_then_fill)


def _assistant(data: Path) -> Assistant:
    return Assistant(make_settings(data, auto_seed=False), embedder=HashEmbedding())


def test_a_nearly_full_disk_refuses_an_ingest_and_a_reindex_before_writing(disk, tmp_path):
    docs = _docs(tmp_path / "docs")
    a = _assistant(disk.path / "data")
    a.ingest(docs[:10])
    disk.fill(space.MIN_FREE // 2)
    with pytest.raises(IngestAbortedError) as e:
        a.ingest(docs)
    assert e.value.fields["error"].key == "store.low_space" and "\n" not in str(e.value)
    with pytest.raises(StoreError) as e2:
        a.reindex()
    assert e2.value.key == "store.low_space" and "\n" not in str(e2.value)
    assert a.store.catalog.journal_pending() == [] and a.store.catalog.generation() == 0  # nothing written
    _sound(a, 10)
    disk.free()
    assert len(a.ingest(docs).added) == N_DOCS - 10 and a.reindex() == N_DOCS
    _sound(a, N_DOCS)


# 0 KB left: SQLite fails first (the journal entry); 20 KB: local Chroma's upsert ("Error in compaction")
@pytest.mark.parametrize("leave_kb", [0, 20])
def test_the_disk_filling_up_during_an_ingest(disk, tmp_path, monkeypatch, leave_kb):
    docs = _docs(tmp_path / "docs")
    a = _assistant(disk.path / "data")
    a.ingest(docs[:10])
    _fill_after_check(monkeypatch, disk, at=3, leave=leave_kb * 1024)  # in the third new document's write
    with pytest.raises(IngestAbortedError) as e:
        a.ingest(docs)
    assert e.value.fields["error"].key == "store.disk_full" and "\n" not in str(e.value)
    assert e.value.report.summary().startswith(("2 added", "3 added"))  # before it (the third may have committed)
    n = a.store.counts()[0]
    _whole(a, n)  # while the disk is still full
    disk.free()
    _sound(a, n)
    report = a.ingest(docs)
    assert len(report.added) == N_DOCS - n and len(report.unchanged) == n
    _sound(a, N_DOCS)
    assert a.store.vectors.count() == a.store.counts()[1]  # the interrupted write's vectors were cleared


@pytest.mark.parametrize("leave_kb", [0, 20])
def test_the_disk_filling_up_during_a_reindex(disk, tmp_path, monkeypatch, leave_kb):
    docs = _docs(tmp_path / "docs")
    a = _assistant(disk.path / "data")
    a.ingest(docs)
    _fill_after_check(monkeypatch, disk, at=4, leave=leave_kb * 1024)  # the start, then the third document's build
    with pytest.raises(StoreError) as e:
        a.reindex()
    assert e.value.key == "store.disk_full" and "\n" not in str(e.value)
    assert a.store.catalog.generation() == 0  # the old generation serves
    _whole(a, N_DOCS)
    disk.free()
    _sound(a, N_DOCS)
    monkeypatch.undo()
    assert a.reindex() == N_DOCS
    _sound(a, N_DOCS)
    assert a.store.catalog.generation() == 1 and a.store.vectors.names() == ["vn_news-g1"]


# --- the Chroma server stopped mid-ingest -----------------------------------------------------------------------
class ChromaServer:
    """`chroma run` on 127.0.0.1, stopped with SIGKILL (nothing flushed on the way out) and started again on the
    same path and port."""

    def __init__(self, path: Path):
        exe = shutil.which("chroma")
        assert exe, "the chroma CLI ships with chromadb"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.cmd = [exe, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(self.port)]
        self.proc: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("chroma run did not start")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)


@pytest.fixture
def chroma(tmp_path):
    server = ChromaServer(tmp_path / "chroma")
    yield server
    server.kill()


@pytest.mark.parametrize("when", ["before its vectors", "after its vectors"])
def test_the_chroma_server_stopped_in_the_middle_of_an_ingest(tmp_path, chroma, monkeypatch, when):
    """The server is killed while the fifth new document is written: before its vectors are sent (as its write
    begins) or right after the server took them (before the catalog's rows); then started again on the same path and
    port."""
    docs = _docs(tmp_path / "docs")
    settings = make_settings(tmp_path / "data", auto_seed=False, chroma_host="127.0.0.1", chroma_port=chroma.port)
    a = Assistant(settings, embedder=HashEmbedding())
    a.ingest(docs[:10])
    calls = []

    def count_then_kill(at_call: object) -> None:
        calls.append(at_call)
        if len(calls) == 5:
            chroma.kill()

    if when == "before its vectors":  # (ingest embeds several documents a call: the kill comes as the fifth is written)
        real_put = a.store.put_document
        monkeypatch.setattr(a.store, "put_document", lambda *args, **kw: (count_then_kill(args), real_put(*args, **kw))[1])
    else:
        real_upsert = a.store.vectors.upsert
        monkeypatch.setattr(
            a.store.vectors, "upsert", lambda ids, emb: (real_upsert(ids, emb), count_then_kill(ids))[0]
        )
    with pytest.raises(IngestAbortedError) as e:
        a.ingest(docs)
    assert e.value.fields["error"].key in ("store.unreachable", "store.vectors_failed") and "\n" not in str(e.value)
    # the fifth is whole in the catalog once the server took its vectors, and the report counts it
    assert len(calls) == 5
    assert e.value.report.summary().startswith("5 added" if when == "after its vectors" else "4 added")
    monkeypatch.undo()

    chroma.start()
    n = a.store.counts()[0]
    assert n == 14 + (when == "after its vectors")
    _sound(a, n)  # every listed document has all its vectors
    fresh = Assistant(settings, embedder=HashEmbedding())  # another process's view: opened and checked anew
    _sound(fresh, n)
    report = a.ingest(docs)
    assert len(report.added) == N_DOCS - n and len(report.unchanged) == n
    _sound(a, N_DOCS)
    assert a.store.vectors.count() == a.store.counts()[1] and a.store.catalog.journal_pending() == []
