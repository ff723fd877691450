"""Inspection records: the model, extraction from articles, presentation as rows."""

from .extract import extract_facts, extract_records
from .model import ROLES, ArticleFacts, InspectionRecord, Person, Unit
from .present import RECORD_COLUMNS, record_rows

__all__ = [
    "ArticleFacts",
    "InspectionRecord",
    "Person",
    "Unit",
    "ROLES",
    "extract_facts",
    "extract_records",
    "RECORD_COLUMNS",
    "record_rows",
]
