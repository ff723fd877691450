"""One writer at a time per data directory, across processes and threads (across machines: `postgres.PgLock`).

Processes: an advisory `flock` on `<data_dir>/write.lock`; the kernel drops it when its process dies (even on
SIGKILL), so a crash never leaves a stale lock. Threads: a re-entrant thread lock taken first, so two threads of one
process (two uploads on the chat page) never write together, while one thread may nest writers. A wait is bounded
(`timeout`, then StoreLockedError) and logged once it took a second or more, with the holder's pid."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
import time
from pathlib import Path

from wording import Message

from .errors import StoreError, StoreLockedError

log = logging.getLogger(__name__)
LOGGED_WAIT = 1.0  # seconds: a wait this long is worth an operator's line (a write holds the lock ~10-300 ms)


def _holder(fd: int) -> str:
    """The pid the holder wrote into the lock file ("?" when unreadable)."""
    with contextlib.suppress(OSError):
        return os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
    return "?"


class WriteLock:
    def __init__(self, path: Path, timeout: float):
        self.path, self.timeout = path, timeout
        self._fd: int | None = None
        self._depth = 0  # nesting of the owning thread (only the owner of `_thread` touches it)
        self._thread = threading.RLock()

    def acquire(self, timeout: float | None = None) -> None:
        """Wait up to `timeout` seconds (default: the lock's own) for the write lock."""
        timeout = self.timeout if timeout is None else timeout
        start = time.monotonic()
        deadline = start + timeout
        if not self._thread.acquire(timeout=max(timeout, 0)):
            raise self._busy(Message("store.another_thread"), timeout)
        try:
            if self._depth == 0:
                self._take(deadline, timeout)
            self._depth += 1
            if (waited := time.monotonic() - start) >= LOGGED_WAIT:
                log.info("waited %.1f s for the write lock of %s", waited, self.path.parent)
        except BaseException:
            self._thread.release()
            raise

    # the cross-process part, for the lock's first holder in this process: a lock file here, an advisory lock in a
    # database for `postgres.PgLock`
    def _take(self, deadline: float, timeout: float) -> None:
        self._fd = self._flock(deadline, timeout)

    def _drop(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def _probe(self) -> bool:
        """Whether another process holds it (probed without waiting, and without writing: the file keeps its
        holder's pid, and a check of a store writes nothing)."""
        try:
            fd = os.open(self.path, os.O_RDWR)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # (which releases a lock it got)
        return False

    def _flock(self, deadline: float, timeout: float) -> int:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise StoreError("store.data_dir_unusable", path=self.path.parent, detail=e.strerror or str(e)) from None
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    log.warning(
                        "gave up waiting for the write lock of %s after %g s (held by pid %s)",
                        self.path.parent,
                        timeout,
                        _holder(fd),
                    )
                    os.close(fd)
                    raise self._busy(Message("store.another_process"), timeout) from None
                time.sleep(0.1)
        with contextlib.suppress(OSError):  # the holder's pid, for people; a full disk must not leave the lock held
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode())
        return fd

    def _busy(self, who: Message, timeout: float) -> StoreLockedError:
        return StoreLockedError("store.locked", who=who, path=self.path.parent, seconds=timeout)

    def verify(self) -> None:
        """Raise unless this process still holds the lock it took (a file lock cannot be lost; a database's is lost
        with its session, when the server restarts)."""

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._drop()
        self._thread.release()

    def busy(self) -> bool:
        """Whether another thread or process holds the lock now."""
        if not self._thread.acquire(blocking=False):
            return True
        try:
            return False if self._depth else self._probe()  # (held by this thread: not busy for it)
        finally:
            self._thread.release()

    def __enter__(self) -> WriteLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
