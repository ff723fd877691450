"""What the servers share: the port check, the HTTP API next to the chat page, `rag api` alone, and the background
work of a running server (RAG_WATCH's folders, the news feeds)."""

from __future__ import annotations

import contextlib
import errno
import logging
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

import rag

__all__ = [
    "ApiRoutes",
    "PAGE_PUBLIC",
    "PAGE_PUBLIC_PREFIXES",
    "background",
    "check_port",
    "run_api",
    "stop_on_sigterm",
    "warn_if_open",
]

log = logging.getLogger(__name__)

API_PREFIXES = ("/api/", "/v1/")
# What the chat page serves before its login (RAG_UI_AUTH): the login page itself and what renders it. Everything
# else of Gradio's (its upload and file routes, queue, streams, schema, ...) needs the session's login cookie: Gradio
# checks it on some routes only. /config and login_check are passed on because Gradio answers them 401 itself and the
# login page reads that answer. startup-events is what launch() itself calls to start the app (it runs them once).
PAGE_PUBLIC = frozenset(
    {"/", "/login", "/login/", "/logout", "/config", "/config/", "/gradio_api/login_check", "/gradio_api/login_check/"}
    | {"/favicon.ico", "/theme.css", "/robots.txt", "/manifest.json", "/gradio_api/startup-events"}
)
PAGE_PUBLIC_PREFIXES = ("/assets/", "/static/", "/svelte/", "/pwa_icon")  # the page's scripts, styles, fonts, icons


def check_port(host: str, port: int) -> None:
    """Fail early with one line (Gradio raises a bare OSError with advice about its own environment variable;
    the socket module an OverflowError for a port out of range)."""
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise rag.ConfigError("ui.port_invalid", port=port)
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        socket.create_server((host, port), family=family).close()  # SO_REUSEADDR, as uvicorn binds
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            raise rag.ConfigError("ui.port_in_use", port=port, host=host) from None
        raise rag.ConfigError("ui.cannot_listen", host=host, port=port, detail=e.strerror or str(e)) from None
    except (OverflowError, ValueError, IndexError) as e:  # a host the resolver or bind() rejects outright
        raise rag.ConfigError("ui.cannot_listen", host=host, port=port, detail=str(e)) from None


def stop_on_sigterm() -> None:
    """SIGTERM (a service manager's stop, `kill`) then stops the process the way Ctrl-C does, so that exit handlers
    run instead of the process dying on the spot. Only the main thread may set a signal handler."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, signal.default_int_handler)


def warn_if_open(host: str, settings: rag.Settings) -> None:
    """A server on an address other machines reach, with no login, is said so at start (a user's choice, not an
    error: a trusted network behind a proxy that logs users in)."""
    if host not in ("127.0.0.1", "localhost", "::1") and not (settings.ui_auth or settings.api_token):
        log.warning(
            "listening on %s without a login: anyone who reaches it can ask, add and remove articles "
            "(set RAG_UI_AUTH or RAG_API_TOKEN)",
            host,
        )


def _logged_in(app: object, scope: Scope) -> bool:
    """The request carries the cookie of a session Gradio logged in (gradio.routes.App: `tokens` maps a login
    cookie's value to its user, `cookie_id` names the cookie); a page without a login lets everyone in."""
    if getattr(app, "auth", None) is None and getattr(app, "auth_dependency", None) is None:
        return True
    cookies, cid = HTTPConnection(scope).cookies, getattr(app, "cookie_id", "")
    token = cookies.get(f"access-token-{cid}") or cookies.get(f"access-token-unsecure-{cid}")
    return token is not None and token in getattr(app, "tokens", {})


class ApiRoutes:
    """ASGI middleware in the chat page's server: /api/... and /v1/... go to the HTTP API app (its own login), the
    rest to Gradio, and of that only PAGE_PUBLIC before the page's login (401 otherwise)."""

    def __init__(self, app: ASGIApp, api: ASGIApp):
        self.app, self.api = app, api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        path = scope["path"]
        if scope["type"] == "http" and path.startswith(API_PREFIXES):
            return await self.api(scope, receive, send)
        if path in PAGE_PUBLIC or path.startswith(PAGE_PUBLIC_PREFIXES) or _logged_in(scope.get("app"), scope):
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket":
            return await send({"type": "websocket.close", "code": 1008})
        refused = {"error": {"message": "not logged in", "type": "authentication_error", "code": 401}}
        return await JSONResponse(refused, 401)(scope, receive, send)


@contextlib.contextmanager
def background(assistant: rag.Assistant) -> Iterator[None]:
    """While a server runs: RAG_WATCH's folders watched (`rag watch`) and the feeds polled every RAG_FEED_INTERVAL
    seconds (`rag feeds poll`), each in its own thread; stopped when the server stops."""
    s = assistant.settings
    stop = threading.Event()
    watcher = None
    if s.watch_dirs():
        from rag import Watcher

        watcher = Watcher(assistant, s.watch_dirs())
        watcher.start()
        log.info("watching %s", ", ".join(map(str, s.watch_dirs())))
    if s.feed_interval > 0:
        from rag import Feeds

        poll = Feeds(assistant).poll_forever
        threading.Thread(target=poll, args=(s.feed_interval, stop), name="rag-feeds", daemon=True).start()
    try:
        yield
    finally:
        stop.set()
        if watcher is not None:
            watcher.stop()


def run_api(
    host: str,
    port: int,
    assistant: rag.Assistant | None = None,
    say: Callable[[str], None] = lambda line: print(line, flush=True),
) -> None:
    """`rag api`: the HTTP API alone (no page), until Ctrl-C or SIGTERM."""
    import uvicorn

    from .api import build_api

    check_port(host, port)
    a = assistant or rag.get_assistant()
    warn_if_open(host, a.settings)
    say(f"opening the store in {Path(a.settings.data_dir).expanduser()}")
    a.ensure_seeded()
    app = build_api(a)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False))
    shown = host if ":" not in host else f"[{host}]"
    say(
        f"http://{shown}:{port}/api · docs http://{shown}:{port}/api/docs · {a.stats()['documents']} articles · "
        "Ctrl-C stops"
    )
    stop_on_sigterm()
    with background(a), contextlib.suppress(KeyboardInterrupt):  # uvicorn stops, then raises the signal again
        server.run()
