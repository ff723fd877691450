"""Sentence-aligned chunks with exact character offsets into the stored document text.

llama-index's SentenceSplitter re-joins split text and finds offsets by searching, which drifts on repeated
sentences; here chunks are cut on our own sentence spans, so `text[node.start_char_idx:node.end_char_idx]` is
always the chunk's text. Output: llama-index `TextNode`s (the currency of its retrievers and stores).

max_chars is a hard bound: a sentence longer than it is cut at clauses, else at white space, else hard (see
`vn.text.split_long`), so a 5 MB single-line file gives ~6000 chunks, not one of 5 MB. Linear in the text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..vn.text import bounded_sentences

if TYPE_CHECKING:
    from llama_index.core.schema import TextNode

__all__ = ["chunk_text", "chunk_id"]


def chunk_id(doc_id: str, index: int) -> str:
    # doc_id is a hash of the content, so chunk ids are content-derived too: re-ingest upserts the same ids.
    return f"{doc_id}-{index:04d}"


def chunk_text(text: str, doc_id: str, max_chars: int = 900) -> list[TextNode]:
    """Greedy packing of whole sentences into chunks of at most max_chars (a longer sentence is cut into pieces
    first). A paragraph break ends a chunk once it holds half of max_chars, so chunks follow the article's structure.
    Chunks are in order and apart by white space only: text[start:end] == chunk text, len <= max_chars."""
    spans = bounded_sentences(text, max_chars)
    groups: list[list[tuple[int, int]]] = []
    cur: list[tuple[int, int]] = []
    for a, b in spans:
        if cur:
            size = b - cur[0][0]
            paragraph_break = "\n\n" in text[cur[-1][1] : a]
            if size > max_chars or (paragraph_break and cur[-1][1] - cur[0][0] >= max_chars // 2):
                groups.append(cur)
                cur = []
        cur.append((a, b))
    if cur:
        groups.append(cur)
    from llama_index.core.schema import TextNode  # imported here: only ingest needs it (slow import)

    nodes = []
    for i, g in enumerate(groups):
        start, end = g[0][0], g[-1][1]
        nodes.append(
            TextNode(
                id_=chunk_id(doc_id, i),
                text=text[start:end],
                start_char_idx=start,
                end_char_idx=end,
                metadata={"doc_id": doc_id, "index": i},
            )
        )
    return nodes
