"""Dates, times and ranges, read the way an announcer says them."""

from __future__ import annotations

import re

from broadcast.normalize.numbers import int_words, month_words

_DATE_CUES = r"(?:ngày|hôm|từ|đến|tới|trước|sau|sáng|chiều|tối|trưa|đêm|lúc|vào|hạn|thứ \w+|chủ nhật|CN|mai|nay)"
# Words after "a/b" that make it a share of something rather than a day of a month.
_FRACTION_FOLLOWERS = r"(?:số|diện tích|dân số|tổng|lượng|hộ|người|kinh phí|thời gian|phần|khối lượng)"


def _date(day: int, month: int, year: int | None, *, has_ngay: bool) -> str:
    words = [] if has_ngay else ["ngày"]
    words += [int_words(day), "tháng", month_words(month)]
    if year is not None:
        words += ["năm", int_words(year)]
    return " ".join(words)


def _valid(day: int, month: int) -> bool:
    return 1 <= day <= 31 and 1 <= month <= 12


_FULL_DATE = re.compile(r"(?P<ngay>\b[Nn]gày\s+)?\b(\d{1,2})([/.-])(\d{1,2})\3(\d{4})\b")


def full_dates(text: str) -> str:
    """ "25/11/2026", "25-11-2026", "25.11.2026" → ngày hai mươi lăm tháng mười một năm ..."""

    def repl(m: re.Match[str]) -> str:
        day, month, year = int(m.group(2)), int(m.group(4)), int(m.group(5))
        if not _valid(day, month):
            return m.group(0)
        prefix = m.group("ngay") or ""
        return prefix + _date(day, month, year, has_ngay=bool(prefix))

    return _FULL_DATE.sub(repl, text)


_RANGE = re.compile(r"(?<=[\dh'])\s*[-–—]\s*(?=\d)")


def ranges(text: str) -> str:
    """A dash between two numbers, times or dates is "đến": "7h30-11h00", "25/11-30/11", "5-7 ngày"."""
    return _RANGE.sub(" đến ", text)


_MONTH_YEAR = re.compile(r"(?P<thang>\b[Tt]háng\s+)?\b(\d{1,2})/(\d{4})\b")
_DAY_MONTH = re.compile(r"\b(\d{1,2})/(\d{1,2})\b(?!/)")


def short_dates(text: str) -> str:
    def month_year(m: re.Match[str]) -> str:
        month, year = int(m.group(2)), int(m.group(3))
        if not 1 <= month <= 12:
            return m.group(0)
        prefix = m.group("thang") or "tháng "
        return f"{prefix}{month_words(month)} năm {int_words(year)}"

    def day_month(m: re.Match[str]) -> str:
        before, after = m.string[max(0, m.start() - 20) : m.start()], m.string[m.end() : m.end() + 30]
        num, den = int(m.group(1)), int(m.group(2))
        cue = re.search(rf"{_DATE_CUES}\s+$", before, flags=re.IGNORECASE) is not None
        fraction_context = re.match(rf"\s+{_FRACTION_FOLLOWERS}\b", after) is not None
        if (not cue and fraction_context and num < den) or not _valid(num, den):
            return f"{int_words(num)} phần {int_words(den)}"
        has_ngay = re.search(r"\b[Nn]gày\s+$", before) is not None
        return _date(num, den, None, has_ngay=has_ngay)

    text = _MONTH_YEAR.sub(month_year, text)
    return _DAY_MONTH.sub(day_month, text)


_TIME = re.compile(r"\b(\d{1,2})\s?(?:h|g|giờ|:)\s?(\d{2})(?:'|\s?phút\b)?|\b(\d{1,2})\s?h\b(?!/)")


def _clock(hour: int, minute: int) -> str | None:
    if hour > 24 or minute > 59:
        return None
    words = f"{int_words(hour)} giờ"
    if minute == 0:
        return words
    if minute < 10:
        return f"{words} {int_words(minute)} phút"
    return f"{words} {int_words(minute)}"


def times(text: str) -> str:
    """ "7h30" → bảy giờ ba mươi; "14:05" → mười bốn giờ năm phút; "7h" → bảy giờ."""

    def repl(m: re.Match[str]) -> str:
        hour, minute = (m.group(3), "0") if m.group(3) is not None else (m.group(1), m.group(2))
        spoken = _clock(int(hour), int(minute))
        return spoken if spoken is not None else m.group(0)

    return _TIME.sub(repl, text)


_MONTH_WORD = re.compile(r"\b([Tt]háng)\s+(\d{1,2})\b")


def month_names(text: str) -> str:
    """ "tháng 4" → tháng tư (other months are ordinary numbers)."""
    return _MONTH_WORD.sub(lambda m: f"{m.group(1)} {month_words(int(m.group(2)))}", text)
