"""`Assistant`: one data directory, its store and its embedder, and everything users do with them.

The module-level functions of `rag` (`ingest`, `ask`, `retrieve`) use one cached Assistant per settings.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import Any

from vectorstore import Health, SideFiles, Store
from wording import Message, render

from .errors import EmbedderMismatchError, LoadError, QueryError, RagError, StoreDamagedError
from .facts import EXTRACTOR_VERSION, ArticleFacts, InspectionRecord, extract_facts
from .indexing.embeddings import Embedder, make_embedder, precision
from .indexing.ingest import Progress, ingest_paths, passage_text, prepare_documents
from .indexing.loaders import LoadedDocument
from .llm.backend import make_llm
from .llm.stream import llm_answer, streamed
from .llm.verify import condense
from .query.answers.citations import refusal
from .query.answers.combined import combined_answer
from .query.answers.extractive import extractive_answer
from .query.answers.facts import Event, events_of, fact_answer
from .query.answers.open import is_open, open_answer
from .query.answers.scope import describe
from .query.followups import standalone_question
from .query.questions import Known, Query, analyze
from .query.retrieval import Retriever
from .results import Answer, IngestReport, Passage
from .settings import Settings
from .vn.gazetteer import spellings
from .vn.legal import find_legal_refs
from .vn.text import fold, syllables

__all__ = ["Assistant"]

_PLACE_WORDS = ("tinh", "thanh", "pho")  # "tỉnh Yên Bái" is written "Yên Bái" as often

log = logging.getLogger("rag")

MAX_QUESTION_CHARS = 2000
# A local unit's owner that names one place ("duc trong", "phuong hoa minh"), not a kind of unit every province has
# ("cong an tinh", "ban to chuc tinh uy"): only those are looked for in questions typed without capitals.
_PROPER_OWNER = re.compile(
    r"(?!.*\b(?:tinh|thanh pho|cong an|quan su|bo doi|ban|ubnd|uy ban)\b)(?:[a-z’'-]+ ){1,5}[a-z’'-]+"
)


class Assistant:
    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None):
        """`embedder` overrides the one named by `settings.embedder` (tests pass small hand-made ones)."""
        self.settings = settings or Settings()
        self._seed_lock = threading.Lock()
        self._facts: tuple[tuple[int, int], list[ArticleFacts], Known, list[Event]] | None = None
        self._texts: dict[str, str] = {}  # doc_id -> text, the most recently read last
        self._texts_lock = threading.Lock()
        if embedder is not None:
            self.embedder = embedder

    # --- lazily opened parts ------------------------------------------------------------------------------------
    @cached_property
    def _opened(self) -> Store:
        """The store as found on disk, sound or not (`check` and `repair` work on it)."""
        s = self.settings
        return Store(
            Path(s.data_dir).expanduser(), s.collection, s.chroma_host, s.chroma_port, s.lock_timeout, s.database_url
        )

    @cached_property
    def side_files(self) -> SideFiles:
        """The data dir's files beside the store (the feeds' state and poll lock), without opening the store: a
        damaged one still lists its feeds, and listing them never starts Chroma."""
        s = self.settings
        return Store.side_files(Path(s.data_dir).expanduser(), s.lock_timeout, s.database_url)

    @cached_property
    def store(self) -> Store:
        """The store, checked on first use (`Store.check`, without comparing every id): a damaged one (damaged
        catalog file, lost catalog, missing vectors) is one clear error naming what to run, never silently re-seeded,
        written into or half answered."""
        health = self._opened.check()
        if not health.ok:
            raise StoreDamagedError("assistant.damaged", data_dir=self.settings.data_dir, problem=health.line())
        return self._opened

    def close(self) -> None:
        """Close the store if it was opened (unchecked: a damaged one closes too); a later use opens it again."""
        opened = self.__dict__.pop("_opened", None)
        self._reopen()
        if opened is not None:
            opened.close()

    @cached_property
    def embedder(self) -> Embedder:
        s = self.settings
        return make_embedder(s.embedder, Path(s.models_dir).expanduser(), s.embed_threads, s.e5_engine)

    @cached_property
    def retriever(self) -> Retriever:
        self.store.check_embedder(self.embedder.identity)
        return Retriever(self.store, self.embedder, self.settings)

    # --- writing ------------------------------------------------------------------------------------------------
    def ingest(self, paths: Iterable[str | Path], progress: Progress | None = None) -> IngestReport:
        self.store.check_embedder(self.embedder.identity)
        return ingest_paths(self.store, self.embedder, self.settings, list(paths), progress)

    def ensure_seeded(self) -> IngestReport | None:
        """Ingest the seeds when the store is empty (first start). Returns the report, or None if not needed. Never
        waits: while another thread or process writes (maybe seeding), readers go on with what is there."""
        if not self.settings.auto_seed or self.store.counts()[0] > 0:
            return None
        if not self._seed_lock.acquire(blocking=False):
            return None
        try:
            writer = self.store.try_writer()
            if writer is None:
                log.info("another writer holds the store (%s); not seeding now", self.store.catalog.path)
                return None
            with writer:
                if self.store.counts()[0] > 0:
                    return None
                return self.ingest([self.settings.seeds_path()])
        finally:
            self._seed_lock.release()

    def remove(self, target: str) -> list[str]:
        """Remove documents by file path (a folder removes everything ingested under it) or by document id.
        Returns the removed sources."""
        docs = self.store.documents()
        path = str(Path(target).expanduser().resolve())
        hits = [
            d
            for d in docs
            if d["doc_id"] == target
            or d["source"] == path
            or d["source"].startswith(path.rstrip("/") + "/")
            or d["source"].startswith(path + "#")
        ]
        if not hits and re.fullmatch(r"[0-9a-f]{4,16}", target):
            hits = [d for d in docs if d["doc_id"].startswith(target)]
        if not hits:
            raise RagError("assistant.nothing_to_remove", target=target)
        with self.store.writer():
            for d in hits:
                self.store.remove_document(d["doc_id"])
                with self._texts_lock:
                    self._texts.pop(d["doc_id"], None)
        return [d["source"] for d in hits]

    def reindex(self, progress: Progress | None = None) -> int:
        """Re-chunk and re-embed every stored document with the current settings, as a new generation: the old one
        keeps answering (here and in other processes) until the switch, and other writers wait only for each
        document's write. Returns the number of documents built."""

        def prepare(rows: list[dict[str, Any]]) -> list[tuple[list[dict[str, Any]], Any, list[dict[str, Any]]]]:
            docs = [
                LoadedDocument(
                    d["source"],
                    self._opened.document_text(d["doc_id"]) or "",
                    d["title"],
                    d["url"],
                    d["date"],
                    d["metadata"],
                )
                for d in rows
            ]
            # a stored document stays, even past a chunk limit lowered since it was ingested: never a LoadError
            prepared = prepare_documents(self.embedder, self.settings, docs, limit=False)
            return [(p[1], p[2], p[3]) for p in prepared if not isinstance(p, LoadError)]

        n = self._opened.rebuild(self.embedder.identity, prepare, progress)  # also rebuilds a store missing vectors
        self._reopen()
        return n

    def _reopen(self) -> None:
        """After a reindex or a repair: check the store again on next use, with a new retriever."""
        for stale in ("store", "retriever"):
            self.__dict__.pop(stale, None)

    def check(self, full: bool = True) -> Health:
        """SQLite's page check, then catalog against vectors (counts, or with `full` every id: missing and orphan
        vectors) and the embedder's identity. `Health.line()` says what is wrong and what to run."""
        health = self._opened.check(full=full)
        if health.ok and health.embedder:
            try:
                self._opened.check_embedder(self.embedder.identity)
            except EmbedderMismatchError as e:
                health.problems.append(e.message)
        return health

    def backup(self, dest: str | Path) -> Path:
        """A consistent copy of the catalog (every document's text, chunks and facts) at `dest`, taken while the page
        and other processes go on. To restore: stop writers, copy it to `<data dir>/catalog.sqlite3`, run `repair`
        (it re-embeds the vectors the copy does not match). With a PostgreSQL catalog, `pg_dump`'s custom format
        (restored with `pg_restore`). Returns the path written."""
        path = Path(dest).expanduser().resolve()
        self._opened.backup(path)
        return path

    def repair(self, progress: Progress | None = None) -> tuple[int, int]:
        """Re-embed the chunks whose vector is missing, from the catalog's text, and delete vectors that belong to
        no chunk. Returns (re-embedded, deleted)."""

        def embed(rows: list[dict[str, Any]]) -> Any:
            return self.embedder.embed_passages([passage_text(r["title"], r["text"]) for r in rows])

        done = self._opened.repair(embed, self.embedder.identity, progress)
        self._reopen()
        return done

    # --- reading ------------------------------------------------------------------------------------------------
    @staticmethod
    def _check(question: str) -> None:
        if not isinstance(question, str) or not question.strip():
            raise QueryError("query.empty")
        if len(question) > MAX_QUESTION_CHARS:
            raise QueryError("query.too_long", length=len(question), limit=MAX_QUESTION_CHARS)

    def _query(self, question: str) -> Query:
        self._check(question)
        return analyze(question, self._facts_cache()[2])

    def retrieve(self, question: str, k: int | None = None) -> list[Passage]:
        """The k best passages (default `top_k`; 1 to 50)."""
        if k is not None and not 1 <= k <= 50:
            raise QueryError("query.k_range", low=1, high=50, k=k)
        query = self._query(question)
        return self.retriever.search(query, k)

    @cached_property
    def llm(self) -> Any | None:
        """The configured llama-index LLM (RAG_LLM), or None."""
        return make_llm(self.settings)

    def ask(
        self, question: str, history: list[dict[str, Any]] | None = None, on_token: Callable[[str], None] | None = None
    ) -> Answer:
        """Answer `question` from the ingested articles. With `history` (chat messages, {"role", "content"}), a
        follow-up such as "Còn ở Đắk Lắk thì sao?" is answered as the previous question about Đắk Lắk.
        With an LLM configured, `on_token` receives its text as it is generated (before verification)."""
        followup = standalone_question(question, history)
        self._check(followup)  # before anything slow happens
        if followup.unclear and (self.llm is None or not history):  # "ở đó" with nothing before: ask which
            return Answer(question, followup.clarification, False, language=followup.language, mode="clarify")
        standalone = str(followup)
        self.ensure_seeded()
        retriever = self.retriever  # refuses an index built by another embedder, whichever route answers
        if self.llm is not None and history:
            standalone = condense(self.llm, question, history, standalone)
        with self.store.reading():  # the catalog's change stamp read once for the whole question
            answer = self._answer(standalone, retriever, on_token)
            for c in answer.citations:  # every route cites the article; its date is the catalog's
                if c.date is None and (doc := self.store.document(c.doc_id)):
                    c.date = doc["date"]
        # the answer was built for the rewritten question; the user's own words stay its question
        answer.question, answer.standalone = question, standalone
        return answer

    def _answer(self, standalone: str, retriever: Retriever, on_token: Callable[[str], None] | None) -> Answer:
        query = self._query(standalone)
        unknown = next((name for name in query.unknown if not self._mentioned(name)), None)
        if unknown:  # "Kẻ Gian là ai?", "tỉnh Hà Tây": nothing to answer from, and nothing to list instead
            return refusal(query, unknown)
        _, articles, _, events = self._facts_cache()
        combined = combined_answer(
            query, articles, events, self.document_text, lambda sub: self._answer(sub, retriever, None), self._mentioned
        )
        if combined is not None:  # an aggregate, or a question naming two places, units or people
            return self._corrected(query, combined)
        opens = is_open(query)  # what / how / why: no record field answers it, but the records say whose teams
        # worked where (a question about the Subcommittee's work where only another body's team was is refused)
        asked = replace(query, fields=["free"]) if opens else query
        result = fact_answer(asked, articles, self.document_text, events)
        if result.ambiguous:  # several teams would answer a question about one: say so instead of picking
            return refusal(query, ambiguous=result.ambiguous)
        facts = result.answer
        if facts is not None and self.llm is None:
            return self._corrected(query, facts)
        if result.missing and query.wants_list and not opens:  # "Which provinces did X inspect in 2022?": the
            return refusal(query, describe(query), result.missing)  # records of X in 2022 are the list; none says
        stats = retriever.term_stats(query.terms)
        # candidates from both sides: the passage route keeps the best of those whose article names every entity
        passages = retriever.search(query, k=self.settings.candidates, stats=stats)
        opened = open_answer(query, passages, stats.idf(), self.document_text) if opens else None
        exact = self._corrected(
            query,
            facts
            or opened
            or extractive_answer(query, passages, stats.idf(), self.document_text, self.settings, self._mentioned),
        )
        if self.llm is None or not exact.found:
            return exact  # nothing relevant: no LLM call
        return llm_answer(
            self.llm,
            query,
            passages,
            facts,
            exact,
            settings=self.settings,
            embedder=self.embedder,
            document_text=self.document_text,
            on_token=on_token,
        )

    @staticmethod
    def _corrected(query: Query, answer: Answer) -> Answer:
        """A misspelling read as something else is said in the answer, never silently assumed."""
        if query.corrections and answer.found:
            said = " ".join(render(f"correction_{query.language}", typed=t, meant=m) for t, m in query.corrections)
            answer.answer = f"{said}\n{answer.answer}"
        return answer

    def _mentioned(self, name: str) -> bool:
        """Whether any ingested article names `name`: a team number or a document by the records of every article
        (a phrase of such common words takes seconds to search over a large library), a year or a date is not
        claimed absent, anything else by a phrase search on the lexical index, in each of its spellings (either
        language)."""
        articles = self._facts_cache()[1]
        team = re.fullmatch(r"(?:Đoàn kiểm tra số|inspection team no\.) (\d+)", name)
        if team:
            return any(r.team == int(team[1]) for a in articles for r in a.events)
        if refs := find_legal_refs(name):
            return any(x.key == refs[0].key for a in articles for x in a.legal)
        if re.search(r"\d", name):
            return True
        phrases = ([w for w in syllables(f) if w not in _PLACE_WORDS] or syllables(f) for f in spellings(name))
        return any(self.store.phrase_found(words) for words in phrases)

    def ask_stream(self, question: str, history: list[dict[str, Any]] | None = None) -> Iterator[str | Answer]:
        """Yield the LLM's text as it comes (nothing without an LLM), then the verified `Answer` last."""
        yield from streamed(lambda on_token: self.ask(question, history, on_token))

    def records(self) -> list[InspectionRecord]:
        """Every inspection record in the index."""
        return [r for a in self.facts() for r in a.events]

    def facts(self) -> list[ArticleFacts]:
        """What every article says: its inspection events, the people it names, its legal references."""
        return self._facts_cache()[1]

    def _facts_cache(self) -> tuple[tuple[int, int], list[ArticleFacts], Known, list[Event]]:
        """Facts parsed once per change of the catalog; rows stored by another extractor version are read again from
        their text (in memory: `rag reindex` stores them anew)."""
        version = self.store.facts_version()
        if self._facts is None or self._facts[0] != version:
            articles = []
            docs = {d["doc_id"]: d for d in self.store.documents()} if version[0] else {}
            stale = 0
            for row in self.store.facts():
                if "events" in row and row.get("extractor") == EXTRACTOR_VERSION:
                    articles.append(ArticleFacts.from_dict(row))
                elif row.get("doc_id") in docs and not any(a.doc_id == row["doc_id"] for a in articles):
                    stale += 1
                    d = docs[row["doc_id"]]
                    articles.append(
                        extract_facts(self.document_text(d["doc_id"]), d["doc_id"], d["source"], d["title"], d["date"])
                    )
            if stale:
                log.info(
                    "%d articles' facts were stored by an older extractor; read again (`rag reindex` stores them)",
                    stale,
                )
            people = {
                fold(p.name): p.name for a in articles for p in a.people + [x for e in a.events for x in e.people]
            }
            locals_ = frozenset(
                u.key[6:]
                for a in articles
                for e in a.events
                for u in e.units
                if u.key.startswith("local:") and _PROPER_OWNER.fullmatch(u.key[6:])
            )
            events = events_of([r for a in articles for r in a.events])
            self._facts = (version, articles, Known(people, locals_), events)
        return self._facts

    def documents(self) -> list[dict[str, Any]]:
        """The ingested articles: doc_id, source, title, url, date, metadata, n_chunks, added_at."""
        return self.store.documents()

    def document_text(self, doc_id: str) -> str:
        """The stored text of a document: citations' offsets point into it. A document's id derives from its text,
        so a text once read stays right for its id: the last ones read are kept (the answer routes read each
        candidate article several times)."""
        with self._texts_lock:  # (the page answers and ingests in several threads)
            text = self._texts.pop(doc_id, None)
        text = text or self.store.document_text(doc_id) or ""
        with self._texts_lock:
            if text:
                self._texts[doc_id] = text
            while len(self._texts) > 256:
                del self._texts[next(iter(self._texts))]
        return text

    def stats(self) -> dict[str, Any]:
        """What the index holds, and whether it is sound (the check run at open; `rag check` compares every id)."""
        health = self._opened.check()
        return {
            "data_dir": str(self.settings.data_dir),
            "catalog_at": self._opened.catalog.path,  # (a database is named without its password)
            "vectors_at": self._opened.where,
            "documents": health.documents,
            "chunks": health.chunks,
            "vectors": health.vectors,
            "embedder": (health.embedder or {}).get("name", self.settings.embedder),
            "precision": precision(self.settings.embedder, self.settings.e5_engine),
            "dim": (health.embedder or {}).get("dim"),
            "generation": health.generation,
            "integrity": Message("assistant.with_notes", health=health.line(), notes=health.notes)
            if health.notes
            else health.line(),
        }
