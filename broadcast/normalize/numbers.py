"""Vietnamese number reading: integers, decimals, digit strings and the small ordinal words.

Conventions (chosen for a loudspeaker audience across regions): "nghìn" (not "ngàn"), "lẻ" for a zero tens digit
("một trăm lẻ năm"), "mốt"/"lăm" after a tens digit of two or more ("hai mươi mốt", "hai mươi lăm"), "bốn" in
compounds (understood everywhere), "tư" only in fixed ordinals ("thứ tư", "tháng tư").
"""

from __future__ import annotations

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
# Each step is 1,000× the previous; beyond a billion Vietnamese keeps stacking "nghìn tỷ", "triệu tỷ".
_SCALES = ("", "nghìn", "triệu", "tỷ", "nghìn tỷ", "triệu tỷ", "tỷ tỷ")


def _under_hundred(n: int, *, after_hundreds: bool) -> list[str]:
    tens, units = divmod(n, 10)
    if tens == 0:
        if units == 0:
            return []
        return (["lẻ"] if after_hundreds else []) + [DIGITS[units]]
    words = ["mười"] if tens == 1 else [DIGITS[tens], "mươi"]
    if units == 1 and tens >= 2:
        words.append("mốt")
    elif units == 5:
        words.append("lăm")
    elif units:
        words.append(DIGITS[units])
    return words


def _group(n: int, *, full: bool) -> list[str]:
    """Read 0..999; ``full`` forces "không trăm" when a higher group precedes (2026 → hai nghìn không trăm ...)."""
    hundreds, rest = divmod(n, 100)
    words: list[str] = []
    if hundreds or (full and rest):
        words += [DIGITS[hundreds], "trăm"]
    words += _under_hundred(rest, after_hundreds=bool(words))
    return words


def int_words(n: int) -> str:
    if n < 0:
        return "âm " + int_words(-n)
    if n == 0:
        return "không"
    groups: list[int] = []
    while n:
        n, g = divmod(n, 1000)
        groups.append(g)
    if len(groups) > len(_SCALES):
        return digit_words(str(sum(g * 1000**i for i, g in enumerate(groups))))
    words: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        g = groups[index]
        if g == 0:
            continue
        words += _group(g, full=bool(words))
        if _SCALES[index]:
            words.append(_SCALES[index])
    return " ".join(words)


def digit_words(digits: str) -> str:
    """Read a digit string one digit at a time ("0912" → "không chín một hai")."""
    return " ".join(DIGITS[int(d)] for d in digits if d.isdigit())


def decimal_words(integer: str, fraction: str) -> str:
    """ "2,5" → "hai phẩy năm"; "3,14" → "ba phẩy mười bốn"; leading zeros of the fraction are read one by one."""
    head = int_words(int(integer or "0"))
    stripped = fraction.lstrip("0")
    zeros = len(fraction) - len(stripped)
    tail_parts = ["không"] * zeros
    if stripped:
        tail_parts.append(int_words(int(stripped)) if len(stripped) <= 3 else digit_words(stripped))
    return f"{head} phẩy {' '.join(tail_parts)}"


_ORDINAL_SPECIAL = {1: "nhất", 4: "tư"}


def ordinal_words(n: int) -> str:
    """The word after "thứ": 1 → nhất, 2 → hai, 4 → tư, 14 → mười bốn."""
    return _ORDINAL_SPECIAL.get(n, int_words(n))


def month_words(n: int) -> str:
    """Month names are read with "tư" for April ("tháng tư"); the others are plain numbers."""
    return "tư" if n == 4 else int_words(n)


def parse_grouped(text: str) -> int | None:
    """An integer written with Vietnamese thousands dots ("1.250.000") or spaces; None when the grouping is wrong."""
    for sep in (".", ",", " "):
        if sep in text:
            parts = text.split(sep)
            if not parts[0] or len(parts[0]) > 3 or any(len(p) != 3 or not p.isdigit() for p in parts[1:]):
                return None
            return int("".join(parts))
    return int(text) if text.isdigit() else None
