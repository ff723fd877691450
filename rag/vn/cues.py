"""What an open question asks for, and the words of a passage that gives it (folded patterns: Vietnamese with or
without diacritics, and English).

    "Đoàn đã chỉ ra những tồn tại gì ở Cao Bằng?"     -> asks ["limits"]; answered by "… còn thiếu …", "Tuy nhiên …"
    "Trưởng đoàn nhận xét thế nào về …?"             -> asks ["assessment"]
    "Quy định 58 gồm những nội dung nào?"            -> asks ["content"]

ASKS[kind] matches a question that asks for that kind of answer; GIVES[kind] matches a passage that gives it. A
question may ask several kinds; one that asks none is still answered by its words (the open route's lexical side).
"""

from __future__ import annotations

import re

from .entities import NUMBER_WORDS

__all__ = [
    "ASKS",
    "GIVES",
    "NAMES",
    "asked_kinds",
    "gives",
    "ANNOUNCES",
    "OPEN_QUESTION",
    "asked_items",
    "items",
    "requester",
]

ASKS = {
    # shortcomings, difficulties, bottlenecks
    "limits": r"\b(?:han che|ton tai|khuyet diem|bat cap|yeu kem|thieu sot|diem nghen|kho khan|vuong mac|hon che)\b"
    r"|\b(?:shortcomings?|weakness(?:es)?|limitations?|problems?|difficult(?:y|ies)|flaws?|gaps?)\b",
    # what went well
    "strengths": r"\b(?:uu diem|lam duoc|dat duoc|ghi nhan|mat manh)\b|\b(?:strengths?|achievements?|did well)\b",
    # what was requested, recommended, assigned, prioritized
    "requests": r"\b(?:de nghi|yeu cau|kien nghi|giao(?! duc| thong| dich| luu)|chi dao|luu y|lam gi|lam nhung gi"
    r"|can lam|phai lam|phai nho|can nam)\b|\b(?:ask(?:ed)?|request(?:ed)?|recommend(?:ed|ations?)?|urge[ds]?)\b",
    # what comes first (priorities are no request: "sẽ ưu tiên …" is said of one's own work)
    "priorities": r"\b(?:uu tien|tap trung vao|trong tam|truoc mat)\b|\b(?:priorit(?:y|ies|ize)|focus(?:es)?)\b",
    # an overall judgement
    "assessment": r"\b(?:danh gia|nhan xet|nhan dinh)\b|\b(?:assess(?:ed|ment)?|evaluat(?:e|ed|ion)|judge[ds]?)\b",
    # what a text, an inspection or a procedure consists of
    "content": r"\b(?:noi dung|gom|bao gom|nhom|the nao la|truong hop nao|ve gi|dieu gi)\b"
    r"|\b(?:contents?|consists?|cover(?:s|ed)?|include[ds]?)\b",
    # how something goes, step by step
    "procedure": r"\b(?:quy trinh|buoc|giai doan|trinh tu)\b"
    r"|\b(?:stages?|steps?|procedure|process|unfold|go through)\b",
    # what a phrase means, how it is explained
    "explanation": r"\b(?:giai thich|hieu the nao|hieu nhu the nao|nghia la gi|y nghia)\b"
    r"|\b(?:mean|means|explain(?:ed)?)\b",
    # why, what for
    "reason": r"\b(?:vi sao|tai sao|ly do|muc dich|nham|de lam gi)\b|\b(?:why|reasons?|purpose|meant to|aim)\b",
    # "ba việc", "năm điều", "bốn bước": an enumeration of so many items
    "list": r"\b(?:hai|ba|bon|nam|sau|bay|tam|chin|muoi|\d+|two|three|four|five|six)\s+(?:viec|dieu|buoc|nhom|noi dung"
    r"|van de|diem|yeu cau|khong|things|steps|stages|points|groups)\b",
    # what someone said
    "statement": r"\b(?:noi gi|cho biet|phat bieu|nhan manh|khang dinh|chia se|theo (?:ong|ba|dong chi))\b"
    r"|\b(?:say|said|according to|stress(?:ed)?|told)\b",
}

GIVES = {
    # (not the nouns "hạn chế", "tồn tại": a sentence naming them announces or mentions findings; these state one)
    "limits": r"\b(?:chua|con cham|con thieu|thieu|bi dong|tuy nhien|tuy vay|kho khan|kiem nhiem|vuong mac|nghen"
    r"|lung tung|keo dai|phan tan)\b"
    r"|\b(?:however|yet|not yet|did not|slow|lack(?:s|ing)?|few|insufficient|incomplete|loose|weak|gaps?|failed)\b",
    "strengths": r"\b(?:da ban hanh|nen nep|chu dong|kip thoi|chat che|ghi nhan|uu diem|dung tham quyen|co hieu qua"
    r"|dat duoc|tot)\b|\b(?:had issued|well|effective(?:ly)?|strengths?|achieved)\b",
    # (folded: "can" is also "cán bộ", "căn cứ"; "phải" in "không phải" denies; "lãnh đạo, chỉ đạo" is a noun)
    "requests": r"\b(?:de nghi|yeu cau|kien nghi|giao|(?<!khong )phai|can(?! bo\b| cu\b)|luu y"
    r"|(?<!lanh dao, )(?<!lanh dao )chi dao)\b"
    r"|\b(?:asked|requested|must|should|urged|recommended|called on)\b",
    "priorities": r"\b(?:uu tien|tap trung|trong tam|truoc mat|truoc het)\b|\b(?:priorit(?:y|ies)|focus|first)\b",
    "assessment": r"\b(?:danh gia|ghi nhan|nhan xet|khang dinh|toan dien|tot|kha)\b"
    r"|\b(?:assessed|praised|noted|acknowledged|rated)\b",
    "content": r"\b(?:gom|bao gom|thu nhat|mot la|noi dung|theo do|kiem tra viec|tap trung vao|ve viec|xac dinh)\b|:"
    r"|\b(?:includ(?:es|ing)|consists?|covers?)\b",
    "procedure": r"\b(?:quy trinh|buoc|giai doan|sau do|tiep theo|truoc het|cuoi cung)\b"
    r"|\b(?:then|after which|unfolds?|stages?|steps?|opens with|following)\b",
    "list": r";.*;|:.*[,;].*[,;]",
    "explanation": r"\b(?:nghia la|tuc la|noi cach khac|cho rang|khong phai|can cu vao)\b"
    r"|\b(?:means|in other words|rather than|not because)\b",
    "reason": r"\b(?:vi|boi vi|nham|de|muc dich|do do|nen)\b|\b(?:because|so that|in order|meant|to ensure)\b",
    "statement": r"\b(?:noi|cho biet|phat bieu|nhan manh|khang dinh|chia se|cho rang|de nghi|luu y"
    r"|theo (?:ong|ba|dong chi))\b|[\"“”]"
    r"|\b(?:said|stressed|noted|told|added)\b",
}

# A sentence that names a kind of finding: "Đoàn chỉ ra một số tồn tại", "Đoàn đề nghị …" — the findings of that kind
# are in it or right after it; of another kind they are not what was asked
NAMES = {
    "limits": r"\b(?:han che|ton tai|khuyet diem|bat cap|yeu kem|thieu sot|diem nghen|vuong mac)\b"
    r"|\b(?:shortcomings?|weakness(?:es)?|limitations?|flaws?)\b",
    "strengths": r"\b(?:uu diem|mat manh|ket qua dat duoc)\b|\b(?:strengths?|achievements?)\b",
    "requests": r"\b(?:de nghi|kien nghi|yeu cau)\b|\b(?:asked|requested|recommend(?:ed|ations?)?|urged)\b",
}

# A sentence that announces what follows: "… chỉ ra một số tồn tại.", "… gồm bốn bước:", "Có thể gói gọn trong năm
# nhóm nội dung." — the items that follow belong to the same answer.
ANNOUNCES = re.compile(
    r":\s*$|\b(?:mot so|nhung|cac|hai|ba|bon|nam|sau|bay|tam|chin|muoi|\d+)\s+(?:[a-z]+\s+){0,2}"
    r"(?:han che|ton tai|khuyet diem|bat cap|viec|nhom|buoc|noi dung|van de|diem|yeu cau|kien nghi)"
    r"(?:\s+[a-z]+){0,3}[.:]?\s*$|\b(?:as follows|the following)\b"
)

# An open interrogative: what, how, why, which things (not a name, date, number or place). Its words name the slot
# asked for ("những nội dung gì", "những hạn chế nào"), not the topic.
_SLOT = (
    r"viec|noi dung|van de|diem|nhom|buoc|truong hop|han che|ton tai|khuyet diem|uu diem|yeu cau|kien nghi|bat cap"
    r"|kho khan|nhiem vu|giai phap|dieu"
)
OPEN_QUESTION = re.compile(
    rf"\b(?:(?:nhung|cac)\s+)?(?:{_SLOT})(?:\s+[a-z]+)?\s+(?:nao|gi)\b"
    r"|\b(?:gi|the nao|ra sao|nhu the nao|tai sao|vi sao|bao gom nhung|gom nhung|what|how|why|whose)\b"
)


# the numerals as written with diacritics: folded, "ba" is also "bà", "tam" "tâm", "sau" "sau" (after), "nam" "năm"
_NUMERALS = frozenset("hai ba bốn năm sáu bảy tám chín mười two three four five six".split())


def asked_kinds(folded_question: str, text: str | None = None) -> list[str]:
    """The kinds of answer a folded question asks for, in the order of ASKS. With `text` (the question as typed,
    accented; same offsets), an enumeration ("list") is asked only where its numeral is one as written."""
    return [
        k
        for k, p in ASKS.items()
        if re.search(p, folded_question) and (k != "list" or asked_items(folded_question, text))
    ]


def gives(kind: str, folded_text: str) -> bool:
    return re.search(GIVES[kind], folded_text) is not None


def asked_items(folded_question: str, text: str | None = None) -> int | None:
    """How many items an enumeration question asks for: "năm điều … là gì" -> 5 ("Tâm điểm …", "Bà _ yêu cầu …"
    -> None when the accented `text` shows the word is no numeral)."""
    m = re.search(ASKS["list"], folded_question)
    if not m:
        return None
    word = m.group().split()[0]
    if text is not None and not word.isdigit() and text[m.start() : m.start() + len(word)].lower() not in _NUMERALS:
        return None
    return int(word) if word.isdigit() else NUMBER_WORDS.get(word)


def items(text: str) -> int:
    """How many items a sentence enumerates: "…: a; b; c." -> 3 (0 when it is no list)."""
    return text.count(";") + 1 if ";" in text else 0


# Who asks: the team (its head, the Subcommittee) or the side it inspects (its secretary, its committee). A question
# about the team's requests is not answered by the host's own ("Bí thư Tỉnh ủy đề nghị các đơn vị …" after "What did
# the team ask Bac Giang to do?"), nor the other way round.
_REQUEST_VERB = re.compile(r"\b(?:de nghi|yeu cau|kien nghi|asked|asks|ask|requested|urged|called on|recommended)\b")
_ACTORS = re.compile(
    r"\b(?P<team>(?:pho )?truong doan|doan|tieu ban|(?:the |inspection )?team|delegation|sub-?committee)\b"
    r"|\b(?P<host>(?:pho )?bi thu|chu tich|tinh uy|thanh uy|ubnd|uy ban nhan dan|provincial|secretary|chairman"
    r"|province)\b"
)
# an actor named as the object of something else ("tiếp thu ý kiến của Đoàn", "cảm ơn Đoàn", "làm việc với Đoàn"):
# not who asks
_OBJECT = re.compile(r"\b(?:cua|voi|cam on|tiep thu|of|with|thanked|welcomed)\s+(?:[a-z]+\s+){0,2}$")


def requester(folded: str) -> str | None:
    """ "team" or "host": who makes the request that a folded sentence (or question) states, by the actor nearest
    before its first request verb that is not the object of something else (a title chain ends in the role that
    speaks: "đồng chí X, Bí thư Tỉnh ủy Y, Trưởng đoàn, đề nghị" is the team's); None when it names neither ("It
    asked …", "Đề nghị …")."""
    verb = _REQUEST_VERB.search(folded)
    if not verb:
        return None
    before = folded[: verb.start()]
    actors = [m.lastgroup for m in _ACTORS.finditer(before) if not _OBJECT.search(before[: m.start()])]
    return actors[-1] if actors else None
