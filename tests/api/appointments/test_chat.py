""" "đổi lịch" / "hủy hẹn" in the chat, through the web channel in-process: the gateway answers before Rasa (which is
down in these tests: anything that reached it would get the busy reply) only when the citizen has an appointment."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from api.appointments.models import Appointment
from api.cases.models import TimelineEntry
from api.conversations.messages import BUSY_TEXT
from tests.api.appointments.conftest import SERVICE, at, consultation, working_day

SENDER = "appt0123456789ab"
KEY = f"web:xa-demo:{SENDER}"


async def say(gateway: httpx.AsyncClient, text: str, n: list[int] = [0]) -> list[dict[str, Any]]:  # noqa: B006
    n[0] += 1
    body = {"sender": SENDER, "message": text, "metadata": {"message_id": f"m-{n[0]}"}}
    response = await gateway.post("/webhooks/web", json=body)
    assert response.status_code == 200, response.text
    replies: list[dict[str, Any]] = response.json()
    return replies


async def _book(gateway: httpx.AsyncClient, wished: str) -> str:
    body = consultation(consult_time=wished, conversation_id=KEY, channel="web")
    response = await gateway.post("/api/v1/internal/cases", json=body, headers=SERVICE)
    assert response.status_code == 201, response.text
    code: str = response.json()["code"]
    return code


def _state(app: FastAPI) -> tuple[Appointment, list[TimelineEntry]]:
    with app.state.sessionmaker() as session:
        appointment = session.scalars(select(Appointment).where(Appointment.conversation_id == KEY)).one()
        entries = list(session.scalars(select(TimelineEntry).where(TimelineEntry.case_id == appointment.case_id)))
        session.expunge_all()
    return appointment, entries


async def test_without_an_appointment_the_words_go_to_the_bot(gateway: httpx.AsyncClient) -> None:
    assert await say(gateway, "hủy hẹn") == [{"recipient_id": SENDER, "text": BUSY_TEXT}]


async def test_cancel_asks_first_then_cancels_and_says_so_on_the_timeline(
    app: FastAPI, gateway: httpx.AsyncClient
) -> None:
    await _book(gateway, f"{working_day():%d/%m/%Y} 9h")
    [ask] = await say(gateway, "huy hen")
    assert "hủy lịch tư vấn" in ask["text"] and [b["title"] for b in ask["buttons"]] == ["Xác nhận hủy hẹn", "Giữ lịch"]
    assert _state(app)[0].status == "confirmed"
    [done] = await say(gateway, ask["buttons"][0]["payload"])
    assert "đã hủy lịch" in done["text"]
    appointment, entries = _state(app)
    assert appointment.status == "cancelled" and appointment.awaiting is None
    assert any(e.data.get("event") == "cancelled" and e.actor_type == "citizen" for e in entries)
    # Nothing to come any more: the same words are the bot's again.
    assert await say(gateway, "Hủy hẹn") == [{"recipient_id": SENDER, "text": BUSY_TEXT}]


async def test_keeping_the_appointment_and_moving_on(app: FastAPI, gateway: httpx.AsyncClient) -> None:
    await _book(gateway, f"{working_day():%d/%m/%Y} 9h")
    await say(gateway, "Cho em hủy hẹn với")
    [kept] = await say(gateway, "Giữ lịch")
    assert "giữ nguyên lịch hẹn" in kept["text"] and _state(app)[0].status == "confirmed"
    await say(gateway, "hủy hẹn")
    # Another subject closes the question: it goes to the bot and the appointment stays.
    assert await say(gateway, "cho hỏi thủ tục khai sinh") == [{"recipient_id": SENDER, "text": BUSY_TEXT}]
    appointment, _entries = _state(app)
    assert appointment.status == "confirmed" and appointment.awaiting is None


async def test_reschedule_with_a_button_or_free_text(app: FastAPI, gateway: httpx.AsyncClient) -> None:
    first = working_day()
    await _book(gateway, f"{first:%d/%m/%Y} 9h")
    [ask] = await say(gateway, "ĐỔI LỊCH")
    assert "muốn đổi sang lúc nào" in ask["text"] and ask["buttons"][-1]["title"] == "Giữ lịch cũ"
    assert len(ask["buttons"]) == 4
    [unclear] = await say(gateway, "khoảng 99h")
    assert "chưa hiểu" in unclear["text"]
    [closed] = await say(gateway, f"{first:%d/%m/%Y} 21h")
    assert "ngoài giờ làm việc" in closed["text"]
    [moved] = await say(gateway, ask["buttons"][0]["payload"])  # the first suggested slot
    appointment, entries = _state(app)
    assert "đã đổi lịch" in moved["text"] and appointment.video_url in moved["text"]
    assert appointment.status == "confirmed" and appointment.awaiting is None
    [change] = [e for e in entries if e.data.get("event") == "rescheduled"]
    assert change.actor_type == "citizen" and "từ 09:00" in change.body
    second = working_day(days_ahead=5)
    [direct] = await say(gateway, f"doi lich sang {second:%d/%m} luc 2h chieu")
    assert "đã đổi lịch" in direct["text"] and _state(app)[0].starts_at == at(second, 14)


async def test_a_pending_appointment_can_be_given_a_time_by_the_citizen(
    app: FastAPI, gateway: httpx.AsyncClient
) -> None:
    await _book(gateway, "càng sớm càng tốt")
    assert _state(app)[0].status == "pending"
    day = working_day()
    [ask] = await say(gateway, "đổi lịch")
    assert "chưa có giờ" in ask["text"]
    [moved] = await say(gateway, f"{day:%d/%m} 8h30")
    appointment, _entries = _state(app)
    assert appointment.status == "confirmed" and appointment.starts_at == at(day, 8, 30)
    assert appointment.video_url in moved["text"]
