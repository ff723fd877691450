"""The HTTP API: `rag serve` answers it next to the chat page, `rag api` alone. REST under /api, OpenAI-compatible
chat completions under /v1, the OpenAPI schema at /api/openapi.json, its page at /api/docs (assets served here).

Every error is JSON, `{"error": {"message", "type", "code"}}` (the shape OpenAI clients read), with the CLI's
message in English, or in Vietnamese for `?lang=vi` or `Accept-Language: vi` (`lang` first, then the header; the
messages in results, such as an upload's rejection reasons, likewise): 400 bad input, 401 no or wrong credentials,
404 no such document, 413 request too large, 503 the store is down, busy, full, damaged or built by another model.
Handlers are plain functions (run in the server's thread pool): the assistant blocks while it works.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBasic, HTTPBasicCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import rag
from rag import RECORD_COLUMNS, file_problem, record_rows, source_name

from . import handlers, uploads
from .auth import make_auth

__all__ = ["build_api", "MODEL_ID", "no_paths", "public"]

log = logging.getLogger(__name__)

MODEL_ID = "rag-vn-news"  # the one model /v1/models lists
JSON_LIMIT = 1_000_000  # bytes: a question, its history, a chat's messages
MAX_UPLOAD_FILES = 100


class ApiError(Exception):
    """A request the API refuses: its HTTP status, a catalog message (`ui.<key>`) and the error's OpenAI type."""

    def __init__(self, status: int, key: str, kind: str = "invalid_request_error", **fields: Any):
        self.status, self.message, self.kind = status, rag.Message(key, **fields), kind
        super().__init__(self.message)


def lang(scope: Scope) -> str:
    """The language a request is served in: `?lang=vi|en`, else the first of them in Accept-Language (by q), else
    English (the CLI's)."""
    asked = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang", [""])[-1]
    if asked in rag.LANGUAGES:
        return asked
    header = dict(scope.get("headers") or []).get(b"accept-language", b"").decode("latin-1")
    ranked = []
    for i, part in enumerate(header.split(",")):
        tag, _, q = part.strip().partition(";q=")
        with contextlib.suppress(ValueError):
            ranked.append((-float(q or 1), i, tag.split("-")[0].strip().lower()))
    return next((tag for q, _, tag in sorted(ranked) if q < 0 and tag in rag.LANGUAGES), "en")


# An absolute path on the server inside a message ("/srv/data/chroma", "/srv/x/a.jsonl#3"): not after a word, a
# dot, a colon or a slash, so "58-QĐ/TW", "a/b" and URLs ("https://x/y") are not paths.
_ABS_PATH = re.compile(r"(?<![\w.:/~-])(?:/[^\s/\"'<>(),;]+)+/?")


def no_paths(text: str) -> str:
    """`text` with the server's absolute paths cut to their last part (a file's name): a remote client is never
    told where the server keeps its files ("cannot open /srv/data/chroma" -> "cannot open chroma")."""
    return _ABS_PATH.sub(lambda m: source_name(m.group().rstrip("/")) or "/", text)


def shown(text: Any, lang: str) -> str:
    """A message as a remote client reads it, in `lang`: a catalog message's own words whole and its fields (paths,
    a library's words) without the server's paths; any other text through `no_paths`."""
    if isinstance(text, rag.RagError):
        text = text.message
    if isinstance(text, rag.Message):
        return rag.Message.from_data(_pathless(text.as_data())).render(lang)
    return no_paths(str(text))


def _pathless(data: Any) -> Any:
    """A message's data (`Message.as_data`) with the server's paths cut from its fields' text."""
    if isinstance(data, dict) and "key" in data:
        return {"key": data["key"], "fields": {k: _pathless(v) for k, v in data["fields"].items()}}
    if isinstance(data, list):
        return [_pathless(v) for v in data]
    return no_paths(data) if isinstance(data, str) else data


def public(data: Any, lang: str = "en") -> Any:
    """A response's data as a remote client sees it: each `source` (a path on the server, "#N" for a record) as
    `source_name` shows it ("/srv/up/a.jsonl#3" -> "a.jsonl#3"), each `data_dir` left out, and any other absolute
    path in a string cut to its name (`no_paths`); a catalog message in `lang`. Shapes: dicts, lists, strings,
    numbers, as JSON."""
    if isinstance(data, dict):
        return {
            k: source_name(v) if k == "source" and isinstance(v, str) else public(v, lang)
            for k, v in data.items()
            if k != "data_dir"
        }
    if isinstance(data, list):
        return [public(v, lang) for v in data]
    return shown(data, lang) if isinstance(data, str) else data


def _status(e: rag.RagError) -> int:
    if isinstance(e, (rag.StoreError, rag.EmbedderMismatchError, rag.EmbedderError)):
        return 503  # the store is down, busy, damaged, or built by another model: nothing the caller can fix
    return 400


def _error(status: int, message: Any, kind: str, lang: str = "en") -> JSONResponse:
    """The error body; `message` (a catalog message, or a library's own words) in `lang`, without server paths."""
    headers = {"WWW-Authenticate": 'Bearer, Basic realm="rag"'} if status == 401 else None
    error = {"message": shown(message, lang), "type": kind, "code": status}
    return JSONResponse({"error": error}, status, headers=headers)


def _sse(data: Any, event: str | None = None) -> str:
    return (f"event: {event}\n" if event else "") + f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


# --- request bodies ----------------------------------------------------------------------------------------------
class ChatTurn(BaseModel):
    role: Literal["user", "assistant"]
    content: str = Field(max_length=rag.MAX_QUESTION_CHARS * 10)


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(description="In Vietnamese (with or without diacritics) or English.")
    history: list[ChatTurn] = Field(
        [], max_length=200, description="The conversation so far, oldest first: a follow-up is read with it."
    )
    stream: bool = Field(
        False,
        strict=True,
        description="Server-sent events: `token` events carry the LLM's text as it comes (unverified; none without "
        "an LLM), then one `answer` event the verified answer, or an `error` event.",
    )


class OpenAIMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):  # content parts: the text ones, in order
            return "\n".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class ChatCompletionRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, max_tokens, ...: accepted, not used
    model: str = MODEL_ID
    messages: list[OpenAIMessage] = Field(min_length=1, max_length=200)
    stream: bool = Field(False, strict=True)


# --- what answers look like over HTTP --------------------------------------------------------------------------
def _answer_dict(a: rag.Assistant, answer: rag.Answer) -> dict[str, Any]:
    """`Answer.to_dict()`, each citation with its article's URL (null for a file without one)."""
    urls = {d["doc_id"]: d["url"] for d in a.documents()} if answer.citations else {}
    out = answer.to_dict()
    for c in out["citations"]:
        c["url"] = urls.get(c["doc_id"])
    return public(out)


def cited_text(answer: dict[str, Any]) -> str:
    """An answer as one chat message: its text with the [n] markers, then its sources, one a line (Markdown)."""
    lines = [answer["answer"]] + ([f"({answer['note']})"] if answer["note"] else [])
    if answer["citations"]:
        lines.append("\n**Sources:**" if answer["language"] == "en" else "\n**Nguồn:**")
        for c in answer["citations"]:
            where = c["url"] or Path(c["source"]).name
            date = f" ({c['date']})" if c["date"] else ""
            lines.append(f"[{c['id']}] {c['title']} — {where}{date}: “{c['quote']}”")
    return "\n".join(lines)


def _history(messages: list[OpenAIMessage]) -> tuple[str, list[dict[str, str]]]:
    """The last user message is the question; earlier user and assistant messages the history (system and tool
    messages are not the conversation about the articles)."""
    turns = [(m.role, m.text()) for m in messages if m.role in ("user", "assistant")]
    if not turns or turns[-1][0] != "user":
        raise ApiError(400, "ui.last_message_not_user")
    return turns[-1][1], [{"role": r, "content": t} for r, t in turns[:-1]]


# --- limits and login --------------------------------------------------------------------------------------------
class BodyLimit:
    """ASGI middleware: a request body over its limit is answered 413 before a handler reads it (by its
    Content-Length, else as it arrives). Uploads (POST /api/documents) may be `upload_limit` bytes, the rest
    JSON_LIMIT."""

    def __init__(self, app: ASGIApp, upload_limit: int):
        self.app, self.upload_limit = app, upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.upload_limit if scope["path"].rstrip("/").endswith("/api/documents") else JSON_LIMIT
        too_large = _error(413, rag.Message("ui.too_large", mb=limit / 1e6), "request_too_large", lang(scope))
        length = dict(scope["headers"]).get(b"content-length", b"")
        if length.isdigit() and int(length) > limit:
            return await too_large(scope, receive, send)
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise ApiError(413, "ui.too_large", "request_too_large", mb=limit / 1e6)
            return message

        await self.app(scope, counted, send)


def _authorizer(settings: rag.Settings, login: Callable[[str, str], Awaitable[bool]] | None) -> Any:
    """The dependency every route but the docs takes: `Authorization: Bearer RAG_API_TOKEN`, or HTTP Basic with the
    page's user and password (RAG_UI_AUTH); neither set, no check. Failures are answered after make_auth's growing
    delay, as on the page."""
    token_check = make_auth("", settings.api_token) if settings.api_token else None
    user, _, password = (settings.ui_auth or "").partition(":")
    login_check = login or (make_auth(user, password) if settings.ui_auth else None)
    bearer, basic = HTTPBearer(auto_error=False), HTTPBasic(auto_error=False)

    async def authorize(
        token: HTTPAuthorizationCredentials | None = Depends(bearer),  # noqa: B008 (FastAPI's dependency style)
        credentials: HTTPBasicCredentials | None = Depends(basic),  # noqa: B008 (declared: the schema lists both)
    ) -> None:
        if token_check is None and login_check is None:
            return
        if token is not None and token_check is not None and await token_check("", token.credentials):
            return
        if credentials is not None and login_check is not None:
            if await login_check(credentials.username, credentials.password):
                return
        if token_check and login_check:
            raise ApiError(401, "ui.credentials_either", "authentication_error")
        raise ApiError(401, "ui.credentials_token" if token_check else "ui.credentials_basic", "authentication_error")

    return authorize


# --- the app -----------------------------------------------------------------------------------------------------
def build_api(
    assistant: rag.Assistant | None = None, login: Callable[[str, str], Awaitable[bool]] | None = None
) -> FastAPI:
    """The API over `assistant` (default: the shared one for the environment's settings). `login` is the chat
    page's login check when both are served together, so that failures count against one login."""
    a = assistant or rag.get_assistant()
    s = a.settings
    uploads_dir = Path(s.data_dir).expanduser() / "uploads"
    authorized = [Depends(_authorizer(s, login))]
    app = FastAPI(
        title="rag-vn-news",
        version=rag.__version__,
        description='Cited answers about Vietnamese news articles. Errors: `{"error": {"message", "type", '
        '"code"}}`. Authorization: `Bearer RAG_API_TOKEN`, or HTTP Basic with RAG_UI_AUTH\'s user and password.',
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.add_middleware(BodyLimit, upload_limit=int(s.api_max_request_mb * 1_000_000))

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, e: ApiError) -> JSONResponse:
        return _error(e.status, e.message, e.kind, lang(request.scope))

    @app.exception_handler(rag.RagError)
    async def _rag_error(request: Request, e: rag.RagError) -> JSONResponse:
        status = _status(e)
        log.warning("%s %s: %s", request.method, request.url.path, e)
        kind = "unavailable" if status == 503 else "invalid_request_error"
        return _error(status, e.message, kind, lang(request.scope))

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, e: RequestValidationError) -> JSONResponse:
        err = e.errors()[0]
        if err["type"] == "json_invalid":
            why = (err.get("ctx") or {}).get("error", "")
            message = rag.Message("ui.bad_json", why=why, at=err["loc"][-1])
        elif tuple(err["loc"]) == ("body",):
            message = rag.Message("ui.not_json_object")
        else:  # pydantic's own words stay as they are
            message = rag.Message("ui.bad_field", field=".".join(str(x) for x in err["loc"][1:]), detail=err["msg"])
        return _error(400, message, "invalid_request_error", lang(request.scope))

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, e: HTTPException) -> JSONResponse:
        return _error(e.status_code, str(e.detail), "invalid_request_error")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, e: Exception) -> JSONResponse:
        log.exception("%s %s failed", request.method, request.url.path)
        return _error(500, rag.Message("ui.unexpected", kind=type(e).__name__), "server_error", lang(request.scope))

    # the schema's page, with Swagger UI from the swagger-ui-bundle package: nothing is fetched from outside
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/api/docs/assets", StaticFiles(directory=swagger_ui_path), name="swagger-ui")

    @app.get("/api/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/api/openapi.json",
            title="rag-vn-news API",
            swagger_js_url="/api/docs/assets/swagger-ui-bundle.js",
            swagger_css_url="/api/docs/assets/swagger-ui.css",
            swagger_favicon_url="/api/docs/assets/favicon-32x32.png",
        )

    @app.get("/api/health", dependencies=authorized, summary="Store reachable, counts, embedder")
    def health(request: Request) -> JSONResponse:
        try:
            stats = a.stats()
        except rag.RagError as e:
            return JSONResponse({"ok": False, "error": shown(e, lang(request.scope))}, 503)
        ok = stats["integrity"].startswith("ok")
        body = public({"ok": ok, "version": rag.__version__, **stats}, lang(request.scope))
        return JSONResponse(body, 200 if ok else 503)

    @app.post("/api/ask", dependencies=authorized, summary="Answer a question with cited sources")
    def ask(body: AskRequest, request: Request) -> Any:
        """`Answer.to_dict()`, each citation with its `url`; with `"stream": true`, server-sent events."""
        history = [t.model_dump() for t in body.history]
        if not body.stream:
            return _answer_dict(a, a.ask(body.question, history))
        stream, served = a.ask_stream(body.question, history), lang(request.scope)
        first = next(stream)  # a question that cannot be asked is a 400, not an event in a 200 stream

        def events() -> Iterator[str]:
            try:
                for item in itertools.chain([first], stream):
                    if isinstance(item, str):
                        yield _sse({"text": item}, "token")
                    else:
                        yield _sse(_answer_dict(a, item), "answer")
            except Exception as e:  # the stream has begun: the error is its last event
                status = _status(e) if isinstance(e, rag.RagError) else 500
                (log.warning if status != 500 else log.exception)("POST /api/ask failed: %s", e)
                message = e if status != 500 else rag.Message("ui.unexpected", kind=type(e).__name__)
                yield _sse({"error": {"message": shown(message, served), "code": status}}, "error")

        return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    @app.get("/api/retrieve", dependencies=authorized, summary="The passages retrieval finds for a question")
    def retrieve(q: str, k: int = 5) -> list[dict[str, Any]]:
        return public([p.to_dict() for p in a.retrieve(q, k)])

    @app.get("/api/facts", dependencies=authorized, summary="The inspection records (JSON, or ?format=csv)")
    def facts(format: Literal["json", "csv"] = "json") -> Any:  # noqa: A002 (the query parameter's name)
        records = a.records()
        if format == "json":
            return public([r.to_dict() for r in records])
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=RECORD_COLUMNS)
        writer.writeheader()
        writer.writerows(public(record_rows(records)))
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8")

    @app.get("/api/documents", dependencies=authorized, summary="The ingested articles")
    def documents() -> list[dict[str, Any]]:
        return public(a.documents())

    @app.post(
        "/api/documents",
        dependencies=authorized,
        summary="Add articles (multipart: one or more `files`)",
        openapi_extra={
            "requestBody": {
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}},
                        }
                    }
                }
            }
        },
    )
    async def add_documents(request: Request) -> dict[str, Any]:
        """Each file is kept under the data dir's uploads/ (as the page's uploads are; one of the same name is
        replaced) and ingested; one result per file (per record for .json/.jsonl), as `rag ingest --json`."""
        async with request.form(max_files=MAX_UPLOAD_FILES) as form:  # its temporary files are closed after
            files = [v for _, v in form.multi_items() if isinstance(v, UploadFile)]
            if not files:
                raise ApiError(400, "ui.no_files")
            report = await run_in_threadpool(_ingest_uploads, a, files, uploads_dir)
            return public(report.to_dict(), lang(request.scope))  # the caller's file names, not server paths

    @app.delete("/api/documents/{doc_id}", dependencies=authorized, summary="Remove an article by its id")
    def remove(doc_id: str) -> dict[str, Any]:
        if not any(d["doc_id"] == doc_id for d in a.documents()):  # ids only: never a path on the server
            raise ApiError(404, "ui.no_document", "not_found", doc_id=doc_id)
        return public({"removed": handlers.remove_article(a, doc_id, uploads_dir, uploads.in_use(a, uploads_dir))})

    @app.get("/v1/models", dependencies=authorized, summary="OpenAI-compatible: the one model")
    def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": MODEL_ID}]}

    @app.post("/v1/chat/completions", dependencies=authorized, summary="OpenAI-compatible chat completions")
    def chat_completions(body: ChatCompletionRequest) -> Any:
        """The last user message is the question, earlier ones the history. The reply's text carries the answer's
        [n] markers and lists the sources under it; `citations` (an extra field) has them as data. Streamed, the
        verified answer comes in pieces (an LLM's unverified text is never sent: a client cannot take it back)."""
        question, history = _history(body.messages)
        answer = _answer_dict(a, a.ask(question, history))
        text, made, cid = cited_text(answer), int(time.time()), f"chatcmpl-{uuid.uuid4().hex[:24]}"
        head = {"id": cid, "created": made, "model": body.model}
        if not body.stream:
            return {
                **head,
                "object": "chat.completion",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
                "citations": answer["citations"],
            }

        def chunks() -> Iterator[str]:
            def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
                choice = {"index": 0, "delta": delta, "finish_reason": finish}
                return _sse({**head, "object": "chat.completion.chunk", "choices": [choice], **extra})

            yield chunk({"role": "assistant", "content": ""})
            for i in range(0, len(text), 200):
                yield chunk({"content": text[i : i + 200]})
            yield chunk({}, "stop", citations=answer["citations"])
            yield "data: [DONE]\n\n"

        return StreamingResponse(chunks(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    return app


def _ingest_uploads(a: rag.Assistant, files: list[UploadFile], uploads_dir: Path) -> rag.IngestReport:
    """The page's limits (type, RAG_MAX_FILE_MB) checked before anything is kept; then one ingest of the rest."""
    max_bytes = int(a.settings.max_file_mb * 1_000_000)
    refused, kept = [], []
    uploads_dir.mkdir(parents=True, exist_ok=True)
    for f in files:
        name = Path((f.filename or "").replace("\\", "/")).name
        no_name = not name or name.startswith(".")
        problem = rag.Message("ui.no_file_name") if no_name else file_problem(name, f.size or 0, max_bytes)
        if problem:
            refused.append(rag.FileResult(name or "(unnamed)", "rejected", problem))
        else:
            kept.append(uploads.copy_into(f.file, uploads_dir, name))
    report = uploads.ingest_copies(a, kept) if kept else rag.IngestReport()
    report.results += refused
    return report
