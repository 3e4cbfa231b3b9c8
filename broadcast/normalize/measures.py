"""Phone numbers, money, percentages, units and plain numbers."""

from __future__ import annotations

import re

from broadcast.normalize.numbers import decimal_words, digit_words, int_words, parse_grouped

# A written quantity: "1.250.000", "1,250,000", "2,5", "1.5", "15". Grouped forms first so they win.
NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d{1,3}(?:,\d{3}){2,}|\d+(?:[.,]\d+)?"


def number_words(token: str) -> str:
    """Read a written quantity; Vietnamese uses "." for thousands and "," for decimals, with English forms tolerated."""
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", token):
        integer, _, fraction = token.partition(",")
        value = parse_grouped(integer)
        assert value is not None
        return decimal_words(str(value), fraction) if fraction else int_words(value)
    if re.fullmatch(r"\d{1,3}(?:,\d{3}){2,}", token):
        return int_words(int(token.replace(",", "")))
    if "," in token or "." in token:
        integer, fraction = re.split(r"[.,]", token, maxsplit=1)
        return decimal_words(integer, fraction)
    if (len(token) > 1 and token.startswith("0")) or len(token) > 15:
        return digit_words(token)
    return int_words(int(token))


# --- phone numbers: digit by digit, in the groups they were written in -------------------------------------
_PHONE = re.compile(r"(?<![\d,.])(?:\+84|\(0\d{1,3}\)|0)(?:[\s.-]?\d){8,10}(?![\d])")
_SHORT_SERVICE = re.compile(
    r"(?P<cue>\b(?:số|gọi|gọi ngay|đường dây nóng|hotline|tổng đài|điện thoại|liên hệ)[:\s]+)"
    r"(?P<num>1\d{2,3}(?:[\s.]\d{3,4})?)\b",
    flags=re.IGNORECASE,
)


def _spell_groups(raw: str) -> str:
    groups = [g for g in re.split(r"[\s.()-]+", raw) if g]
    if len(groups) == 1:
        digits = groups[0]
        if digits.startswith("+84"):
            groups = ["+84", digits[3:6], digits[6:9], digits[9:]]
        else:
            cut = 4
            groups = [digits[:cut], digits[cut : cut + 3], digits[cut + 3 :]]
    spoken = []
    for group in groups:
        if not group:
            continue
        spoken.append("cộng tám bốn" if group == "+84" else digit_words(group))
    return ", ".join(spoken)


def phones(text: str) -> str:
    text = _PHONE.sub(lambda m: _spell_groups(m.group(0)), text)
    return _SHORT_SERVICE.sub(lambda m: m.group("cue") + _spell_groups(m.group("num")), text)


# --- money and percentages ----------------------------------------------------------------------------------
_MONEY = re.compile(rf"(?<![\d.,])({NUM})\s?(?:đồng|đ|VNĐ|VND|vnđ|vnd|₫)(?!\w)")
_PER_UNIT = re.compile(r"(?<=đồng)/(\w+(?:\d)?)")
_DOLLARS = re.compile(rf"\$\s?({NUM})|(?<![\d.,])({NUM})\s?(?:USD|\$)(?!\w)")
_PERCENT = re.compile(rf"(?<![\d.,])({NUM})\s?%")


def money(text: str) -> str:
    text = _MONEY.sub(lambda m: f"{number_words(m.group(1))} đồng", text)
    text = _PER_UNIT.sub(lambda m: f" một {UNITS.get(m.group(1), m.group(1))}", text)
    text = _DOLLARS.sub(lambda m: f"{number_words(m.group(1) or m.group(2))} đô la Mỹ", text)
    return _PERCENT.sub(lambda m: f"{number_words(m.group(1))} phần trăm", text)


# --- units after a number -------------------------------------------------------------------------------------
UNITS = {
    "km/h": "ki lô mét trên giờ",
    "m/s": "mét trên giây",
    "m3/s": "mét khối trên giây",
    "km2": "ki lô mét vuông",
    "km²": "ki lô mét vuông",
    "m2": "mét vuông",
    "m²": "mét vuông",
    "m3": "mét khối",
    "m³": "mét khối",
    "cm": "xăng ti mét",
    "mm": "mi li mét",
    "km": "ki lô mét",
    "kg": "ki lô gam",
    "mg": "mi li gam",
    "ml": "mi li lít",
    "ha": "héc ta",
    "kWh": "ki lô oát giờ",
    "kW": "ki lô oát",
    "MW": "mê ga oát",
    "kV": "ki lô vôn",
    "°C": "độ C",
    "độ C": "độ C",
    "m": "mét",
    "g": "gam",
    "l": "lít",
    "t": "tấn",
}
_UNIT_ALTS = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
_UNIT = re.compile(rf"(?<![\d.,])({NUM})\s?({_UNIT_ALTS})(?![\w²³])")
_DIMENSIONS = re.compile(r"(?<=\d)\s?[x×]\s?(?=\d)")


def units(text: str) -> str:
    text = _DIMENSIONS.sub(" nhân ", text)
    return _UNIT.sub(lambda m: f"{number_words(m.group(1))} {UNITS[m.group(2)]}", text)


# --- whatever numbers remain ------------------------------------------------------------------------------
_BARE = re.compile(rf"(?<![\w.,])({NUM})(?=[A-ZĐ]\b)|(?<![\w.,])({NUM})(?![\d])")


def bare_numbers(text: str) -> str:
    text = re.sub(r"(?<=\d)/(?=\d)", " trên ", text)

    def repl(m: re.Match[str]) -> str:
        token = m.group(1) or m.group(2)
        spoken = number_words(token)
        suffix = " " if m.group(1) else ""
        return spoken + suffix

    text = _BARE.sub(repl, text)
    # A number glued to a letter ("1A", "12B") keeps the letter as a separate word.
    text = re.sub(rf"(?<![\w])({NUM})(?=[A-Za-zĐđ])", lambda m: number_words(m.group(1)) + " ", text)
    # Whatever digits are left are glued to words ("UBND4", "h1"): read them rather than let the engine guess.
    return re.sub(r"\d+", lambda m: f" {number_words(m.group(0))} ", text)
