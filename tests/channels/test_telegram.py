"""Telegram: the secret-token check, parsing real-shaped updates, dedupe on update_id, sending with inline keyboards
and photos through python-telegram-bot, and the API's error answers — against the fake Bot API over real HTTP."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from api.db import transaction
from api.inbox_events.models import InboxEvent
from api.outbox.models import OutboxMessage
from api.outbox.service import enqueue_message
from channels.telegram.connector import TelegramChannel
from tests.channels.conftest import TG_SECRET, drain, fixture, make_due
from tests.support.fake_telegram import FakeTelegram

CHAT = "777000111"
CONV = f"tg:xa-demo:{CHAT}"


async def post_update(
    gateway: httpx.AsyncClient, update: dict[str, Any], secret: str | None = TG_SECRET
) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    return await gateway.post("/webhooks/telegram/xa-demo", content=json.dumps(update), headers=headers)


def stored(app: FastAPI) -> int:
    with app.state.sessionmaker() as session:
        return int(session.scalar(select(func.count()).select_from(InboxEvent)) or 0)


def outbox(app: FastAPI) -> list[OutboxMessage]:
    with app.state.sessionmaker() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def enqueue(app: FastAPI, commune_id: int, text: str, **kwargs: Any) -> None:
    with transaction(app.state.sessionmaker) as session:
        enqueue_message(session, commune_id=commune_id, conversation_id=CONV, text=text, **kwargs)


@pytest.mark.parametrize(("secret", "status"), [(None, 401), ("wrong-secret", 403), ("", 401)])
async def test_updates_without_the_secret_token_are_rejected(
    app: FastAPI, gateway: httpx.AsyncClient, telegram_account: FakeTelegram, secret: str | None, status: int
) -> None:
    response = await post_update(gateway, fixture("telegram/message_text.json"), secret=secret)
    assert response.status_code == status
    assert stored(app) == 0


async def test_update_is_stored_once_per_update_id(
    app: FastAPI, gateway: httpx.AsyncClient, telegram_account: FakeTelegram
) -> None:
    update = fixture("telegram/message_text.json")
    assert (await post_update(gateway, update)).json()["stored"] is True
    assert (await post_update(gateway, update)).json()["duplicate"] is True
    with app.state.sessionmaker() as session:
        [event] = session.scalars(select(InboxEvent)).all()
    assert (event.event_id, event.conversation_id, event.channel) == ("815200001", CONV, "telegram")


def test_updates_are_parsed() -> None:
    channel = TelegramChannel()
    text = channel.parse(fixture("telegram/message_text.json"), commune="xa-demo")[0]
    assert (text.kind, text.text, text.conversation_id, text.display_name) == (
        "text",
        "Xã mình làm việc mấy giờ?",
        CONV,
        "Lan Trần",
    )
    assert channel.parse(fixture("telegram/start.json"), commune="xa-demo")[0].kind == "start"
    photo = channel.parse(fixture("telegram/photo.json"), commune="xa-demo")[0]
    assert (photo.kind, photo.attachments, photo.text) == (
        "image",
        ("tg-file:AgACAgUAAxkBAAIBlarge",),  # the largest size
        "Đèn đường ấp 2 bị hỏng",
    )
    location = channel.parse(fixture("telegram/location.json"), commune="xa-demo")[0]
    assert (location.kind, location.latitude, location.longitude) == ("location", 10.776889, 106.700806)
    button = channel.parse(fixture("telegram/callback_query.json"), commune="xa-demo")[0]
    assert (button.kind, button.text, button.conversation_id) == ("button", "/office_info", CONV)
    assert channel.parse(fixture("telegram/document.json"), commune="xa-demo")[0].kind == "file"
    assert channel.parse(fixture("telegram/contact.json"), commune="xa-demo")[0].phone == "+84912345678"


async def test_reply_with_inline_keyboard_photo_and_long_text(
    app: FastAPI, gateway: httpx.AsyncClient, telegram_account: FakeTelegram, commune_id: int
) -> None:
    long_text = " ".join(f"Bước {i}: nộp hồ sơ tại bộ phận một cửa." for i in range(150))
    assert len(long_text) > 4096
    buttons = [
        {"title": "Giờ làm việc", "payload": "/office_info"},
        {
            "title": "Chứng thực bản sao",
            "payload": '/ask_procedure{"procedure":"chung_thuc_ban_sao","aspect":"documents"}',
        },
    ]
    enqueue(app, commune_id, long_text, buttons=buttons, image_url="https://example.org/so-do.png")
    await drain(app)
    sent = telegram_account.sent
    assert [("photo" in s) for s in sent] == [False, False, True]
    assert " ".join(s["text"] for s in sent[:2]) == long_text
    keyboard = sent[1]["reply_markup"]["inline_keyboard"]
    assert keyboard[0] == [{"text": "Giờ làm việc", "callback_data": "/office_info"}]
    # Over Telegram's 64-byte limit: the title is sent back instead, which the NLU understands.
    assert keyboard[1] == [{"text": "Chứng thực bản sao", "callback_data": "Chứng thực bản sao"}]
    assert sent[2]["photo"] == "https://example.org/so-do.png"
    assert {str(s["chat_id"]) for s in sent} == {CHAT}


async def test_flood_control_is_retried_later(
    app: FastAPI, gateway: httpx.AsyncClient, telegram_account: FakeTelegram, commune_id: int
) -> None:
    telegram_account.fail_next.append((429, "Too Many Requests: retry after 7", {"retry_after": 7}))
    enqueue(app, commune_id, "Lịch tiêm chủng tháng này.")
    await drain(app)
    [message] = outbox(app)
    assert message.status == "pending" and "7" in (message.last_error or "")
    make_due(app)
    await drain(app)
    assert telegram_account.texts() == ["Lịch tiêm chủng tháng này."]


async def test_blocked_bot_is_recorded_and_not_retried(
    app: FastAPI, gateway: httpx.AsyncClient, telegram_account: FakeTelegram, commune_id: int
) -> None:
    telegram_account.fail_next.append((403, "Forbidden: bot was blocked by the user", None))
    enqueue(app, commune_id, "Hồ sơ của bạn đã xong.", kind="staff_reply")
    await drain(app)
    make_due(app)
    await drain(app)
    [message] = outbox(app)
    assert message.status == "failed" and "chặn" in (message.last_error or "")
    assert telegram_account.sent == []


async def test_api_outage_then_recovery_delivers_each_message_once(
    app: FastAPI, gateway: httpx.AsyncClient, telegram_account: FakeTelegram, commune_id: int
) -> None:
    telegram_account.down = True
    for i in range(5):
        enqueue(app, commune_id, f"Tin {i}.")
    for _ in range(3):
        await drain(app)
        make_due(app)
    assert telegram_account.sent == []
    telegram_account.down = False
    make_due(app)
    await drain(app)
    assert telegram_account.texts(CHAT) == [f"Tin {i}." for i in range(5)]


async def test_pressed_button_is_acknowledged_and_its_data_is_the_message(
    app: FastAPI, gateway: httpx.AsyncClient, telegram_account: FakeTelegram
) -> None:
    assert (await post_update(gateway, fixture("telegram/callback_query.json"))).status_code == 200
    await drain(app)
    answered = [c["params"] for c in telegram_account.calls if c["method"] == "answerCallbackQuery"]
    assert answered == [{"callback_query_id": "4382bfdwdsb323b2d9"}]
    with app.state.sessionmaker() as session:
        [event] = session.scalars(select(InboxEvent)).all()
    assert json.loads(event.raw)["callback_query"]["data"] == "/office_info"
    assert event.busy_notified  # Rasa is down in these settings: the button press waits for it like any message
