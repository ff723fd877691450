"""Watched folders (`rag watch`, RAG_WATCH): files that appear or change in them are ingested, deleted ones removed.

Changes come from watchdog's native observer (inotify, FSEvents, ReadDirectoryChangesW), or from polling where that
cannot start. They are debounced per path: an editor's several writes or a slow copy make one ingest, once the path
has been quiet for `debounce` seconds.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from wording import Message

from ..assistant import Assistant
from ..errors import ConfigError, IngestAbortedError, RagError
from ..indexing.loaders import SUPPORTED_SUFFIXES
from ..results import IngestReport

__all__ = ["Watcher"]

log = logging.getLogger("rag.sources.watch")

# Not "opened" or "closed_no_write" (ingest's own reads would come back as changes), nor "attrib" (touch, chmod).
_CHANGES = ("created", "modified", "closed", "moved", "deleted")
_RECORD = re.compile(r"(.+)#\d+")  # "<file>#N": the N-th record of a .json/.jsonl file
_MAX_RETRY = 60.0  # seconds between two tries of a batch that keeps failing (a store down for long)


def _folder(path: str | Path) -> Path:
    p = Path(path).expanduser()
    if not p.is_dir():
        why = Message("sources.not_folder" if p.exists() else "sources.no_such_folder")
        raise ConfigError("sources.cannot_watch", path=p, why=why)
    return p.resolve()


def _file_of(source: str) -> Path:
    record = _RECORD.fullmatch(source)
    return Path(record.group(1) if record else source)


def _log(report: IngestReport) -> None:
    for r in report.results:
        if r.status == "rejected":
            log.warning("rejected %s: %s", r.source, r.reason)
        elif r.status == "unchanged" and r.reason:  # a new file with the text of another: stored once, under that
            log.info("unchanged %s (%s)", r.source, r.reason)
        elif r.status == "unchanged":  # the catch-up pass meets every stored file again
            log.debug("unchanged %s", r.source)
        else:
            log.info("%s %s (%d chunk%s)", r.status, r.source, r.chunks, "s" * (r.chunks != 1))


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: Watcher):
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in _CHANGES or (event.is_directory and event.event_type == "modified"):
            return  # a folder is "modified" by every change of its entries, which come as their own events
        paths = (Path(os.fsdecode(p)) for p in (event.src_path, event.dest_path) if p)
        self.watcher._queue([p for p in paths if self.watcher._wanted(p, event.is_directory)], self.watcher.debounce)


class Watcher:
    """Keeps the store in step with folders. `start` runs a catch-up pass first (ingests what the folders hold, which
    is quick for files already stored, and removes the documents whose file is gone), then acts on every change once
    its path has been quiet for `debounce` seconds: one `Assistant.ingest` per quiet period, one log line per file on
    the `rag.sources.watch` logger. A batch that fails (store locked or unreachable) is logged and tried again on the
    path's next change or after `retry` seconds (doubling while it keeps failing); the watcher never stops by itself.

    `stop` returns at once; the batch in progress, if any, finishes (its threads are daemons, and each document is
    written whole, so a process may also exit meanwhile). Usable as a context manager."""

    def __init__(
        self,
        assistant: Assistant,
        dirs: str | Path | Iterable[str | Path],
        debounce: float = 1.0,
        polling: bool = False,
        retry: float = 5.0,
    ):
        """Raises ConfigError for a folder that does not exist or is not a folder."""
        self.assistant, self.debounce, self.retry = assistant, debounce, retry
        self.dirs = list(dict.fromkeys(map(_folder, [dirs] if isinstance(dirs, (str, Path)) else dirs)))
        if not self.dirs:
            raise ConfigError("sources.no_folder")
        self.polling = polling  # set by `start` when the native observer cannot start
        self._pending: dict[Path, float] = {}  # path -> when it is due (time.monotonic)
        self._wake = threading.Condition()
        self._stopping = False
        self._observer: BaseObserver | None = None
        self._worker = threading.Thread(target=self._run, name="rag-watch", daemon=True)

    def start(self) -> None:
        """Returns at once: the catch-up pass runs in the watcher's own thread, as the changes do."""
        self._observer = self._observe()
        self._queue(self.dirs, 0)  # after the observer started: a change made meanwhile is seen by one or the other
        self._worker.start()

    def stop(self) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify()
        if self._observer is not None:
            self._observer.stop()

    def join(self, timeout: float | None = None) -> None:
        """Wait until stopped (by `stop` from another thread or a signal handler)."""
        if self._observer is not None:
            self._observer.join(timeout)
        self._worker.join(timeout)

    def __enter__(self) -> Watcher:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
        self.join()

    def _observe(self) -> BaseObserver:
        if not self.polling:
            observer = Observer()
            try:
                return self._started(observer)
            except OSError as e:  # inotify's watch or instance limit, a file system without change events
                observer.stop()
                log.warning("no file change events (%s); polling the watched folders every second instead", e)
                self.polling = True
        return self._started(PollingObserver())

    def _started(self, observer: BaseObserver) -> BaseObserver:
        handler = _Handler(self)
        for d in self.dirs:
            observer.schedule(handler, str(d), recursive=True)
        observer.start()
        return observer

    def _wanted(self, path: Path, is_dir: bool) -> bool:
        """Folders, and files of a supported type; nothing hidden (".x.part" that an uploader renames when done,
        an editor's swap file) and no Word lock file ("~$x.docx"). Temporary names ("x.md~", "x.md.part") are not
        of a supported type."""
        root = next((d for d in self.dirs if path.is_relative_to(d)), None)
        if root is None or any(part.startswith(".") for part in path.relative_to(root).parts):
            return False
        return is_dir or (path.suffix.lower() in SUPPORTED_SUFFIXES and not path.name.startswith("~$"))

    def _queue(self, paths: Iterable[Path], delay: float) -> None:
        with self._wake:
            due = time.monotonic() + delay
            self._pending.update(dict.fromkeys(paths, due))
            self._wake.notify()

    def _next_batch(self) -> list[Path]:
        """The paths that are due, once some are; empty when stopped."""
        with self._wake:
            while not self._stopping:
                now = time.monotonic()
                due = [p for p, t in self._pending.items() if t <= now]
                if due:
                    for p in due:
                        del self._pending[p]
                    return due
                self._wake.wait(min(self._pending.values()) - now if self._pending else None)
        return []

    def _run(self) -> None:
        failures = 0
        while batch := self._next_batch():
            try:
                self._process(batch)
                failures = 0
            except Exception as e:  # store locked or unreachable, a disk error, a bug: this batch waits, others go on
                failures += 1
                delay = min(self.retry * 2 ** (failures - 1), _MAX_RETRY)
                why = str(e) if isinstance(e, RagError) else f"{type(e).__name__}: {e}"
                log.error("could not take in %d changed paths (%s); trying again in %.3g s", len(batch), why, delay)
                with self._wake:  # a path changed meanwhile is already queued, sooner
                    due = time.monotonic() + delay
                    for p in batch:
                        self._pending.setdefault(p, due)

    def _process(self, paths: list[Path]) -> None:
        # Removals first: a renamed file's text is still stored under its old name, and ingest would call the new
        # name "unchanged, same content as" the old one, which is then removed.
        self._remove([d for d in self._stored(paths) if not _file_of(d["source"]).exists()])
        present = [p for p in paths if p.exists()]
        if not present:
            return
        try:
            report = self.assistant.ingest(present)
        except IngestAbortedError as e:
            _log(e.report)  # what was done before the store failed
            raise
        _log(report)
        seen = {r.source for r in report.results}
        current = {r.source for r in report.results if not (r.status == "unchanged" and r.reason)}
        as_records = {_file_of(s) for s in seen if _RECORD.fullmatch(s)}
        # Left by ingest: a record its file no longer has; the old text of a file that now holds another's
        self._remove(
            [
                d
                for d in self._stored(present)
                if d["source"] not in current and (d["source"] in seen or _file_of(d["source"]) in as_records)
            ]
        )

    def _stored(self, paths: list[Path]) -> list[dict[str, Any]]:
        """The stored documents whose file is one of `paths` or lies under one."""
        return [d for d in self.assistant.documents() if any(_file_of(d["source"]).is_relative_to(p) for p in paths)]

    def _remove(self, docs: list[dict[str, Any]]) -> None:
        for d in docs:
            self.assistant.remove(d["doc_id"])
            log.info("removed %s", d["source"])
