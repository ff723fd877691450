"""Ingest: files -> documents -> chunks -> (terms, vectors) + fact records -> one journaled store write per
document.

A document's id is a hash of its normalized text, so identical content is a no-op wherever it comes from;
a changed file at a known path replaces that path's document.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path

from vectorstore import Store

from .chunking import chunk_text
from .embeddings import Embedder
from .errors import LoadError
from .facts import extract_facts
from .loaders import SUPPORTED_SUFFIXES, LoadedDocument, load_file
from .results import FileResult, IngestReport
from .settings import Settings
from .vn.text import lexical_terms

__all__ = ["doc_id_for", "collect_files", "ingest_paths", "index_document"]

Progress = Callable[[int, int, str], None]  # (done, total, current source)


def doc_id_for(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def collect_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[FileResult]]:
    """Expand folders (recursively, supported types only, hidden files skipped); missing paths are rejected."""
    files: list[Path] = []
    rejected: list[FileResult] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(
                sorted(
                    f
                    for f in p.rglob("*")
                    if f.is_file()
                    and f.suffix.lower() in SUPPORTED_SUFFIXES
                    and not any(part.startswith(".") for part in f.relative_to(p).parts)
                )
            )
        elif p.exists():
            files.append(p)
        else:
            rejected.append(FileResult(str(p), "rejected", "no such file or directory"))
    return list(dict.fromkeys(files)), rejected


def index_document(
    store: Store, embedder: Embedder, settings: Settings, doc: LoadedDocument, replaces: str | None = None
) -> int:
    """Chunk, embed and store one document (inside `store.writer()`). Returns its number of chunks."""
    doc_id = doc_id_for(doc.text)
    nodes = chunk_text(doc.text, doc_id, settings.chunk_chars)
    # The title is embedded and indexed with every chunk: a chunk is then found by its article's topic too.
    vectors = embedder.embed_passages([f"{doc.title}\n{n.text}" for n in nodes])
    chunks = [
        {
            "chunk_id": n.node_id,
            "idx": i,
            "start": n.start_char_idx,
            "end": n.end_char_idx,
            "terms": " ".join(lexical_terms(f"{doc.title}\n{n.text}")),
        }
        for i, n in enumerate(nodes)
    ]
    row = {
        "doc_id": doc_id,
        "source": doc.source,
        "title": doc.title,
        "url": doc.url,
        "date": doc.date,
        "metadata": doc.metadata,
        "text": doc.text,
    }
    facts = extract_facts(doc.text, doc_id, doc.source, doc.title, doc.date)
    store.put_document(row, chunks, vectors, replaces=replaces, facts=[{"record_id": doc_id, **facts.to_dict()}])
    return len(nodes)


def _ingest_one(store: Store, embedder: Embedder, settings: Settings, doc: LoadedDocument) -> FileResult:
    doc_id = doc_id_for(doc.text)
    same = store.catalog.document(doc_id)
    if same is not None:
        note = None if same["source"] == doc.source else f"same content as {same['source']}"
        return FileResult(doc.source, "unchanged", note, doc_id, same["n_chunks"])
    old = store.catalog.document_by_source(doc.source)
    n = index_document(store, embedder, settings, doc, replaces=old["doc_id"] if old else None)
    return FileResult(doc.source, "updated" if old else "added", None, doc_id, n)


def ingest_paths(
    store: Store, embedder: Embedder, settings: Settings, paths: Iterable[str | Path], progress: Progress | None = None
) -> IngestReport:
    files, rejected = collect_files(paths)
    report = IngestReport(list(rejected))
    max_bytes = int(settings.max_file_mb * 1_000_000)
    with store.writer():
        for i, path in enumerate(files):
            if progress:
                progress(i, len(files), str(path))
            try:
                items = load_file(path, max_bytes)
            except LoadError as e:
                report.results.append(FileResult(e.source, "rejected", e.reason))
                continue
            for item in items:
                if isinstance(item, LoadError):
                    report.results.append(FileResult(item.source, "rejected", item.reason))
                else:
                    report.results.append(_ingest_one(store, embedder, settings, item))
        if progress:
            progress(len(files), len(files), "")
    return report
