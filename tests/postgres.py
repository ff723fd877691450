"""A throwaway PostgreSQL cluster for the tests: initdb'd in a temp dir, on 127.0.0.1 only, one database per test."""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

__all__ = ["PostgresCluster"]


class PostgresCluster:
    """One PostgreSQL server (`start()` ... `stop()`); `new_database()` gives each caller an empty database's URL.

    Speed over durability (fsync, synchronous_commit and full_page_writes off): the data is thrown away anyway."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        # initdb refuses root: as root (this machine, CI) the server runs as Debian's unprivileged `postgres` user
        self.user = "postgres" if os.geteuid() == 0 else None
        self.port = 0
        self.root: Path | None = None
        self._names = itertools.count(1)

    @staticmethod
    def find_bindir() -> Path | None:
        """Where initdb and pg_ctl are: `pg_config --bindir`, else the newest /usr/lib/postgresql/*/bin, else None."""
        dirs = []
        if pg_config := shutil.which("pg_config"):
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
            dirs.append(Path(out.stdout.strip()))
        versions = glob.glob("/usr/lib/postgresql/*/bin")
        dirs += [Path(d) for d in sorted(versions, key=lambda d: int(Path(d).parent.name), reverse=True)]
        return next((d for d in dirs if (d / "initdb").is_file() and (d / "pg_ctl").is_file()), None)

    @property
    def data(self) -> Path:
        assert self.root is not None, "start() first"
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        # pytest's tmp dirs are 0700 root's: the server's user must own its dir (socket and log inside it too)
        self.root = Path(tempfile.mkdtemp(prefix="rag-pg-"))
        if self.user:
            shutil.chown(self.root, self.user, self.user)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        try:
            self._initdb()
            with open(self.data / "postgresql.conf", "a", encoding="utf-8") as conf:
                conf.write(
                    f"listen_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = '{self.root}'\n"
                    "max_connections = 200\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                )
            self._pg_ctl("start")
        except BaseException:
            self.stop()
            raise

    def _initdb(self) -> None:
        for locale in ("C.UTF-8", "C"):  # C.UTF-8 is missing on some systems
            args = ["-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", f"--locale={locale}"]
            done = self._run("initdb", *args, "--no-sync")
            if done.returncode == 0:
                return
            shutil.rmtree(self.data, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {done.stdout}{done.stderr}")

    def _pg_ctl(self, action: str, *args: str) -> None:
        # -l in every call that starts the server: otherwise it would inherit (and hold open) our output pipes
        assert self.root is not None
        log = self.root / "postgres.log"
        done = self._run("pg_ctl", action, "-D", str(self.data), "-w", "-l", str(log), *args)
        if done.returncode != 0:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"pg_ctl {action} failed: {done.stdout}{done.stderr}\n{tail}")

    def _run(self, exe: str, *args: str) -> subprocess.CompletedProcess[str]:
        # cwd: the server's user may not be allowed into the caller's working directory
        return subprocess.run(
            [str(self.bindir / exe), *args],
            capture_output=True,
            text=True,
            check=False,
            cwd=self.root,
            timeout=60,
            user=self.user,
            group=self.user,
            extra_groups=[] if self.user else None,
        )

    def restart(self) -> None:
        self._pg_ctl("restart", "-m", "fast")

    def stop(self) -> None:
        if self.root is None:
            return
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w")
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def new_database(self) -> str:
        name = f"t{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)
