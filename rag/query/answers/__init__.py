"""Answers: from inspection records, from retrieved passages, and (optionally) from an LLM, verified."""
