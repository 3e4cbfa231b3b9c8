"""Working time of a commune office: weekly office hours, Vietnamese public holidays and the commune's own changes.

One calendar answers every "when" question of the platform: whether staff are on duty now, when they will answer,
a case's deadline counted in working hours or working days, and handling times in working hours for the statistics.

- Office hours per weekday come from ``commune.settings["office_hours"]``, e.g. ``{"t2": ["07:30-11:30",
  "13:30-17:00"], …, "t7": ["07:30-11:30"]}`` (keys ``t2``…``t7`` and ``cn``); a weekday left out is a day off. The
  default is Monday to Friday, 07:30–11:30 and 13:30–17:00 (the usual commune office day).
- Public holidays and the government's compensatory working days come from the ``holidays`` package (Vietnam,
  Vietnamese names). A commune adds its own days off or working days per year in ``commune.settings["holidays"]``:
  ``{"off": ["2026-12-31"], "work": ["2027-01-09"]}`` (ISO dates), for decisions published after the package release.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

DAY_KEYS = ("t2", "t3", "t4", "t5", "t6", "t7", "cn")
WEEKDAY_NAMES = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
DEFAULT_PERIODS = ("07:30-11:30", "13:30-17:00")
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
_PERIOD = re.compile(r"^\s*(\d{1,2})[:h](\d{2})\s*-\s*(\d{1,2})[:h](\d{2})\s*$")
_SEARCH_DAYS = 400  # longer than any run of days off (Tết is at most about ten days)

Period = tuple[time, time]
# One table for the process, filled for the years around today at import and by the package for any other year.
_PUBLIC_HOLIDAYS = holidays.country_holidays(
    "VN", language="vi", years=range(date.today().year - 5, date.today().year + 6)
)


class CalendarError(ValueError):
    """Office hours or holiday settings that cannot be read (the message names the bad value, in Vietnamese)."""


def parse_period(text: str) -> Period:
    match = _PERIOD.match(text)
    if match is None:
        raise CalendarError(f"Giờ làm việc không hợp lệ: '{text}' (ví dụ đúng: 07:30-11:30)")
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59:
        raise CalendarError(f"Giờ làm việc không hợp lệ: '{text}'")
    start, end = time(h1, m1), (time(23, 59, 59) if h2 == 24 else time(h2, m2))
    if end <= start:
        raise CalendarError(f"Giờ kết thúc phải sau giờ bắt đầu: '{text}'")
    return start, end


def _parse_week(raw: Any) -> dict[int, tuple[Period, ...]]:
    if raw is None:
        return {day: tuple(parse_period(p) for p in DEFAULT_PERIODS) for day in range(5)}
    if not isinstance(raw, Mapping):
        raise CalendarError("Giờ làm việc phải là bảng theo thứ (t2 … t7, cn)")
    week: dict[int, tuple[Period, ...]] = {}
    for key, periods in raw.items():
        if key not in DAY_KEYS:
            raise CalendarError(f"Không hiểu ngày '{key}' (dùng t2, t3, t4, t5, t6, t7, cn)")
        if isinstance(periods, str):
            periods = [p for p in periods.split(",") if p.strip()]
        if not isinstance(periods, Sequence):
            raise CalendarError(f"Giờ làm việc của '{key}' phải là danh sách khoảng giờ")
        parsed = sorted(parse_period(str(p)) for p in periods)
        for (_, end), (start, _) in itertools.pairwise(parsed):
            if start < end:
                raise CalendarError(f"Các khoảng giờ của '{key}' chồng lên nhau")
        if parsed:
            week[DAY_KEYS.index(key)] = tuple(parsed)
    return week


def _parse_dates(raw: Any, what: str) -> frozenset[date]:
    if not raw:
        return frozenset()
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise CalendarError(f"Danh sách {what} phải là các ngày dạng YYYY-MM-DD")
    try:
        return frozenset(date.fromisoformat(str(item)) for item in raw)
    except ValueError as exc:
        raise CalendarError(f"Ngày không hợp lệ trong danh sách {what}: {exc}") from exc


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


@dataclass(frozen=True)
class WorkCalendar:
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TIMEZONE))
    week: Mapping[int, tuple[Period, ...]] = field(default_factory=lambda: _parse_week(None))
    extra_off: frozenset[date] = frozenset()
    extra_work: frozenset[date] = frozenset()
    public: holidays.HolidayBase = field(default_factory=lambda: _PUBLIC_HOLIDAYS, compare=False, hash=False)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any] | None, *, timezone: str | None = None) -> WorkCalendar:
        settings = settings or {}
        days = settings.get("holidays") or {}
        if not isinstance(days, Mapping):
            raise CalendarError("Ngày nghỉ phải là bảng {'off': [...], 'work': [...]}")
        return cls(
            tz=_zone(timezone),
            week=_parse_week(settings.get("office_hours")),
            extra_off=_parse_dates(days.get("off"), "ngày nghỉ"),
            extra_work=_parse_dates(days.get("work"), "ngày làm bù"),
        )

    @classmethod
    def for_commune(cls, commune: Any) -> WorkCalendar:
        """A commune row's calendar; unreadable settings fall back to the default week (they are checked on save)."""
        settings = getattr(commune, "settings", None) or {}
        timezone = getattr(commune, "timezone", None)
        try:
            return cls.from_settings(settings, timezone=timezone)
        except CalendarError:
            return cls(tz=_zone(timezone))

    # --- days -------------------------------------------------------------------------------------------------------
    def holiday_name(self, day: date) -> str | None:
        if day in self.extra_off:
            return "Ngày nghỉ theo thông báo của UBND"
        name = self.public.get(day)
        return str(name) if name else None

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_work:
            return True
        if day in self.extra_off or day in self.public:
            return False
        if day in getattr(self.public, "weekend_workdays", ()):  # the government's compensatory working Saturdays
            return bool(self.week.get(0))
        return bool(self.week.get(day.weekday()))

    def periods(self, day: date) -> tuple[Period, ...]:
        if not self.is_working_day(day):
            return ()
        own = self.week.get(day.weekday())
        return own if own else self.week.get(0, ())  # a working Saturday keeps a Monday's hours

    def _spans(self, day: date) -> list[tuple[datetime, datetime]]:
        return [
            (datetime.combine(day, start, self.tz), datetime.combine(day, end, self.tz))
            for start, end in self.periods(day)
        ]

    # --- moments ----------------------------------------------------------------------------------------------------
    def local(self, moment: datetime) -> datetime:
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(self.tz)

    def is_open(self, moment: datetime) -> bool:
        at = self.local(moment)
        return any(start <= at < end for start, end in self._spans(at.date()))

    def next_open(self, moment: datetime) -> datetime:
        """``moment`` itself when the office is open, else the start of the next working period."""
        at = self.local(moment)
        for offset in range(_SEARCH_DAYS):
            for start, end in self._spans(at.date() + timedelta(days=offset)):
                if at < end:
                    return max(start, at)
        raise CalendarError("Không có ngày làm việc nào trong hơn một năm tới: kiểm tra giờ làm việc của xã")

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The moment ``hours`` of office time after ``start`` (time outside office hours does not count)."""
        remaining = timedelta(hours=hours)
        at = self.local(start)
        for offset in range(_SEARCH_DAYS * 3):
            for span_start, span_end in self._spans(at.date() + timedelta(days=offset)):
                if span_end <= at:
                    continue
                begin = max(span_start, at)
                if begin + remaining <= span_end:
                    return begin + remaining
                remaining -= span_end - begin
        raise CalendarError("Không tính được hạn xử lý: không có đủ giờ làm việc")

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The end of the ``days``-th working day after the day of ``start`` (a day that starts late still counts
        from the next working day, as administrative time limits do)."""
        day = self.local(start).date()
        counted = 0
        for _ in range(_SEARCH_DAYS * 3):
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
                if counted >= days:
                    return self._spans(day)[-1][1]
        raise CalendarError("Không tính được hạn xử lý: không có đủ ngày làm việc")

    def working_seconds_between(self, begin: datetime, end: datetime) -> float:
        """Office time between two moments (for handling times in working hours)."""
        a, b = self.local(begin), self.local(end)
        if b <= a:
            return 0.0
        total = 0.0
        day = a.date()
        while day <= b.date():
            for span_start, span_end in self._spans(day):
                lo, hi = max(span_start, a), min(span_end, b)
                if hi > lo:
                    total += (hi - lo).total_seconds()
            day += timedelta(days=1)
        return total

    # --- words ------------------------------------------------------------------------------------------------------
    def due_in_words(self, moment: datetime) -> str:
        """``"trước 17:00 thứ Hai 30/11"`` (the year is added when it is not this year)."""
        at = self.local(moment)
        now_year = datetime.now(self.tz).year
        when = f"{at:%H:%M} {WEEKDAY_NAMES[at.weekday()]} {at:%d/%m}"
        return f"trước {when}" + (f"/{at.year}" if at.year != now_year else "")

    def opening_in_words(self, moment: datetime) -> str:
        """When staff will next be at work, from ``moment``: ``"ngay bây giờ"`` or ``"7:30 thứ Hai 30/11"``."""
        at = self.local(moment)
        opens = self.next_open(at)
        if opens == at:
            return "ngay bây giờ"
        day = "hôm nay" if opens.date() == at.date() else f"{WEEKDAY_NAMES[opens.weekday()]} {opens:%d/%m}"
        if opens.date() == at.date() + timedelta(days=1):
            day = f"sáng mai ({WEEKDAY_NAMES[opens.weekday()]} {opens:%d/%m})" if opens.hour < 12 else f"ngày mai {day}"
        return f"{opens.hour}:{opens:%M} {day}"
