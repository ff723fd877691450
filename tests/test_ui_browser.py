"""End to end in a real browser: `rag serve` on a free loopback port, driven by headless Chromium."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import ROOT, write

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason="needs Chromium: apt-get install chromium chromium-driver (.ci/run does)"
)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    port = _free_port()
    env = {**os.environ, "RAG_DATA_DIR": str(tmp_path / "data"), "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "rag", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.5)
    yield url
    proc.terminate()
    proc.wait(20)


def test_ask_see_highlighted_source_upload_and_list(server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    article = write(
        tmp_path / "moi.txt",
        "# title = Đoàn kiểm tra số 11 tại Sơn La\nChiều 9/5/2024, Đoàn kiểm tra số 11 "
        "của Tiểu ban Bảo vệ chính trị nội bộ Trung ương làm việc tại Sơn La.\n",
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1200, "height": 1200})
        page.goto(server)
        page.locator("#rag-question textarea").fill("Ai là trưởng đoàn kiểm tra tại Trà Vinh?")
        page.locator("#rag-send").click()
        expect(page.locator("#rag-chat")).to_contain_text("Nguyễn Quang Dương", timeout=60_000)
        mark = page.locator("#rag-sources blockquote mark").first
        expect(mark).to_contain_text("Nguyễn Quang Dương")
        expect(page.locator("#rag-sources")).to_contain_text("000_b584f524cb46930b.txt")
        page.screenshot(path=str(tmp_path / "chat.png"), full_page=True)

        page.get_by_role("tab", name="Thư viện").click()
        page.locator("#rag-upload input[type=file]").set_input_files(str(article))
        expect(page.locator("#rag-upload-results")).to_contain_text("đã thêm", timeout=60_000)
        expect(page.locator("#rag-library")).to_contain_text("Đoàn kiểm tra số 11 tại Sơn La", timeout=30_000)
        page.screenshot(path=str(tmp_path / "library.png"), full_page=True)
        browser.close()
    assert (tmp_path / "chat.png").stat().st_size > 10_000
