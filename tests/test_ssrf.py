"""The feeds fetch only public addresses (issue 22, SSRF): a feed, an item's link or a redirect whose host is loopback,
private, link-local or otherwise not public is refused before any connection, and the rest of the feed goes on.

Nothing here sends traffic anywhere but the test server on 127.0.0.1: the names under test are resolved by a fake
resolver (socket.getaddrinfo replaced; any other name fails, IP literals resolve as themselves) and every socket's
connect is recorded, failing at once for any address but 127.0.0.1. The assertion is that no connection to a
refused address was even attempted."""

import ipaddress
import logging
import socket

import pytest
from conftest import write
from pydantic import ValidationError
from test_feeds import (  # noqa: F401 (server and no_proxy are fixtures)
    DE_DIEU,
    DE_DIEU_TITLE,
    TAU_CA,
    TAU_CA_TITLE,
    Route,
    make_feeds,
    no_proxy,
    page,
    rss,
    serve_tau_ca,
    server,
)

from rag import FeedError, Settings
from rag.sources.feeds import _not_public

REAL_GETADDRINFO = socket.getaddrinfo
ONLY_PUBLIC = "only public ones are fetched (RAG_FEED_ALLOW_NETWORKS)"


class Resolver:
    """The fake resolver: `names[host]` lists its answers, one per lookup (the last one again after that)."""

    def __init__(self):
        self.names, self.asked = {}, []

    def set(self, host, *answers):
        self.names[host] = [a if isinstance(a, list) else [a] for a in answers]

    def getaddrinfo(self, host, port, family=0, type=0, proto=0, flags=0):
        self.asked.append(host)
        if host not in self.names:  # an IP literal, or a failure: never a real lookup
            return REAL_GETADDRINFO(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)
        answers = self.names[host]
        addresses = answers.pop(0) if len(answers) > 1 else answers[0]
        v6 = socket.AF_INET6, socket.SOCK_STREAM, 6, ""
        v4 = socket.AF_INET, socket.SOCK_STREAM, 6, ""
        return [(*v6, (a, port, 0, 0)) if ":" in a else (*v4, (a, port)) for a in addresses]


@pytest.fixture
def resolver(monkeypatch):
    fake = Resolver()
    monkeypatch.setattr(socket, "getaddrinfo", fake.getaddrinfo)
    return fake


@pytest.fixture
def connects(monkeypatch):
    """The address of every connection attempted; one to any address but 127.0.0.1 fails before it is made."""
    attempted = []
    real = socket.socket.connect

    def connect(sock, address):
        attempted.append(address[0])
        if address[0] != "127.0.0.1":
            raise ConnectionRefusedError(f"the test allows no connection to {address[0]}")
        return real(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return attempted


def refused(where, kind):
    return f"refused: {where} is not a public address ({kind}); {ONLY_PUBLIC}"


def test_items_on_non_public_addresses_are_refused_without_a_connection_and_the_feed_goes_on(
    server, tmp_path, resolver, connects, caplog
):
    caplog.set_level(logging.INFO, "rag.sources.feeds")
    port = server.server_address[1]
    resolver.set("intranet.test", "10.0.0.5")
    resolver.set("metadata.test", "169.254.169.254")
    resolver.set("v6-loopback.test", "::1")
    resolver.set("v6-link.test", "fe80::1")
    resolver.set("mapped.test", "::ffff:10.0.0.5")
    resolver.set("mixed.test", ["93.184.216.34", "10.0.0.5"])  # one private address among public ones is enough
    blocked = {
        f"http://intranet.test:{port}/a/tau-ca.html": refused("intranet.test (10.0.0.5)", "private"),
        "http://metadata.test/latest/meta-data/": refused("metadata.test (169.254.169.254)", "link-local"),
        f"http://v6-loopback.test:{port}/a": refused("v6-loopback.test (::1)", "loopback"),
        "https://v6-link.test/a": refused("v6-link.test (fe80::1)", "link-local"),
        "http://mapped.test/a": refused("mapped.test (::ffff:10.0.0.5)", "private"),
        "http://mixed.test/a": refused("mixed.test (10.0.0.5)", "private"),
        "http://169.254.169.254/latest/meta-data/": refused("169.254.169.254", "link-local"),
        f"http://[::1]:{port}/a": refused("::1", "loopback"),
        f"http://127.0.0.2:{port}/a": refused("127.0.0.2", "loopback"),  # 127.0.0.1/32 alone is allowed
    }
    server.routes["/a/tau-ca.html"] = Route(page(TAU_CA_TITLE, TAU_CA, "2024-03-14"))
    # a page that is only an address: the article extraction (trafilatura, htmldate) must not fetch it either
    server.routes["/a/dia-chi.html"] = Route(b"http://intranet.test/a/tau-ca.html")
    good = [server.url("/a/tau-ca.html"), server.url("/a/dia-chi.html")]
    items = [(f"Bài {i}", link, "") for i, link in enumerate([*blocked, *good])]
    server.routes["/a/rss.xml"] = Route(rss("Báo A", items), "application/rss+xml")
    feeds = make_feeds(tmp_path)  # the test server's 127.0.0.1 allowed, nothing else
    feed = server.url("/a/rss.xml")
    feeds.add(feed)

    [r] = feeds.poll()
    assert r.error is None and r.added == [good[0]] and r.failed == {}
    assert r.skipped == {**blocked, good[1]: "no article text on the page (7 words)"}
    assert r.skipped[f"http://[::1]:{port}/a"].render("vi") == (
        "từ chối: ::1 không phải địa chỉ công khai (loopback); chỉ tải từ địa chỉ công khai"
    )
    assert set(connects) == {"127.0.0.1"}  # the feed and its two pages; no other address was tried
    assert [resolver.asked.count(h) for h in ("intranet.test", "metadata.test", "mixed.test")] == [1, 1, 1]  # once
    for link, reason in blocked.items():  # one line each in the poll's log
        assert [m for m in caplog.messages if link in m] == [f"feed {feed}: skipped {link} ({reason})"]
    [again] = feeds.poll()  # refused for good: not resolved again
    assert again.seen == len(items) and resolver.asked.count("intranet.test") == 1


def test_the_loopback_address_is_refused_unless_the_setting_allows_it(server, tmp_path, resolver, connects):
    feeds = make_feeds(tmp_path, feed_allow_networks="")
    url = serve_tau_ca(server)
    reason = refused("127.0.0.1", "loopback")
    with pytest.raises(FeedError) as e:
        feeds.add(url)
    assert str(e.value) == f"cannot add {url}: {reason}"
    # in Vietnamese without the setting's name; what kind of address it is stays as the check names it
    vi = "từ chối: 127.0.0.1 không phải địa chỉ công khai (loopback); chỉ tải từ địa chỉ công khai"
    assert e.value.render("vi") == f"không thêm được {url}: {vi}"
    resolver.set("localhost.test", "127.0.0.1")
    by_name = url.replace("127.0.0.1", "localhost.test")
    feeds.add(url, check=False)
    feeds.add(by_name, check=False)
    results = feeds.poll()
    assert [r.error for r in results] == [reason, refused("localhost.test (127.0.0.1)", "loopback")]
    assert server.requests == [] and connects == []

    allowed = make_feeds(tmp_path / "allowed", feed_allow_networks="10.0.0.0/8, 127.0.0.0/8")
    allowed.add(url)
    assert len(allowed.poll()[0].added) == 2 and set(connects) == {"127.0.0.1"}


def test_a_redirect_is_checked_as_the_address_it_leads_to(server, tmp_path, resolver, connects):
    resolver.set("metadata.test", "169.254.169.254")
    port = server.server_address[1]
    moves = {
        "/a/sang-metadata.html": "http://metadata.test/latest/meta-data/iam/security-credentials/",
        "/a/sang-v6.html": f"http://[::1]:{port}/a/tau-ca.html",
        "/a/sang-bai-that.html": "/a/tau-ca.html",  # allowed, as the server it comes from
    }
    for path, location in moves.items():
        server.routes[path] = Route(b"", status=302, headers={"Location": location})
    server.routes["/a/tau-ca.html"] = Route(page(TAU_CA_TITLE, TAU_CA, "2024-03-14"))
    items = [(f"Bài {i}", server.url(p), "") for i, p in enumerate(moves)]
    server.routes["/a/rss.xml"] = Route(rss("Báo A", items), "application/rss+xml")
    server.routes["/b/rss.xml"] = Route(b"", status=301, headers={"Location": "http://metadata.test/rss.xml"})
    feeds = make_feeds(tmp_path)
    feeds.add(server.url("/a/rss.xml"))
    feeds.add(server.url("/b/rss.xml"), check=False)

    a, b = feeds.poll()
    assert a.skipped == {
        server.url("/a/sang-metadata.html"): refused("metadata.test (169.254.169.254)", "link-local"),
        server.url("/a/sang-v6.html"): refused("::1", "loopback"),
    }
    assert a.added == [server.url("/a/sang-bai-that.html")]
    assert b.error == refused("metadata.test (169.254.169.254)", "link-local")
    assert set(connects) == {"127.0.0.1"} and len(server.hits("/a/sang-metadata.html")) == 1  # not tried again


def test_a_connection_goes_to_the_address_that_was_checked_not_to_a_second_answer(server, tmp_path, resolver, connects):
    """DNS rebinding: the name answers an allowed address once, then a private one. The connection uses the first
    answer (the one checked); the name is not resolved a second time."""
    port = server.server_address[1]
    resolver.set("rebind.test", "127.0.0.1", "10.0.0.5")
    server.routes["/a/de-dieu.html"] = Route(page(DE_DIEU_TITLE, DE_DIEU))
    link = f"http://rebind.test:{port}/a/de-dieu.html"
    server.routes["/a/rss.xml"] = Route(rss("Báo A", [(DE_DIEU_TITLE, link, "")]), "application/rss+xml")
    feeds = make_feeds(tmp_path)
    feeds.add(server.url("/a/rss.xml"))
    [r] = feeds.poll()
    assert r.added == [link] and resolver.asked.count("rebind.test") == 1
    assert set(connects) == {"127.0.0.1"}
    assert server.hits("/a/de-dieu.html")[0]["Host"] == f"rebind.test:{port}"


def test_a_feed_whose_body_names_a_local_file_is_not_read_from_disk(server, tmp_path):
    """feedparser opens bytes that name a file as that file: a feed answering with a path must stay a string."""
    local = write(tmp_path / "local.xml", rss("Trên máy chủ", [(TAU_CA_TITLE, server.url("/a/tau-ca.html"), "")]))
    server.routes["/a/tau-ca.html"] = Route(page(TAU_CA_TITLE, TAU_CA, "2024-03-14"))
    server.routes["/a/rss.xml"] = Route(str(local).encode(), "application/rss+xml")
    feeds = make_feeds(tmp_path)
    feeds.add(server.url("/a/rss.xml"), check=False)
    [r] = feeds.poll()
    assert r.error.startswith("not an RSS or Atom feed") and server.hits("/a/tau-ca.html") == []


@pytest.mark.parametrize(
    "address, kind",
    [
        ("10.0.0.5", "private"),
        ("172.16.3.4", "private"),
        ("192.168.1.1", "private"),
        ("127.0.0.1", "loopback"),
        ("169.254.169.254", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.251", "multicast"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "special-purpose"),  # shared address space (carrier-grade NAT)
        ("::1", "loopback"),
        ("fe80::1", "link-local"),
        ("fc00::5", "private"),
        ("ff02::1", "multicast"),
        ("::", "unspecified"),
        ("::ffff:169.254.169.254", "link-local"),  # IPv4-mapped
        ("64:ff9b::a00:5", "private"),  # NAT64 of 10.0.0.5
        ("2002:a00:5::1", "private"),  # 6to4 of 10.0.0.5
        ("93.184.216.34", None),
        ("2606:4700:4700::1111", None),
        ("::ffff:93.184.216.34", None),
    ],
)
def test_what_is_not_a_public_address(address, kind):
    assert _not_public(ipaddress.ip_address(address)) == kind


def test_the_allowed_networks_setting_is_checked(tmp_path):
    s = Settings(data_dir=tmp_path, feed_allow_networks=" 127.0.0.1/32 ,fd00::/8,10.1.2.3")
    assert [str(n) for n in s.feed_allowed_networks()] == ["127.0.0.1/32", "fd00::/8", "10.1.2.3/32"]
    assert Settings(data_dir=tmp_path).feed_allowed_networks() == ()
    with pytest.raises(ValidationError, match="use networks such as"):
        Settings(data_dir=tmp_path, feed_allow_networks="intranet")
