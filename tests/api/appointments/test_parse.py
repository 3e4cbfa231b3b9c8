"""The consultation-time parser: Vietnamese with and without diacritics, teencode, relative to the commune's today."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from api.appointments.parse import CLOSED, OK, PAST, UNPARSED, parse_time, read_time
from api.communes.worktime import WorkCalendar

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=ZONE)  # a Monday, 10:00 in the commune


def local(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZONE)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sáng mai 9h", local(12, 8, 9)),
        ("mai 9h sang", local(12, 8, 9)),
        ("SÁNG MAI 9H", local(12, 8, 9)),
        ("9 giờ sáng mai", local(12, 8, 9)),
        ("lúc 9 sáng mai", local(12, 8, 9)),
        ("8 rưỡi sáng mai", local(12, 8, 8, 30)),
        ("ngay mai 8h30", local(12, 8, 8, 30)),
        ("mai 10h trưa", local(12, 8, 10)),
        ("1h trua mai", local(12, 8, 13)),
        ("thứ 5 tuần sau 14h30", local(12, 17, 14, 30)),
        ("thu 5 tuan sau 14h30", local(12, 17, 14, 30)),
        ("t5 tuan sau 2h chieu", local(12, 17, 14)),
        ("thứ năm tuần tới 2 giờ chiều", local(12, 17, 14)),
        ("thứ sáu tuần sau 7h30", local(12, 18, 7, 30)),
        ("T6 8h", local(12, 11, 8)),
        ("thứ Tư 9 giờ sáng", local(12, 9, 9)),
        ("9 giờ sáng thứ tư", local(12, 9, 9)),
        ("thu tu 9h", local(12, 9, 9)),
        ("14 giờ 30 phút thứ ba", local(12, 8, 14, 30)),
        ("cn 9h", local(12, 13, 9)),
        ("chủ nhật 9h", local(12, 13, 9)),
        ("thứ 7 9h", local(12, 12, 9)),
        ("15/12 lúc 8 giờ", local(12, 15, 8)),
        ("15/12/2026 8h", local(12, 15, 8)),
        ("15-12 8h", local(12, 15, 8)),
        ("15.12.2026 lúc 8h", local(12, 15, 8)),
        ("ngày 15 tháng 12 lúc 8 giờ", local(12, 15, 8)),
        ("ngay 15 thang 12 luc 8 gio", local(12, 15, 8)),
        ("9:30 ngày 10/12", local(12, 10, 9, 30)),
        ("ngày 20 9h", local(12, 20, 9)),
        ("1/1 9h", local(1, 1, 9, year=2027)),
        ("chiều nay 3h", local(12, 7, 15)),
        ("3 giờ chiều nay", local(12, 7, 15)),
        ("hôm nay 14h", local(12, 7, 14)),
        ("hnay 14h", local(12, 7, 14)),
        ("ngày mốt 8h30", local(12, 9, 8, 30)),
        ("ngay mot 8 gio ruoi", local(12, 9, 8, 30)),
        ("2pm", local(12, 7, 14)),
        ("9h", local(12, 8, 9)),  # nine o'clock already passed today: tomorrow's
        ("14h", local(12, 7, 14)),
        ("đổi lịch sang 15/12 lúc 2h chiều", local(12, 15, 14)),
        ("doi sang mai 9h", local(12, 8, 9)),
        ("thứ hai 10h", local(12, 14, 10)),  # said on Monday at ten: next Monday
        ("thứ hai 14h", local(12, 7, 14)),  # later today
        ("mai", None),
        ("sáng mai", None),
        ("càng sớm càng tốt", None),
        ("", None),
        ("31/2 9h", None),
    ],
)
def test_phrasings(text: str, expected: datetime | None) -> None:
    assert parse_time(text, now=NOW) == expected


def test_read_time_against_the_office_calendar() -> None:
    calendar = WorkCalendar()
    assert read_time("sáng mai 9h", now=NOW, calendar=calendar).status == OK
    assert read_time("thứ 7 9h", now=NOW, calendar=calendar).status == CLOSED  # Saturday: the office is closed
    assert read_time("mai 20h", now=NOW, calendar=calendar).status == CLOSED  # evening
    assert read_time("hôm nay 8h", now=NOW, calendar=calendar).status == PAST
    assert read_time("hom qua 9h", now=NOW, calendar=calendar).status == PAST
    assert read_time("sáng mai", now=NOW, calendar=calendar) == read_time(None, now=NOW, calendar=calendar)
    assert read_time("sáng mai", now=NOW, calendar=calendar).status == UNPARSED
    assert read_time("31/12/9999 9h", now=NOW, calendar=calendar).status == UNPARSED
    reading = read_time("t5 tuan sau 2h chieu", now=NOW.astimezone(ZoneInfo("UTC")), calendar=calendar)
    assert reading.status == OK and reading.at == local(12, 17, 14)  # a UTC now is read in the commune's zone
