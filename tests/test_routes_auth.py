"""Who may do what: every route of `rag serve` (the page, Gradio's own routes, the HTTP API next to it) enumerated
from the running app and tried without credentials, with wrong ones and with credentials in the query string;
uploads stay inside uploads/; answers never tell a remote client where the server keeps its files."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import SEEDS, HashEmbedding, make_settings
from fastapi.testclient import TestClient

import ui.api
import ui.app
import ui.uploads
from rag import Assistant
from ui.api import build_api, no_paths
from ui.auth import make_auth

USER, PASSWORD, TOKEN = "admin", "s3cret", "t0ken"
ARTICLE = (
    "Đoàn công tác làm việc tại tỉnh Hà Giang\n\n"
    "Ngày 12/3/2024, Đoàn kiểm tra số 9 do đồng chí Lò Văn Páo làm trưởng đoàn đã làm việc với Ban Thường vụ "
    "Tỉnh ủy Hà Giang về công tác bảo vệ chính trị nội bộ.\n"
)

# Routes answered without a login, each with why. Everything else must refuse (401/403, or a redirect to the login).
ALLOWED = {
    "/": "the login page itself (Gradio serves the login form here until the session logs in)",
    "/login": "where the login form posts its user and password",
    "/logout": "ends a session; only redirects to the login page",
    "/favicon.ico": "the login page's icon",
    "/theme.css": "the login page's styles",
    "/robots.txt": "static text for crawlers, no data",
    "/manifest.json": "the page's web-app manifest (title and icons), read before the login",
    "/assets/{path:path}": "the login page's scripts and fonts (Gradio's bundled frontend)",
    "/static/{path:path}": "Gradio's bundled static files for the frontend",
    "/svelte/{path:path}": "Gradio's bundled frontend modules",
    "/pwa_icon": "the manifest's icon",
    "/gradio_api/startup-events": "launch() calls it to start the app; it runs the start events once, returns a bool",
    "/pwa_icon/{size}": "the manifest's icon",
    "/api/docs": "the API's Swagger page: no data; a client reads it to learn how to log in",
    "/api/docs/assets": "Swagger UI's bundled scripts and styles for that page",
    "/api/openapi.json": "the API's schema: no data; it documents the login itself",
}


def _no_delay(user: str, password: str) -> Any:
    return make_auth(user, password, base=0.0, cap=0.0)  # wrong credentials answered at once: many are tried


def _assistant(tmp_path: Path, **settings: object) -> Assistant:
    return Assistant(make_settings(tmp_path / "data", **settings), embedder=HashEmbedding())


def _routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path) of every route, recursing into mounts and included routers (FastAPI's _IncludedRouter keeps
    its routes as `_effective_candidates`); a route kind not known here fails the test rather than being skipped."""
    for r in routes:
        if hasattr(r, "_effective_candidates"):
            for c in r._effective_candidates:
                yield from ((m, prefix + c.path) for m in sorted(c.original_route.methods))
        elif getattr(r, "methods", None):
            yield from ((m, prefix + r.path) for m in sorted(r.methods))
        elif hasattr(r, "app") and hasattr(r, "path"):  # a mount: its own routes, or one static-file app
            inner = getattr(r, "routes", None) or []
            if inner:
                yield from _routes(inner, prefix + r.path)
            else:
                yield from (("GET", prefix + r.path), ("GET", prefix + r.path + "/x"))
        elif hasattr(r, "path"):  # a websocket route
            yield "GET", prefix + r.path
        else:
            raise AssertionError(f"a route of an unknown kind: {r!r}")


def _allowed(path: str) -> bool:
    return any(path == p or path.rstrip("/") == p or path.startswith(p + "/") for p in ALLOWED)


def _concrete(path: str) -> str:
    """A route's pattern as a request path: each {parameter} filled with a plain value."""
    return re.sub(r"\{[^}]*\}", "x", path)


def _serve(tmp_path: Path, monkeypatch: Any, **settings: object) -> Iterator[tuple[str, Any, Any, Assistant]]:
    monkeypatch.setattr(ui.api, "make_auth", _no_delay)
    monkeypatch.setattr(ui.app, "make_auth", _no_delay)
    a = _assistant(tmp_path, **settings)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo = ui.app.serve(port=port, assistant=a, block=False, say=lambda line: None)
    try:
        yield f"http://127.0.0.1:{port}", demo.app, build_api(a), a
    finally:
        demo.close()


@pytest.fixture
def served(tmp_path, monkeypatch):
    """`rag serve` on loopback with RAG_UI_AUTH and RAG_API_TOKEN: (base URL, the page's app, the API's app, the
    assistant)."""
    yield from _serve(tmp_path, monkeypatch, ui_auth=f"{USER}:{PASSWORD}", api_token=TOKEN)


WRONG = [
    {"Authorization": "Bearer wrong"},
    {"Authorization": "Basic " + "YWRtaW46d3Jvbmc="},  # admin:wrong
    {"Cookie": "access-token-x=forged; access-token-unsecure-x=forged"},
]
QUERY = f"?token={TOKEN}&access_token={TOKEN}&api_key={TOKEN}&username={USER}&password={PASSWORD}"


def _opened(url: str, routes: list[tuple[str, str]]) -> list[str]:
    """Each route and way of asking that is not refused: a refusal is a 401/403 or a redirect to the login, sent at
    once; anything else (an answer, an error of the route's own, a stream that begins or never ends) is open. Only
    the status line is read (a stream's body would never end)."""
    opened = []
    with httpx.Client(base_url=url, timeout=5, follow_redirects=False) as client:
        for method, pattern in routes:
            if method == "HEAD" or _allowed(pattern):
                continue
            path = _concrete(pattern)
            for headers, suffix in [({}, ""), *((h, "") for h in WRONG), ({}, QUERY)]:
                try:
                    r = client.send(client.build_request(method, path + suffix, headers=headers), stream=True)
                    r.close()
                except httpx.TimeoutException:  # no status line in 5 s: it took the request
                    opened.append(f"{method} {pattern} {headers or suffix} -> no answer in 5 s")
                    continue
                refused = r.status_code in (401, 403) or (r.is_redirect and "login" in r.headers["location"])
                if not refused:
                    opened.append(f"{method} {pattern} {headers or suffix} -> {r.status_code}")
    return opened


def test_every_route_refuses_missing_wrong_and_query_string_credentials(served):
    url, page, api, _ = served
    routes = sorted(set(_routes(page.routes)) | set(_routes(api.routes)))
    assert ("POST", "/api/documents") in routes and ("POST", "/gradio_api/upload") in routes  # the walk saw all
    opened = _opened(url, routes)
    assert not opened, "\n".join(opened)


def test_the_check_sees_routes_left_open(tmp_path, monkeypatch):
    """The same walk against a server without a login finds the API's routes and Gradio's own open: the test above
    passes because the routes refuse, not because the walk cannot tell."""
    server = _serve(tmp_path, monkeypatch)
    url, page, api, _ = next(server)
    try:
        routes = sorted(set(_routes(page.routes)) | set(_routes(api.routes)))
        opened = {line.split(" ")[1] for line in _opened(url, routes)}
    finally:
        server.close()
    assert {"/api/documents", "/api/facts", "/v1/chat/completions", "/gradio_api/upload", "/config"} <= opened


def test_the_allow_list_names_only_routes_the_app_has(served):
    _, page, api, _ = served
    paths = {p for _, p in _routes(page.routes)} | {p for _, p in _routes(api.routes)}
    assert not [p for p in ALLOWED if p not in paths and p + "/x" not in paths], "stale entries in ALLOWED"


def test_a_logged_in_session_reaches_the_page_and_its_uploads_stay_in_uploads(served, tmp_path):
    url, page, _, assistant = served
    with httpx.Client(base_url=url, timeout=20) as client:
        assert client.post("/login", data={"username": USER, "password": PASSWORD}).status_code == 200
        assert client.get("/config").status_code == 200 and client.get("/gradio_api/info").status_code == 200
        names = ["../../escaped.md", "/tmp/escaped-abs.md", "a/b/escaped-slash.md", "..\\escaped-bs.md"]
        files = [("files", (n, ARTICLE.encode(), "text/markdown")) for n in names]
        r = client.post("/gradio_api/upload", files=files)
        assert r.status_code == 200, r.text
        cache = Path(page.uploaded_file_dir).resolve()
        stored = [Path(p).resolve() for p in r.json()]
    assert len(stored) == len(names) and all(p.is_relative_to(cache) and p.exists() for p in stored)
    # the page's upload handler then copies them into uploads/ by their names, never outside it
    uploads_dir = tmp_path / "data" / "uploads"
    ui.uploads.upload(assistant, [str(p) for p in stored], uploads_dir)
    kept = [p for p in uploads_dir.iterdir() if p.is_file()]
    assert kept and all(p.resolve().parent == uploads_dir.resolve() for p in kept)
    assert not [p for p in tmp_path.rglob("escaped*") if not p.resolve().is_relative_to(uploads_dir.resolve())]


@pytest.fixture
def api(tmp_path):
    a = _assistant(tmp_path)
    a.ensure_seeded()
    return a, TestClient(build_api(a))


def test_api_uploads_with_hostile_names_land_inside_uploads(api, tmp_path):
    a, client = api
    uploads_dir = Path(a.settings.data_dir) / "uploads"
    names = ["../escaped.md", "../../escaped2.md", "/tmp/x/escaped3.md", "a/b/escaped4.md", "..\\escaped5.md"]
    names += ["escaped6\x00.md", "..", "/", "C:\\Windows\\escaped7.md"]
    files = [("files", (n, ARTICLE.encode(), "text/markdown")) for n in names]
    r = client.post("/api/documents", files=files)
    assert r.status_code in (200, 400), r.text
    outside = [p for p in tmp_path.rglob("escaped*") if not p.resolve().is_relative_to(uploads_dir.resolve())]
    assert not outside
    assert all(p.parent.resolve() == uploads_dir.resolve() for p in uploads_dir.rglob("*") if p.is_file())
    if r.status_code == 200:
        assert all("/" not in res["source"] and "\\" not in res["source"] for res in r.json()["results"])


def test_no_answer_echoes_a_path_on_the_server(api, tmp_path):
    a, client = api
    secret = [str(tmp_path), str(Path(SEEDS).resolve()), str(Path(a.settings.data_dir).expanduser())]
    added = client.post("/api/documents", files={"files": ("ha-giang.md", ARTICLE.encode(), "text/markdown")})
    q = "Ai là trưởng đoàn kiểm tra tại Trà Vinh?"
    responses = [
        added,
        client.get("/api/health"),
        client.get("/api/documents"),
        client.get("/api/facts"),
        client.get("/api/facts?format=csv"),
        client.get("/api/retrieve", params={"q": q, "k": 3}),
        client.post("/api/ask", json={"question": q}),
        client.post("/api/ask", json={"question": q, "stream": True}),
        client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": q}]}),
        client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": q}], "stream": True}),
    ]
    added_id = next(d["doc_id"] for d in client.get("/api/documents").json() if d["source"] == "ha-giang.md")
    responses.append(client.delete(f"/api/documents/{added_id}"))
    for r in responses:
        assert r.status_code == 200, r.text
        assert not [s for s in secret if s in r.text], (r.request.url, r.text[:300])
    body = client.post("/api/ask", json={"question": q}).json()
    assert body["citations"] and all("/" not in c["source"] for c in body["citations"])
    assert "data_dir" not in client.get("/api/health").json()


def test_error_messages_cut_server_paths_to_names():
    assert no_paths("cannot open /srv/data/chroma: busy") == "cannot open chroma: busy"
    assert no_paths("a.jsonl#3 duplicates /srv/up/a.jsonl#3") == "a.jsonl#3 duplicates a.jsonl#3"
    # not paths: a decision's number, a URL, a fraction
    assert no_paths("58-QĐ/TW, https://x.vn/a/b, 1/2") == "58-QĐ/TW, https://x.vn/a/b, 1/2"
