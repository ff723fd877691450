"""An inspection's basis: which of the legal references an event's sentences give are the documents the team works
under — the decision that formed it, its plan, the regulation whose implementation it inspects — and which are only
mentioned (what the inspected body issued or reports having carried out).

    "… thành viên Đoàn, công bố Quyết định số 214-QĐ/TBBVCTNB …"            announced by the team        (ANNOUNCED)
    "Cuộc kiểm tra được thực hiện theo Kế hoạch số 145-KH/TU"               the inspection works under it (UNDER)
    "Thực hiện Kế hoạch số 27-KH/TBBVCTNB …, Đoàn …", "Căn cứ kiểm tra là …" (this one names the inspection)
    "Nội dung kiểm tra gồm việc thực hiện Quy định số 58-QĐ/TW"             what the team inspects       (CONTENT)
    "Đoàn kiểm tra việc lãnh đạo, … thực hiện …", "…; đặc biệt là Quy định …"
    "Quyết định số 236-QĐ/TBBVCTNB … về việc thành lập Đoàn kiểm tra"       its own subject (AFTER)
    "Kế hoạch số 09-KH/ĐKT … của Đoàn kiểm tra", "the team's Plan No. 09"
    "Quy định số 58-QĐ/TW và Kế hoạch số 25-KH/TB …"                        one listed with a basis (LISTED)
not: "Ban Thường vụ Tỉnh ủy đã ban hành Chỉ thị số 28-CT/TU", "Tỉnh ủy chỉ đạo thực hiện tốt …; Kết luận số
21-KL/TW", "Đảng ủy … đã lãnh đạo thực hiện nghiêm Quy định số 58-QĐ/TW" (the inspected body's own report), nor a
reference in a sentence that names neither the team nor the inspection (ANNOUNCED and UNDER need one: TEAM).
Patterns read the folded text (same offsets), so unaccented articles read the same.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from ..vn.legal import LegalRef

__all__ = ["basis_refs"]

# the team or the inspection named in the sentence ("đoàn kết", "đoàn viên", "Đoàn Thanh niên" are no team)
_TEAM = re.compile(
    r"\bdoan\b(?!\s+(?:ket|vien|thanh nien|dai bieu|the))"
    r"|\b(?:cuoc|dot|chuyen|thoi ky|noi dung|viec|quyet dinh)\s+(?:kiem tra|thanh tra|giam sat|cong tac)\b"
    r"|\b(?:team|inspection|inspectors?)\b"
)
_ANNOUNCED = re.compile(r"\b(?:cong bo|doc|pho bien|trinh bay|announced|read out|read|presented)\b[^;]*$")
_UNDER = re.compile(
    r"(?:\btheo|\bcan cu(?:\s+vao)?|\btren co so|\bunder|\bpursuant to|\bin accordance with|\bin line with"
    r"|\bset out in|\bimplements?|(?:^|[,;:(]\s*)thuc hien(?:\s+theo)?)\s+(?:(?:cac|the|its|[\w-]+'s)\s+){0,2}$"
    r"|\b(?:can cu|co so)\b[^.;]{0,30}?\b(?:la|is)\s+$"
)
# "Căn cứ (tiến hành) kiểm tra là …" names the inspection itself
_BASIS_IS = re.compile(r"\b(?:can cu|co so)\s+(?:tien hanh\s+)?(?:kiem tra|thanh tra|giam sat)\s+(?:la|gom)\s+$")
_CONTENT = re.compile(
    r"\b(?:(?:noi dung|trong tam|cuoc|dot|ve|nham|doan(?:\s+\w+){0,2}?)\s+(?:kiem tra|thanh tra|giam sat|danh gia)"
    r"|will\s+(?:examine|look at|inspect|review|check|assess)|focus(?:es|ed)?\s+on)\b"
)
# after the content cue, the reference is what is carried out, or an item of the content ("…; đặc biệt là …")
_CARRIED_OUT = re.compile(r"\b(?:thuc hien|trien khai|implement\w*)\b")
_ITEM = re.compile(r"\s*(?:(?:dac biet|nhat la|trong do|chu yeu|gom|la|va|and|especially|in particular)\b\s*)*")
_AFTER = re.compile(
    r"(?:\s*,)?\s*(?:cua\s+[^.;]{0,80}?\s+)?"
    r"(?:ve\s+(?:viec\s+)?(?:thanh lap\s+(?:cac\s+)?doan|kiem tra|thanh tra|giam sat)|la can cu)\b"
    r"|\s*cua\s+(?:doan|to giup viec)\b"
    r"|\s*(?:of the [^.;]{0,60}?\s+)?on (?:the )?(?:establishment|inspection|setting up)\b"
)
_TEAMS_OWN = re.compile(r"\bthe team'?s\s+(?:working\s+)?$")
_LISTED = re.compile(r"\s*(?:cua\s+[^.;]{0,120}?)?\s*(?:,|va|and|cung|as well as)\s*")
# what the inspected body did with a document: its own, not the team's basis
_ISSUED = re.compile(r"\b(?:ban hanh|cu the hoa|danh gia cao|ghi nhan|issued|adopted)\b[^,;]{0,40}$")


def basis_refs(folded: str, sentences: list[tuple[int, int]], refs: list[LegalRef]) -> list[LegalRef]:
    """The references of `refs` (in text order) that are an inspection's basis; `sentences` are (start, end) of
    the article's sentences, sorted."""
    starts = [a for a, _ in sentences]
    out: list[LegalRef] = []
    previous: LegalRef | None = None  # the last basis, for a list ("Quy định … và Kế hoạch …")
    for ref in refs:
        i = bisect_right(starts, ref.span.start) - 1
        if i < 0 or ref.span.start >= sentences[i][1]:
            continue
        a, b = sentences[i]
        before, after = folded[a : ref.span.start], folded[ref.span.end : b]
        if _ISSUED.search(before):
            continue
        listed = (
            previous is not None
            and a <= previous.span.start
            and bool(_LISTED.fullmatch(folded, previous.span.end, ref.span.start))
        )
        if listed or _AFTER.match(after) or _TEAMS_OWN.search(before) or _BASIS_IS.search(before) or _content(before):
            out.append(ref)
        elif _TEAM.search(folded, a, b) and (_ANNOUNCED.search(before) or _UNDER.search(before)):
            out.append(ref)
        else:
            continue
        previous = ref
    return out


def _content(before: str) -> bool:
    """The reference is what the inspection checks: after a content cue, in the clause that carries it out, or an
    item of the list the cue opens (the text since the last ';' says no more than "đặc biệt là")."""
    cues = [m.end() for m in _CONTENT.finditer(before)]
    if not cues:
        return False
    item = before[cues[-1] :].rsplit(";", 1)[-1]
    return bool(_CARRIED_OUT.search(item) or _ITEM.fullmatch(item))
