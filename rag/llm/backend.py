"""LLM backends through llama-index, imported only when configured (optional extra `[llm]`).

RAG_LLM = none | ollama:<model> | openai-like:<model> | llamacpp:<path to .gguf>."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..settings import Settings

__all__ = ["make_llm"]

_PACKAGES = {
    "ollama": "llama-index-llms-ollama",
    "openai-like": "llama-index-llms-openai-like",
    "llamacpp": "llama-index-llms-llama-cpp",
}


def make_llm(settings: Settings) -> Any | None:
    """The configured llama-index LLM, or None for `none`."""
    if settings.llm == "none":
        return None
    kind, _, arg = settings.llm.partition(":")
    try:
        if kind == "ollama":
            from llama_index.llms.ollama import Ollama

            return Ollama(
                model=arg,
                base_url=settings.llm_base_url or "http://127.0.0.1:11434",
                request_timeout=settings.llm_timeout,
                temperature=0.1,
                additional_kwargs={"num_predict": settings.llm_max_tokens},
            )
        if kind == "openai-like":
            if not settings.llm_base_url:
                raise ConfigError("llm.base_url_missing", example="http://127.0.0.1:8080/v1")
            from llama_index.llms.openai_like import OpenAILike

            return OpenAILike(
                model=arg,
                api_base=settings.llm_base_url,
                api_key=settings.llm_api_key or "unused",
                is_chat_model=True,
                timeout=settings.llm_timeout,
                max_tokens=settings.llm_max_tokens,
                temperature=0.1,
            )
        if not Path(arg).is_file():
            raise ConfigError("llm.model_missing", path=arg)
        from llama_index.llms.llama_cpp import LlamaCPP

        llm = LlamaCPP(
            model_path=arg,
            temperature=0.1,
            max_new_tokens=settings.llm_max_tokens,
            context_window=settings.llm_context,
            verbose=False,
            model_kwargs={"n_threads": 2, "n_gpu_layers": 0},
        )
        _use_model_chat_format(llm)
        return llm
    except ImportError as e:
        raise ConfigError("llm.package_missing", llm=settings.llm, package=_PACKAGES[kind], module=e.name) from None


def _use_model_chat_format(llm: Any) -> None:
    """Format chats the way the GGUF's model was trained: its embedded chat template, or Gemma's turns for Gemma
    files without one; otherwise llama-index's default stays. A wrong format makes small models ramble."""
    model = llm._model
    meta = model.metadata
    template = meta.get("tokenizer.chat_template")
    if template:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        bos, eos = (model._model.token_get_text(t) for t in (model.token_bos(), model.token_eos()))
        formatter = Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos)

        def messages_to_prompt(messages: Any) -> str:
            prompt = formatter(messages=[{"role": m.role.value, "content": m.content} for m in messages]).prompt
            return prompt[len(bos) :] if prompt.startswith(bos) else prompt  # llama.cpp adds BOS itself
    elif meta.get("general.architecture", "").startswith("gemma"):

        def messages_to_prompt(messages: Any) -> str:  # Gemma has no system role: it opens the first user turn
            system = "\n\n".join(m.content for m in messages if m.role.value == "system")
            turns = [m for m in messages if m.role.value != "system"]
            out = ""
            for i, m in enumerate(turns):
                text = f"{system}\n\n{m.content}" if i == 0 and system else m.content
                out += f"<start_of_turn>{'model' if m.role.value == 'assistant' else 'user'}\n{text}<end_of_turn>\n"
            return out + "<start_of_turn>model\n"

        llm.generate_kwargs["stop"] = ["<end_of_turn>"]
    else:
        return
    llm.messages_to_prompt = messages_to_prompt
    llm.completion_to_prompt = lambda text: messages_to_prompt([_user(text)])


def _user(text: str) -> Any:
    from llama_index.core.llms import ChatMessage

    return ChatMessage(role="user", content=text)
