"""A consultation time in the citizen's words → a moment in the commune's time zone.

"sáng mai 9h", "thứ 5 tuần sau 14h30", "15/12 lúc 8 giờ", "mai 9h sang", "t5 tuan sau 2h chieu": with or without
diacritics, teencode weekdays (t2…t7, cn), relative to the commune's today. A day without an hour, an hour without
any clue, a vague "càng sớm càng tốt" are not guessed: ``read_time`` says ``unparsed`` and staff set the time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from api.communes.worktime import WorkCalendar
from xaso_text import TEENCODE, clean, fold

OK, UNPARSED, PAST, CLOSED = "ok", "unparsed", "past", "closed"
MAX_AHEAD = timedelta(days=366)
_WEEKDAY_WORDS = {"hai": 0, "ba": 1, "tu": 2, "nam": 3, "sau": 4, "bay": 5}
_WEEKDAY = re.compile(r"\b(?:thu\s*([2-7]|hai|ba|tu|nam|sau|bay)|t([2-7])|(cn|chu nhat))\b")
_NEXT_WEEK = re.compile(r"\btuan\s*(?:sau|toi|toi nua)\b")
_DATE = re.compile(
    r"\b(\d{1,2})\s*(?:/|-|\s*thang\s+)\s*(\d{1,2})(?:\s*(?:/|-|\s*nam\s+)\s*(\d{4}|\d{2}))?\b(?!\s*(?:h|g|gio|:)\b)"
)
_DAY_ONLY = re.compile(r"\bngay\s+(\d{1,2})\b(?!\s*(?:h|g|gio|:|thang|/|-))")
_CLOCK = re.compile(r"\b(\d{1,2})\s*(?:h|g|gio|:)\s*(\d{1,2}|ruoi)?\s*(?:phut|p)?(?![\w/])")
_HALF = re.compile(r"\b(\d{1,2})\s+ruoi\b")
_AMPM = re.compile(r"\b(\d{1,2})(?:[:h](\d{2}))?\s*(am|pm)\b")
_AT = re.compile(r"\bluc\s+(\d{1,2})\b")
_MOVE_TO = re.compile(r"\b(doi|chuyen|lui|doi lich|lich|hen)\s+sang\b")
_PERIOD = re.compile(r"\b(sang|trua|chieu|toi|dem)\b")
_RELATIVE = (
    (re.compile(r"\bhom qua\b"), -1),
    (re.compile(r"\bhom kia\b"), -2),
    (re.compile(r"\b(?:hom nay|bay gio|sang nay|trua nay|chieu nay|toi nay|nay)\b"), 0),
    (re.compile(r"\b(?:ngay mai|mai)\b"), 1),
    (re.compile(r"\b(?:ngay mot|ngay kia|mot)\b(?!\s*(?:h|g|gio|tieng)\b)"), 2),
)


@dataclass(frozen=True)
class Reading:
    """What was understood: ``status`` ok (``at`` set), unparsed, past or closed (outside working hours)."""

    status: str
    at: datetime | None = None


class _NoSuchDay(ValueError):
    """A date the calendar does not have ("31/2"): not guessed."""


def _normalise(text: str) -> str:
    folded = " ".join(TEENCODE.get(word, word) for word in fold(clean(text or "")).split())
    folded = re.sub(r"[,;!?()\"'“”]+", " ", folded)
    folded = re.sub(r"\b(\d{1,2})\.(\d{1,2})\.(\d{2,4})\b", r"\1/\2/\3", folded)  # 15.12.2026
    folded = _MOVE_TO.sub(r"\1 ", folded)  # "đổi sang 2h chiều": "sang" is "to" here, not "sáng" (morning)
    return " ".join(folded.split())


def _weekday(match: re.Match[str]) -> int:
    word, short, sunday = match.groups()
    if sunday:
        return 6
    value = word or short
    return int(value) - 2 if value.isdigit() else _WEEKDAY_WORDS[value]


def _the_date(text: str, today: date) -> tuple[date | None, str, bool]:
    """The day named in ``text`` (None: none named), the text without it (so its digits are not read as hours), and
    whether it was a bare weekday (said on that weekday after the hour, it means next week's)."""
    found = _DATE.search(text)
    if found:
        day, month, year = int(found.group(1)), int(found.group(2)), found.group(3)
        rest = text[: found.start()] + " " + text[found.end() :]
        full_year = (2000 + int(year) if len(year) == 2 else int(year)) if year else today.year
        try:
            named = date(full_year, month, day)
        except ValueError:
            raise _NoSuchDay from None
        if not year and named < today:
            try:
                named = date(today.year + 1, month, day)  # "15/1" said in December: next year's
            except ValueError:
                raise _NoSuchDay from None
        return named, rest, False
    weekday = _WEEKDAY.search(text)
    if weekday:
        rest = text[: weekday.start()] + " " + text[weekday.end() :]
        monday = today - timedelta(days=today.weekday())
        if _NEXT_WEEK.search(text):
            return monday + timedelta(days=7 + _weekday(weekday)), _NEXT_WEEK.sub(" ", rest), False
        named = monday + timedelta(days=_weekday(weekday))
        return (named if named >= today else named + timedelta(days=7)), rest, True
    only_day = _DAY_ONLY.search(text)
    if only_day:
        rest = text[: only_day.start()] + " " + text[only_day.end() :]
        try:
            named = today.replace(day=int(only_day.group(1)))
        except ValueError:
            raise _NoSuchDay from None
        if named < today:
            month_after = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
            try:
                named = month_after.replace(day=int(only_day.group(1)))
            except ValueError:
                raise _NoSuchDay from None
        return named, rest, False
    for pattern, offset in _RELATIVE:
        relative = pattern.search(text)
        if relative:
            return today + timedelta(days=offset), text[: relative.start()] + " " + text[relative.end() :], False
    return None, text, False


def _hour_minute(text: str) -> tuple[int, int] | None:
    ampm = _AMPM.search(text)
    if ampm:
        hour = int(ampm.group(1)) % 12 + (12 if ampm.group(3) == "pm" else 0)
        return hour, int(ampm.group(2) or 0)
    clock = _CLOCK.search(text)
    if clock:
        minutes = clock.group(2)
        return int(clock.group(1)), 30 if minutes == "ruoi" else int(minutes or 0)
    half = _HALF.search(text)
    if half:
        return int(half.group(1)), 30
    at = _AT.search(text)
    if at:
        return int(at.group(1)), 0
    return None


def _adjust(hour: int, period: str | None) -> int:
    """The 24-hour clock: "2h chiều" is 14:00; a bare "2h" means the afternoon too (no station opens at 2 a.m.)."""
    if period in ("chieu", "toi", "dem") and hour < 12:
        return hour + 12
    if period == "trua" and hour < 6:
        return hour + 12
    if period is None and 1 <= hour <= 5:
        return hour + 12
    return hour


def parse_time(text: str, *, now: datetime) -> datetime | None:
    """The moment ``text`` names, in ``now``'s time zone (``now`` is the commune's local now); None if unsure."""
    normal = _normalise(text)
    if not normal:
        return None
    try:
        day, rest, weekday = _the_date(normal, now.date())
    except _NoSuchDay:
        return None
    periods = _PERIOD.findall(rest)
    period = periods[-1] if periods else None
    hour_minute = _hour_minute(rest)
    if hour_minute is None:
        return None
    hour, minute = _adjust(hour_minute[0], period), hour_minute[1]
    if hour > 23 or minute > 59:
        return None
    moment = datetime.combine(day or now.date(), time(hour, minute), now.tzinfo)
    if day is None and moment <= now:
        moment += timedelta(days=1)  # "9h" said after nine: tomorrow's
    elif weekday and moment <= now:
        moment += timedelta(days=7)  # "thứ Hai 10h" said on a Monday after ten: next Monday's
    return moment


def read_time(text: str | None, *, now: datetime, calendar: WorkCalendar) -> Reading:
    """``parse_time`` against the commune's calendar: in the past, or outside its working hours, is not booked."""
    local_now = calendar.local(now)
    moment = parse_time(text or "", now=local_now)
    if moment is None or moment > local_now + MAX_AHEAD:
        return Reading(UNPARSED)  # a year away is a typo more likely than a booking
    if moment <= local_now:
        return Reading(PAST, moment)
    if not calendar.is_open(moment):
        return Reading(CLOSED, moment)
    return Reading(OK, moment)
