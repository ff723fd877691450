"""Nothing leaves the machine: ingest with the default embedder (e5, passages through OpenVINO) and a question, in a
fresh process with an empty home folder, open no connection and look up no name but loopback ones, and write nothing
in the home folder (OpenVINO's telemetry would write ~/intel/openvino_ga_cid and send an "import" event)."""

import json
import os
import subprocess
import sys

from conftest import ROOT, SEEDS

# Runs in the fresh process: every connection and name lookup is recorded before anything is imported.
SCRIPT = r"""
import json, socket, sys, threading, time
seen = {"connect": [], "resolve": []}
real_connect, real_connect_ex, real_resolve = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo
def connect(sock, address):
    seen["connect"].append([int(sock.family), repr(address)])
    return real_connect(sock, address)
def connect_ex(sock, address):
    seen["connect"].append([int(sock.family), repr(address)])
    return real_connect_ex(sock, address)
def resolve(host, *args, **kwargs):
    seen["resolve"].append(str(host))
    return real_resolve(host, *args, **kwargs)
socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = connect, connect_ex, resolve

from rag import Assistant, Settings
a = Assistant(Settings(data_dir=sys.argv[1], seeds_dir=sys.argv[2]))  # ingests the seeds on first use
answer = a.ask("Ai là trưởng đoàn kiểm tra tại Trà Vinh?")
engine = type(a.embedder.passages()).__name__
a.close()
time.sleep(1)  # a sender thread started by an import would have connected by now
print(json.dumps({**seen, "engine": engine, "cited": len(answer.citations),
                  "threads": [t.name for t in threading.enumerate() if t is not threading.main_thread()]}))
"""


def test_ingest_and_a_question_open_no_connection_and_write_nothing_at_home(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "HF_HOME"))}
    env |= {"HOME": str(home), "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "data"), str(SEEDS)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["engine"] == "OpenVinoPassages" and seen["cited"] >= 1  # the default path, for real
    outside = [
        (family, address)
        for family, address in seen["connect"]
        if family != 1 and not address.startswith(("('127.0.0.1'", "('::1'"))  # 1: AF_UNIX, a local socket
    ]
    assert outside == []
    assert set(seen["resolve"]) <= {"localhost", "127.0.0.1", "::1"}
    assert sorted(p.relative_to(home).as_posix() for p in home.rglob("*")) == []
