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

from starlette.types import ASGIApp, Receive, Scope, Send

import rag

__all__ = ["ApiRoutes", "background", "check_port", "run_api", "stop_on_sigterm", "warn_if_open"]

log = logging.getLogger(__name__)

API_PREFIXES = ("/api/", "/v1/")


def check_port(host: str, port: int) -> None:
    """Fail early with one line (Gradio raises a bare OSError with advice about its own environment variable;
    the socket module an OverflowError for a port out of range)."""
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise rag.ConfigError(f"port {port} is not a valid port (1-65535)")
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        socket.create_server((host, port), family=family).close()  # SO_REUSEADDR, as uvicorn binds
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            raise rag.ConfigError(f"port {port} on {host} is in use; choose another with --port") from None
        raise rag.ConfigError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    except (OverflowError, ValueError, IndexError) as e:  # a host the resolver or bind() rejects outright
        raise rag.ConfigError(f"cannot listen on {host}:{port}: {e}") from None


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


class ApiRoutes:
    """ASGI middleware in the chat page's server: /api/... and /v1/... go to the HTTP API app, the rest to Gradio."""

    def __init__(self, app: ASGIApp, api: ASGIApp):
        self.app, self.api = app, api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(API_PREFIXES):
            return await self.api(scope, receive, send)
        return await self.app(scope, receive, send)


@contextlib.contextmanager
def background(assistant: rag.Assistant) -> Iterator[None]:
    """While a server runs: RAG_WATCH's folders watched (`rag watch`) and the feeds polled every RAG_FEED_INTERVAL
    seconds (`rag feeds poll`), each in its own thread; stopped when the server stops."""
    s = assistant.settings
    stop = threading.Event()
    watcher = None
    if s.watch_dirs():
        from rag.watch import Watcher

        watcher = Watcher(assistant, s.watch_dirs())
        watcher.start()
        log.info("watching %s", ", ".join(map(str, s.watch_dirs())))
    if s.feed_interval > 0:
        from rag.feeds import Feeds

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
