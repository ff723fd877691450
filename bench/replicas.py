"""Three `rag api` replicas on one PostgreSQL catalog and one Chroma server, under load and faults (issue 24).

Real processes on 127.0.0.1 only:
- one PostgreSQL (tests/postgres.py's PostgresCluster), one `chroma run` server, and three `rag api` replicas A, B,
  C, each with its own RAG_DATA_DIR and the same RAG_DATABASE_URL, RAG_CHROMA_HOST/PORT and RAG_COLLECTION; the
  store starts with the bundled seeds (`rag ingest seeds/`);
- `--clients` threads ask the dev set's questions through POST /api/ask, spread over the replicas (a replica marked
  down, while it is killed and started again, is skipped, as a load balancer's health check would);
- meanwhile the dev corpus is uploaded to replica A (POST /api/documents, all files in one request); A is sent
  SIGKILL once part of it is stored, started again, and the same files uploaded again (the stored ones come back
  unchanged, the rest are added); PostgreSQL is restarted (`pg_ctl restart -m fast`); then `rag reindex` runs as
  another process with the same settings;
- then: the catalog's documents against the corpus's files (none lost, none doubled); `rag check`; a new article
  uploaded to A and a question only it answers asked of B at once; every replica asked all the dev questions, the
  answers compared (text, found, mode, citations' source, span and quote).

    python bench/replicas.py [--seconds 240] [--clients 20] [--keep]

The product's default embedder (RAG_EMBEDDER to change it). Needs ../shared/data/inspections-dev and PostgreSQL's
initdb/pg_ctl (`apt-get install postgresql`). Writes bench/results/replicas.json; exit 1 on an unexpected failed
request, a lost or doubled document, a failed check or replicas that disagree.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent
DEV = ROOT.parent / "shared" / "data" / "inspections-dev"
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(HERE.parent))

from common import bench_embedder, save, table  # noqa: E402

# An article no other file covers (a province no dev or seed article names), for the read-your-write check
NEW_NAME = "z01_tuyen_quang_doan_so_12.txt"
NEW_ARTICLE = """# title = Đoàn kiểm tra số 12 làm việc tại Tuyên Quang
# date = 2025-11-18
# synthetic = true

Sáng 18/11/2025, Đoàn kiểm tra số 12 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương do đồng chí Mạc Văn Thuyên, \
Phó Trưởng ban Nội chính Trung ương làm Trưởng đoàn đã công bố quyết định kiểm tra Ban Thường vụ Tỉnh ủy Tuyên Quang \
về việc thực hiện Quy định 58-QĐ/TW của Bộ Chính trị. Đoàn làm việc tại Tuyên Quang trong 5 ngày.
"""
NEW_QUESTION = "Ai là Trưởng đoàn kiểm tra tại Tuyên Quang?"
NEW_LEADER = "Mạc Văn Thuyên"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _p(xs: list[float], q: int) -> float:
    return statistics.quantiles(xs, n=100)[q - 1] if len(xs) > 1 else (xs[0] if xs else float("nan"))


class Replicas:
    def __init__(self, work: Path, clients: int, seconds: float):
        import httpx
        from postgres import PostgresCluster

        self.work, self.n_clients, self.seconds = work, clients, seconds
        self.logs = work / "logs"
        self.logs.mkdir(parents=True)
        bindir = PostgresCluster.find_bindir()
        if bindir is None:
            raise SystemExit("no PostgreSQL here (initdb, pg_ctl): apt-get install postgresql")
        self.pg = PostgresCluster(bindir)
        self.http = httpx
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.ports = {name: _free_port() for name in "ABC"}
        self.down: set[str] = set()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.requests: list[dict[str, Any]] = []  # one per ask: replica, start, seconds, error
        self.events: list[tuple[float, str]] = []
        self.docs = sorted(p for p in (DEV / "docs").iterdir() if p.is_file())
        self.questions = [json.loads(line)["q"] for line in (DEV / "gold.jsonl").read_text().splitlines() if line]
        self.t0 = time.monotonic()

    def event(self, what: str) -> None:
        self.events.append((round(time.monotonic() - self.t0, 1), what))
        print(f"[{self.events[-1][0]:7.1f} s] {what}", flush=True)

    # --- the services --------------------------------------------------------------------------------------------
    def start_backends(self) -> None:
        self.pg.start()
        self.url = self.pg.new_database()
        self.chroma_port = _free_port()
        chroma = ROOT / ".venv" / "bin" / "chroma"
        cmd = [str(chroma if chroma.exists() else "chroma"), "run", "--path", str(self.work / "chroma")]
        self.spawn("chroma", [*cmd, "--host", "127.0.0.1", "--port", str(self.chroma_port)])
        self.wait(lambda: self._connects(self.chroma_port), 60, "chroma run did not start")
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("RAG_")},
            "RAG_DATABASE_URL": self.url,
            "RAG_CHROMA_HOST": "127.0.0.1",
            "RAG_CHROMA_PORT": str(self.chroma_port),
            "RAG_COLLECTION": "replicas",
            "RAG_EMBEDDER": bench_embedder(),
            "RAG_AUTO_SEED": "false",
            "RAG_FEED_INTERVAL": "0",
            "RAG_LOG_LEVEL": "INFO",
            "HF_HUB_OFFLINE": "1",
        }
        self.event(f"PostgreSQL on 127.0.0.1:{self.pg.port}, Chroma on 127.0.0.1:{self.chroma_port}")

    def spawn(self, name: str, argv: list[str], data_dir: str | None = None) -> subprocess.Popen[bytes]:
        env = dict(getattr(self, "env", os.environ))
        if data_dir:
            env["RAG_DATA_DIR"] = str(self.work / data_dir)
        with open(self.logs / f"{name}.log", "ab") as log:
            proc = subprocess.Popen(
                argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.procs[name] = proc
        return proc

    def rag(self, name: str, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**self.env, "RAG_DATA_DIR": str(self.work / name)}
        done = subprocess.run([sys.executable, "-m", "ui", *args], cwd=ROOT, env=env, capture_output=True, text=True)
        (self.logs / f"{name}.log").write_text(done.stdout + done.stderr)
        return done

    def start_replica(self, name: str) -> None:
        self.spawn(name, [sys.executable, "-m", "ui", "api", "--port", str(self.ports[name])], data_dir=name)

    def ready(self, name: str) -> bool:
        try:
            return bool(self.http.get(self.base(name) + "/api/health", timeout=10).status_code == 200)
        except Exception:  # noqa: BLE001 - not up yet
            return False

    def base(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    @staticmethod
    def _connects(port: int) -> bool:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            return False

    @staticmethod
    def wait(condition: Any, timeout: float, message: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise RuntimeError(message)
            time.sleep(0.1)

    def catalog(self) -> list[str]:
        """The sources of the catalog's documents (a new connection each time: PostgreSQL restarts meanwhile)."""
        import psycopg

        with psycopg.connect(self.url, connect_timeout=5) as db:
            return [r[0] for r in db.execute("SELECT source FROM documents")]

    def uploaded(self) -> int:
        try:
            return sum(1 for s in self.catalog() if "/uploads/" in s)
        except Exception:  # noqa: BLE001 - PostgreSQL restarting
            return -1

    # --- the load ------------------------------------------------------------------------------------------------
    def client(self, i: int) -> None:
        http = self.http.Client(timeout=120)
        names, k = "ABC", i
        while not self.stop.is_set():
            q = self.questions[k % len(self.questions)]
            name = names[i % 3]
            with self.lock:
                if name in self.down:  # skipped while down: the next replica up takes it
                    name = next(n for n in names[i % 3 :] + names if n not in self.down)
            start = time.monotonic()
            try:
                r = http.post(self.base(name) + "/api/ask", json={"question": q})
                error = None if r.status_code == 200 and "answer" in r.json() else f"HTTP {r.status_code}: {r.text}"
            except Exception as e:  # noqa: BLE001 - counted and listed
                error = f"{type(e).__name__}: {e}"
            end = time.monotonic()
            self.requests.append(
                {"replica": name, "at": start - self.t0, "end": end - self.t0, "s": end - start, "q": q, "error": error}
            )
            k += 7

    def upload(self, name: str, paths: list[Path]) -> dict[str, Any]:
        files = [("files", (p.name, p.read_bytes(), "text/plain")) for p in paths]
        r = self.http.post(self.base(name) + "/api/documents", files=files, timeout=900)
        r.raise_for_status()
        return dict(r.json())

    def writer(self) -> dict[str, Any]:
        """The dev corpus through A, A killed in the middle and started again, the upload repeated; PostgreSQL
        restarted; `rag reindex` from another process."""
        out: dict[str, Any] = {}
        first: dict[str, Any] = {}

        def upload_all() -> None:
            try:
                first["report"] = self.upload("A", self.docs)
            except Exception as e:  # noqa: BLE001 - A is killed under it
                first["error"] = f"{type(e).__name__}: {e}"

        self.event(f"upload of {len(self.docs)} dev files to A begins")
        up = threading.Thread(target=upload_all)
        up.start()
        target = len(self.docs) // 3
        self.wait(lambda: self.uploaded() >= target or not up.is_alive(), 900, "the upload stalled")
        with self.lock:
            self.down.add("A")
        at_kill = self.uploaded()
        os.killpg(self.procs["A"].pid, signal.SIGKILL)
        self.procs["A"].wait()
        self.kill_at = time.monotonic() - self.t0
        self.event(f"A killed (SIGKILL) with {at_kill}/{len(self.docs)} of the upload stored")
        up.join()
        out["first_upload"] = first.get("error") or "finished before the kill"
        self.start_replica("A")
        self.wait(lambda: self.ready("A"), 300, "A did not start again")
        with self.lock:
            self.down.discard("A")
        self.restart_at = time.monotonic() - self.t0
        self.event("A started again and healthy")
        report = self.upload("A", self.docs)
        counts: dict[str, int] = {}
        for r in report.get("results", []):
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        out.update(stored_at_kill=at_kill, second_upload=counts)
        self.event(f"upload repeated on A: {counts}")
        time.sleep(10)
        self.pg_restart_at = time.monotonic() - self.t0
        self.pg.restart()
        self.pg_back_at = time.monotonic() - self.t0
        self.event(f"PostgreSQL restarted (pg_ctl restart -m fast, {self.pg_back_at - self.pg_restart_at:.1f} s)")
        time.sleep(10)
        self.event("rag reindex (another process, data dir R) begins")
        started = time.monotonic()
        done = self.rag("R", "reindex")
        out["reindex"] = {"exit": done.returncode, "seconds": round(time.monotonic() - started, 1)}
        out["reindex"]["line"] = (done.stdout + done.stderr).strip().splitlines()[-1:]
        self.event(f"rag reindex exit {done.returncode}: {out['reindex']['line']}")
        return out

    # --- afterwards ----------------------------------------------------------------------------------------------
    def read_your_write(self) -> dict[str, Any]:
        path = self.work / NEW_NAME
        path.write_text(NEW_ARTICLE, encoding="utf-8")
        report = self.upload("A", [path])
        r = self.http.post(self.base("B") + "/api/ask", json={"question": NEW_QUESTION}, timeout=120).json()
        cited = [c["source"] for c in r.get("citations", [])]
        ok = bool(r.get("found")) and NEW_LEADER in r.get("answer", "") and any(NEW_NAME in s for s in cited)
        print(f"read-your-write: uploaded {NEW_NAME} to A, asked B {NEW_QUESTION!r}:")
        print(f"  {r.get('answer')!r} cited {cited} -> {'OK' if ok else 'FAILED'}", flush=True)
        return {
            "upload": [x["status"] for x in report.get("results", [])],
            "question": NEW_QUESTION,
            "answer": r.get("answer"),
            "cited": cited,
            "ok": ok,
        }

    def consistency(self) -> dict[str, Any]:
        answers: dict[str, list[Any]] = {}

        def ask_all(name: str) -> None:
            http, got = self.http.Client(timeout=120), []
            for q in self.questions:
                r = http.post(self.base(name) + "/api/ask", json={"question": q})
                d = r.json() if r.status_code == 200 else {"error": r.status_code}
                cites = [(c["source"], c["start"], c["end"], c["quote"]) for c in d.get("citations", [])]
                got.append((d.get("answer"), d.get("found"), d.get("mode"), cites))
            answers[name] = got

        threads = [threading.Thread(target=ask_all, args=(n,)) for n in "ABC"]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        diffs = [
            {"question": q, **{n: answers[n][i] for n in "ABC"}}
            for i, q in enumerate(self.questions)
            if not answers["A"][i] == answers["B"][i] == answers["C"][i]
        ]
        return {
            "questions": len(self.questions),
            "differences": len(diffs),
            "found": {n: sum(1 for a in answers[n] if a[1]) for n in "ABC"},
            "examples": diffs[:5],
        }

    def run(self) -> dict[str, Any]:
        self.start_backends()
        seeds = self.rag("S", "ingest", str(ROOT / "seeds"))
        self.event(f"seeds ingested: {seeds.stdout.strip() or seeds.stderr.strip()}")
        for name in "ABC":
            self.start_replica(name)
        self.wait(lambda: all(self.ready(n) for n in "ABC"), 300, "the replicas did not start")
        for name in "ABC":  # the first question loads the query encoder: not a measured one
            self.http.post(self.base(name) + "/api/ask", json={"question": self.questions[0]}, timeout=300)
        self.event("replicas A, B, C up and warm; load begins")
        load_from = time.monotonic()
        clients = [threading.Thread(target=self.client, args=(i,)) for i in range(self.n_clients)]
        for t in clients:
            t.start()
        time.sleep(15)
        writes = self.writer()
        self.stop.wait(max(5.0, self.seconds - (time.monotonic() - load_from)))
        self.stop.set()
        for t in clients:
            t.join()
        load_s = time.monotonic() - load_from
        self.event(f"load over after {load_s:.0f} s")
        sources = self.catalog()
        names = [Path(s).name for s in sources if "/uploads/" in s]
        corpus = {
            "files": len(self.docs),
            "catalog_documents": len(sources),
            "from_the_corpus": len(set(names)),
            "lost": sorted({p.name for p in self.docs} - set(names)),
            "doubled": sorted({n for n in names if names.count(n) > 1}),
            "seeds": sum(1 for s in sources if "/seeds/" in s),
        }
        check = self.rag("R", "check")
        self.event(f"rag check exit {check.returncode}: {(check.stdout + check.stderr).strip()}")
        ryw = self.read_your_write()
        self.event("every replica asks every dev question")
        same = self.consistency()
        self.event(f"{same['differences']} of {same['questions']} answers differ between replicas")
        return self.report(load_s, writes, corpus, check, ryw, same)

    def report(self, load_s: float, writes: Any, corpus: Any, check: Any, ryw: Any, same: Any) -> dict[str, Any]:
        def expected(r: dict[str, Any]) -> bool:  # in flight on A when it was killed
            return r["replica"] == "A" and r["at"] <= self.kill_at <= r["end"] + 0.5

        def during(r: dict[str, Any]) -> str | None:  # the fault it overlapped, if any
            if r["replica"] == "A" and r["at"] <= self.kill_at <= r["end"] + 0.5:
                return "A killed"
            if r["at"] <= self.pg_back_at and r["end"] >= self.pg_restart_at:
                return "PostgreSQL restart"
            return None

        rows, failures = [], []
        for name in "ABC":
            mine = [r for r in self.requests if r["replica"] == name]
            ok = sorted(r["s"] for r in mine if not r["error"])
            rows.append(
                {
                    "replica": name,
                    "requests": len(mine),
                    "failed": sum(1 for r in mine if r["error"]),
                    "p50 ms": round(1000 * _p(ok, 50), 1),
                    "p95 ms": round(1000 * _p(ok, 95), 1),
                    "max ms": round(1000 * ok[-1], 1) if ok else None,
                }
            )
        for r in sorted(self.requests, key=lambda r: r["at"]):
            if r["error"]:
                failures.append(
                    {
                        "replica": r["replica"],
                        "at_s": round(r["at"], 1),
                        "s": round(r["s"], 2),
                        "expected": expected(r),
                        "during": during(r),
                        "question": r["q"],
                        "error": r["error"][:500],
                    }
                )
        text = {p.stem: p.read_text(errors="replace") for p in self.logs.glob("*.log")}
        log_errors = [
            f"{name}: {line}"
            for name, t in text.items()
            for line in t.splitlines()
            if " ERROR " in line or line.startswith("Traceback") or "Error:" in line
        ]
        print(table(rows, ["replica", "requests", "failed", "p50 ms", "p95 ms", "max ms"]))
        return {
            "embedder": self.env["RAG_EMBEDDER"],
            "clients": self.n_clients,
            "load_seconds": round(load_s, 1),
            "events": self.events,
            "replicas": rows,
            "failures": failures,
            "unexpected_failures": sum(1 for f in failures if not f["expected"]),
            "writes": writes,
            "corpus": corpus,
            "check": {"exit": check.returncode, "line": (check.stdout + check.stderr).strip()},
            "read_your_write": ryw,
            "consistency": same,
            "log_errors": log_errors[:30],
        }

    def close(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)  # its own session: the process and anything it started
                proc.wait()
        self.pg.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=240, help="how long the clients ask (at least the writes)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, data dirs)")
    args = parser.parse_args()
    if not (DEV / "docs").is_dir():
        print(f"skipped: no dev corpus at {DEV / 'docs'}")
        return 0
    work = Path(tempfile.mkdtemp(prefix="bench-replicas-"))
    bench = Replicas(work, args.clients, args.seconds)
    try:
        result = bench.run()
    finally:
        bench.close()
    result["work"] = str(work) if args.keep else None
    print(json.dumps({k: v for k, v in result.items() if k != "events"}, ensure_ascii=False, indent=2))
    print(f"wrote {save('replicas', result)}")
    if not args.keep:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    ok = (
        result["unexpected_failures"] == 0
        and not result["corpus"]["lost"]
        and not result["corpus"]["doubled"]
        and result["check"]["exit"] == 0
        and result["read_your_write"]["ok"]
        and result["consistency"]["differences"] == 0
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
