"""LLM backends through llama-index, imported only when configured (optional extra `[llm]`).

RAG_LLM = none | ollama:<model> | openai-like:<model> | llamacpp:<path to .gguf>."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import ConfigError
from .settings import Settings

__all__ = ["make_llm"]

_PACKAGES = {"ollama": "llama-index-llms-ollama", "openai-like": "llama-index-llms-openai-like",
             "llamacpp": "llama-index-llms-llama-cpp"}


def make_llm(settings: Settings) -> Any | None:
    """The configured llama-index LLM, or None for `none`."""
    if settings.llm == "none":
        return None
    kind, _, arg = settings.llm.partition(":")
    try:
        if kind == "ollama":
            from llama_index.llms.ollama import Ollama

            return Ollama(model=arg, base_url=settings.llm_base_url or "http://127.0.0.1:11434",
                          request_timeout=settings.llm_timeout, temperature=0.1,
                          additional_kwargs={"num_predict": settings.llm_max_tokens})
        if kind == "openai-like":
            if not settings.llm_base_url:
                raise ConfigError("RAG_LLM=openai-like:… needs RAG_LLM_BASE_URL (e.g. http://127.0.0.1:8080/v1)")
            from llama_index.llms.openai_like import OpenAILike

            return OpenAILike(model=arg, api_base=settings.llm_base_url, api_key=settings.llm_api_key or "unused",
                              is_chat_model=True, timeout=settings.llm_timeout, max_tokens=settings.llm_max_tokens,
                              temperature=0.1)
        if not Path(arg).is_file():
            raise ConfigError(f"RAG_LLM=llamacpp: model file {arg} does not exist")
        from llama_index.llms.llama_cpp import LlamaCPP

        return LlamaCPP(model_path=arg, temperature=0.1, max_new_tokens=settings.llm_max_tokens,
                        context_window=settings.llm_context, verbose=False,
                        model_kwargs={"n_threads": 2, "n_gpu_layers": 0})
    except ImportError as e:
        raise ConfigError(f"RAG_LLM={settings.llm} needs {_PACKAGES[kind]} ({e.name} is missing): "
                          f"pip install 'rag-vn-news[llm]'") from None
