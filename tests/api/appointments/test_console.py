"""The health station's calendar on the console: who may see what (api/cases/scope.py), staff setting a time (the
citizen hears it through the outbox), no-show, and the doctor's note that never leaves the staff side."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from api.appointments.jobs import send_reminders
from api.appointments.models import Appointment
from api.cases.models import TimelineEntry
from api.outbox.models import OutboxMessage
from tests.api.appointments.conftest import SERVICE, at, working_day
from tests.api.cases.conftest import Member
from tests.console.test_console_http import login

KEY = "zalo:xa-demo:40001"
NOTE = "Huyết áp 150/95, hẹn đo lại sau 1 tuần, giảm muối."


def _row(app: FastAPI, code: str) -> Appointment:
    with app.state.sessionmaker() as session:
        row = session.scalars(select(Appointment).where(Appointment.case.has(code=code))).one()
        session.expunge_all()
    return row


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_the_calendar_shows_the_booking_to_health_staff_only(
    app: FastAPI, client: TestClient, make_staff: Callable[..., Member], book: Callable[..., dict[str, Any]],
    consent: Callable[[str], None],
) -> None:  # fmt: skip
    consent(KEY)
    day = working_day()
    filed = book(consult_time=f"{day:%d/%m/%Y} 9h", conversation_id=KEY, title="Tư vấn từ xa: đau đầu kéo dài")
    appointment = _row(app, filed["code"])
    login(client, make_staff("health_worker", department="tram_y_te"))
    page = client.get(f"/staff/calendar?view=day&day={day.isoformat()}")
    assert page.status_code == 200
    assert "đau đầu kéo dài" in page.text and "Lê Thị Hoa" in page.text and "09:00" in page.text
    assert appointment.video_url in page.text and 'data-testid="join"' in page.text
    week = client.get(f"/staff/calendar?day={day.isoformat()}")
    assert "đau đầu kéo dài" in week.text and "Thứ Hai" in week.text
    client.cookies.clear()
    login(client, make_staff("officer", department="dia_chinh"))
    hidden = client.get(f"/staff/calendar?view=day&day={day.isoformat()}")
    assert hidden.status_code == 200 and "09:00" in hidden.text and "chỉ cán bộ y tế xem" in hidden.text
    assert "đau đầu" not in hidden.text and "Lê Thị Hoa" not in hidden.text and appointment.video_url not in hidden.text
    assert client.get(f"/staff/calendar/{appointment.id}").status_code == 404


def test_staff_set_the_time_of_a_pending_booking_and_the_citizen_gets_the_link(
    app: FastAPI, client: TestClient, make_staff: Callable[..., Member], book: Callable[..., dict[str, Any]]
) -> None:
    filed = book(consult_time="lúc nào cũng được", conversation_id=KEY)
    appointment = _row(app, filed["code"])
    csrf = login(client, make_staff("health_worker", department="tram_y_te"))
    waiting = client.get("/staff/calendar")
    assert "Chờ xác nhận giờ" in waiting.text and "lúc nào cũng được" in waiting.text
    day = working_day()
    form = {"csrf_token": csrf, "day": day.isoformat(), "at": "10:30"}
    done = client.post(f"/staff/calendar/{appointment.id}/time", data=form, follow_redirects=False)
    assert done.status_code == 303
    row = _row(app, filed["code"])
    assert row.status == "confirmed" and row.starts_at == at(day, 10, 30)
    with app.state.sessionmaker() as session:
        [message] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "appointment")).all()
        entries = session.scalars(select(TimelineEntry).where(TimelineEntry.case_id == row.case_id)).all()
    assert message.conversation_id == KEY and row.video_url in message.text and "10:30" in message.text
    assert any(e.data.get("event") == "confirmed" and e.actor_type == "staff" for e in entries)
    bad = client.post(f"/staff/calendar/{appointment.id}/time", data={**form, "day": "2020-01-01"})
    assert bad.status_code == 422 and "đã qua" in bad.text


def test_no_show_and_the_doctors_note_stay_on_the_staff_side(
    app: FastAPI, client: TestClient, make_staff: Callable[..., Member], book: Callable[..., dict[str, Any]],
    consent: Callable[[str], None],
) -> None:  # fmt: skip
    day = working_day()
    filed = book(consult_time=f"{day:%d/%m/%Y} 9h", conversation_id=KEY)
    appointment = _row(app, filed["code"])
    csrf = login(client, make_staff("health_worker", department="tram_y_te"))
    early = client.post(f"/staff/calendar/{appointment.id}/status", data={"csrf_token": csrf, "status": "no_show"})
    assert early.status_code == 422  # not before the time
    with app.state.sessionmaker.begin() as session:  # the appointment's time has come
        past = at(day, 9) - timedelta(days=30)
        session.execute(update(Appointment).where(Appointment.id == appointment.id).values(starts_at=past))
    marked = client.post(
        f"/staff/calendar/{appointment.id}/status",
        data={"csrf_token": csrf, "status": "no_show"},
        follow_redirects=False,
    )
    assert marked.status_code == 303 and _row(app, filed["code"]).status == "no_show"
    with app.state.sessionmaker() as session:
        [told] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "appointment")).all()
    assert told.conversation_id == KEY and "chưa gặp được" in told.text and "đặt lịch tư vấn" in told.text
    note = {"csrf_token": csrf, "note": NOTE}
    refused = client.post(f"/staff/calendar/{appointment.id}/note", data=note)
    assert refused.status_code == 422 and "chưa đồng ý" in refused.text  # no consent: no health text stored
    consent(KEY)
    saved = client.post(f"/staff/calendar/{appointment.id}/note", data=note, follow_redirects=False)
    assert saved.status_code == 303
    assert NOTE in client.get(f"/staff/calendar/{appointment.id}").text
    assert NOTE in client.get(f"/staff/cases/{filed['code']}").text  # on the case, for staff who may see it
    with app.state.sessionmaker() as session:
        [entry] = session.scalars(select(TimelineEntry).where(TimelineEntry.kind == "doctor_note")).all()
        outbox = " ".join(m.text for m in session.scalars(select(OutboxMessage)))
    assert entry.is_public is False and NOTE not in outbox
    # The citizen-facing views: the bot's case lookup, and Open311.
    lookup = client.get(f"/api/v1/internal/cases/{filed['code']}", params={"conversation_id": KEY}, headers=SERVICE)
    assert lookup.status_code == 200 and NOTE not in lookup.text and "150/95" not in lookup.text
    listed = client.get("/api/v1/internal/cases", params={"conversation_id": KEY}, headers=SERVICE)
    assert NOTE not in listed.text
    admin = make_staff("admin", department="van_phong")
    citizen = client.get(f"/api/v1/cases/{filed['code']}", headers=admin.headers).json()["citizen_id"]
    export = client.get(f"/api/v1/citizens/{citizen}/export", headers=admin.headers)  # what is handed to the citizen
    assert export.status_code == 200 and filed["code"] in export.text and NOTE not in export.text
    public = client.get("/open311/v2/requests.json", params={"jurisdiction_id": "xa-demo"})
    assert public.status_code == 200 and "150/95" not in public.text and filed["code"] not in public.text
    client.cookies.clear()
    officer_csrf = login(client, make_staff("officer", department="dia_chinh"))
    assert client.get(f"/staff/cases/{filed['code']}").status_code == 404
    assert client.get(f"/staff/calendar/{appointment.id}").status_code == 404
    other = {"csrf_token": officer_csrf, "note": "x"}
    assert client.post(f"/staff/calendar/{appointment.id}/note", data=other).status_code == 404


def test_staff_cancel_tells_the_citizen_and_stops_the_reminders(
    app: FastAPI, client: TestClient, make_staff: Callable[..., Member], book: Callable[..., dict[str, Any]]
) -> None:
    day = working_day()
    filed = book(consult_time=f"{day:%d/%m/%Y} 9h", conversation_id=KEY)
    appointment = _row(app, filed["code"])
    csrf = login(client, make_staff("health_worker", department="tram_y_te"))
    form = {"csrf_token": csrf, "status": "cancelled"}
    done = client.post(f"/staff/calendar/{appointment.id}/status", data=form, follow_redirects=False)
    assert done.status_code == 303 and _row(app, filed["code"]).status == "cancelled"
    with app.state.sessionmaker() as session:
        [told] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "appointment")).all()
    assert "đã hủy lịch tư vấn từ xa lúc 09:00" in told.text
    assert send_reminders(app.state.sessionmaker, now=at(day, 9) - timedelta(minutes=15)) == 0
    again = client.post(f"/staff/calendar/{appointment.id}/status", data=form)
    assert again.status_code == 422  # already cancelled: a clear 4xx, not a 500
