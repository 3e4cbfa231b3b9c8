"""Reminders of remote consultations: the day before and 15 minutes before, with the video link, through the outbox
(kind ``appointment_reminder``: Zalo's window and ZNS rules apply, api/outbox/zalo_reach.py).

Each reminder is claimed by a conditional UPDATE of its flag (``… WHERE reminded_day_at IS NULL``) in the transaction
that queues it: of two gateway processes (or two ticks) only one UPDATE matches the row, so it is sent once. A
reminder whose moment passed without a tick (the gateway was down) is not sent late: the day-before one is skipped
once the 15-minute one is due, and that one once the appointment has begun.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.appointments import texts
from api.appointments.models import CONFIRMED, Appointment
from api.background import PeriodicJob
from api.communes.models import Commune
from api.communes.worktime import WorkCalendar
from api.config import Settings
from api.db import utcnow
from api.infra.writes import write_transaction
from api.outbox.service import enqueue_message

log = logging.getLogger(__name__)
DAY_BEFORE = timedelta(days=1)
SOON = timedelta(minutes=15)
KIND = "appointment_reminder"
BATCH = 500


def _due(appointment: Appointment, now: datetime) -> str | None:
    """Which reminder is due now: ``soon``, ``day`` or none."""
    starts = appointment.starts_at
    if starts is None or now >= starts:
        return None
    if now >= starts - SOON:
        return "soon" if appointment.reminded_soon_at is None else None
    scheduled = appointment.scheduled_at or appointment.created_at
    if now >= starts - DAY_BEFORE and appointment.reminded_day_at is None and scheduled <= starts - DAY_BEFORE:
        return "day"  # a time set less than a day ahead was just told with its link: no "day before" for it
    return None


def _claim(session: Session, appointment_id: int, which: str, now: datetime) -> bool:
    flag = Appointment.reminded_soon_at if which == "soon" else Appointment.reminded_day_at
    result = session.execute(
        update(Appointment)
        .where(Appointment.id == appointment_id, Appointment.status == CONFIRMED, flag.is_(None))
        .values({flag: now})
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def send_reminders(factory: sessionmaker[Session], *, now: datetime | None = None) -> int:
    """One pass: every reminder due at ``now`` queued once; returns how many were queued."""
    now = now or utcnow()
    with factory() as session:
        candidates = session.scalars(
            select(Appointment.id)
            .where(
                Appointment.status == CONFIRMED,
                Appointment.conversation_id.is_not(None),
                Appointment.starts_at > now,
                Appointment.starts_at <= now + DAY_BEFORE,
            )
            .order_by(Appointment.starts_at)
            .limit(BATCH)
        ).all()
    queued = 0
    for appointment_id in candidates:
        with write_transaction(factory) as session:
            appointment = session.get(Appointment, appointment_id)
            which = _due(appointment, now) if appointment is not None else None
            if appointment is None or which is None or not _claim(session, appointment_id, which, now):
                continue
            assert appointment.starts_at is not None and appointment.conversation_id is not None
            calendar = WorkCalendar.for_commune(session.get(Commune, appointment.commune_id))
            write = texts.reminder_soon if which == "soon" else texts.reminder_day
            text = write(appointment.starts_at, appointment.video_url, calendar)
            enqueue_message(
                session, commune_id=appointment.commune_id, conversation_id=appointment.conversation_id, text=text,
                case_id=appointment.case_id, kind=KIND, context=texts.context(appointment, text),
            )  # fmt: skip
            queued += 1
    if queued:
        log.info("appointment reminders queued: %s", queued)
    return queued


def reminder_job(settings: Settings) -> PeriodicJob:
    async def run(app: FastAPI) -> None:
        await run_in_threadpool(send_reminders, app.state.sessionmaker)

    return PeriodicJob("appointment_reminders", settings.appointment_reminder_seconds, run)
