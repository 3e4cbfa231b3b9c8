"""Reminders with a frozen clock: the day before and 15 minutes before, each queued once with the link, nothing at
other times, nothing after a cancel; one end-to-end run to the Zalo fake."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from api.appointments import service
from api.appointments.jobs import KIND, send_reminders
from api.appointments.models import Appointment
from api.communes.worktime import WorkCalendar
from api.conversations import service as conversations
from api.conversations.models import Conversation
from api.db import transaction, utcnow
from api.outbox.models import OutboxMessage
from api.outbox.worker import deliver_due
from tests.api.appointments.conftest import SERVICE, at, consultation, working_day
from tests.support.fake_zalo import FakeZalo


def _reminders(app: FastAPI) -> list[OutboxMessage]:
    with app.state.sessionmaker() as session:
        rows = list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == KIND).order_by(OutboxMessage.id)))
        session.expunge_all()
    return rows


def _appointment(app: FastAPI, code: str) -> Appointment:
    with app.state.sessionmaker() as session:
        row = session.scalars(select(Appointment).join(Appointment.case).where(Appointment.case.has(code=code))).one()
        session.expunge_all()
    return row


def _booked(app: FastAPI, book: Callable[..., dict[str, Any]], **overrides: Any) -> tuple[Appointment, datetime]:
    day = working_day(days_ahead=3)
    filed = book(consult_time=f"{day:%d/%m/%Y} 9h", **overrides)
    return _appointment(app, filed["code"]), at(day, 9)


def test_each_reminder_once_at_its_time_with_the_link(app: FastAPI, book: Callable[..., dict[str, Any]]) -> None:
    appointment, starts = _booked(app, book)
    factory = app.state.sessionmaker
    quiet = (starts - timedelta(days=3), starts - timedelta(days=2), starts - timedelta(days=1, minutes=1))
    for moment in quiet:
        assert send_reminders(factory, now=moment) == 0
    assert send_reminders(factory, now=starts - timedelta(days=1) + timedelta(minutes=1)) == 1
    for moment in (starts - timedelta(hours=23), starts - timedelta(hours=1), starts - timedelta(minutes=16)):
        assert send_reminders(factory, now=moment) == 0  # the day-before one is not sent again
    assert send_reminders(factory, now=starts - timedelta(minutes=15)) == 1
    for moment in (starts - timedelta(minutes=5), starts, starts + timedelta(minutes=10)):
        assert send_reminders(factory, now=moment) == 0
    day, soon = _reminders(app)
    for message in (day, soon):
        assert appointment.video_url in message.text and message.conversation_id == "zalo:xa-demo:20001"
        assert message.case_id == appointment.case_id and message.context and message.context["link"]
        assert "huyết áp" not in message.text  # no health details in a notice
    assert "Nhắc lịch" in day.text and "09:00" in day.text
    assert "15 phút" in soon.text and "09:00" in soon.text


def test_two_processes_at_the_same_moment_queue_one_reminder(app: FastAPI, book: Callable[..., dict[str, Any]]) -> None:
    _appointment_row, starts = _booked(app, book)
    moment = starts - timedelta(minutes=14)
    counts: list[int] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        counts.append(send_reminders(app.state.sessionmaker, now=moment))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(counts) == [0, 1] and len(_reminders(app)) == 1


def test_nothing_after_a_cancel(app: FastAPI, book: Callable[..., dict[str, Any]]) -> None:
    appointment, starts = _booked(app, book)
    with transaction(app.state.sessionmaker) as session:
        row = session.get(Appointment, appointment.id)
        assert row is not None
        service.cancel(session, appointment=row, now=utcnow(), actor_type="citizen")
    for moment in (starts - timedelta(days=1), starts - timedelta(minutes=15)):
        assert send_reminders(app.state.sessionmaker, now=moment) == 0
    assert _reminders(app) == []


def test_a_time_set_less_than_a_day_ahead_gets_only_the_last_reminder(
    app: FastAPI, book: Callable[..., dict[str, Any]]
) -> None:
    appointment, starts = _booked(app, book)
    with transaction(app.state.sessionmaker) as session:
        session.execute(
            update(Appointment)
            .where(Appointment.id == appointment.id)
            .values(scheduled_at=starts - timedelta(hours=20))
        )
    assert send_reminders(app.state.sessionmaker, now=starts - timedelta(hours=19)) == 0
    assert send_reminders(app.state.sessionmaker, now=starts - timedelta(minutes=10)) == 1


def test_a_new_time_gets_its_own_reminders(app: FastAPI, book: Callable[..., dict[str, Any]]) -> None:
    appointment, starts = _booked(app, book)
    factory = app.state.sessionmaker
    assert send_reminders(factory, now=starts - timedelta(minutes=15)) == 1
    later = starts + timedelta(days=7)
    with transaction(factory) as session:
        row = session.get(Appointment, appointment.id)
        assert row is not None
        service.set_time(
            session, appointment=row, at=later, calendar=WorkCalendar(), now=starts - timedelta(minutes=10),
            actor_type="citizen",
        )  # fmt: skip
    assert send_reminders(factory, now=starts - timedelta(minutes=5)) == 0
    assert send_reminders(factory, now=later - timedelta(days=1)) == 1
    assert send_reminders(factory, now=later - timedelta(minutes=15)) == 1
    with transaction(factory) as session:  # the same time saved again: its reminders are not sent a second time
        row = session.get(Appointment, appointment.id)
        assert row is not None
        service.set_time(
            session, appointment=row, at=later, calendar=WorkCalendar(), now=later - timedelta(minutes=14),
            actor_type="staff",
        )  # fmt: skip
    assert send_reminders(factory, now=later - timedelta(minutes=13)) == 0
    assert len(_reminders(app)) == 3


async def test_a_reminder_reaches_the_citizen_on_zalo(
    app: FastAPI, gateway: httpx.AsyncClient, zalo_account: FakeZalo, commune_id: int
) -> None:
    user = "5551234"
    key = f"zalo:xa-demo:{user}"
    day = working_day(days_ahead=3)
    body = consultation(consult_time=f"{day:%d/%m/%Y} 9h", conversation_id=key)
    filed = await gateway.post("/api/v1/internal/cases", json=body, headers=SERVICE)
    assert filed.status_code == 201, filed.text
    appointment, starts = _appointment(app, filed.json()["code"]), at(day, 9)
    with transaction(app.state.sessionmaker) as session:  # the citizen wrote to the OA when booking: inside the window
        if conversations.find(session, conversation_id=key) is None:
            conversations.create(session, conversation_id=key, commune_id=commune_id, citizen_id=None)
        session.execute(
            update(Conversation).where(Conversation.conversation_id == key).values(last_inbound_at=utcnow())
        )
    for moment in (starts - timedelta(days=1), starts - timedelta(minutes=15)):
        assert send_reminders(app.state.sessionmaker, now=moment) == 1
        with transaction(app.state.sessionmaker) as session:  # the frozen clock's message is due now
            session.execute(update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        for _ in range(5):
            if not await deliver_due(app):
                break
    day_before, soon = [t for t in zalo_account.texts(user) if appointment.video_url in t]
    assert "Nhắc lịch" in day_before and "15 phút" in soon
