"""Nothing frozen, end to end: real Rasa and action server, the gateway over real HTTP with its workers running, the
fake Zalo and Telegram platforms. A 12-button menu is delivered paged and the conversation goes on; a handler that
raises is dead-lettered, shown to staff, and the next message answered; a NUL does not lose a report; the report
button asks what happened; two web senders sharing a message id each get their own reply."""

from __future__ import annotations

import random
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from api.cases.access import public_ref
from api.config import Settings
from api.inbox import processor
from api.inbox.failures import DEAD_LETTER_NOTICE
from api.inbox.turns import Turn
from api.inbox_events.models import InboxEvent
from api.outbox.models import OutboxMessage
from channels.paging import MORE_TITLE
from tests.channels.citizens import TelegramCitizen, WebCitizen, ZaloCitizen
from tests.channels.conftest import TG_SECRET, fixture
from tests.channels.live import staff_headers, wait_until
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_zalo import FakeZalo
from tests.support.gateway_fixtures import BotStack

pytestmark = [pytest.mark.rasa, pytest.mark.slow]


@pytest.fixture
def settings(settings: Settings, bot_stack: BotStack) -> Settings:
    return settings.model_copy(update={"rasa_url": bot_stack.rasa.url, "run_background_jobs": True})


def statuses(app: FastAPI, conversation_id: str) -> tuple[list[str], list[str]]:
    with app.state.sessionmaker() as session:
        inbound = session.scalars(
            select(InboxEvent.status).where(InboxEvent.conversation_id == conversation_id).order_by(InboxEvent.id)
        ).all()
        outbound = session.scalars(
            select(OutboxMessage.status).where(OutboxMessage.conversation_id == conversation_id)
        ).all()
    return list(inbound), list(outbound)


def outbox_ids(app: FastAPI, citizen: ZaloCitizen | TelegramCitizen) -> list[int]:
    with app.state.sessionmaker() as session:
        return list(
            session.scalars(select(OutboxMessage.id).where(OutboxMessage.conversation_id == citizen.conversation_id))
        )


def tap_telegram(base: str, citizen: TelegramCitizen, data: str) -> None:
    update = fixture("telegram/callback_query.json")
    update["update_id"] = random.randrange(900_000_000, 999_999_999)
    query = update["callback_query"]
    query["id"], query["data"] = f"cb{update['update_id']}", data
    query["from"]["id"] = query["message"]["chat"]["id"] = citizen.chat
    response = httpx.post(
        f"{base}/webhooks/telegram/xa-demo", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("channel", ["zalo", "telegram"])
def test_a_twelve_button_menu_is_paged_and_the_conversation_goes_on(
    app: FastAPI, live: str, channel: str, zalo_account: FakeZalo, telegram_account: FakeTelegram
) -> None:
    zalo, telegram = ZaloCitizen(live, zalo_account), TelegramCitizen(live, telegram_account)
    citizen: ZaloCitizen | TelegramCitizen = zalo if channel == "zalo" else telegram

    def pages() -> list[list[dict[str, Any]]]:
        if channel == "zalo":
            return [[{"title": b["title"], "data": b["payload"]} for b in p] for p in zalo_account.buttons(zalo.uid)]
        keyboards = telegram_account.keyboards(telegram.chat)
        return [[{"title": b["text"], "data": b["callback_data"]} for b in k] for k in keyboards]

    per_message = zalo_account.max_buttons if channel == "zalo" else 8
    citizen.say("xin chào")
    wait_until(citizen.received, what="the greeting")
    before = len(pages())
    citizen.say("bao lâu")  # out of context: the bot offers the whole procedure menu (12 choices)
    first = wait_until(lambda: pages()[before:], what="the procedure menu")[0]
    assert len(first) == per_message and first[-1]["title"] == MORE_TITLE
    if channel == "zalo":
        zalo.say(first[-1]["data"])  # oa.query.hide sends the payload back as the user's text
    else:
        tap_telegram(live, telegram, first[-1]["data"])
    second = wait_until(lambda: pages()[before + 1 :], what="the next page")[0]
    assert len(second) <= per_message
    assert {b["title"] for b in second if b["title"] != MORE_TITLE}.isdisjoint(b["title"] for b in first[:-1])
    count = len(citizen.received())
    citizen.say("làm giấy khai sinh cần những gì")
    wait_until(lambda: len(citizen.received()) > count, what="the answer after the menu")
    wait_until(
        lambda: statuses(app, citizen.conversation_id) == (["processed"] * 4, ["sent"] * len(outbox_ids(app, citizen))),
        what="every message handled and every reply sent",
    )


def test_a_handler_that_raises_is_dead_lettered_shown_and_the_next_message_answered(
    app: FastAPI, live: str, zalo_account: FakeZalo, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = processor.handle

    async def handle(app_: FastAPI, ctx: processor.Context, message: Any) -> Turn:
        if "BOOM" in message.text:
            raise RuntimeError("handler bug")
        return await real(app_, ctx, message)

    monkeypatch.setattr(processor, "handle", handle)
    monkeypatch.setattr("api.inbox.failures.FAILURE_BACKOFF_BASE", 0.2)  # seconds between retries, for the test
    citizen = ZaloCitizen(live, zalo_account)
    citizen.say("BOOM")
    citizen.say("xin chào")
    wait_until(lambda: len(citizen.received()) >= 2, what="the notice and the greeting")
    received = citizen.received()
    assert received[0] == DEAD_LETTER_NOTICE and received.count(DEAD_LETTER_NOTICE) == 1
    inbound, _ = statuses(app, citizen.conversation_id)
    assert inbound == ["failed", "processed"]
    letters = httpx.get(f"{live}/api/v1/dead-letters", headers=staff_headers(app)).json()
    # Named by the sealed reference staff see, never the platform id (issue 25).
    assert [(x["conversation_id"], x["text"]) for x in letters] == [(public_ref(citizen.conversation_id), "BOOM")]


def test_a_nul_does_not_lose_the_report(app: FastAPI, live: str) -> None:
    citizen = WebCitizen(live)
    try:
        for text in ("đèn đường ở ấp 3 bị hư\x00 mấy hôm nay", "bỏ qua", "0912345678\x00", "/affirm"):
            citizen.say(text)
        filed = wait_until(lambda: [t for t in citizen.received() if "Mã phản ánh" in t], what="the filed report")
        assert len(filed) == 1
    finally:
        citizen.close()


def test_the_report_button_asks_what_happened(live: str) -> None:
    citizen = WebCitizen(live)
    try:
        replies = citizen.say("/report_issue")
        assert any("xảy ra việc gì" in r.get("text", "") for r in replies), replies
        replies = citizen.say("cống thoát nước bị nghẹt, nước tràn lên đường")
        texts = " ".join(r.get("text", "") for r in replies)
        assert "ở đâu" in texts and "Thoát nước" in texts  # the words became the description, not the place
    finally:
        citizen.close()


def test_two_web_senders_sharing_a_message_id_each_get_their_own_reply(live: str) -> None:
    def post(sender: str, text: str) -> list[dict[str, Any]]:
        body = {"sender": sender, "message": text, "metadata": {"message_id": "1"}}
        response = httpx.post(f"{live}/webhooks/web", json=body, timeout=30)
        assert response.status_code == 200, response.text
        replies: list[dict[str, Any]] = response.json()
        return replies

    first = post("senderone1234567", "đèn đường ở ấp 3 bị hư, số tôi 0912345678")
    second = post("sendertwo7654321", "ủy ban làm việc mấy giờ")
    assert first and second
    assert {r["recipient_id"] for r in second} == {"sendertwo7654321"}
    assert "0912345678" not in " ".join(r.get("text", "") for r in second)
    assert [r.get("text") for r in second] != [r.get("text") for r in first]
