"""Ordinals ("thứ 2" → thứ hai) and Roman numerals in names ("Đại hội XIII" → Đại hội mười ba)."""

from __future__ import annotations

import re

from broadcast.normalize.numbers import int_words, ordinal_words

_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
ROMAN = r"M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})"
# Roman numerals are only read as numbers after words that number things; "I" or "V" alone elsewhere is a letter.
_ROMAN_CUES = (
    r"đại hội|khóa|khoá|quý|thế kỷ|thế kỉ|chương|phần|mục|đợt|kỳ|kì|giai đoạn|vòng|hạng|cấp|phiên|tập|"
    r"quân khu|vùng|hội nghị|lần|số"
)


def roman_value(token: str) -> int:
    total = 0
    for index, char in enumerate(token):
        value = _ROMAN_VALUES[char]
        following = _ROMAN_VALUES[token[index + 1]] if index + 1 < len(token) else 0
        total += -value if value < following else value
    return total


_ORDINAL = re.compile(r"\b([Tt]hứ)\s+(\d{1,3}|" + ROMAN + r")\b(?![/:h])")
_ROMAN_AFTER_CUE = re.compile(rf"(?i:\b({_ROMAN_CUES}))\s+({ROMAN})\b(?![\w-])")


def ordinals(text: str) -> str:
    def ordinal(m: re.Match[str]) -> str:
        token = m.group(2)
        if not token:
            return m.group(0)
        value = int(token) if token.isdigit() else roman_value(token)
        return f"{m.group(1)} {ordinal_words(value)}"

    return _ORDINAL.sub(ordinal, text)


def roman_numerals(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        token = m.group(2)
        if not token:
            return m.group(0)
        return f"{m.group(1)} {int_words(roman_value(token))}"

    return _ROMAN_AFTER_CUE.sub(repl, text)
