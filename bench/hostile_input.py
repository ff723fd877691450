"""Hostile and broken files at full size (issue 22): each loaded by `rag.indexing.loaders.load_file` in a fresh process,
its wall time and peak memory measured (the process's own, and its PDF/.docx reader's), and what came of it.

The corpus is tests/test_hostile_input.py's builders at the sizes the tests keep small, plus a few large files that
are not hostile (a long text PDF, a long .docx, a big HTML page, many records) to show the bounds leave them be.
Nothing is downloaded.

    python bench/hostile_input.py [--tree DIR]

--tree DIR measures another checkout's loaders (`git archive <rev> rag vectorstore | tar -x -C DIR`: before and
after), each file then held to 3 GiB of address space and 120 s. Linux (peak memory from /proc).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, save, table

sys.path.insert(0, str(ROOT / "tests"))
import test_hostile_input as t  # noqa: E402  (the corpus builders)

MB = 1_000_000
LIMIT = 300  # seconds a file may take here before it is called a hang
CAP_GB = 3  # the address space of a process measuring another tree's loaders (they had no bounds of their own)

LOAD = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[3])
if sys.argv[4] != "0":
    resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[4]) * 2**30,) * 2)
from rag.indexing.loaders import load_file
from rag.errors import LoadError
start = time.perf_counter()
try:
    docs = load_file(sys.argv[1], int(sys.argv[2]))
    read = [d for d in docs if not isinstance(d, LoadError)]
    what = f"read: {len(read)} document(s), {sum(len(d.text) for d in read):,} characters"
except LoadError as e:
    what = e.reason
except BaseException as e:
    what = f"RAISED {type(e).__name__}: {str(e)[:80]}"
# this process's peak from its own memory map: ru_maxrss also counts the RSS of the process that started it
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
# the readers': an upper bound (each one's, or this process's when it started one)
readers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": time.perf_counter() - start, "peak_mb": [hwm // 1024, readers // 1024], "what": what}))
"""


def long_pdf(pages: int) -> bytes:
    """A text PDF of `pages` pages, each its own content stream of 40 lines (fpdf2-free: a hand-built file)."""
    line = b"(Doan kiem tra so %d lam viec voi Tinh uy ve cong tac bao ve chinh tri noi bo.) Tj T* "
    lines = b"".join(line % i for i in range(40))
    content = b"BT /F1 9 Tf 12 TL 20 780 Td " + lines + b"ET"
    kids = b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(pages))
    objects = [t.CATALOG, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages), t.FONT]
    for i in range(pages):
        page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
        objects += [page % (5 + 2 * i) + b"/Resources << /Font << /F1 3 0 R >> >> >>", t.stream(content)]
    return t.pdf(*objects)


def corpus(folder: Path) -> dict[str, tuple[int, str]]:
    """{file name: (the size limit it is loaded under, what it is)}, written under `folder`."""
    article = t.paragraphs(t.ARTICLE)
    files: dict[str, tuple[bytes | str, int, str]] = {
        "bom-giai-nen.pdf": (
            t.pdf_pages(1, t.deflated(b" " * MB, 1000), b"/Filter /FlateDecode "),
            20 * MB,
            "content stream inflating to 1 GB",
        ),
        "toan-toan-tu.pdf": (
            t.pdf_pages(1, t.deflated(b"BT /F1 12 Tf (Xin chao) Tj ET\n", 2_500_000), b"/Filter /FlateDecode "),
            20 * MB,
            "content stream of 2,500,000 text operators (75 MB inflated)",
        ),
        "hinh-long-hinh.pdf": (t.pdf_forms(9), 20 * MB, "forms drawing one another: 10^9 draws"),
        "nam-nghin-trang.pdf": (t.pdf_pages(5000), 20 * MB, "5,000 pages"),
        "mat-khau.pdf": (t.encrypted_pdf(), 20 * MB, "encrypted with a password"),
        "bom-zip.docx": (t.docx(article, filler=1000 * MB), 20 * MB, "document.xml unzipping to 1 GB"),
        "kich-thuoc-gia.docx": (t.lying_docx(), 20 * MB, "zip directory declaring 1,000 bytes of 3 MB"),
        "long-sau.docx": (t.docx("<w:p>" * 100_000 + "</w:p>" * 100_000), 20 * MB, "XML nested 100,000 deep"),
        "long-sau.html": (
            t.html_page("<div>" * 100_000 + t.ARTICLE + "</div>" * 100_000),
            20 * MB,
            "100,000 nested tags",
        ),
        "nhieu-the.html": (t.html_page("<b>x</b>" * 2_000_000), 20 * MB, "2,000,000 tags (16 MB)"),
        "mo-the.html": (t.html_page("<i>" * 3_000_000), 20 * MB, "3,000,000 unclosed tags"),
        "long-sau.json": ("[" * 1_000_000 + "]" * 1_000_000, 20 * MB, "nested 1,000,000 deep"),
        "qua-nhieu.jsonl": ("{}\n" * 6_000_000, 20 * MB, "6,000,000 records (18 MB)"),
        "dong-50mb.jsonl": (
            json.dumps({"text": "Đoàn kiểm tra làm việc. " * 1_800_000}, ensure_ascii=False),
            60 * MB,
            "one line of 50 MB (under a 60 MB size limit)",
        ),
        "bom-yaml.md": (t.yaml_bomb(), 20 * MB, "front matter aliases reaching 10^9 values"),
        "utf16-khong-bom.txt": ((t.ARTICLE + "\n\n").encode("utf-16-le") * 20_000, 20 * MB, "UTF-16 without BOM"),
        # not hostile: large files the bounds must leave be
        "dai-800-trang.pdf": (long_pdf(800), 20 * MB, "not hostile: 800 pages of text"),
        "dai.docx": (t.docx(article * 30_000), 20 * MB, "not hostile: 60,000 paragraphs"),
        "lon.html": (
            t.html_page(f"<p>{t.ARTICLE}</p>" * 75_000),
            20 * MB,
            "not hostile: 150,000 tags, 19 MB",
        ),
        "nhieu-bai.jsonl": (
            (json.dumps({"text": t.ARTICLE, "title": "Bài"}, ensure_ascii=False) + "\n") * 50_000,
            20 * MB,
            "not hostile: 50,000 records",
        ),
    }
    for name, (data, _, _) in files.items():
        t.write(folder / name, data)
    return {name: (limit, what) for name, (_, limit, what) in files.items()}


def main() -> None:
    tree = Path(sys.argv[sys.argv.index("--tree") + 1]) if "--tree" in sys.argv else ROOT
    cap = CAP_GB if tree != ROOT else 0  # another tree's loaders: each process held to CAP_GB, 120 s
    limit_s = 120 if tree != ROOT else LIMIT
    folder = Path(tempfile.mkdtemp(prefix="hostile-"))
    started = time.perf_counter()
    files = corpus(folder)
    print(f"corpus built in {time.perf_counter() - started:.0f} s under {folder}")
    rows, results = [], {}
    for name, (limit, what) in files.items():
        size = (folder / name).stat().st_size
        wall = time.perf_counter()
        try:
            done = subprocess.run(
                [sys.executable, "-c", LOAD, str(folder / name), str(limit), str(tree), str(cap)],
                capture_output=True,
                text=True,
                timeout=limit_s,
                cwd=tree,
            )
            last = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
            out = json.loads(done.stdout) if done.stdout.strip() else {"what": f"died: {last}"}
        except subprocess.TimeoutExpired:
            out = {"seconds": None, "peak_mb": [None, None], "what": f"still running after {limit_s} s: killed"}
        out["wall"] = time.perf_counter() - wall
        results[name] = {"what": what, "bytes": size, **out}
        seconds = f"{out['seconds']:.1f}" if out.get("seconds") is not None else f">{limit_s}"
        peak = out.get("peak_mb", [None, None])
        rows.append(
            {
                "file": name,
                "what": what,
                "MB": f"{size / MB:.2f}",
                "s": seconds,
                "peak MB": peak[0],
                "reader MB": peak[1] or "",
                "outcome": out["what"][:90],
            }
        )
        print(f"{name}: {seconds} s, {peak} MB: {out['what'][:120]}", flush=True)
    print(table(rows, ["file", "what", "MB", "s", "peak MB", "reader MB", "outcome"]))
    save("hostile_input" + ("_before" if tree != ROOT else ""), {"tree": str(tree), "files": results})


if __name__ == "__main__":
    main()
