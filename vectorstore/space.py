"""Room on the data dir's disk: a write is refused before it starts when little is left, and a failure of SQLite or
local Chroma is said to be a full disk when it is one.

Why refuse early: local Chroma (1.5) answers a full disk mid-write with an opaque "Error in compaction", and its
client then hangs on the next write even after space is freed (`VectorIndex` reopens it after a failure); a write
that never starts leaves nothing to clean. The margin covers a document's write (SQLite's WAL, Chroma's log and a
flush of its HNSW files); a disk filled by someone else during the write is still caught, by the errors below."""

from __future__ import annotations

import errno
import shutil
import sqlite3
from pathlib import Path

from .errors import StoreError

__all__ = ["MIN_FREE", "ensure_room", "full_disk"]

MIN_FREE = 64 * 2**20  # bytes the data dir's disk must have free before a write starts
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_SQLITE_FULL, _SQLITE_IOERR = 13, 10  # result codes (sqlite3 names them from Python 3.11 only)


def _free(path: Path) -> int | None:
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return None


def ensure_room(path: Path) -> None:
    """Refuse (`store.low_space`) a write on `path`'s disk while it has less than `MIN_FREE` free: nothing written."""
    free = _free(path)
    if free is not None and free < MIN_FREE:
        raise StoreError("store.low_space", path=path, free=_mb(free), need=_mb(MIN_FREE))


def full_disk(path: Path, e: BaseException) -> StoreError | None:
    """`e`, a failure writing under `path`, as `store.disk_full` when the disk is full: the OS's or SQLite's code
    says so, or the error names no cause (Chroma's, SQLite's I/O error) while the disk has less than `MIN_FREE`
    left. Else None (a SQLite error that names another cause is not taken for a full disk)."""
    code = getattr(e, "sqlite_errorcode", None)  # Python 3.11+; its words before
    named = (isinstance(e, OSError) and e.errno in _FULL_ERRNOS) or (
        code == _SQLITE_FULL if code is not None else "database or disk is full" in str(e)
    )
    vague = not isinstance(e, sqlite3.Error) or (
        code & 0xFF == _SQLITE_IOERR if code is not None else "disk i/o error" in str(e).lower()
    )
    free = _free(path)
    if not named and (not vague or free is None or free >= MIN_FREE):
        return None
    detail = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return StoreError("store.disk_full", path=path, free=_mb(free or 0), detail=detail)


def _mb(n: int) -> float:
    return round(n / 2**20, 1)
