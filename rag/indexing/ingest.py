"""Ingest: files -> documents -> chunks -> (terms, vectors) + fact records -> one journaled store write per
document.

A document's id is a hash of its normalized text, so identical content is a no-op wherever it comes from;
a changed file at a known path (its text, or only its title, URL, date or metadata) replaces that path's document.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from vectorstore import Store
from wording import Message

from ..errors import IngestAbortedError, LoadError, StoreError
from ..facts import extract_facts
from ..results import FileResult, IngestReport
from ..settings import Settings
from ..vn.text import lexical_terms
from .chunking import chunk_text
from .embeddings import Embedder
from .loaders import SUPPORTED_SUFFIXES, LoadedDocument, load_file

__all__ = ["doc_id_for", "collect_files", "ingest_paths", "passage_text", "prepare_document"]

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]  # (done, total, current source)


def doc_id_for(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def passage_text(title: str, chunk: str) -> str:
    """What is embedded and indexed for a chunk: with its article's title, a chunk is found by the topic too."""
    return f"{title}\n{chunk}"


def _unfollowed(link: Path) -> Message | None:
    """Why a symbolic link met inside a folder is not ingested (None: it leads to a file, which is)."""
    if not link.exists():
        return Message("indexing.broken_link")
    return Message("indexing.link_to_folder") if link.is_dir() else None


def collect_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[FileResult]]:
    """Expand folders (recursively, supported types only, hidden files skipped, links to folders not followed);
    missing paths and unusable links are rejected with their reason."""
    files: list[Path] = []
    rejected: list[FileResult] = []
    for p in map(Path, paths):
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if any(part.startswith(".") for part in f.relative_to(p).parts):
                    continue
                why = _unfollowed(f) if f.is_symlink() else None
                if why:
                    rejected.append(FileResult(str(f), "rejected", why))
                elif f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES:
                    files.append(f)
        elif p.exists():
            files.append(p)
        else:
            why = _unfollowed(p) if p.is_symlink() else Message("indexing.no_such_path")
            rejected.append(FileResult(str(p), "rejected", why))
    return list(dict.fromkeys(files)), rejected


def prepare_document(
    embedder: Embedder, settings: Settings, doc: LoadedDocument, limit: bool = True
) -> tuple[dict[str, Any], list[dict[str, Any]], Any, list[dict[str, Any]]]:
    """Chunk, embed and read the facts of one document, outside the write lock (embedding is the slow part):
    (document row, chunk rows, vectors (n_chunks, dim), fact records). With `limit`, raises LoadError past
    `settings.max_chunks_per_doc` chunks, before any embedding."""
    doc_id = doc_id_for(doc.text)
    nodes = chunk_text(doc.text, doc_id, settings.chunk_chars)
    if limit and len(nodes) > settings.max_chunks_per_doc:
        most = settings.max_chunks_per_doc
        too_long = Message("indexing.too_long", chunks=len(nodes), chars=settings.chunk_chars, limit=most)
        raise LoadError(doc.source, too_long)
    texts = [passage_text(doc.title, n.text) for n in nodes]
    vectors = embedder.embed_passages(texts)
    chunks = [
        {
            "chunk_id": n.node_id,
            "idx": i,
            "start": n.start_char_idx,
            "end": n.end_char_idx,
            "terms": " ".join(lexical_terms(t)),
        }
        for i, (n, t) in enumerate(zip(nodes, texts, strict=True))
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
    return row, chunks, vectors, [{"record_id": doc_id, **facts.to_dict()}]


def _ingest_one(store: Store, embedder: Embedder, settings: Settings, doc: LoadedDocument) -> FileResult:
    doc_id = doc_id_for(doc.text)

    def unchanged() -> FileResult | None:
        same = store.document(doc_id)
        if same is None:
            return None
        if same["source"] != doc.source:
            same_as = Message("indexing.same_content", source=same["source"])
            return FileResult(doc.source, "unchanged", same_as, doc_id, same["n_chunks"])
        # the same text with other front matter (a title corrected, a URL added) is an update: the fields follow it
        fields = (same["title"], same["url"], same["date"], same["metadata"])
        if fields != (doc.title, doc.url, doc.date, doc.metadata):
            return None
        return FileResult(doc.source, "unchanged", None, doc_id, same["n_chunks"])

    done = unchanged()
    if done:
        return done
    try:
        row, chunks, vectors, facts = prepare_document(embedder, settings, doc)
    except LoadError as e:
        return FileResult(e.source, "rejected", e.reason)
    with store.writer():  # held for the write only; another writer may have added the same text meanwhile
        done = unchanged()
        if done:
            return done
        old = store.document_by_source(doc.source)
        try:
            store.put_document(
                row, chunks, vectors, embedder.identity, replaces=old["doc_id"] if old else None, facts=facts
            )
        except StoreError as e:
            # failed after its rows committed (the vectors' bookkeeping: a server gone, a full disk): the document
            # is whole and counts as done; the next writer clears what was left
            if store.document(doc_id) is None:
                raise
            log.warning("%s: stored, but the write did not finish: %s", doc.source, e)
    return FileResult(doc.source, "updated" if old else "added", None, doc_id, len(chunks))


def ingest_paths(
    store: Store, embedder: Embedder, settings: Settings, paths: Iterable[str | Path], progress: Progress | None = None
) -> IngestReport:
    """Ingest files and folders, one store write per document (others may write between them). A store failure
    stops the batch with IngestAbortedError, whose report says what was done before."""
    files, rejected = collect_files(paths)
    report = IngestReport(list(rejected))
    max_bytes = int(settings.max_file_mb * 1_000_000)
    try:
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
    except StoreError as e:
        raise IngestAbortedError("indexing.stopped", report, error=e, counts=report.summary()) from None
    if progress:
        progress(len(files), len(files), "")
    return report
