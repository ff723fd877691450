"""The chat page (Gradio Blocks): Chat, Facts and Library tabs. Calls only `rag`'s public API (via handlers)."""

from __future__ import annotations

import contextlib
import functools
import html
import json
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

# Nothing leaves the machine: Gradio's usage telemetry and its version check (both on by default) read this at import
# time and at every Blocks; set before gradio is imported. A user's explicit setting wins.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import gradio as gr  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402
from starlette.responses import PlainTextResponse  # noqa: E402
from starlette.types import ASGIApp, Message, Receive, Scope, Send  # noqa: E402

import rag  # noqa: E402
from rag import SUPPORTED_SUFFIXES  # noqa: E402

from . import handlers as h  # noqa: E402
from . import uploads  # noqa: E402
from .api import build_api  # noqa: E402
from .auth import make_auth  # noqa: E402
from .server import ApiRoutes, background, check_port, stop_on_sigterm, warn_if_open  # noqa: E402

log = logging.getLogger(__name__)

EXAMPLES = [
    "Ai là trưởng đoàn kiểm tra tại Trà Vinh?",
    "Những tỉnh nào đã được kiểm tra?",
    "doan kiem tra so 4 lam viec o dak lak ngay nao",
    "Who led the inspection team in Tra Vinh?",
]
# Fonts with every Vietnamese glyph (stacked diacritics: "Nguồn", "Số đoạn", "Kết quả"), proportional everywhere:
# Gradio's monospace default for tables stacks them wrongly. System fonts only: nothing is fetched.
FONTS = ["Noto Sans", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "Liberation Sans", "DejaVu Sans", "sans-serif"]
# Gradio's own strings on this page, in Vietnamese (Gradio ships no Vietnamese). Given for every language Gradio 6
# translates too (it picks one from the browser's, else "en"): the page is Vietnamese whatever the browser says.
GRADIO_LOCALES = (
    "vi en ar ca ckb de es et eu fa fi fr he hi ja ko lt nb nl pl pt pt-BR ro ru sv ta th tr uk ur uz zh-CN zh-TW"
).split()
GRADIO_VI = {
    "upload_text.drop_file": "Thả tệp vào đây",
    "upload_text.click_to_upload": "Bấm để chọn tệp",
    "upload_text.or": "hoặc",
    "common.or": "hoặc",
    "common.clear": "Xóa",
    "common.download": "Tải xuống",
    "common.empty": "Trống",
    "common.error": "Lỗi",
    "common.loading": "Đang tải",
    "common.remove": "Bỏ",
    "common.submit": "Gửi",
    "common.undo": "Hoàn tác",
    "common.edit": "Sửa",
    "common.progress": "Tiến độ",
    "common.complete": "Xong",
    "chatbot.clear": "Xóa hội thoại",
    "file.uploading": "Đang tải lên…",
    "chatbot.copy_message": "Chép tin nhắn",
    "chatbot.copied_message": "Đã chép",
    "dataframe.sort_column": "Sắp xếp cột",
    "dataframe.sort_ascending": "Tăng dần",
    "dataframe.sort_descending": "Giảm dần",
    "blocks.lost_connection": "Mất kết nối vì rời trang. Đang vào lại hàng đợi…",
    "blocks.waiting_for_inputs": "Đang chờ tải tệp lên xong, hãy thử lại.",
    "blocks.connection_can_break": "Trên điện thoại, kết nối có thể ngắt khi thẻ này không được mở hoặc máy ngủ.",
}
# The page's script (ui/page.js): Gradio's and Plotly's fixed English labels in Vietnamese, and a click on an answer's
# [n] opening its source n. Put inline in <head>: nothing is fetched from elsewhere.
PAGE_JS = (Path(__file__).with_name("page.js")).read_text(encoding="utf-8")
# Column widths in pixels: on a narrow screen a table scrolls sideways instead of breaking words apart. Its first
# column stays in view (sticky); on a phone the library's (the title) is narrowed to PHONE_TITLE to leave room.
FACT_WIDTHS = [60, 200, 150, 150, 150, 120, 140, 220]
LIBRARY_WIDTHS = [480, 110, 240, 80, 170]
PHONE_TITLE = 150
CSS = f"""
/* an answer's sources, collapsed under it ("Nguồn (n)"): each quote highlighted in its paragraph; read at the
   chat's own size and contrast (Gradio draws such messages small and faded) */
#rag-chat .message-content:has(.rag-sources), #rag-chat .md:has(.rag-sources) {{ opacity: 1; }}
#rag-chat .rag-sources * {{ font-size: var(--text-md); }}
#rag-chat .rag-sources .rag-meta, #rag-chat .rag-sources .rag-article * {{ font-size: var(--text-sm); }}
.rag-sources mark {{ background: #ffe066; color: inherit; padding: 0 2px; }}
.rag-source {{ border-left: 3px solid #d0a000; padding: 4px 10px; margin: 8px 0; scroll-margin: 8px; }}
.rag-source:focus {{ outline: none; }}
.rag-source blockquote {{ margin: 4px 0; }}
.rag-meta {{ color: #666; }}
.rag-article {{ max-height: 360px; overflow-y: auto; }}
.rag-flash {{ animation: rag-flash 2s ease-out; }}
@keyframes rag-flash {{ from {{ background: #fff3b0; }} to {{ background: transparent; }} }}
#rag-chat a.rag-cite {{ text-decoration: none; font-weight: 600; }}
/* tables: proportional text, words never cut (ids and titles wrap between words) */
#rag-facts *, #rag-library *, #rag-upload-results * {{ font-family: var(--font) !important; }}
#rag-facts td *, #rag-facts .body-cell *, #rag-library td *, #rag-library .body-cell * {{
  word-break: normal !important; overflow-wrap: normal !important; hyphens: none !important;
}}
/* the first column stays in view when a table scrolls sideways (Gradio's pinned_columns draws nothing so) */
#rag-facts .first-column, #rag-library .first-column {{
  position: sticky !important; left: 0; z-index: 3;
  background: var(--table-even-background-fill); box-shadow: 1px 0 0 var(--border-color-primary);
}}
#rag-facts .row-odd .first-column, #rag-library .row-odd .first-column {{
  background: var(--table-odd-background-fill);
}}
#rag-facts th.first-column, #rag-library th.first-column {{ z-index: 4; }}
/* narrow screens (down to 400 px): the question box takes the row, the button goes under it; the library's title
   column is narrowed (the table's width follows) */
@media (max-width: 600px) {{
  #rag-ask-row {{ flex-wrap: wrap; }}
  #rag-question {{ min-width: 100% !important; }}
  #rag-send {{ min-width: 100% !important; }}
  #rag-library .first-column {{
    width: {PHONE_TITLE}px !important; min-width: {PHONE_TITLE}px !important; max-width: {PHONE_TITLE}px !important;
    flex: 0 0 {PHONE_TITLE}px !important;
  }}
  #rag-library .header-table, #rag-library .virtual-body {{
    width: {PHONE_TITLE + sum(LIBRARY_WIDTHS[1:])}px !important;
  }}
}}
"""


def _guard(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Any failure becomes one clear message on the page (gr.Error, whose text is HTML: escaped), never a bare
    "Error" (what Gradio shows for other exceptions under show_error=False) nor a stack trace."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except Exception as e:  # the page's edge; unexpected ones are logged with their trace
            (log.warning if isinstance(e, rag.RagError) else log.exception)("%s failed: %s", fn.__name__, e)
            raise gr.Error(html.escape(h.error_text(e)), title="Lỗi", print_exception=False) from None

    return wrapper


def _banner(problem: BaseException | None, **kw: Any) -> Any:
    """The damage banner at the top of the page (every tab sees it); hidden when there is no problem."""
    text = (
        f"**Không mở được kho dữ liệu:** {h.md_text(rag.localized(problem, 'vi') or type(problem).__name__)}"
        if problem
        else ""
    )
    return gr.Markdown(text, visible=problem is not None, **kw)


def _progress(progress: gr.Progress, assistant: rag.Assistant) -> Callable[[int, int, str], None]:
    """Gradio's progress bar: the share of files done, the current file and the passage tokens per second."""
    rate = rag.TokenRate(assistant.embedder)

    def update(done: int, total: int, source: str) -> None:
        speed = rate()
        desc = " · ".join([Path(source).name or "xong"] + ([speed.render("vi")] if speed else []))
        progress(done / total if total else 1.0, desc=desc)

    return update


def _session(request: gr.Request | None) -> str | None:
    """The page's session (one per open tab): background jobs hand their rows back to the one that started them."""
    return getattr(request, "session_hash", None)


def build(assistant: rag.Assistant | None = None) -> gr.Blocks:
    a = assistant or rag.get_assistant()
    uploads_dir = Path(a.settings.data_dir).expanduser() / "uploads"
    problem: rag.RagError | None = None
    try:
        a.ensure_seeded()
    except rag.RagError as e:
        log.warning("the store cannot be opened: %s", e)
        problem = e

    with gr.Blocks(title="Hỏi đáp kiểm tra bảo vệ chính trị nội bộ", analytics_enabled=False) as demo:
        gr.Markdown(
            "## Hỏi đáp tin tức: kiểm tra công tác bảo vệ chính trị nội bộ\n"
            "Câu trả lời trích dẫn nguyên văn các bài báo đã nạp; mỗi ý có số nguồn [n]."
        )
        banner = _banner(problem, elem_id="rag-store-error")

        with gr.Tab("Hỏi đáp", id="chat"):
            # Messages are md_text-escaped Markdown (h.chat_stream); no LaTeX, and no copy buttons, which would copy
            # the escaped source rather than the text shown (selecting the text copies it as shown).
            # Each answer carries its own sources, collapsed under it (h.sources_message); a click on one of its [n]
            # opens them at source n (ui/page.js).
            chatbot = gr.Chatbot(label="Hội thoại", height=440, elem_id="rag-chat", latex_delimiters=[], buttons=[])
            with gr.Row(elem_id="rag-ask-row"):
                box = gr.Textbox(
                    label="Câu hỏi",  # not shown: what a screen reader says (Gradio's default: "Textbox")
                    placeholder="Đặt câu hỏi, có dấu hoặc không dấu, tiếng Việt hoặc tiếng Anh…",
                    show_label=False,
                    scale=8,
                    elem_id="rag-question",
                )
                send = gr.Button("Gửi", variant="primary", scale=1, elem_id="rag-send")
            examples = gr.Examples(EXAMPLES, inputs=box, label="Câu hỏi mẫu")
            new_chat = gr.Button("Cuộc trò chuyện mới", size="sm")

            def on_chat(message: str, history: list[dict[str, Any]]) -> Iterator[tuple[list[dict[str, Any]], str]]:
                for new_history, sources in h.chat_stream(a, message, history):  # streams when an LLM is configured
                    yield new_history + h.sources_message(sources), ""

            send.click(on_chat, [box, chatbot], [chatbot, box])
            box.submit(on_chat, [box, chatbot], [chatbot, box])
            examples.load_input_event.then(on_chat, [box, chatbot], [chatbot, box])  # a click asks it
            new_chat.click(lambda: ([], ""), None, [chatbot, box])

        with gr.Tab("Dữ kiện", id="facts"):
            with gr.Row():
                f_province = gr.Dropdown([h.ALL], value=h.ALL, label="Tỉnh")
                f_year = gr.Dropdown([h.ALL], value=h.ALL, label="Năm")
                f_person = gr.Textbox(label="Người (tên, có dấu hoặc không)")
            facts = gr.Dataframe(
                headers=h.FACT_HEADERS,
                datatype="str",  # plain-text cells: article text is never read as Markdown or HTML
                interactive=False,
                wrap=True,
                label="Các cuộc kiểm tra",  # not shown: what a screen reader says (Gradio's default: "Dataframe")
                show_label=False,
                elem_id="rag-facts",
                column_widths=[f"{w}px" for w in FACT_WIDTHS],
            )
            download = gr.DownloadButton("Tải CSV", elem_id="rag-facts-csv")
            # the same records as the table, after the same filters; PNG export from each figure's toolbar
            timeline = gr.Plot(label="Dòng thời gian", elem_id="rag-timeline")
            vn_map = gr.Plot(label="Bản đồ", elem_id="rag-map")
            facts_out = [facts, download, timeline, vn_map]

            @_guard
            def on_facts(province: str, year: str, person: str) -> tuple[Any, ...]:
                return h.facts_view(a, province, year, person)

            for control in (f_province, f_year):
                control.change(on_facts, [f_province, f_year, f_person], facts_out)
            f_person.submit(on_facts, [f_province, f_year, f_person], facts_out)

        with gr.Tab("Thư viện", id="library"):
            docs = gr.Dataframe(
                headers=h.LIBRARY_HEADERS,
                datatype="str",
                interactive=False,
                wrap=True,
                label="Các bài đã nạp",
                show_label=False,
                elem_id="rag-library",
                column_widths=[f"{w}px" for w in LIBRARY_WIDTHS],
            )
            most = uploads.vi_number(a.settings.max_file_mb)
            files = gr.File(
                label=f"Thêm bài báo ({', '.join(SUPPORTED_SUFFIXES)}; tối đa {most} MB mỗi tệp)",
                file_count="multiple",
                file_types=list(SUPPORTED_SUFFIXES),
                elem_id="rag-upload",
            )
            with gr.Accordion("Giới hạn khi tải lên", open=False, elem_id="rag-limits"):
                gr.Markdown(uploads.limits_help(a.settings))
            results = gr.Dataframe(
                headers=h.RESULT_HEADERS,
                datatype="str",
                interactive=False,
                wrap=True,
                label="Kết quả nạp",
                elem_id="rag-upload-results",
            )
            # Background uploads (uploads.start_upload): their state, polled every 2 s while one runs or waits, or while
            # this page has results to pick up; the timer is off otherwise.
            jobs_status = gr.Markdown(elem_id="rag-background-status")
            ticker = gr.Timer(2.0, active=False)
            ended_seen = gr.State(0)  # background jobs ended when this page last refreshed its tables for them
            with gr.Row():
                to_remove = gr.Dropdown([], label="Bài báo", scale=4, elem_id="rag-remove-doc")
                remove_btn = gr.Button("Xóa bài", variant="stop", scale=1, elem_id="rag-remove")
            reembed_btn = gr.Button("Nhúng lại toàn bộ")
            status = gr.Markdown(elem_id="rag-library-status")

        @_guard
        def refresh() -> tuple[Any, ...]:
            """The library and facts tabs anew; a store error shows the banner (and leaves the tabs as they are)."""
            try:
                rows, choices = h.library(a)
                provinces, years = h.fact_filters(a)
                table, path, timeline_fig, map_fig = h.facts_view(a)
            except rag.StoreError as e:
                log.warning("the store failed on refresh: %s", e)
                return (_banner(e), *[gr.skip()] * 8)
            return (
                _banner(None),
                rows,
                gr.Dropdown(choices=choices, value=None),
                table,
                path,
                timeline_fig,
                map_fig,
                gr.Dropdown(choices=provinces, value=h.ALL),
                gr.Dropdown(choices=years, value=h.ALL),
            )

        refreshed = [banner, docs, to_remove, *facts_out, f_province, f_year]

        @_guard
        def on_upload(
            paths: list[str] | None, request: gr.Request | None = None, progress: gr.Progress = gr.Progress()
        ) -> tuple[Any, Any, Any]:
            """The result rows; for a large upload (ingested in the background), also the status line and the
            timer that follows the job."""
            rows, job_id = uploads.start_upload(a, paths, uploads_dir, _progress(progress, a), owner=_session(request))
            if job_id is None:
                return rows, gr.skip(), gr.skip()
            return rows, uploads.background_status(a), gr.Timer(active=True)

        def on_tick(seen: int, request: gr.Request | None = None) -> tuple[Any, ...]:
            """The status line; the rows of this page's jobs that ended (into the results table); the tables anew
            when any job ended since this page last looked; the timer off when there is nothing left to follow."""
            owner = _session(request)
            mine = uploads.take_results(a, owner)  # before the count: a job that ends in between is refreshed for
            ended = uploads.ended_count(a)  # now, and its rows are taken on the next tick (the timer stays on for them)
            tables: tuple[Any, ...] = tuple(gr.skip() for _ in refreshed)
            if ended != seen:
                with contextlib.suppress(gr.Error):  # shown as the banner or on the next action, not every 2 s
                    tables = refresh()
            rows = [r for j in mine for r in uploads.job_rows(j)] if mine else gr.skip()
            return (uploads.background_status(a), rows, ended, _ticking(owner), *tables)

        def on_open(request: gr.Request | None = None) -> tuple[Any, Any, Any]:
            """A page (re)opened: the status line, and the timer on while a job runs or waits."""
            return uploads.background_status(a), uploads.ended_count(a), _ticking(_session(request))

        def _ticking(owner: str | None) -> Any:
            # Read last, after anything slower: an upload that starts a job re-arms the timer after this page's
            # refresh (see files.upload below), so a tick that read the jobs just before cannot leave it off.
            pending = any(j.ended is None or (j.owner == owner and not j.delivered) for j in uploads.jobs(a))
            return gr.Timer(active=pending)

        @_guard
        def on_remove(doc_id: str | None) -> str:
            return h.remove(a, doc_id, uploads_dir, uploads.in_use(a, uploads_dir))

        @_guard
        def on_reembed(progress: gr.Progress = gr.Progress()) -> str:
            return h.reembed(a, _progress(progress, a))

        def on_arm(request: gr.Request | None = None) -> Any:
            return _ticking(_session(request))

        files.upload(on_upload, files, [results, jobs_status, ticker]).then(refresh, None, refreshed).then(
            on_arm, None, ticker, show_progress="hidden"
        )
        ticker.tick(on_tick, ended_seen, [jobs_status, results, ended_seen, ticker, *refreshed], show_progress="hidden")
        demo.load(on_open, None, [jobs_status, ended_seen, ticker])
        # asked in the browser first; declined, the id becomes null and nothing is removed
        confirm = "(doc) => (doc && confirm('Xóa bài này khỏi kho? Tệp đã tải lên của nó cũng bị xóa.')) ? doc : null"
        remove_btn.click(on_remove, to_remove, status, js=confirm).then(refresh, None, refreshed)
        reembed_btn.click(on_reembed, None, status).then(refresh, None, refreshed)
        if not problem:
            demo.load(refresh, None, refreshed)
    return demo


class UploadTypes:
    """ASGI middleware that enforces the library's file types on Gradio's upload route itself (gr.File's
    file_types is only a hint to the browser's file picker). Gradio parses and stores the upload first (its own
    name sanitizing and size limit apply); then the files of another type are deleted and the request is answered
    415 with the reason. Background copies of Gradio's route have run by then: they run before the app returns."""

    def __init__(self, app: ASGIApp, suffixes: tuple[str, ...] = SUPPORTED_SUFFIXES):
        self.app, self.suffixes = app, suffixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not scope["path"].endswith("/upload"):
            return await self.app(scope, receive, send)
        sent: list[Message] = []

        async def keep(message: Message) -> None:
            sent.append(message)

        await self.app(scope, receive, keep)
        paths: Any = None
        if sent and sent[0].get("status") == 200:
            with contextlib.suppress(ValueError):
                paths = json.loads(b"".join(m.get("body", b"") for m in sent[1:]))
        bad = [Path(p) for p in paths if Path(p).suffix.lower() not in self.suffixes] if isinstance(paths, list) else []
        if not bad:
            for message in sent:
                await send(message)
            return
        for p in bad:
            p.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                p.parent.rmdir()  # Gradio's per-upload folder, when nothing else is in it
        log.warning("refused upload of %s", ", ".join(p.name for p in bad))
        reason = "; ".join(f"{p.name}: {h.unsupported_reason(p.name)}" for p in bad)
        await PlainTextResponse(f"Tệp bị từ chối: {reason}", status_code=415)(scope, receive, send)


def serve(
    host: str = "127.0.0.1",
    port: int = 7860,
    assistant: rag.Assistant | None = None,
    block: bool = True,
    say: Callable[[str], None] = lambda line: print(line, flush=True),
) -> gr.Blocks:
    """Build and launch the page (never shared publicly; loopback unless `host` says otherwise). `say` gets the
    start lines: where the data lives (before a first start indexes the seeds, which takes a while), then the URL
    and the number of articles."""
    check_port(host, port)
    a = assistant or rag.get_assistant()
    s = a.settings
    warn_if_open(host, s)
    say(f"opening the store in {Path(s.data_dir).expanduser()} (a first start indexes the bundled seeds: ~20 s)")
    user, _, password = (s.ui_auth or "").partition(":")
    auth: Any = make_auth(user, password) if s.ui_auth else None  # Gradio awaits an async check (hinted as bool)
    demo = build(a)
    demo.queue(default_concurrency_limit=s.ui_concurrency)
    api = Middleware(ApiRoutes, api=build_api(a, login=auth))  # /api and /v1 in the same server, same login
    if block:
        stop_on_sigterm()  # exit handlers run (the CSV export folder is removed)
    # RAG_WATCH's folders and the feeds, while the server runs (a folder that is not there stops it first)
    with background(a) if block else contextlib.nullcontext():
        try:
            demo.launch(
                server_name=host,
                server_port=port,
                share=False,
                auth=auth,
                max_file_size=f"{s.max_file_mb:g}mb",
                css=CSS,
                theme=gr.themes.Default(font=FONTS, font_mono=FONTS),
                i18n=gr.I18n(**{locale: GRADIO_VI for locale in GRADIO_LOCALES}),
                head=f"<script>{PAGE_JS}</script>",
                footer_links=[],  # Gradio's English footer (API page, "Built with Gradio", settings)
                quiet=True,  # Gradio's own start lines ("set `share=True`"); ours says where the page and data are
                prevent_thread_lock=True,  # the start line first; then block below
                show_error=False,
                app_kwargs={"middleware": [Middleware(UploadTypes), api]},
                num_workers=0,  # no static-file worker processes: every upload goes through UploadTypes
            )
        except OSError as e:
            if "empty port" not in str(e):  # Gradio's words when the port was taken between the check and the launch
                raise
            raise rag.ConfigError("ui.port_in_use", port=port, host=host) from None
        with contextlib.suppress(rag.RagError):  # a damaged store: the page shows the banner, the line no count
            count = a.stats()["documents"]
            say(
                f"{demo.local_url} · API {demo.local_url}api/docs · data {Path(s.data_dir).expanduser()} · "
                f"{count} articles · Ctrl-C stops"
            )
        if block:
            demo.block_thread()
    return demo
