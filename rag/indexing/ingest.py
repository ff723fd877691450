"""Ingest: files -> documents -> chunks -> (terms, vectors) + fact records -> one journaled store write per
document.

A document's id is a hash of its normalized text, so identical content is a no-op wherever it comes from;
a changed file at a known path (its text, or only its title, URL, date or metadata) replaces that path's document.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
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

__all__ = ["GROUP_CHUNKS", "doc_id_for", "collect_files", "ingest_paths", "passage_text", "prepare_documents"]

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]  # (done, total, current source)
GROUP_CHUNKS = 128  # chunks embedded in one call, across articles: dozens of OpenVINO's batches, both streams busy


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


Prepared = tuple[dict[str, Any], list[dict[str, Any]], Any, list[dict[str, Any]]]  # row, chunks, (n, dim), facts


def prepare_documents(
    embedder: Embedder, settings: Settings, docs: list[LoadedDocument], limit: bool = True
) -> list[Prepared | LoadError]:
    """Chunk, embed and read the facts of documents, outside the write lock (embedding is the slow part): for each,
    (document row, chunk rows, vectors (n_chunks, dim), fact records), or with `limit` a LoadError past
    `settings.max_chunks_per_doc` chunks (before any embedding). All the documents' chunks are embedded in one call:
    the engine sorts them by length and fills its batches and streams across articles."""
    split: list[tuple[LoadedDocument, list[Any], list[str]] | LoadError] = []
    for doc in docs:
        nodes = chunk_text(doc.text, doc_id_for(doc.text), settings.chunk_chars)
        if limit and len(nodes) > settings.max_chunks_per_doc:
            most = settings.max_chunks_per_doc
            too_long = Message("indexing.too_long", chunks=len(nodes), chars=settings.chunk_chars, limit=most)
            split.append(LoadError(doc.source, too_long))
        else:
            split.append((doc, nodes, [passage_text(doc.title, n.text) for n in nodes]))
    vectors = embedder.embed_passages([t for d in split if not isinstance(d, LoadError) for t in d[2]])
    out: list[Prepared | LoadError] = []
    at = 0
    for d in split:
        if isinstance(d, LoadError):
            out.append(d)
            continue
        doc, nodes, texts = d
        doc_id = doc_id_for(doc.text)
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
        out.append((row, chunks, vectors[at : at + len(nodes)], [{"record_id": doc_id, **facts.to_dict()}]))
        at += len(nodes)
    return out


def _unchanged(store: Store, doc: LoadedDocument) -> FileResult | None:
    """The result for `doc` when the store already holds it as it is (None: it is new or changed)."""
    same = store.document(doc_id_for(doc.text))
    if same is None:
        return None
    if same["source"] != doc.source:
        same_as = Message("indexing.same_content", source=same["source"])
        return FileResult(doc.source, "unchanged", same_as, same["doc_id"], same["n_chunks"])
    # the same text with other front matter (a title corrected, a URL added) is an update: the fields follow it
    if (same["title"], same["url"], same["date"], same["metadata"]) != (doc.title, doc.url, doc.date, doc.metadata):
        return None
    return FileResult(doc.source, "unchanged", None, same["doc_id"], same["n_chunks"])


def _write(store: Store, embedder: Embedder, doc: LoadedDocument, prepared: Prepared | LoadError) -> FileResult:
    """One document's store write, under the write lock (held for it only)."""
    if isinstance(prepared, LoadError):
        return FileResult(prepared.source, "rejected", prepared.reason)
    row, chunks, vectors, facts = prepared
    with store.writer():
        done = _unchanged(store, doc)  # another writer may have added the same text since it was prepared
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
            if store.document(row["doc_id"]) is None:
                raise
            log.warning("%s: stored, but the write did not finish: %s", doc.source, e)
    return FileResult(doc.source, "updated" if old else "added", None, row["doc_id"], len(chunks))


def ingest_paths(
    store: Store, embedder: Embedder, settings: Settings, paths: Iterable[str | Path], progress: Progress | None = None
) -> IngestReport:
    """Ingest files and folders, one store write per document (others may write between them). Documents are
    embedded in groups of about GROUP_CHUNKS chunks, one group in a worker thread while the next is loaded and the
    last one written; `progress` counts the files written. A store failure stops the batch with IngestAbortedError,
    whose report says what was done before."""
    files, rejected = collect_files(paths)
    report = IngestReport(list(rejected))
    max_bytes = int(settings.max_file_mb * 1_000_000)
    # a group: its results in file order (each a FileResult already decided, or the index of a document to write),
    # its documents, and the index of its last file
    Group = tuple[list[FileResult | int], list[LoadedDocument], int]

    def write(group: Group, prepared: list[Prepared | LoadError]) -> None:
        slots, docs, last = group
        for slot in slots:
            report.results.append(
                slot if isinstance(slot, FileResult) else _write(store, embedder, docs[slot], prepared[slot])
            )
        if progress:  # files written so far, and the next one
            progress(last + 1, len(files), str(files[last + 1]) if last + 1 < len(files) else "")

    if progress and files:
        progress(0, len(files), str(files[0]))
    with ThreadPoolExecutor(1, thread_name_prefix="embed") as embedding:
        pending: tuple[Group, Future[list[Prepared | LoadError]]] | None = None
        group: Group = ([], [], 0)
        chunks = 0
        try:
            for i, path in enumerate(files):
                try:
                    items: list[LoadedDocument | LoadError] = list(load_file(path, max_bytes))
                except LoadError as e:
                    items = [e]
                for item in items:
                    if isinstance(item, LoadError):
                        group[0].append(FileResult(item.source, "rejected", item.reason))
                    elif done := _unchanged(store, item):
                        group[0].append(done)
                    else:
                        group[0].append(len(group[1]))
                        group[1].append(item)
                        chunks += len(item.text) // settings.chunk_chars + 1  # about: the chunker overlaps a little
                if chunks >= GROUP_CHUNKS or i == len(files) - 1:
                    group = (group[0], group[1], i)
                    started = embedding.submit(prepare_documents, embedder, settings, group[1])
                    if pending:
                        write(pending[0], pending[1].result())
                    pending, group, chunks = (group, started), ([], [], 0), 0
            if pending:
                write(pending[0], pending[1].result())
        except StoreError as e:
            raise IngestAbortedError("indexing.stopped", report, error=e, counts=report.summary()) from None
    return report
