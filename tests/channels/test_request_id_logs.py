"""Issue 26: one request id follows a citizen's message from the webhook to the reply. A Telegram message is stored
by the webhook (which answers with its X-Request-ID), answered later by the inbox worker (Rasa is down: the busy
reply) and sent by the outbox worker: all three log under the webhook's id, in JSON lines when asked."""

from __future__ import annotations

import io
import json
import logging

import httpx
import pytest
import structlog
from fastapi import FastAPI
from sqlalchemy import select

from api.config import Settings
from api.inbox_events.models import InboxEvent
from api.infra import logs
from api.outbox.models import OutboxMessage
from tests.channels.citizens import TelegramCitizen
from tests.channels.conftest import TG_SECRET, fixture
from tests.channels.live import wait_until
from tests.support.fake_telegram import FakeTelegram


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"run_background_jobs": True})  # Rasa stays down (127.0.0.1:9)


def test_the_webhooks_request_id_follows_the_message_to_the_reply(
    app: FastAPI, live: str, telegram_account: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    citizen = TelegramCitizen(live, telegram_account)
    update = fixture("telegram/message_text.json")
    update["update_id"] = 815399001
    update["message"]["text"] = "cho em hỏi thủ tục đăng ký khai sinh"
    update["message"]["chat"]["id"] = update["message"]["from"]["id"] = citizen.chat
    response = httpx.post(
        f"{live}/webhooks/telegram/xa-demo",
        json=update,
        headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET},
        timeout=30,
    )
    assert response.status_code == 200
    request_id = response.headers["x-request-id"]
    wait_until(citizen.received, what="the busy reply on Telegram")
    with app.state.sessionmaker() as session:
        inbound = session.scalars(select(InboxEvent).where(InboxEvent.conversation_id == citizen.conversation_id)).one()
        outbound = session.scalars(
            select(OutboxMessage).where(OutboxMessage.conversation_id == citizen.conversation_id)
        ).all()
    assert inbound.request_id == request_id and [m.request_id for m in outbound] == [request_id]

    def trail() -> list[str]:
        return [r.getMessage() for r in caplog.records if getattr(r, "request_id", None) == request_id]

    lines = wait_until(lambda: [m for m in trail() if "delivered" in m], what="the delivery logged") and trail()
    assert any(f"inbox {inbound.id} stored" in m for m in lines)  # the webhook
    assert any("Rasa unavailable" in m for m in lines)  # the inbox worker, later, in another task
    assert any(f"outbox {outbound[0].id} delivered" in m for m in lines)  # the outbox worker


def test_json_lines_carry_the_request_id() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.formatter("json"))
    logger = logging.getLogger("tests.json_logs")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    try:
        with structlog.contextvars.bound_contextvars(request_id="abc123def456"):
            logger.warning("outbox %s delivered", 7)
        logger.info("outside any request")
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["event"] == "outbox 7 delivered" and first["request_id"] == "abc123def456"
    assert first["level"] == "warning" and first["logger"] == "tests.json_logs" and first["timestamp"]
    assert "request_id" not in second
