"""Abbreviations: the maintained list (``abbreviations.yml``) plus the ambiguous ones resolved by their context."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

LIST_PATH = Path(__file__).with_name("abbreviations.yml")

# Letters of an all-caps token: word characters including Vietnamese capitals.
_UPPER = "A-ZĐÂĂÊÔƠƯÁÀẢÃẠÉÈẺẼẸÍÌỈĨỊÓÒỎÕỌÚÙỦŨỤÝỲỶỸỴ"


@lru_cache(maxsize=1)
def load_abbreviations(path: Path = LIST_PATH) -> dict[str, str]:
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    return {str(key): str(value) for key, value in data.items()}


@lru_cache(maxsize=1)
def _list_pattern() -> re.Pattern[str]:
    keys = sorted(load_abbreviations(), key=len, reverse=True)
    alternatives = "|".join(re.escape(key) for key in keys)
    # A digit glued to a road or hamlet code is part of the name: "QL1A" → "quốc lộ 1A".
    return re.compile(rf"(?<!\w)({alternatives})(?=\d|(?!\w))")


def expand_listed(text: str) -> str:
    table = load_abbreviations()

    def repl(match: re.Match[str]) -> str:
        following = text[match.end() : match.end() + 1]
        return table[match.group(1)] + (" " if following.isdigit() else "")

    return _list_pattern().sub(repl, text)


# Each rule: (pattern, replacement); the first that matches at a position wins, so specific contexts come first.
_NAME_START = rf"[{_UPPER}][a-zà-ỹ]"
_CENTRE_FIELDS = (
    r"Y tế|YT|Văn hóa|VH|Giáo dục|GDNN|Dạy nghề|Hành chính công|HCC|Phục vụ|Chính trị|Bồi dưỡng|Truyền thông|"
    r"Kiểm soát|Dịch vụ|Văn hoá|Thể thao|Nước sạch|Khuyến nông"
)
_CONTEXT_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # "TT": thông tư inside a document code, trung tâm before a field, thị trấn before a place name.
    (re.compile(r"\bTT(?=-[A-ZĐ])"), "thông tư"),
    (re.compile(rf"\bTT\.?\s?(?=(?:{_CENTRE_FIELDS})\b)"), "trung tâm "),
    (re.compile(rf"\bTT\.?\s?(?={_NAME_START})"), "thị trấn "),
    (re.compile(r"\bTT\b"), "trung tâm"),
    # "TP": "Phó TP" is a deputy head of office; otherwise a city.
    (re.compile(r"(?<=\b[Pp]hó )TP\b"), "trưởng phòng"),
    (re.compile(r"\b(?:TP|Tp)\.?\s?(?=[\w])"), "thành phố "),
    (re.compile(r"\b(?:TP|Tp)\b"), "thành phố"),
    # "CP": cổ phần after a company, chính phủ otherwise.
    (re.compile(r"(?<=\b[Cc]ông ty )CP\b|(?<=\bCty )CP\b"), "cổ phần"),
    (re.compile(r"\bCP\b"), "chính phủ"),
    (re.compile(r"\bCty\b"), "công ty"),
    # "CT": chủ tịch before an office, chỉ thị before a number.
    (re.compile(r"\bCT(?= (?:UBND|HĐND|ủy ban|hội đồng|UBMTTQ|xã|Hội)\b)"), "chủ tịch"),
    (re.compile(r"\bCT(?= (?:số )?\d)"), "chỉ thị"),
    # "ĐT": a telephone before a phone number (8+ digits), a provincial road before a short number.
    (re.compile(r"\bĐT(?=[:.]?\s*(?:\(?\+?\d[\d\s.)-]{7,}))"), "điện thoại"),
    (re.compile(r"\bĐT\.?\s?(?=\d{1,4}[A-Z]?\b)"), "đường tỉnh "),
    (re.compile(r"\bĐT\b"), "điện thoại"),
    # "CN" is Sunday next to a date or in a weekday list, otherwise left alone.
    (re.compile(r"\s?[-–]\s?CN\b"), " đến chủ nhật"),
    (re.compile(r"\bCN(?=,?\s*(?:ngày\s*)?\d{1,2}/\d{1,2})"), "chủ nhật"),
    # "k" after a number is thousands ("50k"), alone between words it is chat shorthand for "không".
    (re.compile(r"(?<=\d)\s?[kK]\b(?!m|g|W)"), " nghìn"),
    (re.compile(r"(?<=\s)k(?=\s)"), "không"),
    # Ward and district numbers: "P.5" → phường 5, "Q.1" → quận 1.
    (re.compile(r"\bP\.\s?(?=\d)"), "phường "),
    (re.compile(r"\bQ\.\s?(?=\d)"), "quận "),
)


def resolve_context(text: str) -> str:
    for pattern, replacement in _CONTEXT_RULES:
        text = pattern.sub(replacement, text)
    return text


def expand_hyphenated_codes(text: str) -> str:
    """Unlisted document codes ("KH-UBND") are read part by part when every part is a known abbreviation."""
    table = {**load_abbreviations(), **_CODE_PARTS}

    def repl(match: re.Match[str]) -> str:
        parts = re.split(r"[-&]", match.group(0))
        if all(part in table for part in parts):
            return " ".join(table[part] for part in parts)
        return match.group(0)

    return re.sub(rf"\b[{_UPPER}][{_UPPER}a-z]*(?:[-&][{_UPPER}][{_UPPER}a-z]*)+\b", repl, text)


_CODE_PARTS = {
    "KH": "kế hoạch",
    "TB": "thông báo",
    "CV": "công văn",
    "BC": "báo cáo",
    "TTr": "tờ trình",
    "HD": "hướng dẫn",
    "CT": "chỉ thị",
    "TT": "thông tư",
    "UBND": "ủy ban nhân dân",
    "VPCP": "văn phòng chính phủ",
    "BNV": "bộ nội vụ",
    "BTP": "bộ tư pháp",
}
