"""Inspection records: the model, extraction from articles, presentation as rows."""

from .extract import EXTRACTOR_VERSION, extract_facts, extract_records
from .model import ROLES, ArticleFacts, InspectionRecord, Person, Unit
from .present import RECORD_COLUMNS, record_rows

__all__ = [
    "ArticleFacts",
    "InspectionRecord",
    "Person",
    "Unit",
    "ROLES",
    "EXTRACTOR_VERSION",
    "extract_facts",
    "extract_records",
    "RECORD_COLUMNS",
    "record_rows",
]
