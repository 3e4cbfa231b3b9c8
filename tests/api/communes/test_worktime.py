"""The commune's working calendar: office hours, public holidays, compensatory days, the commune's own days."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from api.communes.worktime import CalendarError, WorkCalendar

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def at(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


def test_saturday_evening_before_national_day_waits_for_the_next_working_day() -> None:
    calendar = WorkCalendar()
    saturday = at(2026, 8, 29, 19, 0)  # 31/8 is a day off in lieu of 22/8; 1–2/9 is National Day
    assert not calendar.is_open(saturday)
    assert calendar.next_open(saturday) == at(2026, 9, 3, 7, 30)
    # 8 working hours: Thursday 7:30–11:30 and 13:30–17:00 (7.5 h), then half an hour on Friday.
    assert calendar.add_working_hours(saturday, 8) == at(2026, 9, 4, 8, 0)
    assert calendar.add_working_days(saturday, 3) == at(2026, 9, 7, 17, 0)
    assert calendar.holiday_name(date(2026, 9, 2)) == "Quốc khánh"


def test_compensatory_working_saturday_keeps_a_weekday_s_hours() -> None:
    calendar = WorkCalendar()
    assert calendar.is_working_day(date(2026, 8, 22))
    assert calendar.is_open(at(2026, 8, 22, 9, 0))
    assert not calendar.is_working_day(date(2026, 8, 29))


def test_lunch_break_and_nights_do_not_count() -> None:
    calendar = WorkCalendar()
    assert calendar.is_open(at(2026, 11, 30, 8, 0))
    assert not calendar.is_open(at(2026, 11, 30, 12, 0))
    assert calendar.next_open(at(2026, 11, 30, 12, 0)) == at(2026, 11, 30, 13, 30)
    friday_late, monday_early = at(2026, 11, 27, 16, 0), at(2026, 11, 30, 8, 30)
    assert calendar.working_seconds_between(friday_late, monday_early) == 2 * 3600
    assert calendar.working_seconds_between(monday_early, friday_late) == 0


def test_commune_settings_add_saturday_mornings_and_their_own_days() -> None:
    commune = SimpleNamespace(
        timezone="Asia/Ho_Chi_Minh",
        settings={
            "office_hours": {d: "07:00-11:00,13:00-17:00" for d in ("t2", "t3", "t4", "t5", "t6")}
            | {"t7": ["07:30-11:30"]},
            "holidays": {"off": ["2026-12-31"], "work": ["2026-12-27"]},
        },
    )
    calendar = WorkCalendar.for_commune(commune)
    assert calendar.is_open(at(2026, 11, 28, 8, 0))  # Saturday morning reception
    assert not calendar.is_open(at(2026, 11, 28, 14, 0))
    assert not calendar.is_working_day(date(2026, 12, 31))
    assert calendar.is_working_day(date(2026, 12, 27))  # a Sunday the commune works
    assert calendar.holiday_name(date(2026, 12, 31)) == "Ngày nghỉ theo thông báo của UBND"


@pytest.mark.parametrize(
    "settings",
    [
        {"office_hours": {"monday": ["07:30-11:30"]}},
        {"office_hours": {"t2": ["11:30-07:30"]}},
        {"office_hours": {"t2": ["7h30 đến 11h"]}},
        {"office_hours": {"t2": ["07:30-11:30", "11:00-12:00"]}},
        {"holidays": {"off": ["31/12/2026"]}},
    ],
)
def test_unreadable_settings_are_named_in_vietnamese(settings: dict[str, object]) -> None:
    with pytest.raises(CalendarError):
        WorkCalendar.from_settings(settings)
    # A commune row with such settings still gets the default week rather than failing a citizen's message.
    assert WorkCalendar.for_commune(SimpleNamespace(settings=settings, timezone="Asia/Ho_Chi_Minh")).is_working_day(
        date(2026, 11, 30)
    )


def test_words_for_due_times_and_openings() -> None:
    calendar = WorkCalendar()
    assert calendar.due_in_words(at(2026, 11, 30, 17, 0)).startswith("trước 17:00 thứ Hai 30/11")
    assert calendar.opening_in_words(at(2026, 11, 30, 9, 0)) == "ngay bây giờ"
    assert calendar.opening_in_words(at(2026, 11, 29, 20, 0)) == "7:30 sáng mai (thứ Hai 30/11)"
    assert calendar.opening_in_words(at(2026, 11, 30, 12, 0)) == "13:30 hôm nay"
