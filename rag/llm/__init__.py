"""The optional LLM: the backend (`backend`), the streaming of its answer (`stream`) and the check that every
sentence of it is quoted from the articles (`verify`)."""
