"""Appointments of remote consultations: booking with a video room, time changes, cancel, no-show, the doctor's note.

Every change is written on the consultation case's timeline (kind ``appointment``; the note as ``doctor_note``, an
internal entry) so staff see who changed what and when. Nothing here stores health text: the reason for the visit is
the case's title, which the consent rule (api/cases/consent.py) already withholds when consent is missing.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from api.appointments import texts
from api.appointments.models import CANCELLED, CONFIRMED, DONE, NO_SHOW, PENDING, UPCOMING, Appointment
from api.appointments.parse import OK, read_time
from api.cases.models import TimelineEntry
from api.communes.worktime import WorkCalendar
from api.errors import NotFound, ValidationFailed
from api.outbox.service import enqueue_message
from api.staff.models import Staff

AWAITING_FOR = timedelta(minutes=30)  # an open chat question ("hủy hẹn?", "giờ mới?") expires after this
MAX_NOTE = 8000


def new_room(commune_slug: str) -> str:
    """A room nobody can guess: 128 random bits per booking (Jitsi rooms are open to whoever knows the name)."""
    return f"xaso-{commune_slug}-{secrets.token_urlsafe(16)}"


def video_url(base_url: str, room: str) -> str:
    return f"{base_url.rstrip('/')}/{room}"


def _timeline(
    session: Session, appointment: Appointment, body: str, *, event: str, actor_type: str, staff_id: int | None = None,
    public: bool = False, message_id: int | None = None, kind: str = "appointment", data: dict[str, Any] | None = None,
) -> None:  # fmt: skip
    session.add(
        TimelineEntry(
            case_id=appointment.case_id, kind=kind, actor_type=actor_type, actor_staff_id=staff_id, body=body,
            is_public=public, outbox_message_id=message_id, data={"event": event, **(data or {})},
        )
    )  # fmt: skip


def book(
    session: Session, *, case_id: int, commune_id: int, commune_slug: str, calendar: WorkCalendar,
    conversation_id: str | None, requested_text: str | None, base_url: str, now: datetime,
) -> Appointment:  # fmt: skip
    """The appointment of a consultation just filed: confirmed when its time was understood and bookable, else
    pending (chờ xác nhận) for staff to set the time."""
    room = new_room(commune_slug)
    reading = read_time(requested_text, now=now, calendar=calendar)
    appointment = Appointment(
        commune_id=commune_id, case_id=case_id, conversation_id=conversation_id, room=room,
        video_url=video_url(base_url, room), requested_text=(requested_text or "").strip()[:500] or None,
        status=PENDING, created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(appointment)
    session.flush()
    if reading.status == OK and reading.at is not None:
        appointment.status, appointment.starts_at, appointment.scheduled_at = CONFIRMED, reading.at, now
        body = f"Đặt lịch tư vấn từ xa: {texts.when_words(reading.at, calendar)}."
        _timeline(session, appointment, body, event="booked", actor_type="bot")
    else:
        body = texts.pending_note(appointment.requested_text, reading, calendar)
        _timeline(session, appointment, body, event="pending", actor_type="bot", data={"reading": reading.status})
    return appointment


def for_case(session: Session, *, case_id: int) -> Appointment | None:
    return session.scalar(select(Appointment).where(Appointment.case_id == case_id))


def get(session: Session, *, appointment_id: int, commune_id: int) -> Appointment:
    found = session.get(Appointment, appointment_id)
    if found is None or found.commune_id != commune_id:
        raise NotFound("Không tìm thấy lịch hẹn.", code="appointment_not_found")
    return found


def upcoming(session: Session, *, conversation_id: str, now: datetime) -> Appointment | None:
    """The citizen's next appointment still to come (one without a time yet counts: it is waiting for staff)."""
    rows = session.scalars(
        select(Appointment)
        .where(Appointment.conversation_id == conversation_id, Appointment.status.in_(UPCOMING))
        .order_by(Appointment.id.desc())
    ).all()
    live = [a for a in rows if a.starts_at is None or a.starts_at + timedelta(minutes=a.duration_minutes) > now]
    return min(live, key=lambda a: (a.starts_at is None, a.starts_at or now)) if live else None


_AWAITING = (  # built once: building it cost as much as running it
    select(Appointment)
    .where(Appointment.conversation_id == bindparam("key"), Appointment.awaiting.is_not(None))
    .order_by(Appointment.id.desc())
    .limit(1)
)


def awaiting(session: Session, *, conversation_id: str, now: datetime) -> Appointment | None:
    """The appointment whose chat question is open with this citizen (one indexed read on the bot's hot path)."""
    found = session.scalar(_AWAITING, {"key": conversation_id})
    if found is None or found.awaiting_at is None or found.awaiting_at < now - AWAITING_FOR:
        return None
    return found if found.status in UPCOMING else None


def ask(appointment: Appointment, *, question: str | None, now: datetime) -> None:
    appointment.awaiting, appointment.awaiting_at = question, (now if question else None)


def set_time(
    session: Session, *, appointment: Appointment, at: datetime, calendar: WorkCalendar, now: datetime,
    actor_type: str, staff_id: int | None = None,
) -> None:  # fmt: skip
    """A new time (staff confirming, the citizen rescheduling): confirmed, with fresh reminders for the new time."""
    if appointment.status not in UPCOMING:
        raise ValidationFailed("Lịch hẹn đã kết thúc hoặc đã hủy.", code="appointment_closed", field="starts_at")
    if at <= now:
        raise ValidationFailed("Thời gian hẹn đã qua.", code="appointment_in_past", field="starts_at")
    before = appointment.starts_at
    if before != at or appointment.status != CONFIRMED:  # the same time saved again keeps its reminders (sent once)
        appointment.starts_at, appointment.status, appointment.scheduled_at = at, CONFIRMED, now
        appointment.reminded_day_at = appointment.reminded_soon_at = None
    appointment.updated_at = now
    ask(appointment, question=None, now=now)
    who = "Người dân đổi lịch qua trò chuyện" if actor_type == "citizen" else "Cán bộ đặt giờ hẹn"
    change = f"từ {texts.when_words(before, calendar)} sang " if before else ""
    event = "rescheduled" if before else "confirmed"
    _timeline(
        session, appointment, f"{who}: {change}{texts.when_words(at, calendar)}.", event=event, actor_type=actor_type,
        staff_id=staff_id, data={"from": before.isoformat() if before else None, "to": at.isoformat()},
    )  # fmt: skip


def notify_time(session: Session, *, appointment: Appointment, calendar: WorkCalendar) -> None:
    """The citizen hears the (new) time and the link on their channel, through the outbox."""
    if appointment.starts_at is not None:
        notify(
            session,
            appointment=appointment,
            text=texts.confirmed(appointment.starts_at, appointment.video_url, calendar),
        )


def notify(session: Session, *, appointment: Appointment, text: str) -> None:
    """A message about the appointment to the citizen's channel (outbox), recorded on the case's timeline."""
    if not appointment.conversation_id:
        return
    message = enqueue_message(
        session, commune_id=appointment.commune_id, conversation_id=appointment.conversation_id, text=text,
        case_id=appointment.case_id, kind="appointment", context=texts.context(appointment, text),
    )  # fmt: skip
    _timeline(
        session, appointment, text, event="notified", actor_type="system", public=True, message_id=message.id,
        kind="notification",
    )  # fmt: skip


def cancel(
    session: Session, *, appointment: Appointment, now: datetime, actor_type: str, staff_id: int | None = None
) -> None:
    if appointment.status not in UPCOMING:
        raise ValidationFailed("Lịch hẹn đã kết thúc hoặc đã hủy.", code="appointment_closed", field="status")
    appointment.status, appointment.updated_at = CANCELLED, now
    ask(appointment, question=None, now=now)
    who = "Người dân hủy lịch hẹn qua trò chuyện" if actor_type == "citizen" else "Cán bộ hủy lịch hẹn"
    _timeline(session, appointment, f"{who}.", event="cancelled", actor_type=actor_type, staff_id=staff_id)


def mark(session: Session, *, appointment: Appointment, status: str, staff: Staff, now: datetime) -> None:
    """After the time: ``no_show`` (vắng mặt) or ``done`` (đã tư vấn)."""
    if status not in (NO_SHOW, DONE):
        raise ValidationFailed("Trạng thái lịch hẹn không hợp lệ.", code="invalid_appointment_status", field="status")
    if appointment.status != CONFIRMED or appointment.starts_at is None:
        raise ValidationFailed(
            "Chỉ lịch hẹn đã xác nhận mới ghi được.", code="appointment_not_confirmed", field="status"
        )
    if status == NO_SHOW and appointment.starts_at > now:
        raise ValidationFailed("Chưa đến giờ hẹn.", code="appointment_not_started", field="status")
    appointment.status, appointment.updated_at = status, now
    body = "Người dân vắng mặt buổi tư vấn." if status == NO_SHOW else "Đã tư vấn qua cuộc gọi video."
    _timeline(session, appointment, body, event=status, actor_type="staff", staff_id=staff.id)


def add_note(session: Session, *, appointment: Appointment, staff: Staff, text: str) -> None:
    """The doctor's note after the call: an internal entry of the case (never public, never sent to the citizen)."""
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("Ghi chú không được để trống.", code="empty_note", field="note")
    if len(text) > MAX_NOTE:
        raise ValidationFailed(f"Ghi chú dài quá {MAX_NOTE} ký tự.", code="note_too_long", field="note")
    _timeline(session, appointment, text, event="note", actor_type="staff", staff_id=staff.id, kind="doctor_note")


def doctor_notes(session: Session, *, case_id: int) -> list[TimelineEntry]:
    query = select(TimelineEntry).where(TimelineEntry.case_id == case_id, TimelineEntry.kind == "doctor_note")
    return list(session.scalars(query.order_by(TimelineEntry.created_at, TimelineEntry.id)))


def between(session: Session, *, commune_id: int, start: datetime, end: datetime) -> list[Appointment]:
    query = select(Appointment).where(
        Appointment.commune_id == commune_id,
        Appointment.starts_at >= start,
        Appointment.starts_at < end,
        Appointment.status != CANCELLED,
    )
    return list(session.scalars(query.order_by(Appointment.starts_at, Appointment.id)))


def unscheduled(session: Session, *, commune_id: int) -> list[Appointment]:
    query = select(Appointment).where(
        Appointment.commune_id == commune_id, Appointment.status == PENDING, Appointment.starts_at.is_(None)
    )
    return list(session.scalars(query.order_by(Appointment.id)))
