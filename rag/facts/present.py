"""Records as rows for tables and CSV: people, units and references joined with '; '; `basis` the documents the
team works under (the facts tab's "Căn cứ"), `legal` every reference in the event's sentences."""

from __future__ import annotations

from typing import Any

from ..vn.dates import row_date
from .model import InspectionRecord

__all__ = ["RECORD_COLUMNS", "record_rows"]

RECORD_COLUMNS = [
    "team",
    "body",
    "leader",
    "deputy",
    "announcer",
    "province",
    "units",
    "date",
    "year",
    "basis",
    "legal",
    "source",
    "record_id",
]


def record_rows(records: list[InspectionRecord]) -> list[dict[str, Any]]:
    """One flat row per record (CSV export, tables)."""
    return [
        {
            "team": r.team if r.team is not None else "",
            "body": r.body or "",
            "province": r.province or "",
            "date": row_date(r.date),
            "year": r.year or "",
            **{
                role: "; ".join(dict.fromkeys(p.name for p in r.person(role)))
                for role in ("leader", "deputy", "announcer")
            },
            "units": "; ".join(u.name for u in r.units),
            "basis": "; ".join(dict.fromkeys(x.name for x in r.basis)),  # "Quy định số 58-QĐ/TW", once each
            "legal": "; ".join(x.code or f"{x.kind} {x.number}" for x in r.legal),
            "source": r.source,
            "record_id": r.record_id,
        }
        for r in records
    ]
