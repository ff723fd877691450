"""The catalog in PostgreSQL (`RAG_DATABASE_URL`), for replicas on several machines: the same tables as SQLite's, a
lexical index of its own that ranks as FTS5 does, advisory locks in place of lock files.

Lexical index: `lexicon` (a chunk row's tokens, space-joined, and their number) and `postings` (term, generation,
chunk row, term frequency). BM25 is FTS5's own formula (k1 1.2, b 0.75, idf log((N - n + 0.5) / (n + 0.5)) floored
at 1e-6, N and the mean length over the serving generation), so both backends give the same scores. The rows of a
generation being built carry their generation and are simply not the serving one's: nothing is staged apart.

Every replica reads the same rows; what a process keeps between questions is keyed by meta `writes`, the store's
count of committed writes, read from the database (a commit on another machine changes it). psycopg 3 with a
connection pool, imported here only: SQLite users need neither."""

from __future__ import annotations

import logging
import math
import os
import shutil
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from wording import Message

from .catalog import _GEN, BaseCatalog
from .errors import StoreError, StoreLockedError, StoreUnavailableError
from .lock import WriteLock

__all__ = ["PgCatalog", "PgLock", "describe_url", "side_transaction"]

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, source TEXT NOT NULL UNIQUE, title TEXT NOT NULL, url TEXT, date TEXT,
    metadata TEXT NOT NULL DEFAULT '{}', text TEXT NOT NULL, n_chunks INTEGER NOT NULL,
    added_at DOUBLE PRECISION NOT NULL);
CREATE INDEX IF NOT EXISTS documents_added ON documents(added_at, source);
CREATE TABLE IF NOT EXISTS chunks (
    rowid BIGSERIAL PRIMARY KEY, chunk_id TEXT NOT NULL, gen INTEGER NOT NULL DEFAULT 0,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    idx INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, UNIQUE (gen, chunk_id));
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE TABLE IF NOT EXISTS lexicon (
    rowid BIGINT PRIMARY KEY REFERENCES chunks(rowid) ON DELETE CASCADE, gen INTEGER NOT NULL,
    terms TEXT NOT NULL, len INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS lexicon_gen ON lexicon(gen);
CREATE TABLE IF NOT EXISTS postings (
    term TEXT NOT NULL, gen INTEGER NOT NULL, rowid BIGINT NOT NULL REFERENCES chunks(rowid) ON DELETE CASCADE,
    tf INTEGER NOT NULL, PRIMARY KEY (term, gen, rowid));
CREATE INDEX IF NOT EXISTS postings_row ON postings(rowid);
CREATE TABLE IF NOT EXISTS facts (
    record_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS facts_doc ON facts(doc_id);
CREATE TABLE IF NOT EXISTS journal (
    id BIGSERIAL PRIMARY KEY, op TEXT NOT NULL, chunk_ids TEXT NOT NULL, at DOUBLE PRECISION NOT NULL);
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)
"""
# version -> the statements that move a catalog of version - 1 to it (none yet: version 1 is the first)
MIGRATIONS: dict[int, str] = {}
_MIGRATION_LOCK = "rag:migrate"  # the advisory lock two replicas starting at once take turns on
K1, B = 1.2, 0.75  # FTS5's bm25() defaults
RECONNECT_EVERY = 1.0  # seconds between the pool's attempts to reach a server that went away


def _psycopg() -> Any:
    try:
        import psycopg
        import psycopg_pool  # noqa: F401 - checked here, used by PgCatalog
    except ImportError:
        raise StoreError("store.postgres_missing") from None
    return psycopg


@lru_cache(maxsize=1)
def _pool_class() -> Any:
    """psycopg_pool's pool, its reconnection attempts at most `RECONNECT_EVERY` apart: its own wait doubles without
    bound (1, 2, 4 ... s), so after a minute's outage a server back up went unused for half a minute (every request
    failed as unreachable meanwhile); its warnings sparse."""
    from psycopg_pool import ConnectionPool
    from psycopg_pool.pool import AddConnection

    logging.getLogger("psycopg.pool").addFilter(_SPARSE)

    class Pool(ConnectionPool):
        def schedule_task(self, task: Any, delay: float) -> None:
            super().schedule_task(task, min(delay, RECONNECT_EVERY) if isinstance(task, AddConnection) else delay)

    return Pool


def _pool(url: str, name: str, size: tuple[int, int], timeout: float, open: bool) -> Any:
    """A pool of autocommit connections with `_rows`; one broken by a server restart is replaced when handed out,
    and a server that went away is waited for `timeout` seconds before a request fails."""
    pool = _pool_class()
    return pool(
        url,
        min_size=size[0],
        max_size=size[1],
        kwargs={"autocommit": True, "row_factory": _rows, "connect_timeout": max(1, int(timeout))},
        check=pool.check_connection,
        timeout=timeout,
        open=open,
        name=name,
    )


def _error(e: BaseException, where: str) -> StoreError:
    """psycopg's error as the store's: a refused login or database, an unreachable server (psycopg_pool's timeout
    among them: an OperationalError), a refused constraint, or a failure of the server."""
    import psycopg

    detail = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    if isinstance(e, psycopg.errors.IntegrityError):
        return StoreError("store.catalog_refused", path=where, detail=detail)
    refused = ("password authentication failed", "does not exist", "no pg_hba.conf entry")
    if isinstance(e, psycopg.OperationalError) and any(r in detail for r in refused):  # reached, and refused
        return StoreError("store.database_refused", where=where, detail=detail.split("FATAL:")[-1].strip())
    if isinstance(e, psycopg.OperationalError | psycopg.InterfaceError):
        return StoreUnavailableError("store.unreachable", where=where, detail=detail)
    return StoreError("store.database_failed", where=where, detail=detail)


class _Sparse(logging.Filter):
    """psycopg_pool's warnings, the same one at most once a minute: a pool waiting for a server that is down tries
    every second and says so each time (an idle replica's log filled with them)."""

    def __init__(self) -> None:
        super().__init__()
        self._last: dict[str, float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = str(record.msg)[:40]
        if time.monotonic() - self._last.get(key, -1e9) < 60:
            return False
        self._last[key] = time.monotonic()
        return True


_SPARSE = _Sparse()


def _sql(sql: str) -> str:
    """The catalog's portable SQL for psycopg: '?' placeholders become '%s' (a literal '%' is doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


def _key(name: str) -> str:
    return f"rag:{name}"


class _Row(tuple):
    """A row indexable by position and by column name, and `dict(row)`-able, as sqlite3.Row."""

    _names: tuple[str, ...]

    def __getitem__(self, key: Any) -> Any:
        return super().__getitem__(self._names.index(key) if isinstance(key, str) else key)

    def keys(self) -> tuple[str, ...]:
        return self._names


@lru_cache(maxsize=256)
def _row_class(names: tuple[str, ...]) -> type[_Row]:
    return type("Row", (_Row,), {"_names": names})  # (once per column list, not once per query)


def _rows(cursor: Any) -> Any:
    """psycopg row factory: `_Row`s named after the cursor's columns."""
    return _row_class(tuple(c.name for c in cursor.description or ()))


class _Tx:
    """A transaction's handle: `execute` and `executemany` with '?' placeholders, as sqlite3's connection."""

    def __init__(self, conn: Any):
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(_sql(sql), params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self.conn.cursor() as cur:
            cur.executemany(_sql(sql), rows)


def describe_url(url: str) -> str:
    """The database for people and logs, in no language: `PostgreSQL user@host:port/db`, never its password."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        info = conninfo_to_dict(url)
    except Exception:
        return "PostgreSQL (RAG_DATABASE_URL)"
    user = f"{info['user']}@" if info.get("user") else ""
    return f"PostgreSQL {user}{info.get('host', 'localhost')}:{info.get('port', 5432)}/{info.get('dbname', '')}"


class PgCatalog(BaseCatalog):
    shared = True

    def __init__(self, url: str, pool_size: int = 10, connect_timeout: float = 10.0):
        super().__init__()
        psycopg = _psycopg()
        self.url, self.path = url, describe_url(url)
        self._psycopg = psycopg
        self._pool = _pool(url, "rag-catalog", (1, pool_size), connect_timeout, open=False)
        try:
            # one connection first, outside the pool, which would retry a refused login until its timeout
            psycopg.connect(url, connect_timeout=max(1, int(connect_timeout))).close()
            self._pool.open(wait=True, timeout=connect_timeout)
        except Exception as e:
            self._pool.close()
            raise self._error(e) from None
        self._migrate()

    def _error(self, e: BaseException) -> StoreError:
        return _error(e, self.path)

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        try:
            with self._pool.connection() as conn:
                yield conn
        except StoreError:
            raise
        except self._psycopg.Error as e:  # (psycopg_pool's PoolTimeout is an OperationalError)
            raise self._error(e) from None

    def _migrate(self) -> None:
        """Create or move the schema, once: replicas starting together wait on one advisory lock."""
        with self._connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (_MIGRATION_LOCK,))
            exists = conn.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()[0]
            row = conn.execute("SELECT max(version) FROM schema_version").fetchone() if exists else None
            version = row[0] if row and row[0] is not None else 0
            if version > SCHEMA_VERSION:
                raise StoreError("store.schema_newer", path=self.path, version=version, supported=SCHEMA_VERSION)
            if version == SCHEMA_VERSION:
                return
            scripts = [SCHEMA] if version == 0 else [MIGRATIONS[v] for v in range(version + 1, SCHEMA_VERSION + 1)]
            for statement in (st for script in scripts for st in script.split(";\n") if st.strip()):
                conn.execute(statement)
            conn.execute("DELETE FROM schema_version")
            conn.execute("INSERT INTO schema_version VALUES (%s)", (SCHEMA_VERSION,))
            log.info("catalog schema %d -> %d in %s", version, SCHEMA_VERSION, self.path)

    def close(self) -> None:
        self._pool.close()

    @contextmanager
    def transaction(self) -> Iterator[_Tx]:
        """One transaction on a pooled connection: committed at the end, rolled back on any error."""
        try:
            with self._connection() as conn, conn.transaction():
                yield _Tx(conn)
        finally:
            self._transactions += 1

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """One read. A read whose connection the server dropped while it ran (a restart: "terminating connection due
        to administrator command") is tried once more on another connection, which the pool waits for up to its
        timeout: a question in flight across a restart is answered, not failed."""
        try:
            with self._pool.connection() as conn:
                return conn.execute(_sql(sql), params).fetchall()
        except self._psycopg.OperationalError as e:
            if type(e).__name__ == "PoolTimeout":  # no connection for the pool's whole timeout: not a second wait
                raise self._error(e) from None
            log.info("a read lost its connection to %s (%s); trying it again", self.path, str(e).strip())
        with self._connection() as conn:
            return conn.execute(_sql(sql), params).fetchall()

    def _changes(self) -> int:
        return int(self.get_meta("writes") or 0)

    def quick_check(self) -> list[str]:
        """PostgreSQL keeps its own pages sound; what can fail here is reaching it (raised as unreachable)."""
        self._query("SELECT 1")
        return []

    def backup(self, dest: Path) -> None:
        """`pg_dump` of the catalog's database into `dest` (its custom format: `pg_restore` reads it back)."""
        exe = shutil.which("pg_dump")
        if exe is None:
            raise StoreError("store.pg_dump_missing", where=self.path)
        from psycopg.conninfo import conninfo_to_dict, make_conninfo

        # the password through the environment, never on the command line (`ps` shows that to every local user)
        info = conninfo_to_dict(self.url)
        env = {**os.environ, **({"PGPASSWORD": str(info.pop("password"))} if info.get("password") else {})}
        done = subprocess.run(
            [exe, "--format=custom", "--no-owner", f"--file={dest}", f"--dbname={make_conninfo('', **info)}"],
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )
        if done.returncode:
            detail = (done.stderr.strip() or "?").splitlines()[-1]
            raise StoreError("store.pg_dump_failed", where=self.path, detail=detail)

    def lock(self, name: str, timeout: float) -> PgLock:
        return PgLock(self.url, name, timeout, self.path)

    # --- the lexical index: postings with FTS5's BM25 -----------------------------------------------------------
    def _index(self, db: Any, rowid: int, gen: int, terms: str, staged: bool) -> None:
        tokens = terms.split()  # (FTS5's unicode61 splits the folded terms the same way)
        db.execute(
            "INSERT INTO lexicon(rowid, gen, terms, len) VALUES (?, ?, ?, ?)",
            (rowid, gen, " ".join(tokens), len(tokens)),
        )
        with db.conn.cursor().copy("COPY postings (term, gen, rowid, tf) FROM STDIN") as copy:
            for term, tf in Counter(tokens).items():
                copy.write_row((term, gen, rowid, tf))

    def _unindex(self, db: Any, where: str, params: Sequence[Any]) -> None:
        """Nothing to do: the lexical rows go with their chunk rows (ON DELETE CASCADE)."""

    def _serve_lexical(self, db: Any, gen: int) -> None:
        """Nothing to do: the rows of `gen` are in the index already, those of the others go with their chunks."""

    def _term_chunks(self, terms: list[str]) -> dict[str, int]:
        rows = self._query(
            f"SELECT term, count(*) FROM postings WHERE gen = {_GEN} AND term = ANY(?) GROUP BY term", (terms,)
        )
        return {r[0]: r[1] for r in rows}

    def _lengths(self) -> tuple[int, float]:
        """(serving chunks in the index, their mean number of tokens): BM25's N and average length."""

        def read() -> tuple[int, float]:
            row = self._query(f"SELECT count(*), coalesce(avg(len), 0) FROM lexicon WHERE gen = {_GEN}")[0]
            return int(row[0]), float(row[1])

        return self._kept_value("lengths", read)

    def lexical_search(self, terms: Sequence[str], limit: int) -> list[tuple[str, float]]:
        if not terms:
            return []
        n, mean = self._lengths()
        freqs = self.doc_freqs(terms)
        idf = {t: max(math.log((n - freqs[t] + 0.5) / (freqs[t] + 0.5)), 1e-6) for t in terms if t in freqs}
        if not idf or mean <= 0:
            return []
        names, weights = list(idf), [idf[t] for t in idf]
        rows = self._query(
            "SELECT c.chunk_id, s.score FROM (SELECT p.rowid, "
            f"sum(q.idf * p.tf * {K1 + 1} / (p.tf + {K1} * ({1 - B} + {B} * l.len / ?))) AS score "
            "FROM unnest(?::text[], ?::float8[]) AS q(term, idf) "
            f"JOIN postings p ON p.term = q.term AND p.gen = {_GEN} JOIN lexicon l ON l.rowid = p.rowid "
            "GROUP BY p.rowid ORDER BY score DESC LIMIT ?) s JOIN chunks c ON c.rowid = s.rowid ORDER BY s.score DESC",
            (mean, names, weights, limit),
        )
        return [(r[0], float(r[1])) for r in rows]

    def phrase_found(self, terms: Sequence[str]) -> bool:
        """The rarest term's posting list, each row's tokens searched for the phrase (tokens are space-joined)."""
        if not terms:
            return False
        freqs = self.doc_freqs(terms)
        if any(t not in freqs for t in terms):
            return False
        rarest = min(terms, key=lambda t: freqs[t])
        rows = self._query(
            f"SELECT 1 FROM postings p JOIN lexicon l ON l.rowid = p.rowid WHERE p.term = ? AND p.gen = {_GEN} "
            "AND strpos(' ' || l.terms || ' ', ?) > 0 LIMIT 1",
            (rarest, " " + " ".join(terms) + " "),
        )
        return bool(rows)

    def facts_version(self) -> tuple[int, int]:
        """(fact records, the store's write count): any replica's commit moves the second."""

        def read() -> tuple[int, int]:
            return int(self._query("SELECT count(*) FROM facts")[0][0]), int(self._stamp()[0])

        return self._kept_value("facts", read)


class PgLock(WriteLock):
    """A `WriteLock` whose cross-process part is a PostgreSQL session advisory lock, held on a connection of its
    own (kept between holds: a write takes it again without connecting): every machine using the database waits on
    it, and the server drops it when its holder's connection ends (a process killed, even with SIGKILL, or its
    machine gone: once TCP keepalive notices). A server restarting is waited for up to the lock's timeout."""

    def __init__(self, url: str, name: str, timeout: float, where: str):
        super().__init__(Path(name), timeout)
        self.url, self.name, self.where = url, name, where
        self._conn: Any = None  # the session, used only by the thread that holds `_thread`

    def _session(self) -> Any:
        if self._conn is None or self._conn.closed:
            psycopg = _psycopg()
            try:
                self._conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10, keepalives_idle=30)
            except psycopg.Error as e:
                raise StoreUnavailableError("store.unreachable", where=self.where, detail=str(e).strip()) from None
        return self._conn

    def _call(self, function: str) -> bool:
        """pg_try_advisory_lock or pg_advisory_unlock on the session; a session that broke (a server restart) is
        closed, so that the next call makes a new one."""
        psycopg = _psycopg()
        conn = self._session()
        try:
            return bool(conn.execute(f"SELECT {function}(hashtext(%s))", (_key(self.name),)).fetchone()[0])
        except psycopg.OperationalError as e:
            conn.close()
            raise StoreUnavailableError("store.unreachable", where=self.where, detail=str(e).strip()) from None

    def _take(self, deadline: float, timeout: float) -> None:
        while True:
            try:
                if self._call("pg_try_advisory_lock"):
                    return
                busy: StoreError = self._busy(Message("store.another_process"), timeout)
            except StoreUnavailableError as e:
                busy = e
            if time.monotonic() >= deadline:
                log.warning("gave up waiting for lock %s of %s after %g s: %s", self.name, self.where, timeout, busy)
                raise busy
            time.sleep(0.1)

    def _drop(self) -> None:
        try:
            self._call("pg_advisory_unlock")
        except StoreUnavailableError:
            pass  # a broken session has lost the lock already

    def verify(self) -> None:
        """The session that took the lock is alive (then it still holds it): a server restart ends it, and with it
        the lock, which another machine may have taken since."""
        psycopg = _psycopg()
        conn = self._conn
        try:
            if conn is None or conn.closed:
                raise psycopg.OperationalError("the connection that held it is closed")
            conn.execute("SELECT 1")
        except psycopg.OperationalError as e:
            if conn is not None:
                conn.close()
            detail = f"the write lock was lost with its connection ({str(e).strip()})"
            raise StoreUnavailableError("store.unreachable", where=self.where, detail=detail) from None

    def _probe(self) -> bool:
        if not self._call("pg_try_advisory_lock"):
            return True
        self._call("pg_advisory_unlock")
        return False

    def _busy(self, who: Message, timeout: float) -> StoreLockedError:
        return StoreLockedError("store.locked", who=who, path=self.where, seconds=timeout)


_side_pools: dict[str, Any] = {}
_side_pools_lock = threading.Lock()


@contextmanager
def side_transaction(url: str) -> Iterator[_Tx]:
    """One transaction for a side file's tables (the feeds') in the catalog's database, on a small pool of its own
    per database (side files are used without opening the store)."""
    psycopg = _psycopg()
    with _side_pools_lock:
        if url not in _side_pools:
            _side_pools[url] = _pool(url, "rag-side", (0, 4), 10, open=True)
        pool = _side_pools[url]
    try:
        with pool.connection() as conn, conn.transaction():
            yield _Tx(conn)
    except psycopg.OperationalError as e:  # (the pool's timeout among them)
        raise _error(e, describe_url(url)) from None
