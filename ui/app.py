"""The chat page (Gradio). Calls only `rag`'s public API.

Minimal for now: a chat whose answers carry their numbered sources, quoted verbatim."""

from __future__ import annotations

import html
from typing import Any

import gradio as gr

import rag

EXAMPLES = [
    "Ai là trưởng đoàn kiểm tra tại Trà Vinh?",
    "doan kiem tra so 4 lam viec o dak lak ngay nao",
    "Who led the inspection team in Tra Vinh?",
]


def format_answer(answer: rag.Answer) -> str:
    """Markdown: the answer, then each source with its quote (HTML-escaped: article text is data)."""
    parts = [html.escape(answer.answer)]
    if answer.citations:
        parts.append("\n\n**Nguồn:**")
        for c in answer.citations:
            name = c.source.rsplit("/", 1)[-1]
            parts.append(f"\n\n[{c.id}] *{html.escape(c.title)}* — `{html.escape(name)}`\n> {html.escape(c.quote)}")
    return "".join(parts)


def respond(message: str, history: list[dict[str, Any]]) -> str:
    if not message or not message.strip():
        return "Hãy nhập một câu hỏi."
    try:
        return format_answer(rag.ask(message, history=history))
    except rag.RagError as e:
        return f"Lỗi: {html.escape(str(e))}"


def build() -> gr.Blocks:
    return gr.ChatInterface(
        respond, title="Hỏi đáp tin tức: kiểm tra bảo vệ chính trị nội bộ",
        description="Câu trả lời trích dẫn nguyên văn từ các bài báo đã nạp.", examples=EXAMPLES,
        cache_examples=False, flagging_mode="never",
    )


def serve(host: str = "127.0.0.1", port: int = 7860) -> None:
    rag.get_assistant().ensure_seeded()  # index the seeds before the first question, not during it
    build().queue(default_concurrency_limit=2).launch(server_name=host, server_port=port, share=False)
