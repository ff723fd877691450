"""Inspection records: the model, extraction from articles, presentation."""

from .extract import *  # noqa: F401,F403
