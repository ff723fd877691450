"""The LLM's answer to one question: the sources numbered into its prompt, its text streamed (to `on_token` as it
comes) within RAG_LLM_TIMEOUT and RAG_LLM_MAX_TOKENS, then verified (`verify`). The exact answer stands, with a note
saying why, when the LLM fails, cites nothing it can be held to, or leaves out what was asked: never a worse one.
`streamed` turns a call that reports its tokens into an iterator of them and, last, its answer."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from wording import Message, render

from ..indexing.embeddings import Embedder
from ..query.questions import Query
from ..results import Answer, Passage
from ..settings import Settings
from .verify import build_messages, gather_sources, key_values, left_out, verify

__all__ = ["llm_answer", "streamed"]

log = logging.getLogger("rag")


def llm_answer(
    llm: Any,
    query: Query,
    passages: list[Passage],
    facts: Answer | None,
    exact: Answer,
    *,
    settings: Settings,
    embedder: Embedder,
    document_text: Callable[[str], str],
    on_token: Callable[[str], None] | None = None,
) -> Answer:
    """The LLM's answer from `facts`' sentences and `passages`, verified; else `exact` with a note saying why."""
    sources = gather_sources(passages, facts)
    messages = build_messages(query.text, sources, query.language)
    try:
        output = _generate(llm, messages, settings, on_token)
    except Exception as e:  # server down, timeout, model error: the exact answer still stands
        exact.note = Message("llm.failed", error=type(e).__name__, detail=str(e).strip()[:200])
        return exact
    text, citations = verify(output, sources, embedder, document_text)
    if not citations:
        exact.note = render(f"llm_fallback_note_{query.language}")
        return exact
    lacking = left_out(text, key_values(exact, query))
    if lacking:  # a fluent answer without the name, date or number asked for is worse than the exact one
        exact.note = render(f"llm_lacks_note_{query.language}", values=", ".join(lacking))
        return exact
    return Answer(
        question=query.text,
        answer=text,
        found=True,
        citations=citations,
        language=query.language,
        mode="llm",
        facts=exact.facts,
    )


def _generate(llm: Any, messages: list[Any], settings: Settings, on_token: Callable[[str], None] | None) -> str:
    """The LLM's text, streamed always, so that a slow local model stops at RAG_LLM_TIMEOUT and RAG_LLM_MAX_TOKENS."""
    output, started = "", time.monotonic()
    for n, chunk in enumerate(llm.stream_chat(messages), 1):
        output += chunk.delta or ""
        if on_token is not None:
            on_token(chunk.delta or "")
        if time.monotonic() - started > settings.llm_timeout or n >= settings.llm_max_tokens:
            stopped = "timeout" if n < settings.llm_max_tokens else "max_tokens"
            log.info("LLM stopped at %s after %.1f s", stopped, time.monotonic() - started)
            break
    return output


def streamed(ask: Callable[[Callable[[str], None]], Answer]) -> Iterator[str | Answer]:
    """Run `ask(on_token)` in a thread of its own; yield each token it reports as it comes, then the answer it
    returns. What it raises is raised here, in the caller's thread."""
    items: queue.Queue[str | Answer | BaseException] = queue.Queue()

    def run() -> None:
        try:
            items.put(ask(items.put))
        except BaseException as e:  # re-raised in the caller's thread
            items.put(e)

    threading.Thread(target=run, daemon=True).start()
    while True:
        item = items.get()
        if isinstance(item, BaseException):
            raise item
        yield item
        if isinstance(item, Answer):
            return
