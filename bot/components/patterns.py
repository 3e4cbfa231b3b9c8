"""Deterministic entities: case codes, Vietnamese mobile numbers and hamlets (pure functions, no Rasa imports)."""

from __future__ import annotations

import re
from typing import Any, Dict, List

from bot.components.text import fold

# PA-2026-000123; citizens also type "pa 2026 000123", "pa2026000123", "PA-2026-123".
CASE_CODE_RE = re.compile(r"(?<![\w-])([A-Za-z]{2,4})[\s-]?(20\d\d)[\s-]?(\d{3,6})(?![\w-])")
# Vietnamese mobiles: 0 or +84/84, then 3/5/7/8/9 and 8 digits; groups separated by spaces, dots or dashes.
PHONE_RE = re.compile(r"(?<![\w+])(?:\+?84|0)[\s.-]?[35789](?:[\s.-]?\d){8}(?![\w])")
# Hamlet keywords, matched on folded lowercase text. "to"/"khu" (also common words) need a number after them.
_NAMED = r"ap|thon|xom|khom|khu pho|kp|to dan pho|tdp|ban|buon|soc"
_NUMBERED_ONLY = r"to|khu"
_NUMBER = r"\d{1,3}[a-z]?\b"
_NAME = r"(?P<name>[^\W\d_]+(?:\s+[^\W\d_]+){0,3})"
HAMLET_RE = re.compile(
    # "hàng xóm" is a neighbour, "huyết áp"/"điện áp" are pressure and voltage once folded.
    rf"(?<!hang )(?<!huyet )(?<!dien )\b(?P<kw>{_NAMED})\s+(?:so\s+)?(?:{_NUMBER}|{_NAME})"
    rf"|\b(?P<nkw>{_NUMBERED_ONLY})\s+(?:so\s+)?{_NUMBER}",
    re.UNICODE,
)
# Folding merges "ấp" (hamlet) with "áp" (huyết áp): the keyword must be typed either correctly or without marks.
_KEYWORD_FORMS = {
    "ap": "ấp", "thon": "thôn", "xom": "xóm", "khom": "khóm", "khu pho": "khu phố", "to dan pho": "tổ dân phố",
    "ban": "bản", "buon": "buôn", "soc": "sóc", "to": "tổ",
}  # fmt: skip
# Words that end a lowercase hamlet name ("ấp bình hòa bị ngập" → "ấp bình hòa").
_STOP_WORDS = (
    "bi co dang da se nay do kia a o oi nha nhe thi la va voi cua em anh chi minh toi cho khi ma de duoc dc "
    "ngap hu hong mat chay khong ko k ve tu den tai xa phuong huyen tinh rat qua lam nhieu it con vua moi roi "
    "luc gio sang chieu toi dem hom ngay nuoc den duong rac dien cong nao"
)
_NAME_STOP = frozenset(_STOP_WORDS.split())
_MAX_LOWER_NAME_WORDS = 2
_STOPPABLE_KEYWORDS = {"ban", "buon", "soc"}  # also ordinary words: need a capitalised name or a number


def find_case_codes(text: str) -> List[Dict[str, Any]]:
    found = []
    for match in CASE_CODE_RE.finditer(text):
        prefix, year, number = match.groups()
        value = f"{prefix.upper()}-{year}-{int(number):06d}"
        found.append(_entity("case_code", value, match.start(), match.end()))
    return found


def find_phones(text: str) -> List[Dict[str, Any]]:
    found = []
    for match in PHONE_RE.finditer(text):
        digits = re.sub(r"\D", "", match.group(0))
        if digits.startswith("84"):
            digits = "0" + digits[2:]
        found.append(_entity("phone", digits, match.start(), match.end()))
    return found


def find_hamlets(text: str) -> List[Dict[str, Any]]:
    folded = fold(text).lower()
    found = []
    for match in HAMLET_RE.finditer(folded):
        start, end = match.start(), match.end()
        group = "kw" if match.group("kw") is not None else "nkw"
        keyword = match.group(group)
        typed = text[match.start(group) : match.end(group)].lower()
        if typed not in (keyword, _KEYWORD_FORMS.get(keyword, keyword)):
            continue
        if match.group("name") is not None:
            end = _name_end(text, folded, match.start("name"), match.end("name"))
            if end is None or (keyword in _STOPPABLE_KEYWORDS and not text[match.start("name")].isupper()):
                continue
        found.append(_entity("hamlet", " ".join(text[start:end].split()), start, end))
    return found


def _name_end(text: str, folded: str, start: int, end: int) -> int | None:
    """End of the hamlet name: capitalised words as written, else up to two lowercase words before a stop word."""
    words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", folded[start:end])]
    capitalised = text[start].isupper()
    kept: List[tuple] = []
    for s, e in words:
        if capitalised and not text[s].isupper():
            break
        if not capitalised and (folded[s:e] in _NAME_STOP or len(kept) == _MAX_LOWER_NAME_WORDS):
            break
        kept.append((s, e))
    return kept[-1][1] if kept else None


def find_all(text: str) -> List[Dict[str, Any]]:
    return find_case_codes(text) + find_phones(text) + find_hamlets(text)


def _entity(entity: str, value: str, start: int, end: int) -> Dict[str, Any]:
    return {"entity": entity, "value": value, "start": start, "end": end, "confidence_entity": 1.0}
