"""One writer at a time per data directory: an advisory `flock` on `<data_dir>/write.lock`.

The kernel drops the lock when its process dies (even on SIGKILL), so a crash never leaves a stale lock."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from .errors import StoreLockedError


class WriteLock:
    def __init__(self, path: Path, timeout: float):
        self.path, self.timeout = path, timeout
        self._fd: int | None = None
        self._depth = 0  # re-entrant within one process

    def __enter__(self) -> WriteLock:
        if self._depth == 0:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            deadline = time.monotonic() + self.timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        os.close(fd)
                        raise StoreLockedError(
                            f"another process is writing to {self.path.parent} (waited {self.timeout:g} s; "
                            "RAG_LOCK_TIMEOUT sets how long to wait)"
                        ) from None
                    time.sleep(0.1)
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode())
            self._fd = fd
        self._depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
