"""Follow-up questions without an LLM: carry the asked field over and replace the entity.

"Ai là trưởng đoàn kiểm tra tại Trà Vinh?" then "Còn ở Đắk Lắk thì sao?" -> "Ai là trưởng đoàn kiểm tra tại Đắk Lắk?".
A question that asks something of its own is left as it is.
"""

from __future__ import annotations

import re
from typing import Any

from .vn.entities import team_number_spans, team_numbers
from .vn.gazetteer import find_provinces
from .vn.text import fold, nfc

__all__ = ["standalone_question", "message_text"]

# "Còn ở Đắk Lắk thì sao?", "Thế còn đoàn số 4?", "What about Dak Lak?", "And in Tra Vinh?", "Đắk Lắk thì sao?"
_FOLLOWUP = re.compile(r"^(?:(?:vay|the) )?con\b|\bthi sao\b|\bthi the nao\b|^(?:and|what about|how about)\b")


def message_text(message: dict[str, Any]) -> str:
    """Text of a chat message in messages format (content as a string or a list of parts)."""
    content = message.get("content", "")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    return ""


def standalone_question(question: str, history: list[dict[str, Any]] | None) -> str:
    """The question with the previous user question's field and this question's entities."""
    text = nfc(question).strip()
    if not history or not _FOLLOWUP.search(fold(text)):
        return question
    previous = next((message_text(m) for m in reversed(history) if m.get("role") == "user"), "")
    previous = nfc(previous).strip()
    if not previous:
        return question
    provinces = find_provinces(text)
    teams = team_numbers(text)
    if not provinces and not teams:
        return question
    out = previous
    # The follow-up re-targets the question: its entity replaces the previous one of the same kind, and a
    # previous entity of the other kind goes (team 5 was in Trà Vinh; "Còn đoàn số 4?" is not about Trà Vinh).
    old_provinces = find_provinces(out)
    if provinces:
        new = provinces[0][0].name
        if old_provinces:
            _, a, b = old_provinces[0]
            out = out[:a] + new + out[b:]
        else:
            out = re.sub(r"\s*([?.!]*)$", lambda m: f" tại {new}{m.group(1)}", out, count=1)
    elif old_provinces:
        _, a, b = old_provinces[0]
        prep = re.search(r"\s*\b(?:tại|ở|tai|o|in|at)\s+$", out[:a], re.I)
        out = out[: prep.start() if prep else a] + out[b:]
    spans = team_number_spans(out)
    if teams:
        if spans:
            _, a, b = spans[0]
            out = out[:a] + str(teams[0]) + out[b:]
        else:
            out = re.sub(r"(?i)(đoàn kiểm tra|doan kiem tra|inspection team)", rf"\1 số {teams[0]}", out, count=1)
    elif spans:  # the team was the old question's: "số 5" goes with it
        _, a, b = spans[0]
        marker = re.search(r"\s*\b(?:so|no\.?|number)\s*0*$", fold(out[:a]))
        out = out[: marker.start() if marker else a].rstrip() + out[b:]
    return out
