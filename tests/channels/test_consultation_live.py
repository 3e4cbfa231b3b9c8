"""Issue 24's "done when" for consultations, end to end on the web channel with a real Rasa, the action server and the
gateway: a consultation booked in the chat answers with its video link, "đổi lịch" moves it, and the health worker's
calendar shows it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from api.appointments.models import Appointment
from api.communes.worktime import WorkCalendar
from api.config import Settings
from api.db import utcnow
from tests.channels.citizens import WebCitizen
from tests.support.gateway_fixtures import BotStack

pytestmark = [pytest.mark.rasa, pytest.mark.slow]


@pytest.fixture
def settings(settings: Settings, bot_stack: BotStack) -> Settings:
    return settings.model_copy(update={"rasa_url": bot_stack.rasa.url})


def _working_day(days_ahead: int) -> str:
    calendar = WorkCalendar()
    day = calendar.local(utcnow()).date() + timedelta(days=days_ahead)
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return f"{day:%d/%m/%Y}"


def _texts(replies: list[dict[str, object]]) -> str:
    return "\n".join(str(r.get("text", "")) for r in replies)


def test_a_consultation_booked_in_the_chat_has_a_link_and_can_be_moved(app: FastAPI, live: str) -> None:
    citizen = WebCitizen(live)
    try:
        citizen.say("tôi muốn đặt lịch tư vấn sức khỏe")
        citizen.say("con tôi bị ho lâu ngày")
        citizen.say("Nguyễn Văn An")
        citizen.say("0909123456")
        booked = _texts(citizen.say(f"{_working_day(3)} lúc 9 giờ"))
        assert "Lịch tư vấn từ xa: 09:00" in booked and "https://meet.jit.si/xaso-xa-demo-" in booked, booked
        asked = citizen.say("đổi lịch")
        assert "muốn đổi sang lúc nào" in _texts(asked)
        moved = _texts(citizen.say(f"{_working_day(5)} 14h30"))
        assert "đã đổi lịch tư vấn từ xa sang 14:30" in moved, moved
        with app.state.sessionmaker() as session:
            [row] = session.scalars(select(Appointment)).all()
            assert row.status == "confirmed" and row.video_url in booked and row.video_url in moved
    finally:
        citizen.close()
