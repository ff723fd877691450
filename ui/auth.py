"""The login check shared by the chat page and the HTTP API (RAG_UI_AUTH, RAG_API_TOKEN)."""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)


def make_auth(
    user: str,
    password: str,
    base: float = 1.0,
    cap: float = 10.0,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
) -> Callable[[str, str], Awaitable[bool]]:
    """Gradio's login check: constant-time comparison, and each failure answered after a delay that doubles with
    the failures in a row (base, 2*base, ... up to cap; a success starts over). Nothing is serialized: the count
    and the delay are settled the moment an attempt arrives (no await in between, so no lock is needed) and only
    that attempt then sleeps, so parallel guesses never queue behind one another (none waits longer than cap) and
    a correct password is answered at once, even in the middle of a flood of wrong ones.
    Async, so the delay is awaited: Gradio calls the check on its event loop, where time.sleep would stop the
    whole server."""
    failures = 0

    async def check(username: str, given: str) -> bool:
        nonlocal failures
        ok = hmac.compare_digest(username.encode(), user.encode()) & hmac.compare_digest(
            given.encode(), password.encode()
        )
        if ok:
            failures = 0
            return True
        failures += 1
        delay = min(cap, base * 2 ** min(failures - 1, 64))  # the exponent is bounded: a long flood never overflows
        log.warning("failed login as %r (%d in a row); answering in %g s", username, failures, delay)
        await sleep(delay)
        return False

    return check
