"""Watched folders: files dropped, edited, renamed and deleted there are ingested or removed within seconds."""

import errno
import logging
import os
import shutil
import time

import pytest
from conftest import HashEmbedding, make_settings, write

import rag.sources.watch
from rag import Assistant, ConfigError, StoreLockedError
from rag.sources.watch import Watcher

REPORT = (
    "Đoàn kiểm tra liên ngành tỉnh Quảng Trị làm việc tại huyện Hải Lăng trong hai ngày cuối tháng Ba.\n"
    "Trưởng đoàn là ông Lê Minh Khoa, phó giám đốc Sở Nông nghiệp. Đoàn ghi nhận nhiều cửa hàng vật tư "
    "chưa niêm yết giá phân bón và yêu cầu khắc phục trong mười lăm ngày."
)
REVISED = REPORT.replace("ông Lê Minh Khoa, phó giám đốc", "bà Phan Thị Hồng Nhung, giám đốc")
OTHER = "Ngày 12/4, Ủy ban nhân dân huyện Vĩnh Linh tổ chức hội nghị sơ kết công tác phòng chống cháy rừng."


@pytest.fixture
def assistant(tmp_path):
    return Assistant(make_settings(tmp_path / "data", auto_seed=False), embedder=HashEmbedding())


@pytest.fixture
def inbox(tmp_path):
    (tmp_path / "inbox").mkdir()
    return tmp_path / "inbox"


def until(condition, timeout=10.0):
    """Wait for `condition()` to hold; fail after `timeout` seconds."""
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "not within the time allowed"
        time.sleep(0.05)


def sources(assistant):
    return {d["source"] for d in assistant.documents()}


def counting(assistant):
    """Wrap `assistant.ingest`; the returned list receives each call's report once it returns."""
    reports, ingest = [], assistant.ingest

    def wrapped(paths, progress=None):
        report = ingest(paths, progress)
        reports.append(report)
        return report

    assistant.ingest = wrapped
    return reports


def lines(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "rag.sources.watch" and r.levelno >= logging.INFO]


def test_dropped_file_is_answerable_then_updated_then_removed_one_line_each(assistant, inbox, caplog):
    caplog.set_level(logging.INFO, logger="rag.sources.watch")
    f = inbox / "hai-lang.txt"
    with Watcher(assistant, [inbox], debounce=0.2) as w:
        assert not w.polling
        write(f, REPORT)
        until(lambda: sources(assistant) == {str(f)})
        hit = assistant.retrieve("Ai là trưởng đoàn kiểm tra tại Hải Lăng?", 1)[0]
        assert hit.source == str(f) and "Lê Minh Khoa" in hit.text

        write(f, REVISED)
        until(lambda: "Hồng Nhung" in assistant.retrieve("trưởng đoàn kiểm tra Hải Lăng", 1)[0].text)
        (doc,) = assistant.documents()
        assert "Lê Minh Khoa" not in assistant.document_text(doc["doc_id"])

        f.unlink()
        until(lambda: not assistant.documents())
        time.sleep(0.4)  # time for a stray second line
    assert lines(caplog) == [f"added {f} (1 chunk)", f"updated {f} (1 chunk)", f"removed {f}"]


def test_renames_and_folders(assistant, inbox, tmp_path):
    with Watcher(assistant, [inbox], debounce=0.2):
        # written aside under a hidden temporary name, then renamed: the uploader's and the editor's way
        part = write(inbox / ".bao-cao.md.part", REPORT)
        os.rename(part, inbox / "bao-cao.md")
        until(lambda: sources(assistant) == {str(inbox / "bao-cao.md")})

        # a rename keeps the text stored, under the new name (ingest alone would call it a copy of the old one)
        os.rename(inbox / "bao-cao.md", inbox / "quang-tri.md")
        until(lambda: sources(assistant) == {str(inbox / "quang-tri.md")})

        # a folder moved in is ingested, moved out removed
        write(tmp_path / "vinh-linh" / "hoi-nghi.txt", OTHER)
        shutil.move(tmp_path / "vinh-linh", inbox / "vinh-linh")
        until(lambda: len(assistant.documents()) == 2)
        shutil.move(inbox / "vinh-linh", tmp_path / "vinh-linh")
        until(lambda: sources(assistant) == {str(inbox / "quang-tri.md")})


def test_unsupported_hidden_and_lock_files_are_ignored(assistant, inbox, caplog):
    caplog.set_level(logging.INFO, logger="rag.sources.watch")
    reports = counting(assistant)
    with Watcher(assistant, [inbox], debounce=0.2):
        until(lambda: reports)  # the catch-up pass
        write(inbox / "bang-gia.xlsx", REPORT)
        write(inbox / ".nhap.md", REPORT)
        write(inbox / ".git" / "notes.txt", REPORT)
        write(inbox / "~$bao-cao.docx", b"\x00lock")
        write(inbox / "bao-cao.md~", REPORT)
        write(inbox / "last.txt", OTHER)
        until(lambda: sources(assistant) == {str(inbox / "last.txt")})
        time.sleep(0.4)
    assert [[r.source for r in report.results] for report in reports] == [[], [str(inbox / "last.txt")]]
    assert lines(caplog) == [f"added {inbox / 'last.txt'} (1 chunk)"]


def test_quick_writes_make_one_ingest(assistant, inbox):
    reports = counting(assistant)
    f = inbox / "dang-viet.txt"
    with Watcher(assistant, [inbox], debounce=0.5):
        until(lambda: reports)
        with f.open("w", encoding="utf-8") as out:
            for line in REPORT.splitlines() + [OTHER]:  # an editor's or a slow copy's several writes
                out.write(line + "\n")
                out.flush()
                time.sleep(0.05)
        until(lambda: len(reports) == 2)
        time.sleep(0.8)
    assert len(reports) == 2 and [r.status for r in reports[1].results] == ["added"]
    assert "cháy rừng" in assistant.document_text(assistant.documents()[0]["doc_id"])


def test_catch_up_pass(assistant, inbox, tmp_path):
    kept, gone, edited = inbox / "kept.txt", inbox / "sub" / "gone.txt", inbox / "edited.txt"
    write(kept, REPORT)
    write(gone, OTHER)
    write(edited, "Đoàn công tác của tỉnh Quảng Bình kiểm tra kho lương thực dự trữ.")
    outside = write(tmp_path / "elsewhere" / "x.txt", "Một bài ngoài thư mục được theo dõi, về giá lúa.")
    assistant.ingest([inbox, outside])
    gone.unlink()  # while nothing watched
    outside.unlink()
    write(edited, "Đoàn công tác của tỉnh Quảng Bình kiểm tra kho muối và kho gạo.")
    new = write(inbox / "new.md", "---\ntitle: Mới\n---\n" + OTHER)
    with Watcher(assistant, [inbox], debounce=0.2):
        until(lambda: sources(assistant) == {str(kept), str(edited), str(new), str(outside)})
        doc = next(d for d in assistant.documents() if d["source"] == str(edited))
        assert "kho muối" in assistant.document_text(doc["doc_id"])


def test_json_records_follow_their_file(assistant, inbox):
    f = inbox / "tin.jsonl"
    with Watcher(assistant, [inbox], debounce=0.2):
        write(f, "".join(f'{{"text": "Bản tin số {n} về công tác kiểm tra ở Quảng Trị."}}\n' for n in (1, 2, 3)))
        until(lambda: len(assistant.documents()) == 3)
        write(f, "".join(f'{{"text": "Bản tin số {n} về công tác kiểm tra ở Quảng Trị."}}\n' for n in (1, 2)))
        until(lambda: sources(assistant) == {f"{f}#1", f"{f}#2"})


def test_a_file_that_becomes_a_copy_of_another_leaves_no_old_text(assistant, inbox, caplog):
    caplog.set_level(logging.INFO, logger="rag.sources.watch")
    a, b = write(inbox / "a.txt", REPORT), write(inbox / "b.txt", OTHER)
    with Watcher(assistant, [inbox], debounce=0.2):
        until(lambda: len(assistant.documents()) == 2)
        write(b, REPORT)  # ingest calls it unchanged (the same text as a.txt) and would keep b.txt's old text
        until(lambda: sources(assistant) == {str(a)})
        until(lambda: f"unchanged {b} (same content as {a})" in lines(caplog))  # its one line says where it went


def test_a_folder_that_is_not_there_is_a_config_error(assistant, inbox):
    with pytest.raises(ConfigError, match="no such folder") as e:
        Watcher(assistant, [inbox, inbox / "missing"])
    assert str(e.value) == f"cannot watch {inbox / 'missing'}: no such folder"
    assert e.value.render("vi") == f"không theo dõi được {inbox / 'missing'}: không có thư mục này"
    with pytest.raises(ConfigError, match="not a folder") as e:
        Watcher(assistant, [write(inbox / "a.txt", OTHER)])
    assert e.value.render("vi") == f"không theo dõi được {inbox / 'a.txt'}: không phải thư mục"
    with pytest.raises(ConfigError, match="^no folder to watch$") as e:
        Watcher(assistant, [])
    assert (e.value.key, e.value.render("vi")) == ("sources.no_folder", "không có thư mục nào để theo dõi")


def test_polling(assistant, inbox):
    with Watcher(assistant, str(inbox), debounce=0.2, polling=True) as w:
        assert w.polling
        write(inbox / "a.txt", OTHER)
        until(lambda: len(assistant.documents()) == 1)


def test_falls_back_to_polling_when_native_events_cannot_start(assistant, inbox, caplog, monkeypatch):
    class Exhausted(rag.sources.watch.Observer):  # the platform's native observer
        def start(self):
            raise OSError(errno.ENOSPC, "inotify watch limit reached")

    monkeypatch.setattr(rag.sources.watch, "Observer", Exhausted)
    with Watcher(assistant, [inbox], debounce=0.2) as w:
        assert w.polling
        write(inbox / "a.txt", OTHER)
        until(lambda: len(assistant.documents()) == 1)
    assert any("polling the watched folders" in line for line in lines(caplog))


def test_a_failed_batch_is_logged_and_tried_again(assistant, inbox, caplog):
    caplog.set_level(logging.INFO, logger="rag.sources.watch")
    write(inbox / "a.txt", OTHER)
    ingest, failures = assistant.ingest, []

    def locked_once(paths, progress=None):
        if not failures:
            failures.append(paths)
            raise StoreLockedError("store.catalog_busy", path="catalog.sqlite3", detail="database is locked")
        return ingest(paths, progress)

    assistant.ingest = locked_once
    with Watcher(assistant, [inbox], debounce=0.2, retry=0.3):
        until(lambda: len(assistant.documents()) == 1)
    assert lines(caplog)[0] == (
        "could not take in 1 changed paths (the catalog catalog.sqlite3 is busy: database is locked); trying again in "
        "0.3 s"
    )
