"""Follow-up questions without an LLM: read a question that refers back as the self-contained question it means.

    elliptic   "Ai là trưởng đoàn kiểm tra tại Trà Vinh?" then "Còn ở Đắk Lắk thì sao?"
               -> "Ai là trưởng đoàn kiểm tra tại Đắk Lắk?"  (the earlier question, its entity replaced)
    anaphora   "Who led team 9 in Bac Giang?" then "What shortcomings did the team find there?"
               -> "What shortcomings did team 9 find in Bac Giang?"  (the follow-up's words, the earlier entities)
    new field  "… của Tiểu ban tại Kiên Giang?" then "Còn Phó Trưởng đoàn là ai?"
               -> "Phó Trưởng đoàn kiểm tra của Tiểu ban tại Kiên Giang là ai?"
    bare team  "… tại Nghệ An?" then "Đoàn làm việc ngày nào?" (a bare "đoàn" in a conversation, in a question that
               names nothing; "bao nhiêu đoàn", "đoàn nào" are questions of their own)
               -> "Đoàn kiểm tra tại Nghệ An làm việc ngày nào?"

The earlier user turns are resolved in order, so a follow-up of a follow-up reads from the last self-contained
question. What the earlier question asked and its answer named ("Who led team 6?" … "Phung Ba Thuoc") is what "he"
refers to. A follow-up that nothing resolves is `unclear`: the caller asks back instead of answering something else.
A question that neither starts as a follow-up nor refers back is left as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from wording import render

from ..vn.dates import find_years
from ..vn.entities import PLACE_WORDS, person_names, team_number_spans
from ..vn.gazetteer import COMMITTEES, find_bodies, find_provinces, find_units
from ..vn.text import fold, has_diacritics, nfc
from .questions import Query, analyze

__all__ = ["Standalone", "standalone_question", "message_text"]

# Vietnamese written accented, matched as typed: on the lower-cased text when it has diacritics ("Con số" is no
# "Còn", "ở Đô Lương" no "ở đó"), else on the folded text. Offsets are the text's either way.
# "Còn ở Đắk Lắk thì sao?", "Thế còn đoàn số 4?", "What about Dak Lak?", "And in Tra Vinh?", "Thế đoàn … ?": the
# words that mark a follow-up, stripped to leave what it says itself
# ("Thế nào là …", "Vậy là …" ask something of their own)
_LEAD = {
    "vi": r"^(?:(?:vậy|thế)\s+còn|vậy(?!\s+là\b)|thế(?!\s+nào\b)|còn)\b[\s,]*",
    "en": r"^(?:and|what about|how about)\b[\s,]*",
}
_TAIL = r"\s*\b(?:thì sao|thì thế nào|nữa(?:\s+không)?)\s*(?=[?.!]*$)"
# the anaphors by what they stand for; "the team 9" names its team, "were there" is no place
_ANAPHOR = "|".join(
    f"(?P<{kind}>{pattern})"
    for kind, pattern in (
        (
            "team",
            r"\bđoàn (?:kiểm tra |công tác )?(?:đó|này|ấy)\b(?!\s+(?:ông|bà|đồng chí)\b)"  # (folded "do" is "by")
            r"|\b(?:that|this) (?:inspection )?team\b(?!\s*(?:no\.?|number)?\s*\d)",
        ),
        # "the team" refers back only in a question that names nothing ("Who led the inspection team in Nghe An?")
        ("the_team", r"\bthe (?:inspection )?team\b(?!\s*(?:no\.?|number)?\s*\d)"),
        # so does a bare "đoàn" in a conversation ("Đoàn làm việc ngày nào?", "Ai là trưởng đoàn?"): not one counted
        # or asked for ("bao nhiêu đoàn", "đoàn nào"), nor one the question names ("đoàn kiểm tra số 5", "đoàn đó")
        (
            "bare_team",
            r"(?<!bao nhiêu )(?<!mấy )(?<!các )(?<!những )(?<!mỗi )(?<!từng )(?<!nhiều )(?<!một )"
            r"\bđoàn(?: kiểm tra| công tác)?\b"
            r"(?!\s+(?:kiểm tra|công tác|số|nào|của|tại|ở|do|này|đó|ấy|đấy|khác|\d))",
        ),
        ("province", r"\b(?:tỉnh|thành phố|địa phương) (?:đó|này|ấy)\b|\b(?:that|this|the same) (?:province|city)\b"),
        (
            "place",
            r"\b(?:ở|tại|nơi) (?:đó|đấy|đây)\b|(?<!is )(?<!are )(?<!was )(?<!were )\bthere\b(?! (?:is|are|was|were)\b)",
        ),
        ("title", r"\b(?:chức vụ|chức danh|vị trí) (?:đó|này|ấy)\b|\b(?:that|this|the same) (?:position|post|title)\b"),
        ("person", r"\b(?:người|đồng chí|ông|bà) (?:đó|này|ấy)\b|\b(?:he|she|him|his|her)\b|\bthat person\b"),
        ("body", r"\bits?\b"),
    )
)
_PATTERNS = {
    p: (re.compile(p), re.compile(fold(p).replace("(?p<", "(?P<"))) for p in (*_LEAD.values(), _TAIL, _ANAPHOR)
}


def _finditer(pattern: str, text: str, start: int = 0) -> list[re.Match[str]]:
    accented, folded = _PATTERNS[pattern]
    if has_diacritics(text):
        return list(accented.finditer(text.lower(), start))
    return list(folded.finditer(fold(text), start))


# fields whose answer is a person: "he" after "Who led team 6?" is the one the answer names
_PERSON_FIELDS = {"leader", "deputy", "announcer", "chair", "host", "attendee", "person"}
# the province as a place, with the committee or place word written before it: "Tỉnh ủy Cao Bằng", "tỉnh Nghệ An"
_PLACE_HEAD = re.compile(rf"(?:(?:ban thuong vu\s+)?{COMMITTEES}|{PLACE_WORDS})\s+$")
_GROUP = ("province", "unit", "team")  # what an inspection is identified by: a new one drops the others


class Standalone(str):
    """The standalone question, a str (the question itself when nothing was rewritten), that says whether it was
    `unclear`: it refers back to nothing the conversation names, and the caller asks which instead of answering."""

    unclear: bool
    language: str  # of the question: "vi" | "en"

    def __new__(cls, text: str, unclear: bool = False, language: str = "vi") -> Standalone:
        self = super().__new__(cls, text)
        self.unclear, self.language = unclear, language
        return self

    @property
    def clarification(self) -> str:
        return render(f"clarify_{self.language}")


@dataclass
class _Context:
    """The last self-contained question: its entities as written, keyed by kind, as (text, start, end) spans."""

    text: str
    answer: str  # the assistant's reply to it, "" when not given
    spans: dict[str, list[tuple[str, int, int]]]
    field: str | None
    title: str | None

    @classmethod
    def of(cls, text: str, answer: str) -> _Context:
        query = analyze(text)
        folded = query.folded
        places = []  # the province as written with its committee or place word: "Tỉnh ủy Cao Bằng"
        for _, a, b in find_provinces(text):
            head = _PLACE_HEAD.search(folded[max(0, a - 30) : a])
            places.append((text[a - len(head.group()) : b], a - len(head.group()), b) if head else (text[a:b], a, b))
        spans = {
            "province": [(text[a:b], a, b) for _, a, b in find_provinces(text)],
            "place": places,
            "unit": [(text[a:b], a, b) for _, a, b in find_units(text)],
            "body": [(text[a:b], a, b) for _, a, b in find_bodies(text)],
            "team": [(str(n), a, b) for n, a, b in team_number_spans(text)],
            "person": [(text[a:b], a, b) for a, b in person_names(text)],
            "year": [(str(y), a, b) for y, a, b in find_years(text)],
        }
        title = None
        if query.title and (m := re.search(rf"\b{re.escape(query.title)}\b", folded)):
            # the asked title less a year in it, with its owner: "Phó Trưởng Tiểu ban Thường trực của Tiểu ban …",
            # "Bí thư Tỉnh ủy Hà Giang"
            end = min([a for _, a, _ in spans["year"] if m.start() < a < m.end()] or [m.end()])
            end = len(text[:end].rstrip())
            owner = re.match(r"\s+(?:(?:cua|of)\s+(?:the\s+)?)?", folded[end:])
            after = [
                b for k in ("body", "unit", "province") for _, a, b in spans[k] if owner and a == end + owner.end()
            ]
            title = text[m.start() : max(after, default=end)]
        return cls(text, answer, spans, query.field, title)

    def first(self, kind: str) -> str | None:
        return self.spans[kind][0][0] if self.spans[kind] else None

    def place(self) -> str | None:
        """Where it was, as written: a unit, "Tỉnh ủy Cao Bằng", a province; or the province its answer named."""
        if self.spans["unit"] or self.spans["place"]:
            return (self.spans["unit"] + self.spans["place"])[0][0]
        return self.province()

    def province(self) -> str | None:
        """The province it names, or (when it asked which) the first its answer names."""
        if self.spans["province"]:
            return self.spans["province"][0][0]
        if self.field in ("province", "place") and (found := find_provinces(self.answer)):
            _, a, b = found[0]
            return self.answer[a:b]
        return None

    def person(self) -> str | None:
        """The person it names, or (when it asked who) the first its answer names."""
        if self.spans["person"]:
            return self.spans["person"][0][0]
        # on a copy without diacritics: an answer mixes accented text with names as an article wrote them
        if self.field in _PERSON_FIELDS and (names := person_names(_plain(self.answer, True))):
            a, b = names[0]
            return self.answer[a:b]
        return None


def message_text(message: dict[str, Any]) -> str:
    """Text of a chat message in messages format (content as a string or a list of parts)."""
    content = message.get("content", "")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    return ""


def standalone_question(question: str, history: list[dict[str, Any]] | None) -> Standalone:
    """`question` read with the conversation so far (chat messages, oldest first) as a self-contained question."""
    turns: list[tuple[str, str]] = []  # (user question, the assistant's answer to it)
    for m in history or []:
        if m.get("role") == "user":
            turns.append((nfc(message_text(m)).strip(), ""))
        elif m.get("role") == "assistant" and turns:
            turns[-1] = (turns[-1][0], message_text(m))
    context = None
    for asked, answer in turns:  # a turn that could not be resolved leaves the context as it was
        if asked and not (turn := _resolve(asked, context)).unclear:
            context = _Context.of(turn, answer)
    text = nfc(question).strip()
    result = _resolve(text, context)
    return result if result != text else Standalone(question, result.unclear, result.language)  # as typed


def _resolve(text: str, context: _Context | None) -> Standalone:
    marked = any(_finditer(p, text) for p in (*_LEAD.values(), _TAIL)) or any(
        context is not None or m.lastgroup != "bare_team" for m in _finditer(_ANAPHOR, text)
    )  # (a bare "đoàn", in most questions, marks nothing outside a conversation)
    if not marked:
        return Standalone(text)  # no follow-up's mark: nothing to read (most questions, so before any analysis)
    language = analyze(text).language
    lead = next(iter(_finditer(_LEAD[language], text)), None)  # "The head …" is no "Thế …"
    a = lead.end() if lead else 0
    tail = next(iter(_finditer(_TAIL, text, a)), None)
    core = text[a : tail.start() if tail else len(text)].strip(" ,")
    own = analyze(core)
    # the question's own referent: "its 2022 work" after "the Sub-committee's meeting", "ở đó" after "tại Nghệ An",
    # "when it worked" after "team No. 9", "Ai là …, và người đó …" (the one asked)
    internal = {
        "body": own.bodies or own.teams or own.units,
        "place": own.provinces or own.units,
        "person": own.persons,
        "team": own.teams,
        "the_team": own.named or own.bodies,
        "bare_team": own.named or own.bodies or context is None,  # (a first question's "đoàn" is its own)
    }
    anaphors = []
    for m in _finditer(_ANAPHOR, text):
        kind = m.lastgroup or ""
        asked = re.search(r"\b(?:ai|who|whom)\b.*(?:,|\bva\b|\band\b)", fold(text[: m.start()]))
        if internal.get(kind) or kind == "person" and asked or kind == "body" and language != "en":  # "it" is English
            continue
        anaphors.append(("team" if kind in ("the_team", "bare_team") else kind, m.start(), m.end()))
    if not lead and not tail and not anaphors:
        return Standalone(text, language=language)
    if context is None:  # no conversation: what points back, or a bare "Còn X thì sao?", has nothing to go by
        only_marked = bool(lead or tail) and not [f for f in own.fields if f != "free"]
        return Standalone(text, only_marked or any(kind != "body" for kind, *_ in anaphors), language)
    plain = language == "vi" and not has_diacritics(text)  # typed without diacritics: what is put in is too
    if anaphors:
        out = _substitute(text, anaphors, own, context, language)
        if out is None:
            return Standalone(text, True, language)
        return Standalone(_sentence(_plain(out[a:], plain)), language=language)
    fields = [f for f in own.fields if f != "free"]
    named = {
        "province": [p.name for p in own.provinces],
        "unit": [u.name for u in own.units],
        "team": [str(n) for n in own.teams],
        "body": [core[x:y] for _, x, y in find_bodies(core)],
        "person": own.persons,
        "year": [str(y) for y in own.years],
    }
    if any(named.values()) and not fields:  # "Thế còn đoàn số 9 năm 2024?": the earlier question, re-targeted
        return Standalone(_retarget(context, named), language=language)
    if fields and not any(named.values()):  # "Còn Phó Trưởng đoàn là ai?": its field, the earlier entities
        phrase = _team_phrase(context, language, own, anaphors=[])
        if phrase is None:
            return Standalone(text, True, language)
        bare = re.search(r"\b(?:doan|team)\b(?!\s+(?:kiem tra|cong tac|so|no|\d))", fold(core))
        if bare:  # "Phó Trưởng đoàn" -> "Phó Trưởng đoàn kiểm tra của Tiểu ban tại Kiên Giang"
            out = core[: bare.start()] + phrase + core[bare.end() :]
        else:
            out = re.sub(r"\s*([?.!]*)$", lambda m: f" ({phrase}){m.group(1)}", core, count=1)
        return Standalone(_sentence(_plain(out, plain)), language=language)
    if fields:  # asks and names things of its own: self-contained
        return Standalone(text, language=language)
    return Standalone(text, True, language)  # "Còn gì nữa không?": nothing to carry


def _plain(text: str, plain: bool) -> str:
    """`text` without diacritics, case kept, when `plain`."""
    return "".join(f.upper() if c.isupper() else f for c in text for f in [fold(c)]) if plain else text


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _substitute(
    text: str, anaphors: list[tuple[str, int, int]], own: Query, context: _Context, language: str
) -> str | None:
    """Each anaphor replaced by what it stands for in `context`; None when one stands for nothing there."""
    en = language == "en"
    kinds = {k for k, _, _ in anaphors}
    names_place = bool(own.provinces or own.units) or "place" in kinds or "province" in kinds
    out = text
    for kind, a, b in reversed(anaphors):  # from the end: earlier offsets stay valid
        typed = text[a:b]
        phrase: str | None
        if kind == "team":
            phrase = _team_phrase(context, language, own, anaphors=list(kinds), with_place=not names_place)
            if phrase is None and names_place:  # "Đoàn đó làm việc ở đó …" after "… tại Nghệ An?": the place says
                phrase = "the inspection team" if en else "đoàn kiểm tra"  # which team
        elif kind == "place":
            place = context.place()
            # "in Bac Giang", "at the State Audit Office"
            prep = "in" if place == context.first("province") else "at" if fold(place or "")[:4] == "the " else "at the"
            phrase = place and (f"{prep} {place}" if en else f"{typed.split()[0]} {place}")
            if phrase and "team" not in kinds and not own.teams and not own.bodies:
                rest = _team_phrase(context, language, own, anaphors=list(kinds), with_place=False, place_only=False)
                phrase += f" ({rest})" if rest else ""
        elif kind == "province":
            province = context.province()
            phrase = province and (province if en else f"{typed.split()[0]} {province}")
        elif kind == "title":
            phrase = context.title and (f"the position of {context.title}" if en else f"chức vụ {context.title}")
        elif kind == "person":
            person = context.person()
            if person and not en and fold(typed).split()[0] in ("ong", "ba", "dong"):
                person = f"{typed.rsplit(' ', 1)[0]} {person}"  # "ông ấy" -> "ông Nguyễn Văn A"
            phrase = person and (f"{person}'s" if fold(typed) == "his" else person)
        else:  # "it": the body it asked about
            body = context.first("body")
            body = body and (body if fold(body).startswith("the ") else f"the {body}")
            phrase = body and (f"{body}'s" if fold(typed) == "its" else body)
        if not phrase:
            return None
        out = out[:a] + (_sentence(phrase) if typed[:1].isupper() and a == 0 else phrase) + out[b:]
    return out


def _team_phrase(
    context: _Context, language: str, own: Query, anaphors: list[str], with_place: bool = True, place_only: bool = True
) -> str | None:
    """The team of `context`, in the follow-up's language, less what the follow-up names itself:
    "đoàn kiểm tra số 3 của Tiểu ban tại Tỉnh ủy Cao Bằng", "team 9 in Bac Giang". None when it names no team."""
    en = language == "en"
    team = None if own.teams else context.first("team")
    body = None if own.bodies or "body" in anaphors else context.first("body")
    place = context.place() if with_place else None
    year = None if own.years else context.first("year")
    if not (team or body or place) or not (place_only or team or body):
        return None
    if en:
        body_en = body and (body if fold(body).startswith("the ") else f"the {body}")
        words = [f"team {team}" if team else "the team", body_en and f"of {body_en}", place and f"in {place}"]
        words.append(year and f"in {year}")
    else:
        words = ["đoàn kiểm tra", team and f"số {team}", body and f"của {body}", place and f"tại {place}"]
        words.append(year and f"năm {year}")
    return " ".join(w for w in words if w)


def _retarget(context: _Context, named: dict[str, list[str]]) -> str:
    """The earlier question with the follow-up's entities: each replaces the earlier one of its kind, or is added;
    a new province, unit or team drops the earlier ones of the other two (team 5 was in Trà Vinh; "Còn đoàn số 4?"
    is not about Trà Vinh)."""
    out = context.text
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) on the earlier question
    added: list[str] = []
    en = analyze(out).language == "en"
    group = any(named[k] for k in _GROUP)
    for kind, new_names in named.items():
        new = new_names[0] if new_names else None
        spans = context.spans[kind]
        if new is not None and spans:
            _, a, b = spans[0]
            edits.append((a, b, new))
        elif new is not None:
            added.append(new if kind == "team" else _added(kind, new, en))
        elif group and kind in _GROUP:  # "với Tỉnh ủy Cao Bằng" goes whole
            for _, a, b in context.spans["place"] if kind == "province" else spans:
                edits.append((*_with_connector(out, a, b, kind), ""))
    for a, b, new in sorted(set(edits), reverse=True):
        out = out[:a] + new + out[b:] if new else out[:a].rstrip() + out[b:]
    teams = [t for t in added if t.isdigit()]
    if teams:
        out = re.sub(
            r"(?i)(đoàn kiểm tra|doan kiem tra|inspection team|\bteam\b|\bđoàn\b|\bdoan\b)",
            lambda m: f"{m.group(1)} {'' if en else 'số '}{teams[0]}",
            out,
            count=1,
        )
    rest = " ".join(t for t in added if not t.isdigit())
    if rest:
        out = re.sub(r"\s*([?.!]*)$", lambda m: f" {rest}{m.group(1)}", out, count=1)
    return re.sub(r"\s+([?.!,])", r"\1", re.sub(r"\s{2,}", " ", out)).strip()


def _added(kind: str, value: str, en: bool) -> str:
    word = {"province": ("tại", "in"), "unit": ("tại", "at"), "body": ("của", "of"), "year": ("năm", "in")}
    return f"{word[kind][en]} {value}" if kind in word else value


def _with_connector(text: str, a: int, b: int, kind: str) -> tuple[int, int]:
    """The span with the word that ties it into the question: "tại Trà Vinh", "số 5", "with the Tỉnh ủy X"."""
    before = fold(text[:a])
    if kind == "team":
        marker = re.search(r"\s*\b(?:so|no\.?|number)\s*0*$", before)
    else:
        marker = re.search(r"\s*\b(?:tai|o|voi|in|at|with)\s+(?:the\s+)?$", before)
    return (marker.start() if marker else a), b
