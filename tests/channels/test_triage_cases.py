"""The issue's (#20) three misses and five false alarms, and the fever without danger signs, through every channel:
the web widget's webhook, Zalo and Telegram (fake platforms, the gateway in-process, the inbox and outbox workers
drained), with Rasa down. The first message the citizen receives is the alarm with the right numbers, or the guidance,
never an alarm for a question, a mild injury, a fever or paperwork."""

from __future__ import annotations

import copy
import itertools
import uuid

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from api.cases.models import Case
from api.safety.evaluation import right_number
from tests.channels.conftest import TG_SECRET, drain, fixture
from tests.channels.test_zalo import post_zalo
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_zalo import FakeZalo

CASES = [
    # (message, what the first reply must be, numbers for an alarm)
    ("cháy ở chợ xã rồi, khói đen mù mịt", "alarm", ("114",)),
    ("con em 9 tháng tiêu chảy, mắt trũng, li bì, không chịu uống nước", "alarm", ("115",)),
    ("chồng tôi cầm dao dọa giết tôi, tôi đang trốn trong phòng", "alarm", ("113",)),
    ("sơ cứu rắn cắn thế nào?", "guidance", ()),
    ("ngộ độc thì nên làm gì, mình hỏi để biết", "guidance", ()),
    ("bị một con ong đốt ở tay, sưng nhẹ", "guidance", ()),
    ("con em té xe đạp trầy đầu gối", "guidance", ()),
    ("cứu em với, giấy khai sinh của con làm mãi chưa xong", "normal", ()),
    ("bé nhà em sốt 39 độ từ hôm qua, vẫn chơi và bú tốt", "guidance", ()),
]
_ids = itertools.count(1)


def check(first: str, expected: str, numbers: tuple[str, ...]) -> None:
    if expected == "alarm":
        assert first.startswith("🚨") and right_number(numbers, first), first
    else:
        assert not first.startswith("🚨"), first
    if expected == "guidance":
        assert "Nguồn" in first, first  # the cited guidance itself, not the busy notice


def urgent_cases(app: FastAPI, conversation_id: str) -> int:
    """Urgent cases filed for the conversation (the channel's id of the citizen ends it)."""
    with app.state.sessionmaker() as session:
        rows = session.scalars(select(Case).where(Case.conversation_id.endswith(conversation_id))).all()
        return sum(1 for c in rows if c.priority == "urgent")


async def test_web(app: FastAPI, gateway: httpx.AsyncClient) -> None:
    for text, expected, numbers in CASES:
        sender = uuid.uuid4().hex
        body = {"sender": sender, "message": text, "metadata": {"message_id": uuid.uuid4().hex}}
        replies = (await gateway.post("/webhooks/web", json=body)).json()
        check(replies[0]["text"], expected, numbers)
        assert urgent_cases(app, f":{sender}") == (expected == "alarm"), text


async def test_zalo(app: FastAPI, gateway: httpx.AsyncClient, zalo_account: FakeZalo) -> None:
    for text, expected, numbers in CASES:
        payload = copy.deepcopy(fixture("zalo/user_send_text.json"))
        user = str(3000000000000000000 + next(_ids))
        payload["sender"]["id"] = user
        payload["message"] = {"text": text, "msg_id": uuid.uuid4().hex}
        assert (await post_zalo(gateway, payload, app_id=zalo_account.app_id)).status_code == 200
        await drain(app)
        check(zalo_account.texts(user)[0], expected, numbers)
        assert urgent_cases(app, f":{user}") == (expected == "alarm"), text


async def test_telegram(app: FastAPI, gateway: httpx.AsyncClient, telegram_account: FakeTelegram) -> None:
    for text, expected, numbers in CASES:
        update = copy.deepcopy(fixture("telegram/message_text.json"))
        chat = 900000000 + next(_ids)
        update["update_id"] = 815300000 + next(_ids)
        update["message"].update({"text": text, "message_id": next(_ids)})
        update["message"]["chat"]["id"] = update["message"]["from"]["id"] = chat
        response = await gateway.post(
            "/webhooks/telegram/xa-demo", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
        )
        assert response.status_code == 200
        await drain(app)
        check(telegram_account.texts(str(chat))[0], expected, numbers)
        assert urgent_cases(app, f":{chat}") == (expected == "alarm"), text
