"""A consultation filed from the chat gets an appointment: a unique video room, the time when it could be read, and no
health text of its own (consent: api/cases/consent.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.appointments.models import Appointment
from api.cases.consent import WITHHELD_TEXT
from api.cases.models import Case, TimelineEntry
from tests.api.appointments.conftest import SERVICE, at, consultation, working_day


def _appointment(app: FastAPI, code: str) -> tuple[Appointment, Case, list[TimelineEntry]]:
    with app.state.sessionmaker() as session:
        case = session.scalars(select(Case).where(Case.code == code)).one()
        appointment = session.scalars(select(Appointment).where(Appointment.case_id == case.id)).one()
        timeline = list(session.scalars(select(TimelineEntry).where(TimelineEntry.case_id == case.id)))
        session.expunge_all()
    return appointment, case, timeline


def test_a_readable_time_books_it_with_an_unguessable_video_link(
    app: FastAPI, book: Callable[..., dict[str, Any]]
) -> None:
    day = working_day()
    first = book(consult_time=f"{day:%d/%m/%Y} lúc 9 giờ", conversation_id="zalo:xa-demo:30001")
    second = book(consult_time=f"{day:%d/%m/%Y} lúc 9 giờ", conversation_id="zalo:xa-demo:30002")
    brief = first["appointment"]
    assert brief["status"] == "confirmed" and brief["status_label"] == "Đã xác nhận"
    assert datetime.fromisoformat(brief["starts_at"]) == at(day, 9) and brief["starts_at"].endswith("Z")
    assert brief["when_text"].startswith("09:00 ") and brief["when_text"].endswith(f"{day:%d/%m/%Y}")
    url = brief["video_url"]
    assert url.startswith("https://meet.jit.si/xaso-xa-demo-")
    token = url.removeprefix("https://meet.jit.si/xaso-xa-demo-")
    assert len(token) >= 22  # 16 random bytes, URL-safe base64
    assert second["appointment"]["video_url"] != url
    appointment, _case, timeline = _appointment(app, first["code"])
    assert appointment.starts_at == at(day, 9) and appointment.video_url == url
    assert appointment.room == url.rsplit("/", 1)[1]
    assert any(e.kind == "appointment" and e.data["event"] == "booked" for e in timeline)


def test_the_wished_time_is_read_from_the_description_of_an_older_action_server(
    app: FastAPI, book: Callable[..., dict[str, Any]]
) -> None:
    day = working_day()
    description = f"Vấn đề: ho lâu ngày\nThời gian mong muốn: {day:%d/%m} 14h30\nTin nhắn gần đây: đặt lịch"
    filed = book(description=description)
    assert filed["appointment"]["status"] == "confirmed"
    appointment, _case, _timeline = _appointment(app, filed["code"])
    assert appointment.starts_at == at(day, 14, 30)


def test_a_time_that_cannot_be_booked_waits_for_staff(app: FastAPI, book: Callable[..., dict[str, Any]]) -> None:
    for wished, why in (("sáng mai", "chưa hiểu"), ("hôm qua 9h", "đã qua"), ("mai 21h", "ngoài giờ làm việc")):
        filed = book(consult_time=wished)
        brief = filed["appointment"]
        assert (brief["status"], brief["status_label"]) == ("pending", "Chờ xác nhận")
        assert brief["starts_at"] is None and brief["when_text"] is None and brief["video_url"] is None
        appointment, _case, timeline = _appointment(app, filed["code"])
        assert appointment.starts_at is None and appointment.requested_text == wished
        [note] = [e for e in timeline if e.kind == "appointment"]
        assert note.data["event"] == "pending" and why in note.body and wished in note.body


def test_no_health_text_is_stored_without_consent(app: FastAPI, book: Callable[..., dict[str, Any]]) -> None:
    day = working_day()
    filed = book(
        consult_time=f"{day:%d/%m} 9h", title="Tư vấn từ xa: đau ngực khó thở", conversation_id="zalo:xa-demo:30003"
    )
    appointment, case, timeline = _appointment(app, filed["code"])
    assert case.description == WITHHELD_TEXT and "đau ngực" not in case.title
    stored = " ".join(str(v) for v in vars(appointment).values()) + " ".join(e.body for e in timeline)
    assert "đau ngực" not in stored and "huyết áp" not in stored
    assert appointment.status == "confirmed"  # the time itself is not health data: the booking still works


def test_a_second_run_of_the_same_turn_returns_the_same_appointment(
    client: TestClient, book: Callable[..., dict[str, Any]]
) -> None:
    day = working_day()
    first = book(consult_time=f"{day:%d/%m} 9h", turn_id="inbox-777")
    again = client.post(
        "/api/v1/internal/cases",
        json=consultation(consult_time=f"{day:%d/%m} 9h", turn_id="inbox-777"),
        headers=SERVICE,
    )
    assert again.status_code == 200 and again.json()["appointment"] == first["appointment"]


def test_the_video_server_is_a_setting(app: FastAPI, book: Callable[..., dict[str, Any]]) -> None:
    app.state.settings.video_base_url = "https://video.xa-demo.gov.vn/jitsi/"
    filed = book(consult_time=f"{working_day():%d/%m} 9h")
    assert filed["appointment"]["video_url"].startswith("https://video.xa-demo.gov.vn/jitsi/xaso-xa-demo-")


def test_other_kinds_of_case_get_no_appointment(client: TestClient) -> None:
    body = consultation(kind="report", category="giao_thong", title="Ổ gà", description="Ổ gà trước trường")
    response = client.post("/api/v1/internal/cases", json=body, headers=SERVICE)
    assert response.status_code == 201 and response.json()["appointment"] is None
