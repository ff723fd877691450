"""The HTTP API (ui/api.py): REST under /api, OpenAI-compatible /v1, errors, limits and login. In-process through
FastAPI's TestClient, and on loopback servers (uvicorn alone, and `serve` next to the page) with real sockets, the
official `openai` client and curl-style requests."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import httpx
import pytest
from conftest import HashEmbedding, make_settings
from fastapi.testclient import TestClient

from rag import Assistant
from ui import handlers as h
from ui.api import build_api

Q = "Ai là trưởng đoàn kiểm tra tại Trà Vinh?"
ARTICLE = (
    "Đoàn công tác của Bộ Công an làm việc tại tỉnh Hà Giang\n\n"
    "Ngày 12/3/2024, Đoàn kiểm tra số 9 do đồng chí Lò Văn Páo, Phó trưởng ban, làm trưởng đoàn đã làm việc với "
    "Ban Thường vụ Tỉnh ủy Hà Giang về công tác bảo vệ chính trị nội bộ theo Quyết định số 77-QĐ/TW.\n"
)


def _assistant(tmp_path: Path, **settings: object) -> Assistant:
    return Assistant(make_settings(tmp_path / "data", **settings), embedder=HashEmbedding())


@pytest.fixture
def api(tmp_path):
    a = _assistant(tmp_path)
    a.ensure_seeded()
    return a, TestClient(build_api(a))


def _error(r: httpx.Response, status: int) -> str:
    assert r.status_code == status, r.text
    body = r.json()["error"]
    assert body["code"] == status and body["type"]
    return body["message"]


def _events(text: str) -> list[tuple[str, dict]]:
    """Server-sent events as (event name, data)."""
    out = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.split("\n"))
        out.append((fields.get("event", "message"), json.loads(fields["data"])))
    return out


# --- REST ----------------------------------------------------------------------------------------------------------
def test_ask_returns_the_answer_with_verbatim_citations_and_their_urls(api):
    a, client = api
    r = client.post("/api/ask", json={"question": Q})
    assert r.status_code == 200
    body = r.json()
    assert body["found"] and "Nguyễn Quang Dương" in body["answer"]
    assert set(body) >= {"question", "standalone", "answer", "citations", "mode", "facts", "note", "language"}
    for c in body["citations"]:
        assert a.document_text(c["doc_id"])[c["start"] : c["end"]] == c["quote"]
        assert "url" in c


def test_ask_reads_a_follow_up_with_its_history(api):
    _, client = api
    history = [{"role": "user", "content": Q}, {"role": "assistant", "content": "Nguyễn Quang Dương [1]."}]
    body = client.post("/api/ask", json={"question": "Còn ở Đắk Lắk thì sao?", "history": history}).json()
    assert "Đắk Lắk" in body["standalone"] and body["question"] == "Còn ở Đắk Lắk thì sao?"


def test_bad_questions_are_400_with_the_cli_message(api):
    _, client = api
    assert _error(client.post("/api/ask", json={"question": "  "}), 400) == "the question is empty"
    assert "limit is 2000" in _error(client.post("/api/ask", json={"question": "x" * 2001}), 400)
    assert "question" in _error(client.post("/api/ask", json={}), 400)
    bad_json = client.post("/api/ask", content=b'{"question": }', headers={"content-type": "application/json"})
    assert _error(bad_json, 400) == "the body is not valid JSON (Expecting value, at character 13)"
    form = client.post("/api/ask", data={"question": Q})  # curl -d without -H 'Content-Type: application/json'
    assert _error(form, 400) == "the body must be a JSON object, sent with Content-Type: application/json"
    assert (
        _error(client.post("/api/ask", json={"question": Q, "stream": "yes"}), 400)
        == "stream: Input should be a valid boolean"
    )
    assert _error(client.post("/api/ask", json={"question": Q, "history": [{"role": "x", "content": ""}]}), 400)
    assert _error(client.get("/api/retrieve", params={"q": Q, "k": 0}), 400) == "k must be between 1 and 50 (got 0)"


def test_errors_and_reasons_come_in_the_language_asked_for(api):
    _, client = api
    empty = {"question": "  "}
    assert _error(client.post("/api/ask?lang=vi", json=empty), 400) == "câu hỏi trống"
    vi_first = {"Accept-Language": "fr-FR, vi;q=0.9, en;q=0.8"}
    assert _error(client.post("/api/ask", json=empty, headers=vi_first), 400) == "câu hỏi trống"
    en_first = {"Accept-Language": "en-GB, vi;q=0.5"}
    assert _error(client.post("/api/ask", json=empty, headers=en_first), 400) == "the question is empty"
    assert _error(client.post("/api/ask?lang=en", json=empty, headers=vi_first), 400) == "the question is empty"
    bad_json = client.post("/api/ask?lang=vi", content=b"{", headers={"content-type": "application/json"})
    assert _error(bad_json, 400).startswith("nội dung không phải JSON hợp lệ (")  # the parser's words as they are
    assert _error(client.delete("/api/documents/nope?lang=vi"), 404) == (
        "không có bài nào đã nạp có mã 'nope' (xem GET /api/documents)"
    )
    files = [("files", ("rong.txt", b"", "text/plain")), ("files", ("a.exe", b"x", "application/octet-stream"))]
    reasons = {r["source"]: r["reason"] for r in client.post("/api/documents?lang=vi", files=files).json()["results"]}
    assert reasons["rong.txt"] == "tệp rỗng" and reasons["a.exe"].startswith("loại tệp không được hỗ trợ")


def test_streamed_ask_without_an_llm_is_one_answer_event(api):
    _, client = api
    r = client.post("/api/ask", json={"question": Q, "stream": True})
    assert r.headers["content-type"].startswith("text/event-stream")
    ((event, data),) = _events(r.text)
    assert event == "answer" and data["found"] and data["citations"]


def test_streamed_ask_with_an_llm_sends_its_tokens_then_the_verified_answer(api):
    from test_llm import ScriptedLLM

    a, client = api
    a.llm = ScriptedLLM("Trưởng đoàn kiểm tra tại Trà Vinh là đồng chí Nguyễn Quang Dương [1].")
    events = _events(client.post("/api/ask", json={"question": Q, "stream": True}).text)
    tokens = [d["text"] for e, d in events if e == "token"]
    assert len(tokens) > 3 and "".join(tokens).startswith("Trưởng đoàn")
    assert events[-1][0] == "answer" and events[-1][1]["mode"] == "llm"
    assert _error(client.post("/api/ask", json={"question": "", "stream": True}), 400) == "the question is empty"


def test_retrieve_facts_and_documents(api):
    a, client = api
    passages = client.get("/api/retrieve", params={"q": "Trà Vinh", "k": 2}).json()
    assert len(passages) == 2 and all(
        a.document_text(p["doc_id"])[p["start"] : p["end"]] == p["text"] for p in passages
    )
    records = client.get("/api/facts").json()
    assert records and any("Trà Vinh" in json.dumps(r, ensure_ascii=False) for r in records)
    r = client.get("/api/facts", params={"format": "csv"})
    assert r.headers["content-type"].startswith("text/csv") and r.text.splitlines()[0].startswith("team")
    assert len(r.text.strip().splitlines()) == len(records) + 1
    assert _error(client.get("/api/facts", params={"format": "xml"}), 400)
    docs = client.get("/api/documents").json()
    assert {d["doc_id"] for d in docs} == {d["doc_id"] for d in a.documents()} and len(docs) == 2


def test_upload_then_delete_changes_what_the_page_shows(api, tmp_path):
    a, client = api
    files = [
        ("files", ("ha-giang.md", f"---\ndate: 2024-03-12\n---\n{ARTICLE}".encode(), "text/markdown")),
        ("files", ("notes.exe", b"MZ...", "application/octet-stream")),
        ("files", ("rong.txt", b"", "text/plain")),
    ]
    body = client.post("/api/documents", files=files).json()
    by_name = {r["source"]: r for r in body["results"]}
    assert by_name["ha-giang.md"]["status"] == "added" and by_name["ha-giang.md"]["chunks"] >= 1
    assert (
        by_name["notes.exe"]["status"] == "rejected"
        and "unsupported file type '.exe'" in by_name["notes.exe"]["reason"]
    )
    uploads = tmp_path / "data" / "uploads"
    assert by_name["rong.txt"] == {**by_name["rong.txt"], "status": "rejected", "reason": "empty file"}
    assert sorted(p.name for p in uploads.iterdir()) == ["ha-giang.md"]  # the refused ones are not kept
    rows, _ = h.library(a)
    assert any("Hà Giang" in " ".join(map(str, row)) for row in rows)  # the page's library
    answer = client.post("/api/ask", json={"question": "Ai là trưởng đoàn kiểm tra tại Hà Giang?"}).json()
    assert answer["found"] and "Lò Văn Páo" in answer["answer"]
    assert {c["date"] for c in answer["citations"]} == {"2024-03-12"}  # the article's, whichever route answered

    doc_id = by_name["ha-giang.md"]["doc_id"]
    removed = client.delete(f"/api/documents/{doc_id}").json()["removed"]
    assert removed == ["ha-giang.md"] and not (uploads / "ha-giang.md").exists()  # (no server path to a client)
    assert not any("Hà Giang" in " ".join(map(str, row)) for row in h.library(a)[0])
    assert "no ingested document has id" in _error(client.delete(f"/api/documents/{doc_id}"), 404)
    assert _error(client.delete("/api/documents/..%2F..%2Fetc"), 404)  # ids only, never a path


def test_upload_limits(tmp_path):
    a = _assistant(tmp_path, max_file_mb=0.001, api_max_request_mb=0.05, auto_seed=False)
    client = TestClient(build_api(a))
    big = ("files", ("lon.txt", ("Văn bản dài. " * 200).encode(), "text/plain"))
    (result,) = client.post("/api/documents", files=[big]).json()["results"]
    assert result["status"] == "rejected" and "over the 0.001 MB limit (RAG_MAX_FILE_MB)" in result["reason"]
    huge = ("files", ("rat-lon.txt", b"x" * 60_000, "text/plain"))
    assert "larger than the 0.05 MB limit" in _error(client.post("/api/documents", files=[huge]), 413)
    assert "larger than the 1 MB limit" in _error(client.post("/api/ask", json={"question": "x" * 1_100_000}), 413)
    assert "no files" in _error(client.post("/api/documents", data={"x": "1"}), 400)
    assert a.documents() == []


def test_health_and_a_store_that_is_down(api, tmp_path):
    _, client = api
    body = client.get("/api/health").json()
    assert body["ok"] and body["documents"] == 2 and body["embedder"] == "hash" and body["version"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there
    down = TestClient(build_api(_assistant(tmp_path / "down", chroma_host="127.0.0.1", chroma_port=port)))
    r = down.get("/api/health")
    assert r.status_code == 503 and not r.json()["ok"] and "127.0.0.1" in r.json()["error"]
    assert "127.0.0.1" in _error(down.post("/api/ask", json={"question": Q}), 503)


def test_a_token_or_the_pages_login_is_required_when_set(tmp_path):
    a = _assistant(tmp_path, api_token="t0ken", ui_auth="admin:s3cret")
    client = TestClient(build_api(a))
    assert "Bearer" in _error(client.get("/api/documents"), 401)
    assert client.get("/api/documents").headers["www-authenticate"].startswith("Bearer")
    assert client.get("/api/documents", headers={"Authorization": "Bearer t0ken"}).status_code == 200
    assert client.get("/api/documents", auth=("admin", "s3cret")).status_code == 200
    assert client.get("/v1/models", headers={"Authorization": "Bearer t0ken"}).status_code == 200
    assert client.get("/api/docs").status_code == 200 and client.get("/api/openapi.json").status_code == 200


def test_wrong_credentials_are_401_after_a_delay(tmp_path):
    a = _assistant(tmp_path, api_token="t0ken")
    client = TestClient(build_api(a))
    started = time.monotonic()
    assert _error(client.get("/api/documents", headers={"Authorization": "Bearer wrong"}), 401)
    assert time.monotonic() - started >= 0.9  # make_auth's first delay: guessing is slow
    assert _error(client.get("/api/documents", headers={"Authorization": "Basic !!"}), 401)


def test_the_schema_and_its_page_need_nothing_from_outside(api):
    _, client = api
    schema = client.get("/api/openapi.json").json()
    assert {
        "/api/ask",
        "/api/retrieve",
        "/api/facts",
        "/api/documents",
        "/api/documents/{doc_id}",
        "/api/health",
        "/v1/chat/completions",
        "/v1/models",
    } <= set(schema["paths"])
    page = client.get("/api/docs").text
    assert "/api/docs/assets/swagger-ui-bundle.js" in page and "cdn" not in page
    assert client.get("/api/docs/assets/swagger-ui-bundle.js").status_code == 200


# --- OpenAI-compatible -----------------------------------------------------------------------------------------------
def test_chat_completions_in_process(api):
    _, client = api
    assert client.get("/v1/models").json()["data"][0]["id"] == "rag-vn-news"
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": Q}]
    body = client.post("/v1/chat/completions", json={"model": "rag-vn-news", "messages": messages}).json()
    text = body["choices"][0]["message"]["content"]
    assert "Nguyễn Quang Dương" in text and "[1]" in text and "\n**Nguồn:**\n[1] " in text
    assert body["citations"][0]["quote"] in text
    last_is_assistant = [{"role": "user", "content": Q}, {"role": "assistant", "content": "…"}]
    assert "last message" in _error(client.post("/v1/chat/completions", json={"messages": last_is_assistant}), 400)
    assert _error(client.post("/v1/chat/completions", json={"messages": []}), 400)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def loopback(tmp_path):
    """`build_api` served by uvicorn on a free loopback port, with a token."""
    import uvicorn

    a = _assistant(tmp_path, api_token="t0ken")
    a.ensure_seeded()
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(build_api(a), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield a, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(5)


def test_the_openai_client_gets_cited_answers(loopback):
    import openai

    _, url = loopback
    client = openai.OpenAI(base_url=f"{url}/v1", api_key="t0ken", max_retries=0)
    assert [m.id for m in client.models.list()] == ["rag-vn-news"]
    reply = client.chat.completions.create(model="rag-vn-news", messages=[{"role": "user", "content": Q}])
    assert "Nguyễn Quang Dương" in reply.choices[0].message.content and "[1]" in reply.choices[0].message.content
    assert reply.model_extra["citations"][0]["quote"]
    stream = client.chat.completions.create(model="rag-vn-news", messages=[{"role": "user", "content": Q}], stream=True)
    chunks = list(stream)
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert streamed == reply.choices[0].message.content
    assert chunks[-1].choices[0].finish_reason == "stop" and chunks[-1].model_extra["citations"]
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{url}/v1", api_key="wrong", max_retries=0).models.list()


def test_curl_style_requests(loopback):
    """What the README's curl example sends: JSON in, JSON out, the token as a Bearer header."""
    _, url = loopback
    request = urllib.request.Request(
        f"{url}/api/ask",
        data=json.dumps({"question": Q}).encode(),
        headers={"Content-Type": "application/json", "Authorization": "Bearer t0ken"},
    )
    with urllib.request.urlopen(request, timeout=10) as r:
        assert "Nguyễn Quang Dương" in json.load(r)["answer"]
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(f"{url}/api/health", timeout=10)
    assert e.value.code == 401 and "Bearer" in json.load(e.value)["error"]["message"]


def test_serve_answers_the_api_next_to_the_page_behind_its_login(tmp_path):
    from ui.app import serve

    a = _assistant(tmp_path, ui_auth="admin:s3cret")
    port = _free_port()
    demo = serve(port=port, assistant=a, block=False, say=lambda line: None)
    try:
        url = f"http://127.0.0.1:{port}"
        basic = "Basic " + base64.b64encode(b"admin:s3cret").decode()
        r = httpx.post(f"{url}/api/ask", json={"question": Q}, headers={"Authorization": basic}, timeout=30)
        assert r.status_code == 200 and r.json()["found"]
        assert httpx.get(f"{url}/api/documents", timeout=10).status_code == 401
        files = {"files": ("ha-giang.md", ARTICLE.encode(), "text/markdown")}
        r = httpx.post(f"{url}/api/documents", files=files, headers={"Authorization": basic}, timeout=30)
        assert r.json()["results"][0]["status"] == "added"
        assert any("Hà Giang" in " ".join(map(str, row)) for row in h.library(a)[0])
        assert httpx.get(url, timeout=10).status_code == 200  # the page is still Gradio's
    finally:
        demo.close()
