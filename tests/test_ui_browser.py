"""End to end in a real browser: `rag serve` on a free loopback port, driven by headless Chromium. One server for
the module (a start costs ~15-20 s); each test adds its own article."""

import http.server
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import types
import urllib.parse
import urllib.request

import httpx
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


def _start(args, env):
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{args[-1]}/"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.5)
    return proc, url


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("server")
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "GRADIO_ANALYTICS_ENABLED"},  # the product turns it off
        "RAG_DATA_DIR": str(root / "data"),
        "GRADIO_TEMP_DIR": str(root / "gradio"),  # where Gradio keeps uploads: looked at by the upload test
        "TMPDIR": str(root / "tmp"),  # where the page's CSV exports go: looked at when the server stops
    }
    (root / "tmp").mkdir()
    proc, url = _start([sys.executable, "-m", "ui", "serve", "--port", str(port)], env)
    yield types.SimpleNamespace(url=url, root=root)
    proc.terminate()  # SIGTERM stops the server as Ctrl-C does: exit handlers run
    assert proc.wait(20) == 0, proc.stderr.read()
    assert not list((root / "tmp").glob("rag-facts-*")), "the CSV export folder outlived the server"


# A page whose embedder is the tests' hash embedding, slowed down to 1 s per document: a large upload (see
# ui.uploads.BACKGROUND_CHUNKS) is then ingested in the background for a few seconds, long enough to watch.
SLOW_SERVER = """
import sys, time
from pathlib import Path
from conftest import HashEmbedding, make_settings
from rag import Assistant
from ui.app import serve

class Slow(HashEmbedding):
    def _encode(self, texts, is_query):
        if not is_query:
            time.sleep(1.0)
        return super()._encode(texts, is_query)

serve(port=int(sys.argv[2]), assistant=Assistant(make_settings(Path(sys.argv[1])), embedder=Slow()))
"""


@pytest.fixture(scope="module")
def slow_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("slow")
    port = str(_free_port())
    env = {
        **os.environ,
        "GRADIO_ANALYTICS_ENABLED": "False",
        "GRADIO_TEMP_DIR": str(root / "gradio"),
        "PYTHONPATH": str(ROOT / "tests"),  # for conftest's HashEmbedding
    }
    proc, url = _start([sys.executable, "-c", SLOW_SERVER, str(root / "data"), port], env)
    yield url
    proc.terminate()
    assert proc.wait(20) == 0, proc.stderr.read()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


def _ask(page, question, expected, sources=True):
    """Ask on the chat tab; the answer's message row once it holds `expected` (and its sources)."""
    from playwright.sync_api import expect

    answers = page.locator("#rag-chat .message-row.bot-row")
    answer = answers.nth(answers.count())  # this one (a locator is lazy: .last would follow later answers)
    page.locator("#rag-question textarea").fill(question)
    page.locator("#rag-send").click()
    expect(answer).to_contain_text(expected, timeout=60_000)
    if sources:
        expect(answer.locator(".thought")).to_contain_text("Nguồn (")  # collapsed under it
    return answer


def _in_view(page, locator):
    """Waits until `locator` is inside the window and inside the chat's own scrolled area (False after 5 s)."""
    from playwright.sync_api import TimeoutError as Timeout

    try:
        page.wait_for_function(
            """(el) => {
              const r = el.getBoundingClientRect(), chat = el.closest('.bubble-wrap').getBoundingClientRect();
              return r.height > 0 && r.top >= Math.max(0, chat.top) - 1 && r.top < Math.min(innerHeight, chat.bottom);
            }""",
            arg=locator.element_handle(),
            timeout=5000,
        )
    except Timeout:
        return False
    return True


def test_every_answer_keeps_its_sources_and_its_marks_open_them(server, browser, tmp_path):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(server.url)
    first = _ask(page, "Ai là trưởng đoàn kiểm tra tại Trà Vinh?", "Nguyễn Quang Dương")
    second = _ask(page, "Ai là phó trưởng đoàn kiểm tra tại Đắk Lắk?", "Lê Hải Bình")
    assert page.locator("#rag-chat .thought").count() == 2 and page.locator("#rag-chat .rag-source").count() == 0
    page.screenshot(path=str(tmp_path / "two-answers.png"))

    # [1] of the first answer, after a second one came: the first answer's source 1, in view, highlighted
    first.locator("a.rag-cite", has_text="[1]").first.click()
    source = first.locator(".rag-source-1")
    expect(source).to_be_visible()
    expect(source).to_contain_text("000_b584f524cb46930b.txt")
    expect(source.locator("blockquote mark")).to_contain_text("Nguyễn Quang Dương")
    assert _in_view(page, source)
    assert second.locator(".rag-source").count() == 0  # the other answer's sources stay closed
    page.screenshot(path=str(tmp_path / "first-source.png"))

    # and the second answer's [1], its own source 1
    second.locator("a.rag-cite", has_text="[1]").first.click()
    source = second.locator(".rag-source-1")
    expect(source).to_contain_text("001_cb98ca3c559514ce.txt")
    expect(source.locator("blockquote mark")).to_contain_text("Lê Hải Bình")
    assert _in_view(page, source)
    source.get_by_text("Xem toàn bài").click()  # the whole article, the quote highlighted in it
    expect(source.locator(".rag-article mark")).to_contain_text("Lê Hải Bình")
    assert first.locator(".rag-source-1").is_visible()  # opening one answer's sources closes no other's

    # a follow-up reads the conversation, not the sources shown in it
    _ask(page, "Còn ở Trà Vinh thì sao?", "(Ai là phó trưởng đoàn kiểm tra tại Trà Vinh?)", sources=False)


def test_upload_shows_in_the_library(server, browser, tmp_path):
    from playwright.sync_api import expect

    article = write(
        tmp_path / "moi.txt",
        "# title = Đoàn kiểm tra số 11 tại Sơn La\nChiều 9/5/2024, Đoàn kiểm tra số 11 "
        "của Tiểu ban Bảo vệ chính trị nội bộ Trung ương làm việc tại Sơn La.\n",
    )
    page = browser.new_page(viewport={"width": 1200, "height": 1200})
    page.goto(server.url)
    page.get_by_role("tab", name="Thư viện").click()
    page.locator("#rag-upload input[type=file]").set_input_files(str(article))
    expect(page.locator("#rag-upload-results")).to_contain_text("đã thêm", timeout=60_000)
    expect(page.locator("#rag-library")).to_contain_text("Đoàn kiểm tra số 11 tại Sơn La", timeout=30_000)
    page.screenshot(path=str(tmp_path / "library.png"), full_page=True)
    assert (tmp_path / "library.png").stat().st_size > 10_000


def test_uploads_and_deletes_through_the_api_show_on_the_page(server, browser):
    """The HTTP API answers in the page's server; what it adds or removes is what the library shows."""
    from playwright.sync_api import expect

    text = "Ngày 3/7/2024, Đoàn kiểm tra số 12 làm việc với Ban Thường vụ Tỉnh ủy Yên Bái.\n"
    files = {"files": ("yen-bai.md", f"---\ntitle: Đoàn kiểm tra số 12 tại Yên Bái\n---\n{text}".encode())}
    api = server.url.rstrip("/") + "/api"
    r = httpx.post(f"{api}/documents", files=files, timeout=60)
    assert r.status_code == 200, r.text
    (added,) = r.json()["results"]
    assert added["status"] == "added"
    page = browser.new_page()
    page.goto(server.url)
    page.get_by_role("tab", name="Thư viện").click()
    expect(page.locator("#rag-library")).to_contain_text("Đoàn kiểm tra số 12 tại Yên Bái", timeout=30_000)
    assert httpx.delete(f"{api}/documents/{added['doc_id']}", timeout=30).status_code == 200
    page.reload()
    page.get_by_role("tab", name="Thư viện").click()
    expect(page.locator("#rag-library")).to_contain_text("Trà Vinh", timeout=30_000)
    expect(page.locator("#rag-library")).not_to_contain_text("Yên Bái")


def _loopback(url):
    host = urllib.parse.urlsplit(url).hostname
    return url.startswith(("data:", "blob:", "about:")) or host in ("127.0.0.1", "localhost", "::1")


def test_the_page_is_vietnamese_readable_on_a_phone_and_talks_only_to_this_machine(server, browser, tmp_path):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(server.url)
    page.get_by_text("Ai là trưởng đoàn kiểm tra tại Trà Vinh?").click()  # an example asks itself
    expect(page.locator("#rag-chat")).to_contain_text("Nguyễn Quang Dương", timeout=60_000)

    page.get_by_role("tab", name="Thư viện").click()
    expect(page.locator("#rag-upload")).to_contain_text("Thả tệp vào đây")
    body = page.locator("body").inner_text()
    for english in ("Drop File Here", "Click to Upload", "Built with Gradio", "Use via API", "Settings"):
        assert english not in body
    # a diacritic-heavy cell is drawn with one of the page's proportional fonts, not a monospace one
    cell = page.locator("#rag-library").get_by_text("Trà Vinh", exact=False).locator("visible=true").first
    cell.wait_for()
    cell.evaluate("e => e.setAttribute('data-font-probe', '')")
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "[data-font-probe]"})["nodeId"]
    fonts = [f["familyName"] for f in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]]
    assert fonts and all("Mono" not in f for f in fonts), fonts
    assert set(fonts) <= set(FONTS_HERE), fonts

    # the Dữ kiện tab draws the records: a timeline and a map of the provinces (Plotly, drawn in the page)
    page.get_by_role("tab", name="Dữ kiện").click()
    expect(page.locator("#rag-map .js-plotly-plot")).to_be_visible(timeout=30_000)
    expect(page.locator("#rag-map")).to_contain_text("Đắk Lắk")
    expect(page.locator("#rag-timeline")).to_contain_text("Dòng thời gian")
    page.get_by_role("tab", name="Thư viện").click()

    # remove asks first: declined, the article stays; accepted, it goes
    article = write(tmp_path / "xoa.txt", "Đoàn kiểm tra số 14 làm việc tại Hà Nam ngày 3/6/2024.\n")
    page.locator("#rag-upload input[type=file]").set_input_files(str(article))
    expect(page.locator("#rag-library")).to_contain_text("Đoàn kiểm tra số 14", timeout=60_000)
    answers = iter([False, True])
    page.on("dialog", lambda d: d.accept() if next(answers) else d.dismiss())
    for accepted in (False, True):
        page.locator("#rag-remove-doc input").click()
        page.get_by_role("option", name="Đoàn kiểm tra số 14", exact=False).first.click()
        page.locator("#rag-remove").click()
        status = "Đã xóa: xoa.txt" if accepted else "Chưa xóa gì"
        expect(page.locator("#rag-library-status")).to_contain_text(status, timeout=30_000)
    expect(page.locator("#rag-library")).not_to_contain_text("Đoàn kiểm tra số 14", timeout=30_000)

    phone = browser.new_page(viewport={"width": 400, "height": 900}, locale="fr-FR")  # a language Gradio translates
    phone.on("request", lambda r: requests.append(r.url))
    phone.goto(server.url)
    phone.get_by_role("tab", name="Thư viện").click()
    expect(phone.locator("#rag-upload")).to_contain_text("Thả tệp vào đây")  # still Vietnamese
    phone.get_by_role("tab", name="Hỏi đáp").click()
    box = phone.locator("#rag-question").bounding_box()
    assert box["width"] >= 320  # the question box takes the row on a narrow screen (page margins aside)
    phone.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
    assert requests and [u for u in requests if not _loopback(u)] == []


# --- no English on the page -------------------------------------------------------------------------------------
# A Vietnamese syllable without its marks: initial consonant(s), one to three vowels, a final. A word of the page that
# is none, outside data (numbers, codes, file names, acronyms such as PNG or MB), is English UI text (or another
# language's): Gradio's and Plotly's own labels are the ones that turn up. An English word of that shape ("Pan",
# "in") passes alone; the labels that have one have others too, and Plotly's toolbar is also checked word for word.
_SYLLABLE = re.compile(r"(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]{1,3}(ng|nh|ch|[cmnptk])?")
_DATA = re.compile(r"\S*\d\S*|\S*\.(?:txt|md|markdown|html?|jsonl?|pdf|docx|csv)\b|\b[A-Z]{2,5}\b")
# every tooltip (title, Plotly's data-title) and screen-reader label of the page, hidden ones too, and the visible
# text outside what the articles and the reader wrote (chat messages, sources, table cells)
_STRINGS = """() => {
  const out = [], data = '.message-content, .rag-sources, td, .body-cell';
  for (const el of document.querySelectorAll('body *')) {
    for (const a of ['title', 'aria-label', 'placeholder', 'alt', 'data-title']) {
      const v = el.getAttribute(a);
      if (v && v.trim()) out.push([a, v]);
    }
    if (!el.checkVisibility() || el.closest(data)) continue;
    for (const n of el.childNodes) {
      if (n.nodeType === 3 && n.textContent.trim()) out.push(['text', n.textContent.trim()]);
    }
  }
  return out;
}"""


def _english(page, where):
    """(where, attribute or 'text', the string, its foreign words) for each string of the page that is not
    Vietnamese; a label with a stray Markdown escape (Gradio labels a message with its source) counts too."""
    from rag.vn.text import fold
    from ui.app import EXAMPLES  # the English and unaccented examples are questions, not the page's words

    found = []
    for kind, text in page.evaluate(_STRINGS):
        words = re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", _DATA.sub(" ", text))
        foreign = [w for w in words if len(w) > 1 and not _SYLLABLE.fullmatch(fold(w))]
        if text not in EXAMPLES and (foreign or (kind == "aria-label" and "\\" in text)):
            found.append((where, kind, text[:80], foreign))
    return found


def test_no_english_on_any_tab_at_desktop_or_phone_width(server, browser, tmp_path):
    from playwright.sync_api import expect

    too_large = write(tmp_path / "lon.txt", "Đoàn kiểm tra. " * 1_200_000)  # over RAG_MAX_FILE_MB: the browser says so
    found = []
    for width in (1280, 400):
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(server.url)
        answer = _ask(page, "Ai là trưởng đoàn kiểm tra tại Trà Vinh?", "Nguyễn Quang Dương")
        answer.locator("a.rag-cite").first.click()
        expect(answer.locator(".rag-source-1")).to_be_visible()
        found += _english(page, f"{width} Hỏi đáp")

        page.get_by_role("tab", name="Dữ kiện").click()
        for plot in ("#rag-timeline", "#rag-map"):
            expect(page.locator(f"{plot} .js-plotly-plot")).to_be_visible(timeout=30_000)
            page.locator(plot).hover()  # its toolbar shows
            expect(page.locator(f"{plot} .modebar-btn").first).to_be_attached()
        # "Pan" has the shape of a Vietnamese syllable: the toolbar's words are checked as they are
        titles = page.locator("#rag-map .modebar-btn").evaluate_all("bs => bs.map(b => b.dataset.title)")
        assert {"Kéo", "Tải hình xuống dạng PNG"} <= set(titles) and "Pan" not in titles, titles
        found += _english(page, f"{width} Dữ kiện")

        page.get_by_role("tab", name="Thư viện").click()
        page.get_by_text("Giới hạn khi tải lên").click()
        expect(page.locator("#rag-limits")).to_contain_text("RAG_MAX_FILE_MB")
        page.locator("#rag-upload input[type=file]").set_input_files(str(too_large))
        toast = page.get_by_test_id("toast-body")
        expect(toast).to_contain_text('Tệp quá lớn (tối đa 20 MB): "lon.txt"')
        expect(toast).to_contain_text("Lỗi")
        found += _english(page, f"{width} Thư viện")
        page.close()
    assert found == []


def test_tables_scroll_sideways_under_their_first_column_on_a_phone(server, browser, tmp_path):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 400, "height": 900})
    page.goto(server.url)
    for tab, table in (("Dữ kiện", "#rag-facts"), ("Thư viện", "#rag-library")):
        page.get_by_role("tab", name=tab).click()
        expect(page.locator(f"{table} .body-cell.first-column").first).to_be_visible(timeout=30_000)
        moved = page.evaluate(
            """(table) => {
              const root = document.querySelector(table), view = root.querySelector('.virtual-table-viewport');
              const at = () => ({
                firsts: [...root.querySelectorAll('th.first-column, .body-cell.first-column')]
                  .map(c => Math.round(c.getBoundingClientRect().left)),
                second: Math.round(root.querySelector('.body-cell[data-col="1"]').getBoundingClientRect().left),
              });
              const before = at();
              view.scrollLeft = 200;
              return {
                before, after: at(), left: Math.round(view.getBoundingClientRect().left),
                overflow: view.scrollWidth - view.clientWidth,
                width: root.querySelector('.body-cell.first-column').getBoundingClientRect().width,
              };
            }""",
            table,
        )
        assert moved["overflow"] > 200, moved  # the table is wider than the phone: it scrolls
        assert set(moved["after"]["firsts"]) == set(moved["before"]["firsts"]) == {moved["left"]}, moved  # kept
        assert moved["after"]["second"] == moved["before"]["second"] - 200, moved  # the others scrolled
        assert moved["width"] <= 160, moved  # narrow enough to leave the phone room for the others
        page.screenshot(path=str(tmp_path / f"{table[1:]}-400.png"))


# fonts of ui.app.FONTS that a Debian machine has (fc-list): what Chromium may draw the page with
FONTS_HERE = {"Liberation Sans", "DejaVu Sans", "Noto Sans", "Roboto", "Arial"}


class _Trap(http.server.BaseHTTPRequestHandler):
    """Records every request: the page must make none to what an article names."""

    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        self.hits.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_hostile_article_markup_is_shown_literally_and_fetches_nothing(server, browser, tmp_path):
    from playwright.sync_api import expect

    trap = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Trap)
    threading.Thread(target=trap.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{trap.server_address[1]}"
    title = f"Đoàn kiểm tra số 12 làm việc tại Lai Châu <img src={base}/t.png>"
    hostile = (
        f"Báo cáo của Tỉnh ủy Lai Châu ghi rõ ![a]({base}/x.png) <img src={base}/y.png onerror=alert(1)> "
        "<script>alert(2)</script> [link](javascript:alert(3)) là đoạn mã lạ xuất hiện trên cổng thông tin điện tử "
        "của tỉnh."
    )
    article = write(
        tmp_path / "lai_chau.txt",
        f"# title = {title}\nSáng 14/5/2024, Đoàn kiểm tra số 12 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương "
        "do đồng chí Vũ Văn Hòa, Phó Trưởng ban Nội chính Trung ương, làm Trưởng đoàn đã làm việc với Ban Thường vụ "
        f"Tỉnh ủy Lai Châu.\n{hostile}\nĐoàn kiểm tra đề nghị Tỉnh ủy Lai Châu khắc phục sự cố trên cổng thông tin.\n",
    )
    page = browser.new_page(viewport={"width": 1200, "height": 1200})
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(server.url)
        page.get_by_role("tab", name="Thư viện").click()
        page.locator("#rag-upload input[type=file]").set_input_files(str(article))
        expect(page.locator("#rag-upload-results")).to_contain_text("đã thêm", timeout=60_000)
        expect(page.locator("#rag-library")).to_contain_text(title, timeout=30_000)  # plain-text cells

        page.get_by_role("tab", name="Hỏi đáp").click()
        answer = _ask(page, "Đoạn mã lạ nào xuất hiện trên cổng thông tin điện tử của Lai Châu?", "đoạn mã lạ")
        answer.locator("a.rag-cite").first.click()
        sources = answer.locator(".rag-sources")
        expect(sources).to_contain_text("đoạn mã lạ")
        sources.get_by_text("Xem toàn bài").first.click()  # the whole article too
        reply = answer.locator(".message-content").first
        page.wait_for_timeout(1000)  # time for any image the page would load
        page.screenshot(path=str(tmp_path / "hostile.png"), full_page=True)
        assert _Trap.hits == [] and dialogs == []  # no fetch of what the article names, no script run
        assert hostile in reply.inner_text()  # the quote as stored, its markup shown as text
        assert hostile in sources.locator("blockquote").first.inner_text()
        assert hostile in sources.locator(".rag-article").first.inner_text()
        assert title in sources.inner_text()
        assert page.locator("#rag-chat img, #rag-chat script, #rag-chat a[href^='javascript']").count() == 0
    finally:
        trap.shutdown()


def test_upload_route_refuses_other_file_types(server):
    upload = server.url + "gradio_api/upload"
    refused = httpx.post(upload, files=[("files", ("virus.exe", b"MZ\x90\x00")), ("files", ("x.svg", b"<svg/>"))])
    assert refused.status_code == 415 and "virus.exe: loại tệp không được hỗ trợ (.exe)" in refused.text
    kept = {p.name for p in (server.root / "gradio").rglob("*") if p.is_file()}
    assert not {"virus.exe", "x.svg"} & kept
    accepted = httpx.post(upload, files=[("files", ("bai.txt", "Đoàn kiểm tra số 2.".encode()))])
    assert accepted.status_code == 200 and accepted.json()[0].endswith("bai.txt")
    assert any(p.name == "bai.txt" for p in (server.root / "gradio").rglob("*"))


def test_large_upload_is_followed_in_the_background(slow_server, browser, tmp_path):
    from playwright.sync_api import expect

    from ui.uploads import BACKGROUND_CHUNKS, estimate_chunks

    places = ["Sơn La", "Lai Châu", "Điện Biên", "Hà Giang", "Cao Bằng", "Lạng Sơn", "Yên Bái", "Lào Cai"]
    big = [
        write(
            tmp_path / f"ghi_chep_{k}.txt",
            f"# title = Ghi chép vùng cao số {k}\n"
            + "\n".join(
                f"Phần {k}.{i}: cán bộ xã vùng cao ở {places[(i + k) % 8]} kể lại chuyện mùa màng, đường sá và "
                f"trường học của bản; người dân mong có thêm cây cầu qua suối trước mùa mưa năm {2000 + i % 25}."
                for i in range(560)
            ),
        )
        for k in range(3)
    ]
    assert estimate_chunks(big, 900) > BACKGROUND_CHUNKS
    page = browser.new_page(viewport={"width": 1200, "height": 1400})
    page.goto(slow_server)
    page.get_by_role("tab", name="Thư viện").click()
    page.locator("#rag-upload input[type=file]").set_input_files([str(f) for f in big])
    results, status = page.locator("#rag-upload-results"), page.locator("#rag-background-status")
    expect(results).to_contain_text("đang thêm trong nền", timeout=30_000)  # the upload returns at once
    expect(status).to_contain_text("Đang nạp trong nền", timeout=10_000)
    # the timer polls; the first two articles (~220 chunks) are embedded in one call, then written
    expect(status).to_contain_text("xong 2/3 tệp, đang nạp ghi_chep_2.txt", timeout=30_000)
    page.screenshot(path=str(tmp_path / "background.png"), full_page=True)
    expect(status).to_contain_text("Đã nạp xong trong nền", timeout=60_000)
    expect(results).to_contain_text("đã thêm")
    assert "đang thêm trong nền" not in results.inner_text()  # the job's own rows replaced the first ones
    expect(page.locator("#rag-library")).to_contain_text("Ghi chép vùng cao số 2", timeout=10_000)  # refreshed
    # and the timer stops: no more requests from the page
    sent = []
    page.on("request", lambda r: sent.append(r.url) if "/gradio_api/" in r.url else None)
    page.wait_for_timeout(5000)
    assert sent == []
