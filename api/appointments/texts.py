"""What the citizen and staff read about an appointment (the bot's voice: "em", "anh/chị")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from api.appointments.models import Appointment
from api.appointments.parse import CLOSED, PAST, Reading
from api.communes.worktime import WEEKDAY_NAMES, WorkCalendar

HINT = "Nhắn “đổi lịch” hoặc “hủy hẹn” nếu cần."
EXAMPLES = "ví dụ “sáng mai 9h”, “thứ 5 tuần sau 14h30” hoặc “15/12 lúc 8 giờ”"


def when_words(moment: datetime | None, calendar: WorkCalendar) -> str:
    """'09:00 thứ Ba 08/12/2026' in the commune's time."""
    if moment is None:
        return "chưa có giờ"
    local = calendar.local(moment)
    return f"{local:%H:%M} {WEEKDAY_NAMES[local.weekday()]} {local:%d/%m/%Y}"


def pending_note(requested: str | None, reading: Reading, calendar: WorkCalendar) -> str:
    said = f"“{requested}”" if requested else "(không nói)"
    if reading.status == PAST:
        why = "thời gian đã qua"
    elif reading.status == CLOSED:
        why = f"{when_words(reading.at, calendar)} ngoài giờ làm việc"
    else:
        why = "chưa hiểu được thời gian"
    return f"Chờ xác nhận giờ hẹn: người dân mong muốn {said} ({why}). Cán bộ đặt giờ trên lịch trạm y tế."


def confirmed(at: datetime, url: str, calendar: WorkCalendar) -> str:
    return (
        f"Trạm y tế đã xác nhận lịch tư vấn từ xa của anh/chị: {when_words(at, calendar)}. "
        f"Đến giờ, anh/chị bấm vào đường dẫn để gọi video với cán bộ y tế: {url}\n{HINT}"
    )


def reminder_day(at: datetime, url: str, calendar: WorkCalendar) -> str:
    return (
        f"Nhắc lịch: anh/chị có lịch tư vấn sức khỏe từ xa lúc {when_words(at, calendar)}. "
        f"Đến giờ, bấm vào đường dẫn để gọi video: {url}\n{HINT}"
    )


def reminder_soon(at: datetime, url: str, calendar: WorkCalendar) -> str:
    return (
        f"Còn khoảng 15 phút nữa ({calendar.local(at):%H:%M}) là đến giờ tư vấn từ xa của anh/chị. "
        f"Bấm vào đường dẫn để vào cuộc gọi video: {url}"
    )


def cancelled_by_staff(at: datetime | None, calendar: WorkCalendar) -> str:
    when = f" lúc {when_words(at, calendar)}" if at else ""
    return (
        f"Trạm y tế đã hủy lịch tư vấn từ xa{when} của anh/chị. Khi cần, anh/chị nhắn “đặt lịch tư vấn” để hẹn lại ạ."
    )


def missed(at: datetime | None, calendar: WorkCalendar) -> str:
    return (
        f"Trạm y tế chưa gặp được anh/chị trong buổi tư vấn từ xa lúc {when_words(at, calendar)}. "
        "Khi cần, anh/chị nhắn “đặt lịch tư vấn” để hẹn lại ạ."
    )


def context(appointment: Appointment, text: str) -> dict[str, Any]:
    """What a Zalo ZNS template may show outside the window (api/outbox/zalo_reach.py): no health details."""
    return {
        "case_code": appointment.case.code if appointment.case else "",
        "status": "Lịch tư vấn từ xa",
        "text": text,
        "title": "Lịch tư vấn từ xa",
        "link": appointment.video_url,
    }
