"""Cited answers to questions about Vietnamese news articles.

>>> import rag
>>> answer = rag.ask("Ai là trưởng đoàn kiểm tra tại Trà Vinh?")   # ingests the bundled seeds on first use
>>> answer.citations[0].quote                                        # verbatim: text[start:end] == quote

`ingest`, `ask` and `retrieve` use the settings from the environment (`RAG_*`), or pass `settings=`.
"""

# `__all__` is the public API. The names this module imports for its own use are private (`_Path`), so that `dir(rag)`
# adds only the subpackages to it; no
# `from __future__ import annotations` either (it would add `annotations`): the annotations stay evaluated, and
# help() shows them with their real names.
import threading as _threading
from collections.abc import Iterable as _Iterable
from importlib import metadata as _metadata
from pathlib import Path as _Path

from wording import LANGUAGES, Message, localized

from .assistant import MAX_QUESTION_CHARS, Assistant
from .errors import (
    ConfigError,
    EmbedderError,
    EmbedderMismatchError,
    FeedError,
    IngestAbortedError,
    LoadError,
    PromptError,
    QueryError,
    RagError,
    StoreDamagedError,
    StoreError,
    StoreLockedError,
    StoreUnavailableError,
)
from .evaluation import EvalReport, evaluate, load_gold
from .facts import RECORD_COLUMNS, record_rows
from .indexing.embeddings import TokenRate
from .indexing.ingest import Progress as _Progress
from .indexing.loaders import SUPPORTED_SUFFIXES, file_problem, source_file, source_name
from .query.followups import message_text
from .results import Answer, Citation, FileResult, IngestReport, Passage
from .settings import Settings
from .sources.feeds import FeedInfo, FeedResult, Feeds
from .sources.watch import Watcher
from .vn.dates import shown_date
from .vn.gazetteer import PROVINCES
from .vn.geo import CENTRES
from .vn.text import fold

__all__ = [
    "ingest",
    "ask",
    "retrieve",
    "get_assistant",
    "Assistant",
    "Settings",
    "Watcher",
    "Feeds",
    "FeedInfo",
    "FeedResult",
    "Answer",
    "Citation",
    "Passage",
    "IngestReport",
    "FileResult",
    "TokenRate",  # an ingest's speed in passage tokens per second, for its progress
    "RagError",
    "ConfigError",
    "LoadError",
    "EmbedderError",
    "EmbedderMismatchError",
    "FeedError",
    "IngestAbortedError",
    "QueryError",
    "PromptError",
    "StoreDamagedError",
    "StoreError",
    "StoreLockedError",
    "StoreUnavailableError",
    # messages: a catalog message (a str, in English) and any text in the language a reader is served
    "Message",
    "localized",
    "LANGUAGES",
    "MAX_QUESTION_CHARS",
    # files: the types ingested, why one is refused before it is read, a record's file and its shown name
    "SUPPORTED_SUFFIXES",
    "file_problem",
    "source_file",
    "source_name",
    # inspection records as table rows (CSV, the Dữ kiện tab), and the geography to map them
    "RECORD_COLUMNS",
    "record_rows",
    "PROVINCES",
    "CENTRES",
    # Vietnamese text: a date as shown, diacritic-free folding for matching what a reader typed
    "shown_date",
    "fold",
    # a chat message's text (Gradio hands content as text or parts)
    "message_text",
    # scoring against a gold file (`rag eval`)
    "evaluate",
    "load_gold",
    "EvalReport",
]


def _version() -> str:
    """The installed distribution's version; a checkout that was never installed says so."""
    try:
        return _metadata.version("rag-vn-news")
    except _metadata.PackageNotFoundError:
        return "0+unknown"


__version__ = _version()

_assistants: dict[str, Assistant] = {}
_lock = _threading.Lock()


def get_assistant(settings: Settings | None = None) -> Assistant:
    """The shared Assistant for these settings (default: from the environment); opened once, reused."""
    settings = settings or Settings()
    key = settings.model_dump_json()
    with _lock:
        if key not in _assistants:
            _assistants[key] = Assistant(settings)
        return _assistants[key]


def ingest(
    paths: _Iterable[str | _Path] | str | _Path, *, settings: Settings | None = None, progress: _Progress | None = None
) -> IngestReport:
    """Ingest files or folders (recursive). Bad files are reported in the result, never raised."""
    if isinstance(paths, (str, _Path)):
        paths = [paths]
    return get_assistant(settings).ingest(paths, progress)


def ask(question: str, history: list[dict[str, str]] | None = None, *, settings: Settings | None = None) -> Answer:
    """Answer with verbatim citations; `found=False` when the articles do not say. `history` is the conversation so
    far, oldest first, as chat messages {"role": "user" | "assistant", "content": text}: a follow-up ("Còn ở Đắk Lắk
    thì sao?") is answered as the self-contained question `Answer.standalone`."""
    return get_assistant(settings).ask(question, history)


def retrieve(question: str, k: int = 5, *, settings: Settings | None = None) -> list[Passage]:
    """The k best passages (hybrid dense + lexical retrieval)."""
    return get_assistant(settings).retrieve(question, k)
