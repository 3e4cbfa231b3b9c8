"""Fixtures for appointments: a consultation filed like the bot does, with a wished time the parser can read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.communes.service import get_commune
from api.communes.worktime import WorkCalendar
from api.db import transaction, utcnow
from api.privacy.models import ConsentStatus, Purpose
from api.privacy.service import set_consent
from channels.ids import ConversationId
from tests.api.cases.conftest import SERVICE, make_staff  # noqa: F401  (staff with tokens, shared with cases)
from tests.channels.conftest import commune_id, fake_zalo, gateway, zalo_account  # noqa: F401

CALENDAR = WorkCalendar()


def working_day(days_ahead: int = 2) -> date:
    """A working day at least ``days_ahead`` days from today (holidays and weekends skipped)."""
    day = CALENDAR.local(utcnow()).date() + timedelta(days=days_ahead)
    while not CALENDAR.is_working_day(day):
        day += timedelta(days=1)
    return day


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), CALENDAR.tz)


def consultation(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "commune": "xa-demo",
        "kind": "consultation",
        "title": "Tư vấn từ xa: huyết áp cao",
        "description": "Vấn đề: huyết áp cao\nThời gian mong muốn: sáng mai\nTin nhắn gần đây: đặt lịch",
        "priority": "normal",
        "conversation_id": "zalo:xa-demo:20001",
        "channel": "zalo",
        "contact_name": "Lê Thị Hoa",
        "contact_phone": "0912345678",
    }
    body.update(overrides)
    return body


@pytest.fixture
def consent(app: FastAPI) -> Callable[[str], None]:
    """The citizen of a conversation agrees to storing health details (api/privacy)."""

    def give(conversation_id: str) -> None:
        channel = ConversationId.parse(conversation_id).channel
        with transaction(app.state.sessionmaker) as session:
            commune = get_commune(session, slug="xa-demo").id
            set_consent(
                session, commune_id=commune, conversation_id=conversation_id, channel=channel,
                purpose=Purpose.health, status=ConsentStatus.granted,
            )  # fmt: skip

    return give


@pytest.fixture
def book(client: TestClient) -> Callable[..., dict[str, Any]]:
    def file(**overrides: Any) -> dict[str, Any]:
        response = client.post("/api/v1/internal/cases", json=consultation(**overrides), headers=SERVICE)
        assert response.status_code == 201, response.text
        data: dict[str, Any] = response.json()
        return data

    return file
