"""The chat page (Gradio Blocks): Chat, Facts and Library tabs. Calls only `rag`'s public API (via handlers)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import gradio as gr

import rag
from rag.loaders import SUPPORTED_SUFFIXES

from . import handlers as h

EXAMPLES = [
    "Ai là trưởng đoàn kiểm tra tại Trà Vinh?",
    "Những tỉnh nào đã được kiểm tra?",
    "doan kiem tra so 4 lam viec o dak lak ngay nao",
    "Who led the inspection team in Tra Vinh?",
]
CSS = """
.rag-sources mark { background: #ffe066; padding: 0 2px; }
.rag-source { border-left: 3px solid #d0a000; padding: 4px 10px; margin: 8px 0; }
.rag-source blockquote { margin: 4px 0; }
.rag-meta { color: #666; font-size: 0.9em; }
.rag-article { max-height: 360px; overflow-y: auto; font-size: 0.92em; }
"""


def _guard(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Product errors become a clear message on the page (gr.Error), never a stack trace."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except rag.RagError as e:
            raise gr.Error(str(e)) from None

    return wrapper


def _progress(progress: gr.Progress) -> Callable[[int, int, str], None]:
    return lambda done, total, source: progress(done / total if total else 1.0, desc=Path(source).name or "xong")


def build(assistant: rag.Assistant | None = None) -> gr.Blocks:
    a = assistant or rag.get_assistant()
    uploads_dir = Path(a.settings.data_dir).expanduser() / "uploads"
    try:
        a.ensure_seeded()
        problem = None
    except rag.RagError as e:
        problem = str(e)

    with gr.Blocks(title="Hỏi đáp kiểm tra bảo vệ chính trị nội bộ") as demo:
        gr.Markdown(
            "## Hỏi đáp tin tức: kiểm tra công tác bảo vệ chính trị nội bộ\n"
            "Câu trả lời trích dẫn nguyên văn các bài báo đã nạp; mỗi ý có số nguồn [n]."
        )
        gr.Markdown(
            f"**Không mở được kho dữ liệu:** {problem}" if problem else "",
            visible=bool(problem),
            elem_id="rag-store-error",
        )

        with gr.Tab("Hỏi đáp", id="chat"):
            chatbot = gr.Chatbot(label="Hội thoại", height=380, elem_id="rag-chat")
            with gr.Row():
                box = gr.Textbox(
                    placeholder="Đặt câu hỏi, có dấu hoặc không dấu, tiếng Việt hoặc tiếng Anh…",
                    show_label=False,
                    scale=8,
                    elem_id="rag-question",
                )
                send = gr.Button("Gửi", variant="primary", scale=1, elem_id="rag-send")
            gr.Examples(EXAMPLES, inputs=box, label="Câu hỏi mẫu")
            sources = gr.HTML(elem_id="rag-sources")
            new_chat = gr.Button("Cuộc trò chuyện mới", size="sm")

            def on_chat(message: str, history: list[dict[str, Any]]) -> Iterator[tuple[list[dict[str, Any]], str, str]]:
                for new_history, html in h.chat_stream(a, message, history):  # streams when an LLM is configured
                    yield new_history, html, ""

            send.click(on_chat, [box, chatbot], [chatbot, sources, box])
            box.submit(on_chat, [box, chatbot], [chatbot, sources, box])
            new_chat.click(lambda: ([], "", ""), None, [chatbot, sources, box])

        with gr.Tab("Dữ kiện", id="facts"):
            with gr.Row():
                f_province = gr.Dropdown([h.ALL], value=h.ALL, label="Tỉnh")
                f_year = gr.Dropdown([h.ALL], value=h.ALL, label="Năm")
                f_person = gr.Textbox(label="Người (tên, có dấu hoặc không)")
            facts = gr.Dataframe(
                headers=h.FACT_HEADERS,
                interactive=False,
                wrap=True,
                elem_id="rag-facts",
                column_widths=["6%", "19%", "13%", "13%", "12%", "11%", "12%", "14%"],
            )
            download = gr.DownloadButton("Tải CSV", elem_id="rag-facts-csv")

            @_guard
            def on_facts(province: str, year: str, person: str) -> tuple[Any, Any]:
                rows, path = h.facts_table(a, province, year, person)
                return rows, path

            for control in (f_province, f_year):
                control.change(on_facts, [f_province, f_year, f_person], [facts, download])
            f_person.submit(on_facts, [f_province, f_year, f_person], [facts, download])

        with gr.Tab("Thư viện", id="library"):
            docs = gr.Dataframe(
                headers=h.LIBRARY_HEADERS,
                interactive=False,
                wrap=True,
                elem_id="rag-library",
                column_widths=["42%", "12%", "26%", "8%", "12%"],
            )
            files = gr.File(
                label=f"Thêm bài báo ({', '.join(SUPPORTED_SUFFIXES)}; tối đa {a.settings.max_file_mb:g} MB mỗi tệp)",
                file_count="multiple",
                file_types=list(SUPPORTED_SUFFIXES),
                elem_id="rag-upload",
            )
            results = gr.Dataframe(
                headers=h.RESULT_HEADERS,
                interactive=False,
                wrap=True,
                label="Kết quả nạp",
                elem_id="rag-upload-results",
            )
            with gr.Row():
                to_remove = gr.Dropdown([], label="Bài báo", scale=4)
                remove_btn = gr.Button("Xóa bài", variant="stop", scale=1)
            reembed_btn = gr.Button("Nhúng lại toàn bộ")
            status = gr.Markdown(elem_id="rag-library-status")

        @_guard
        def refresh() -> tuple[Any, ...]:
            rows, choices = h.library(a)
            provinces, years = h.fact_filters(a)
            table, path = h.facts_table(a)
            return (
                rows,
                gr.Dropdown(choices=choices, value=None),
                table,
                path,
                gr.Dropdown(choices=provinces, value=h.ALL),
                gr.Dropdown(choices=years, value=h.ALL),
            )

        refreshed = [docs, to_remove, facts, download, f_province, f_year]

        @_guard
        def on_upload(paths: list[str] | None, progress: gr.Progress = gr.Progress()) -> Any:
            return h.upload(a, paths, uploads_dir, _progress(progress))

        @_guard
        def on_remove(doc_id: str | None) -> str:
            return h.remove(a, doc_id)

        @_guard
        def on_reembed(progress: gr.Progress = gr.Progress()) -> str:
            return h.reembed(a, _progress(progress))

        files.upload(on_upload, files, results).then(refresh, None, refreshed)
        remove_btn.click(on_remove, to_remove, status).then(refresh, None, refreshed)
        reembed_btn.click(on_reembed, None, status).then(refresh, None, refreshed)
        if not problem:
            demo.load(refresh, None, refreshed)
    return demo


def serve(
    host: str = "127.0.0.1", port: int = 7860, assistant: rag.Assistant | None = None, block: bool = True
) -> gr.Blocks:
    """Build and launch the page (never shared publicly; loopback unless `host` says otherwise)."""
    a = assistant or rag.get_assistant()
    s = a.settings
    user, _, password = (s.ui_auth or "").partition(":")
    auth = (user, password) if s.ui_auth else None
    demo = build(a)
    demo.queue(default_concurrency_limit=s.ui_concurrency)
    demo.launch(
        server_name=host,
        server_port=port,
        share=False,
        auth=auth,
        max_file_size=f"{s.max_file_mb:g}mb",
        css=CSS,
        prevent_thread_lock=not block,
        show_error=False,
    )
    return demo
