"""The citizen's rights reach the appointment: erasure leaves no words of theirs on it, withdrawal stops the reminders
and removes the doctor's note (health content)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from api.appointments import service
from api.appointments.jobs import send_reminders
from api.appointments.models import Appointment
from api.cases.models import Case, TimelineEntry
from api.citizens.models import Citizen
from api.db import transaction
from api.privacy.erasure import MARKER, erase_citizen
from api.staff.models import Staff
from tests.api.appointments.conftest import SERVICE, at, consultation, working_day
from tests.api.cases.conftest import Member

SENDER = "priv0123456789ab"
KEY = f"web:xa-demo:{SENDER}"
NOTE = "Đường huyết 9,5 mmol/l, cần khám lại."


async def _booked_with_note(app: FastAPI, gateway: httpx.AsyncClient, staff: Member) -> Appointment:
    day = working_day(days_ahead=3)
    body = consultation(consult_time=f"{day:%d/%m/%Y} 9h", conversation_id=KEY, channel="web")
    response = await gateway.post("/api/v1/internal/cases", json=body, headers=SERVICE)
    assert response.status_code == 201, response.text
    with transaction(app.state.sessionmaker) as session:
        appointment = session.scalars(select(Appointment).where(Appointment.conversation_id == KEY)).one()
        worker = session.get(Staff, staff.id)
        assert worker is not None and appointment.starts_at == at(day, 9)
        service.add_note(session, appointment=appointment, staff=worker, text=NOTE)
        session.flush()
        session.expunge_all()
    return appointment


def _notes(app: FastAPI, case_id: int) -> list[str]:
    with app.state.sessionmaker() as session:
        query = select(TimelineEntry.body).where(TimelineEntry.case_id == case_id, TimelineEntry.kind == "doctor_note")
        return list(session.scalars(query))


async def test_withdrawing_consent_stops_reminders_and_removes_the_note(
    app: FastAPI, gateway: httpx.AsyncClient, make_staff: Callable[..., Member]
) -> None:
    appointment = await _booked_with_note(app, gateway, make_staff("health_worker", department="tram_y_te"))
    assert _notes(app, appointment.case_id) == [NOTE]
    response = await gateway.post("/webhooks/web", json={"sender": SENDER, "message": "rút lại đồng ý"})
    assert response.status_code == 200 and "rút lại sự đồng ý" in response.json()[0]["text"]
    assert _notes(app, appointment.case_id) == [MARKER]
    assert appointment.starts_at is not None
    for moment in (appointment.starts_at - timedelta(days=1), appointment.starts_at - timedelta(minutes=15)):
        assert send_reminders(app.state.sessionmaker, now=moment) == 0


async def test_erasure_leaves_no_words_of_the_citizen_on_the_appointment(
    app: FastAPI, gateway: httpx.AsyncClient, make_staff: Callable[..., Member]
) -> None:
    appointment = await _booked_with_note(app, gateway, make_staff("health_worker", department="tram_y_te"))
    with transaction(app.state.sessionmaker) as session:
        case = session.get(Case, appointment.case_id)
        assert case is not None and case.citizen_id is not None
        citizen = session.get(Citizen, case.citizen_id)
        assert citizen is not None
        erase_citizen(session, citizen=citizen)
    with app.state.sessionmaker() as session:
        row = session.get(Appointment, appointment.id)
        assert row is not None and row.requested_text is None and row.conversation_id is None
    assert _notes(app, appointment.case_id) == [MARKER]
