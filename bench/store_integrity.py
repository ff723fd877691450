"""Store integrity under real use: `kill -9` during writes, and the chat page under concurrent load through a
reindex in another process. Loopback only; every count is bounded.

1. Kill rounds: `rag ingest`, `rag reindex` or `rag remove` (real processes, the product's embedder) is sent
   SIGKILL after a random delay; then, in a fresh process, every visible document must be whole, `rag check` must
   pass (after the next write clears leftovers), and a re-ingest must restore every document exactly once.
2. Load: `rag serve` on 127.0.0.1; REQUESTS chat questions at CONCURRENCY through Gradio's API, alone, then in
   waves until a `rag reindex` in another process has finished and switched: every request must be answered;
   p50 / p95 of the request times.

    python bench/store_integrity.py [ROUNDS=10] [REQUESTS=100] [CONCURRENCY=20]

Documents: the dev corpus (../shared/data/inspections-dev/docs) plus the seeds.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from common import RESULTS, ROOT, SHARED, save, table

DOCS = SHARED / "inspections-dev" / "docs"
SEEDS = ROOT / "seeds"
QUESTIONS = [
    "Ai là trưởng đoàn kiểm tra tại Trà Vinh?",
    "Đoàn kiểm tra số 4 làm việc ở đâu?",
    "Who led the inspection team in Dak Lak?",
    "Quyết định nào thành lập đoàn kiểm tra số 5?",
]


def rag(env: dict[str, str], *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
    """`rag ARGS...` in its own process."""
    return subprocess.run([sys.executable, "-m", "ui", *args], env=env, capture_output=True, text=True, **kw)


def inspect(env: dict[str, str]) -> dict[str, Any]:
    """In a fresh process: documents, whether each visible one is whole, and the full check after a write."""
    code = """
import json
from rag import get_assistant
a = get_assistant()
s = a._opened
docs = s.documents()
whole = all(len(s.catalog.chunk_ids(d["doc_id"])) == d["n_chunks"] for d in docs)
a.repair()  # a write: clears what the killed process left (journal, half-built generation)
h = a.check(full=True)
print(json.dumps({"documents": len(docs), "whole": whole, "ok": h.ok, "line": h.line()}))
"""
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def kill_rounds(rounds: int, env: dict[str, str], sources: list[Path], total: int) -> list[dict[str, Any]]:
    """Round n kills an ingest (of the dev corpus, removed just before), a reindex or a remove, in turn."""
    rng = random.Random(7)
    rows = []
    for n in range(rounds):
        op = ["ingest", "reindex", "remove"][n % 3]
        if op == "ingest":
            rag(env, "remove", str(DOCS), check=True)
        before = inspect(env)["documents"]
        args = {"ingest": ["ingest", *map(str, sources)], "reindex": ["reindex"], "remove": ["remove", str(DOCS)]}[op]
        # within the run: an ingest or reindex of the corpus takes about a minute here, a remove a few seconds
        delay = rng.uniform(1.5, 4.0) if op == "remove" else rng.uniform(3.0, 45.0)
        proc = subprocess.Popen(
            [sys.executable, "-m", "ui", *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(delay)
        killed = proc.poll() is None
        if killed:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        after = inspect(env)
        # an ingest or a reindex never loses a committed document; a remove may have removed some before the kill
        lost = 0 if op == "remove" else max(0, before - after["documents"])
        restored = rag(env, "ingest", *map(str, sources), timeout=1800)
        final = inspect(env)
        rows.append(
            {
                "round": n + 1,
                "op": op,
                "kill_after_s": round(delay, 1),
                "killed": killed,
                "docs_before": before,
                "docs_after_kill": after["documents"],
                "all_whole": after["whole"],
                "check": "ok" if after["ok"] else after["line"],
                "lost": lost,
                "restored": f"{final['documents']}/{total}" + ("" if restored.returncode == 0 and final["ok"] else "!"),
            }
        )
        print(table([rows[-1]], list(rows[-1])).splitlines()[-1], flush=True)
    return rows


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], Any]:
    """`rag serve` on a free loopback port, and a Gradio client once the page answers."""
    from gradio_client import Client

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "ui", "serve", "--port", str(port)],
        env={**env, "GRADIO_ANALYTICS_ENABLED": "False", "RAG_UI_CONCURRENCY": "4"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 180
    while True:
        try:
            return server, Client(f"http://127.0.0.1:{port}/", verbose=False)
        except Exception:
            if time.time() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("the page did not start") from None
            time.sleep(1)


def load(client: Any, requests: int, concurrency: int, env: dict[str, str], reindex: bool) -> dict[str, Any]:
    """Chat turns through one client, CONCURRENCY at a time: REQUESTS of them; with `reindex`, `rag reindex` runs in
    another process and waves of CONCURRENCY turns go on until it has finished (and one wave after its switch),
    at most 100 x REQUESTS."""

    def ask(i: int) -> tuple[float, bool]:
        started = time.perf_counter()
        try:
            history, _sources, _box = client.predict(QUESTIONS[i % len(QUESTIONS)], [], api_name="/on_chat")
            ok = bool(history) and not str(history[-1]["content"]).startswith("Lỗi")
        except Exception:
            ok = False
        return time.perf_counter() - started, ok

    proc = (
        subprocess.Popen(
            [sys.executable, "-m", "ui", "reindex"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        if reindex
        else None
    )
    results: list[tuple[float, bool]] = []
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        while len(results) < requests or (proc and proc.poll() is None and len(results) < 100 * requests):
            results += pool.map(ask, range(len(results), len(results) + concurrency))
        switched = proc is not None and proc.poll() == 0
        reindex_s = time.perf_counter() - started  # to the wave in which the reindex was seen done
        if switched:
            results += pool.map(ask, range(len(results), len(results) + concurrency))  # after the switch
    times = sorted(t for t, _ in results)
    return {
        "load": "through a reindex in another process" if reindex else "alone",
        "requests": len(results),
        "concurrency": concurrency,
        "answered": sum(ok for _, ok in results),
        "p50_s": round(statistics.median(times), 3),
        "p95_s": round(times[int(0.95 * (len(times) - 1))], 3),
        "reindex": "—" if proc is None else f"switched within {reindex_s:.0f} s" if switched else "not done",
    }


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    requests = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    concurrency = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    if not DOCS.is_dir():
        sys.exit(f"needs the dev corpus at {DOCS}")
    data = Path(tempfile.mkdtemp(prefix="integrity-")) / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")} | {
        "RAG_DATA_DIR": str(data),
        "RAG_SEEDS_DIR": str(SEEDS),
        "RAG_LOCK_TIMEOUT": "600",  # writers queue behind a reindex instead of giving up
        "HF_HUB_OFFLINE": "1",
    }
    sources = [SEEDS, DOCS]
    started = time.time()
    first = rag(env, "ingest", *map(str, sources), timeout=1800)
    print(f"first ingest: {first.stdout.strip().splitlines()[-1]} in {time.time() - started:.0f} s", flush=True)
    n_docs = inspect(env)["documents"]
    rows = kill_rounds(rounds, env, sources, n_docs) if rounds else []
    if rows:
        print(table(rows, list(rows[0])))
    server, client = serve(env)
    try:
        served = [load(client, requests, concurrency, env, reindex) for reindex in (False, True)]
    finally:
        server.terminate()
        server.wait(30)
    print(table(served, list(served[1])))
    # ROUNDS=0 measures the load only and keeps the kill rounds of the last run
    last = RESULTS / "store_integrity.json"
    kept = json.loads(last.read_text(encoding="utf-8")) if not rows and last.exists() else {}
    save(
        "store_integrity",
        {
            "documents": n_docs,
            "rounds": rows or kept.get("rounds", []),
            "rounds_survived": sum(
                r["all_whole"] and r["check"] == "ok" and r["lost"] == 0 and r["restored"] == f"{n_docs}/{n_docs}"
                for r in rows
            )
            if rows
            else kept.get("rounds_survived"),
            "documents_lost": sum(r["lost"] for r in rows) if rows else kept.get("documents_lost"),
            "load": served,
        },
    )


if __name__ == "__main__":
    main()
