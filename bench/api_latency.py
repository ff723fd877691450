"""What the HTTP API adds to an answer: the development corpus's questions asked through `Assistant.ask`, through
`POST /api/ask` and through `POST /v1/chat/completions` (the official openai client) on a loopback uvicorn server,
one at a time; p50/p95 of each and the answers compared (the same text, the same citations).

    python bench/api_latency.py

Needs ../shared/data/inspections-dev (docs and gold). The product's default embedder, no LLM.
"""

from __future__ import annotations

import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

from common import ROOT, SHARED, save, table

from rag import Assistant, Settings
from rag.evaluation import load_gold
from ui.api import build_api, cited_text


def _p(xs: list[float], q: float) -> float:
    return statistics.quantiles(xs, n=100)[int(q) - 1] if len(xs) > 1 else xs[0]


def main() -> None:
    import httpx
    import openai
    import uvicorn

    dev = SHARED / "inspections-dev"
    questions = [g.question for g in load_gold(dev / "gold.jsonl")]
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        a = Assistant(Settings(data_dir=Path(tmp), auto_seed=False))
        a.ingest([dev / "docs", ROOT / "seeds"])
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(build_api(a), host="127.0.0.1", port=port, log_level="warning"))
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        url = f"http://127.0.0.1:{port}"
        http = httpx.Client(timeout=60)
        client = openai.OpenAI(base_url=f"{url}/v1", api_key="-", max_retries=0)
        times: dict[str, list[float]] = {"Assistant.ask": [], "POST /api/ask": [], "POST /v1/chat/completions": []}
        same = 0
        for q in questions:
            t = time.perf_counter()
            direct = a.ask(q)
            times["Assistant.ask"].append(time.perf_counter() - t)
            t = time.perf_counter()
            rest = http.post(f"{url}/api/ask", json={"question": q}).json()
            times["POST /api/ask"].append(time.perf_counter() - t)
            t = time.perf_counter()
            chat = client.chat.completions.create(model="rag-vn-news", messages=[{"role": "user", "content": q}])
            times["POST /v1/chat/completions"].append(time.perf_counter() - t)
            same += rest["answer"] == direct.answer and chat.choices[0].message.content == cited_text(rest)
        server.should_exit = True
        a.store.close()
    rows = [
        {"route": k, "p50 ms": 1000 * _p(v, 50), "p95 ms": 1000 * _p(v, 95), "mean ms": 1000 * statistics.mean(v)}
        for k, v in times.items()
    ]
    print(table(rows, ["route", "p50 ms", "p95 ms", "mean ms"]))
    print(f"{same}/{len(questions)} answers identical on the three routes")
    print(save("api_latency", {"questions": len(questions), "identical": same, "rows": rows}))


if __name__ == "__main__":
    main()
