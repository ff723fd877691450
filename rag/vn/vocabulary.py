"""The vocabulary of inspection reports, in one place for articles, questions and passages alike (folded patterns,
Vietnamese with or without diacritics, and English):

    ROLE_WORDS  the words that state a role: "trưởng đoàn", "dẫn đầu", "led", "chủ trì", "tiếp đoàn", "công bố
                quyết định", "dự" … ("Trưởng đoàn Đại biểu Quốc hội" is no inspection role: NOT_NA_DELEGATION)
    STAGES      the stage of an inspection a text is about: the kickoff, a draft report, the results
    TOPIC       internal political protection, the Subcommittee's subject
"""

from __future__ import annotations

__all__ = ["NOT_NA_DELEGATION", "ROLE_WORDS", "STAGES", "TOPIC"]

# After "trưởng đoàn": the head of a National Assembly delegation, not of an inspection team.
NOT_NA_DELEGATION = r"(?!\s+(?:dai bieu|dbqh|doan dai bieu))"

# role -> the words that state it; "phó trưởng đoàn" (deputy) is tried before "trưởng đoàn" (leader).
ROLE_WORDS = {
    "deputy": rf"\bpho truong doan\b{NOT_NA_DELEGATION}|\bdeputy (?:head|leader|chief)\b|\bdeputy\b",
    # (the results are announced too: "đọc thông báo kết luận")
    "announcer": r"\b(?:cong bo|doc|thong qua|pho bien|trinh bay)\s+(?:cac\s+)?"
    r"(?:quyet dinh|ke hoach|lich|thong bao ket)|\bannounc|\bpresented\b|\bread out\b",
    # "cầm trịch", "điều hành hội nghị" are other words for chairing a meeting
    "chair": r"\bchu tri\b(?!\s+tiep)|\bchaired\b|\bpresid(?:ed|ing) over\b|\bpresided\b|\bcam trich\b"
    r"|\bdieu hanh\s+(?:hoi nghi|buoi|phien)",
    "host": r"\btiep(?: va lam viec voi)? doan\b|\bdon tiep\b|\bchu tri tiep\b|\breceived\b|\bhosted\b",
    # (a deputy's words are no leader's: "làm Phó Trưởng đoàn", "deputy head")
    # (and its other words: "cầm đầu", "phụ trách đoàn", "at the helm", "in charge of the team")
    # ("dẫn đoàn", "dẫn bao nhiêu đoàn": not "hướng dẫn đoàn", to guide it)
    "leader": rf"\b(?<!pho )truong doan\b{NOT_NA_DELEGATION}|\bdan dau\b|\bdung dau\b|\bcam dau\b|\bphu trach doan\b"
    r"|(?<!huong )\bdan\s+(?:(?:bao nhieu|may|nhung|cac)\s+)?doan\b"
    r"|\bled\b|\blead(?:er|s)?\b|\b(?<!deputy )head(?:ed)?\b|\b(?<!deputy )chief\b|\bat the helm\b"
    r"|\bin charge of (?:the |this |that )?(?:[a-z-]+\s+){0,2}?(?:team|delegation)\b",
    # who attended a meeting (with the team, beside the hosts): "cùng dự", "tham dự", "có mặt", "attended". Not the
    # "dự" of a plan, a draft or a forecast ("dự kiến", "dự thảo", "dự án", "dự báo"), nor "ví dụ", "mặc dù".
    "attendee": r"(?<!\bvi )(?<!\bmac )\b(?:cung\s+|tham\s+)?du\b(?!\s+(?:thao|kien|dinh|tinh|an|bao|doan|lieu|luan|"
    r"lich|hoc|tru|toan|phong|khuyet|sao|kich|thinh)\b)|\bco mat\b|\battend(?:ed|s|ing|ees?)?\b"
    r"|\b(?:was|were) present\b",
}

# stage -> the words of a text about it ("start" only in questions: a record is at the start unless it says more)
STAGES = {
    "draft": r"\bdu thao\b|\bdraft\b",
    "results": r"\bthong bao ket qua\b|\bket qua kiem tra\b|\bket luan kiem tra\b|\bcong bo ket luan\b"
    r"|\bthong bao ket luan\b|\binspection results\b|\bannounced the results\b|\bwhat conclusions\b"
    r"|\b(?:announced?|issued?) (?:the |its )?conclusions\b|\binspection findings\b|\bfindings were announced\b",
    "start": r"\bcong bo quyet dinh\b|\btrien khai\b|\bbat dau\b",
}

TOPIC = r"\bbao ve chinh tri noi bo\b|\binternal political protection\b|\bbvctnb\b"
