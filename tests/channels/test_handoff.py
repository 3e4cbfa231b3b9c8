"""The handoff round trip on each channel, end to end over real HTTP with the workers running and a real Rasa:
bot answers → a handoff case takes the conversation → the citizen's messages land on the case timeline, not in Rasa,
and the first one is acknowledged → the officer's signed reply reaches the citizen on their channel → resolving asks
for a rating, which is stored, and hands the conversation back to the bot."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from api.config import Settings
from api.inbox_events.models import InboxEvent
from tests.channels.citizens import Citizen, TelegramCitizen, WebCitizen, ZaloCitizen
from tests.channels.live import handoff_body, staff_headers, wait_until
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_zalo import FakeZalo
from tests.support.gateway_fixtures import TEST_SERVICE_TOKEN, BotStack

pytestmark = [pytest.mark.rasa, pytest.mark.slow]
SERVICE = {"Authorization": f"Bearer {TEST_SERVICE_TOKEN}"}


@pytest.fixture
def settings(settings: Settings, bot_stack: BotStack) -> Settings:
    return settings.model_copy(update={"rasa_url": bot_stack.rasa.url, "run_background_jobs": True})


def routes(app: FastAPI, conversation_id: str) -> list[str | None]:
    with app.state.sessionmaker() as session:
        rows = session.scalars(
            select(InboxEvent).where(InboxEvent.conversation_id == conversation_id).order_by(InboxEvent.id)
        ).all()
        return [row.route for row in rows]


def timeline(live: str, code: str, headers: dict[str, str]) -> list[dict[str, object]]:
    response = httpx.get(f"{live}/api/v1/cases/{code}", headers=headers)
    assert response.status_code == 200, response.text
    entries: list[dict[str, object]] = response.json()["timeline"]
    return entries


@pytest.mark.parametrize("channel", ["zalo", "telegram", "web"])
def test_handoff_round_trip(
    app: FastAPI,
    live: str,
    channel: str,
    zalo_account: FakeZalo,
    telegram_account: FakeTelegram,
) -> None:
    citizen: Citizen
    if channel == "zalo":
        citizen = ZaloCitizen(live, zalo_account)
    elif channel == "telegram":
        citizen = TelegramCitizen(live, telegram_account)
    else:
        citizen = WebCitizen(live)
    conversation = citizen.conversation_id
    officer = "Lê Thị Hồng Nhung"  # a name no reply text contains
    staff = staff_headers(app, login="nhung.le", full_name=officer)

    # 1. The bot answers.
    citizen.say("xin chào")
    wait_until(lambda: citizen.received(), what="the bot's greeting")
    wait_until(lambda: routes(app, conversation) == ["rasa"], what="the first turn routed to Rasa")

    # 2. The action server hands the conversation to a human.
    created = httpx.post(f"{live}/api/v1/internal/cases", json=handoff_body(conversation, channel), headers=SERVICE)
    assert created.status_code == 201, created.text
    code = created.json()["code"]
    before = len(citizen.received())

    # 3. The citizen's message lands on the case timeline, not in Rasa; the gateway acknowledges it once, saying
    #    whether staff are on duty and when they answer.
    citizen.say("Nhà tôi bị lấn ranh giới đất, nhờ cán bộ xem giúp")
    wait_until(
        lambda: any(
            e["kind"] == "citizen_message" and "lấn ranh giới" in str(e["body"]) for e in timeline(live, code, staff)
        ),
        what="the citizen's message on the timeline",
    )
    assert routes(app, conversation) == ["rasa", "case"]
    wait_until(lambda: len(citizen.received()) == before + 1, what="the handoff acknowledgement")
    ack = citizen.received()[-1]
    assert code in ack and ("trả lời anh/chị" in ack)

    # 4. The officer's reply reaches the citizen on their channel.
    reply = "Chào anh/chị, cán bộ địa chính sẽ đến xác minh vào sáng thứ Năm."
    sent = httpx.post(f"{live}/api/v1/cases/{code}/replies", json={"text": reply}, headers=staff)
    assert sent.status_code == 201, sent.text
    wait_until(
        lambda: any(t.startswith(reply) for t in citizen.received()), what="the staff reply on the citizen's channel"
    )
    signed = next(t for t in citizen.received() if t.startswith(reply))
    assert signed == f"{reply}\n— {officer}, cán bộ UBND xã (hồ sơ {code})"  # signed with the officer's own name
    before = len(citizen.received())

    # 5. Resolving the case hands the conversation back; the rating request is answered.
    resolved = httpx.post(
        f"{live}/api/v1/cases/{code}/status",
        json={"status": "resolved", "note": "Đã xác minh, hai bên thống nhất."},
        headers=staff,
    )
    assert resolved.status_code == 200, resolved.text
    wait_until(lambda: len(citizen.received()) >= before + 2, what="the resolution notice")
    citizen.say("5")
    wait_until(lambda: routes(app, conversation)[-1:] == ["rating"], what="the rating")
    case = httpx.get(f"{live}/api/v1/cases/{code}", headers=staff).json()
    assert case["rating"] == 5

    # 6. The bot has the conversation again.
    count = len(citizen.received())
    citizen.say("xin chào")
    wait_until(lambda: routes(app, conversation) == ["rasa", "case", "rating", "rasa"], what="back to Rasa")
    wait_until(lambda: len(citizen.received()) > count, what="the bot's answer after the handoff")
    # Every message reached the citizen exactly once.
    assert sum(t.startswith(reply) for t in citizen.received()) == 1
    if isinstance(citizen, WebCitizen):
        citizen.close()
