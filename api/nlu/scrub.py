"""Personal data out of citizens' messages before they become training data: phone numbers, CCCD/CMND numbers,
e-mail addresses and people's names are replaced by placeholders, and entity offsets follow the new text.

Names are found three ways: the citizen's own display name (from their channel profile), a name introduced by
"tên là / tôi là / em là …", and a capitalised name after a form of address ("anh Tuấn", "bà Nguyễn Thị Lan").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

PHONE = "<SĐT>"
ID_NUMBER = "<CCCD>"
EMAIL = "<EMAIL>"
NAME = "<TÊN>"
PLACEHOLDERS = (PHONE, ID_NUMBER, EMAIL, NAME)

_UPPER = "A-ZÀÁẢÃẠĂẮẰẲẴẶÂẤẦẨẪẬĐÈÉẺẼẸÊẾỀỂỄỆÌÍỈĨỊÒÓỎÕỌÔỐỒỔỖỘƠỚỜỞỠỢÙÚỦŨỤƯỨỪỬỮỰỲÝỶỸỴ"
_LOWER = "a-zàáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ"
_NAME_WORD = f"[{_UPPER}][{_LOWER}]+"
_FULL_NAME = f"{_NAME_WORD}(?:\\s+{_NAME_WORD}){{0,4}}"
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), EMAIL),
    (re.compile(r"(?<![\d])\d{12}(?![\d])"), ID_NUMBER),  # CCCD: 12 digits
    (re.compile(r"(?<![\d+])(?:\+?84|0)(?:[\s.\-]?\d){8,10}(?![\d])"), PHONE),
    (re.compile(r"(?<![\d])\d{9}(?![\d])"), ID_NUMBER),  # old CMND: 9 digits
)
_INTRODUCED = re.compile(
    rf"(?i:\b(?:tên|tên là|tên tôi là|tôi tên|em tên|tôi là|em là|mình là|cháu là|con là|tui là|tao là)\s+)"
    rf"(?P<name>{_FULL_NAME})"
)
_ADDRESSED = re.compile(
    rf"(?i:\b(?:anh|chị|chi|ông|bà|cô|chú|bác|em|cháu|bạn|thím|dì|cậu|mợ|con)\s+)(?P<name>{_FULL_NAME})"
)


@dataclass(frozen=True)
class Scrubbed:
    text: str
    entities: list[dict[str, Any]]
    replaced: int  # how many spans were replaced
    dropped: int  # entities that lay inside replaced personal data


def _spans(text: str, known_names: list[str]) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    for pattern, placeholder in PATTERNS:
        found += [(m.start(), m.end(), placeholder) for m in pattern.finditer(text)]
    for name in sorted({n.strip() for n in known_names if n and len(n.strip()) >= 2}, key=len, reverse=True):
        found += [(m.start(), m.end(), NAME) for m in re.finditer(rf"(?i)\b{re.escape(name)}\b", text)]
        given = name.split()[-1]
        if len(given) >= 2 and given[0].isupper():
            found += [(m.start(), m.end(), NAME) for m in re.finditer(rf"\b{re.escape(given)}\b", text)]
    for pattern in (_INTRODUCED, _ADDRESSED):
        found += [(m.start("name"), m.end("name"), NAME) for m in pattern.finditer(text)]
    merged: list[tuple[int, int, str]] = []
    for start, end, placeholder in sorted(found, key=lambda s: (s[0], -s[1])):
        if merged and start < merged[-1][1]:  # overlapping: keep the first, widest span
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), last[2])
            continue
        merged.append((start, end, placeholder))
    return merged


def scrub(text: str, entities: list[dict[str, Any]] | None = None, known_names: list[str] | None = None) -> Scrubbed:
    spans = _spans(text, known_names or [])
    out: list[str] = []
    shifts: list[tuple[int, int, int]] = []  # (original start, original end, delta after it)
    cursor = delta = 0
    for start, end, placeholder in spans:
        out.append(text[cursor:start] + placeholder)
        delta += len(placeholder) - (end - start)
        shifts.append((start, end, delta))
        cursor = end
    out.append(text[cursor:])
    kept, dropped = [], 0
    for entity in entities or []:
        start, end = int(entity["start"]), int(entity["end"])
        if any(start < s_end and end > s_start for s_start, s_end, _ in shifts):
            dropped += 1
            continue
        offset = next((d for s_start, s_end, d in reversed(shifts) if s_end <= start), 0)
        kept.append({**entity, "start": start + offset, "end": end + offset})
    return Scrubbed("".join(out), kept, len(spans), dropped)
