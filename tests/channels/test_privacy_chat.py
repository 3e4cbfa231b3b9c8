"""Notice and consent at first contact, and data rights asked for in the chat, on every channel (issue 25, finding 5):
end to end through the gateway in-process, the inbox and outbox workers, and the fake Zalo / Telegram platforms."""

from __future__ import annotations

import itertools
import json
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from api.citizens.models import Citizen
from api.config import Settings
from api.conversations.models import Conversation
from api.inbox_events.models import InboxEvent
from api.privacy.chat import parse_command
from api.privacy.models import Consent, DataRequest
from api.subscriptions.models import Subscription
from tests.channels.conftest import TG_SECRET, drain, fixture, zalo_signature
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_zalo import FakeZalo

_ids = itertools.count(1)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The gateway as in production: the privacy notice on (tests/support/gateway_fixtures.py turns it off)."""
    return settings.model_copy(update={"privacy_notice": True})


Say = Callable[[str], Awaitable[None]]


class Chat:
    """One citizen on one channel: what they say goes in as the platform delivers it; what reaches them is read
    from the fake platform (or, on the web, from the responses)."""

    def __init__(self, app: FastAPI, gateway: httpx.AsyncClient, channel: str, request: pytest.FixtureRequest) -> None:
        self.app, self.gateway, self.channel = app, gateway, channel
        self.web_replies: list[str] = []
        if channel == "zalo":
            self.fake: Any = request.getfixturevalue("zalo_account")
            self.uid = str(random.randrange(10**18, 10**19))
            self.conversation_id = f"zalo:xa-demo:{self.uid}"
        elif channel == "telegram":
            self.fake = request.getfixturevalue("telegram_account")
            self.uid = str(random.randrange(10**8, 10**10))
            self.conversation_id = f"tg:xa-demo:{self.uid}"
        else:
            self.uid = f"web{random.randrange(10**12, 10**13)}"
            self.conversation_id = f"web:xa-demo:{self.uid}"

    async def say(self, text: str) -> None:
        n = next(_ids)
        if self.channel == "zalo":
            payload = fixture("zalo/user_send_text.json")
            payload["sender"]["id"] = self.uid
            payload["message"] = {"text": text, "msg_id": f"privacy{n:08d}{self.uid[-6:]}"}
            payload["timestamp"] = str(int(time.time() * 1000) + n)
            body = json.dumps(payload, ensure_ascii=False).encode()
            assert isinstance(self.fake, FakeZalo)
            headers = {"X-ZEvent-Signature": zalo_signature(body, app_id=self.fake.app_id)}
            response = await self.gateway.post("/webhooks/zalo/xa-demo", content=body, headers=headers)
        elif self.channel == "telegram":
            update = fixture("telegram/message_text.json")
            update["update_id"] = 915300000 + n
            update["message"]["text"] = text
            update["message"]["chat"]["id"] = update["message"]["from"]["id"] = int(self.uid)
            headers = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
            response = await self.gateway.post("/webhooks/telegram/xa-demo", json=update, headers=headers)
        else:
            body_web = {"sender": self.uid, "message": text, "metadata": {"message_id": f"p{n}"}}
            response = await self.gateway.post("/webhooks/web", json=body_web)
            self.web_replies += [r["text"] for r in response.json() if r.get("text")]
        assert response.status_code == 200, response.text
        await drain(self.app)

    def received(self) -> list[str]:
        if self.channel == "web":
            return list(self.web_replies)
        assert isinstance(self.fake, FakeZalo | FakeTelegram)
        return self.fake.texts(self.uid)

    def count(self, model: Any, *conditions: Any) -> int:
        with self.app.state.sessionmaker() as session:
            return int(session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0)


@pytest.mark.parametrize("channel", ["zalo", "telegram", "web"])
async def test_notice_at_first_contact_then_rights_from_the_chat(
    app: FastAPI, gateway: httpx.AsyncClient, channel: str, request: pytest.FixtureRequest
) -> None:
    chat = Chat(app, gateway, channel, request)
    key = chat.conversation_id

    await chat.say("đăng ký nhận tin")
    first = chat.received()
    notices = [t for t in first if "dữ liệu cá nhân" in t and "/privacy" in t]
    assert len(notices) == 1, first
    for part in ("xóa dữ liệu của tôi", "rút lại đồng ý", "sức khỏe", "Tin nhắn được giữ 1 năm", "ảnh 180 ngày"):
        assert part in notices[0], part
    assert chat.count(Consent, Consent.conversation_id == key, Consent.purpose == "notice") == 1
    await chat.say("ấp 3")
    assert sum("/privacy" in t for t in chat.received()) == 1  # once per conversation, not per message

    await chat.say("xem du lieu cua toi")  # without diacritics
    shown = chat.received()[-1]
    assert "Dữ liệu xã đang lưu về anh/chị" in shown and "Nhận thông báo: có (Ấp 3)" in shown

    await chat.say("Rút lại đồng ý")
    assert "rút lại sự đồng ý" in chat.received()[-1]
    with app.state.sessionmaker() as session:
        assert session.scalar(select(Subscription.status).where(Subscription.conversation_id == key)) != "active"
        rows = session.execute(select(Consent.purpose, Consent.status).where(Consent.conversation_id == key)).all()
    statuses = {purpose: status for purpose, status in rows}
    assert statuses["service"] == statuses["health"] == "withdrawn"

    await chat.say("xóa dữ liệu của tôi")
    assert "xác nhận xóa" in chat.received()[-1]
    assert chat.count(InboxEvent, InboxEvent.conversation_id == key) == 5  # nothing is erased before confirming
    await chat.say("Xác nhận xóa")
    assert "Đã xóa dữ liệu cá nhân của anh/chị" in chat.received()[-1]
    assert chat.count(Conversation, Conversation.conversation_id == key) == 0
    assert chat.count(InboxEvent, InboxEvent.conversation_id == key) == 0
    assert chat.count(Consent, Consent.conversation_id == key) == 0
    assert chat.count(Subscription, Subscription.conversation_id == key) == 0
    assert chat.count(Citizen, Citizen.erased_at.is_not(None)) == 1
    with app.state.sessionmaker() as session:
        kinds = [(r.kind, r.channel, r.status) for r in session.scalars(select(DataRequest).order_by(DataRequest.id))]
    assert kinds == [("access", channel, "done"), ("withdrawal", channel, "done"), ("erasure", channel, "done")]


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("xem dữ liệu của tôi", "access"),
        ("Xem du lieu ca nhan cua toi", "access"),
        ("xóa dữ liệu của tôi!", "erase"),
        ("XOA DU LIEU CUA TOI", "erase"),
        ("rút lại đồng ý", "withdraw"),
        ("rut lai su dong y", "withdraw"),
        ("xác nhận xóa", "erase_confirm"),
        ("đồng ý lưu thông tin sức khỏe", "health_consent"),
    ],
)
def test_commands_with_and_without_diacritics(text: str, action: str) -> None:
    command = parse_command(text)
    assert command is not None and command.action == action


@pytest.mark.parametrize(
    "text",
    ["xóa giúp tôi hồ sơ cũ", "tôi đồng ý", "dữ liệu đất đai của xã xem ở đâu", "làm sao xóa đăng ký tạm trú"],
)
def test_ordinary_messages_are_not_data_requests(text: str) -> None:
    assert parse_command(text) is None


async def test_an_emergency_at_first_contact_gets_115_first_and_the_notice_after(
    app: FastAPI, gateway: httpx.AsyncClient
) -> None:
    sender = f"web{random.randrange(10**12, 10**13)}"
    response = await gateway.post("/webhooks/web", json={"sender": sender, "message": "cứu với ba em đột quỵ rồi"})
    texts = [r["text"] for r in response.json() if r.get("text")]
    assert "115" in texts[0] and "/privacy" not in texts[0], texts  # safety first (GUIDE principle 1)
    assert "/privacy" in texts[-1] and sum("/privacy" in t for t in texts) == 1, texts
