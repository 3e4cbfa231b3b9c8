"""The health station's calendar on the console: a day or a week of remote consultations, the ones waiting for a
time, and the forms that set a time, mark a no-show or a finished call, and keep the doctor's note.

Who may see what is the cases' one rule (api/cases/scope.py ``can_see``): every commune staff member sees that a slot
is taken; the citizen, the reason, the link and the forms only where the consultation itself is visible to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from api.appointments import service, texts
from api.appointments.models import DONE, NO_SHOW, Appointment
from api.auth.inputs import reject_nul
from api.cases.consent import HealthConsent
from api.cases.scope import can_see
from api.communes.models import Commune
from api.communes.worktime import WorkCalendar
from api.console_base import auth
from api.console_base.templating import add_nav_item, add_template_dir, render
from api.db import utcnow
from api.deps import SessionDep
from api.errors import NotFound, PermissionDenied, ValidationFailed
from api.staff.audit import Action, record_access

router = APIRouter(prefix="/staff/calendar", include_in_schema=False, dependencies=[Depends(reject_nul)])
add_template_dir(Path(__file__).resolve().parent / "templates")
add_nav_item("Lịch tư vấn", "/staff/calendar")
Csrf = Annotated[str, Form(max_length=100)]
FLASH = {"time": "Đã đặt giờ hẹn và gửi cho người dân.", "no_show": "Đã ghi vắng mặt.", "done": "Đã ghi đã tư vấn.",
         "note": "Đã lưu ghi chú của bác sĩ.", "cancel": "Đã hủy lịch hẹn."}  # fmt: skip


@dataclass(frozen=True)
class Slot:
    appointment: Appointment
    visible: bool  # may this staff member see the consultation (who, why, link)?


def _calendar(session: Session, commune_id: int) -> WorkCalendar:
    return WorkCalendar.for_commune(session.get(Commune, commune_id))


def _slots(console: auth.ConsoleSession, rows: list[Appointment]) -> list[Slot]:
    return [Slot(a, can_see(console.staff, a.case)) for a in rows]


@router.get("")
def calendar_page(
    request: Request, session: SessionDep, console: auth.ConsoleStaff, view: str = "week", day: str = "", ok: str = ""
) -> Response:
    calendar = _calendar(session, console.staff.commune_id)
    try:
        first = date.fromisoformat(day) if day else calendar.local(utcnow()).date()
    except ValueError:
        raise ValidationFailed("Ngày không hợp lệ (YYYY-MM-DD).", code="invalid_date", field="day") from None
    view = "day" if view == "day" else "week"
    if view == "week":
        first -= timedelta(days=first.weekday())
    length = 1 if view == "day" else 7
    start = datetime.combine(first, time(0), calendar.tz)
    rows = service.between(
        session, commune_id=console.staff.commune_id, start=start, end=start + timedelta(days=length)
    )
    days = [first + timedelta(days=i) for i in range(length)]
    slots = _slots(console, rows)
    by_day = {d: [s for s in slots if calendar.local(s.appointment.starts_at or start).date() == d] for d in days}
    waiting = [
        s for s in _slots(console, service.unscheduled(session, commune_id=console.staff.commune_id)) if s.visible
    ]
    step = timedelta(days=length)
    context = {
        "console": console, "view": view, "days": days, "by_day": by_day, "waiting": waiting, "calendar": calendar,
        "previous": (first - step).isoformat(), "next": (first + step).isoformat(), "first": first,
        "flash": FLASH.get(ok), "can_write": console.staff.can_write,
    }  # fmt: skip
    return render(request, "calendar.html", context)


def _visible(session: Session, console: auth.ConsoleSession, appointment_id: int) -> Appointment:
    appointment = service.get(session, appointment_id=appointment_id, commune_id=console.staff.commune_id)
    if not can_see(console.staff, appointment.case):
        raise NotFound("Không tìm thấy lịch hẹn.", code="appointment_not_found")
    return appointment


@router.get("/{appointment_id}")
def appointment_page(
    request: Request, appointment_id: int, session: SessionDep, console: auth.ConsoleStaff, ok: str = ""
) -> Response:
    appointment = _visible(session, console, appointment_id)
    record_access(session, staff=console.staff, action=Action.view, subject=f"case:{appointment.case.code}")
    context = {
        "console": console, "a": appointment, "calendar": _calendar(session, appointment.commune_id),
        "notes": service.doctor_notes(session, case_id=appointment.case_id), "flash": FLASH.get(ok),
        "can_write": console.staff.can_write, "now": utcnow(),
    }  # fmt: skip
    return render(request, "appointment.html", context)


def _writable(session: Session, console: auth.ConsoleSession, appointment_id: int, csrf: str) -> Appointment:
    auth.check_csrf(console, csrf)
    appointment = _visible(session, console, appointment_id)
    if not console.staff.can_write:
        raise PermissionDenied("Tài khoản chỉ xem, không sửa được lịch hẹn.", code="read_only")
    return appointment


def _back(appointment: Appointment, flash: str) -> Response:
    return RedirectResponse(f"/staff/calendar/{appointment.id}?ok={flash}", status_code=303)


@router.post("/{appointment_id}/time")
def set_time(
    appointment_id: int, session: SessionDep, console: auth.ConsoleStaff, csrf_token: Csrf,
    day: Annotated[str, Form(max_length=10)], at: Annotated[str, Form(max_length=5)],
) -> Response:  # fmt: skip
    appointment = _writable(session, console, appointment_id, csrf_token)
    calendar = _calendar(session, appointment.commune_id)
    try:
        moment = datetime.combine(date.fromisoformat(day), time.fromisoformat(at), calendar.tz)
    except ValueError:
        raise ValidationFailed("Ngày giờ không hợp lệ.", code="invalid_datetime", field="day") from None
    now = utcnow()
    service.set_time(
        session, appointment=appointment, at=moment, calendar=calendar, now=now, actor_type="staff",
        staff_id=console.staff.id,
    )  # fmt: skip
    service.notify_time(session, appointment=appointment, calendar=calendar)
    return _back(appointment, "time")


@router.post("/{appointment_id}/status")
def set_status(
    appointment_id: int, session: SessionDep, console: auth.ConsoleStaff, csrf_token: Csrf,
    status: Annotated[str, Form(max_length=16)],
) -> Response:  # fmt: skip
    appointment = _writable(session, console, appointment_id, csrf_token)
    calendar = _calendar(session, appointment.commune_id)
    if status == "cancelled":
        service.cancel(session, appointment=appointment, now=utcnow(), actor_type="staff", staff_id=console.staff.id)
        service.notify(session, appointment=appointment, text=texts.cancelled_by_staff(appointment.starts_at, calendar))
        return _back(appointment, "cancel")
    service.mark(session, appointment=appointment, status=status, staff=console.staff, now=utcnow())
    if status == NO_SHOW:  # the citizen is told, and offered a new booking
        service.notify(session, appointment=appointment, text=texts.missed(appointment.starts_at, calendar))
    return _back(appointment, NO_SHOW if status == NO_SHOW else DONE)


@router.post("/{appointment_id}/note")
def add_note(
    request: Request, appointment_id: int, session: SessionDep, console: auth.ConsoleStaff, csrf_token: Csrf,
    note: Annotated[str, Form(max_length=service.MAX_NOTE)],
) -> Response:  # fmt: skip
    appointment = _writable(session, console, appointment_id, csrf_token)
    consent: HealthConsent | None = getattr(request.app.state, "health_consent", None)
    conversation = appointment.conversation_id
    if consent is not None and conversation and not consent(session, conversation_id=conversation):
        raise ValidationFailed(
            "Người dân chưa đồng ý lưu thông tin sức khỏe: chưa lưu được ghi chú. Hãy hỏi người dân trong trò chuyện "
            "(nhắn “đồng ý lưu thông tin sức khỏe”).",
            code="health_consent_missing",
            field="note",
        )
    service.add_note(session, appointment=appointment, staff=console.staff, text=note)
    return _back(appointment, "note")
