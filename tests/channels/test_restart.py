"""Delivery guarantees with real processes: a gateway killed (SIGKILL) or restarted (SIGTERM) while the channel API
is down, and a Rasa outage, lose nothing and send nothing twice."""

from __future__ import annotations

import collections
import os
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from api.conversations.messages import BUSY_TEXT
from api.db import transaction
from api.inbox_events.models import InboxEvent
from api.outbox.models import OutboxMessage
from api.outbox.service import enqueue_message
from tests.channels.citizens import ZaloCitizen
from tests.channels.gateway_process import kill_hard, start_gateway
from tests.channels.live import wait_until
from tests.support.fake_zalo import FakeZalo
from tests.support.gateway_fixtures import BotStack
from tests.support.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.rasa, pytest.mark.slow]


def inbox_rows(app: FastAPI) -> list[InboxEvent]:
    with app.state.sessionmaker() as session:
        return list(session.scalars(select(InboxEvent).order_by(InboxEvent.id)))


def outbox_rows(app: FastAPI) -> list[OutboxMessage]:
    with app.state.sessionmaker() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def delivered_exactly_once(app: FastAPI, fake: FakeZalo) -> None:
    rows = outbox_rows(app)
    assert rows and all(r.status == "sent" for r in rows), [(r.id, r.status, r.last_error) for r in rows]
    expected = collections.Counter((r.conversation_id.split(":")[2], r.text) for r in rows)
    got = collections.Counter((m["recipient"]["user_id"], m["message"].get("text", "")) for m in fake.sent)
    assert got == expected


def test_a_stop_is_not_held_by_an_open_chat_widget(app: FastAPI, database_url: str, tmp_path: Path) -> None:
    """A citizen's widget keeps an event stream open for up to 5 minutes; SIGTERM (Ctrl-C, a deploy) still stops the
    gateway within its grace period (scripts/start-gateway.sh, 5 s) instead of waiting for the stream."""
    gateway = start_gateway(database_url, "http://127.0.0.1:9", tmp_path / "run")
    opened, ended = threading.Event(), threading.Event()

    def widget() -> None:
        url = f"{gateway.url}/webhooks/web/events"
        try:
            with httpx.stream("GET", url, params={"sender": "widget-open-0001"}, timeout=None) as response:
                for _line in response.iter_lines():
                    opened.set()
        except httpx.TransportError:
            pass  # the stream is cut when the grace period ends; the browser reconnects to the next gateway
        ended.set()

    threading.Thread(target=widget, daemon=True).start()
    try:
        assert opened.wait(10), "the event stream did not open"
        began = time.monotonic()
        os.killpg(gateway.process.pid, signal.SIGTERM)
        code = gateway.process.wait(timeout=60)
        took = time.monotonic() - began
    finally:
        kill_hard(gateway)
    assert took < 5 + 10, f"the gateway took {took:.1f} s to stop"  # 5 s of grace, then the shutdown itself
    assert code in (0, -signal.SIGTERM) and ended.wait(5)  # uvicorn re-raises the signal once it has shut down


@pytest.mark.parametrize("how", ["sigkill", "sigterm"])
def test_gateway_restart_during_a_channel_outage_loses_and_doubles_nothing(
    app: FastAPI,
    database_url: str,
    bot_stack: BotStack,
    zalo_account: FakeZalo,
    commune_id: int,
    tmp_path: Path,
    how: str,
) -> None:
    zalo_account.down = True
    gateway = start_gateway(database_url, bot_stack.rasa.url, tmp_path / "run1", port=bot_stack.gateway_port)
    citizens = [ZaloCitizen(gateway.url, zalo_account) for _ in range(4)]
    for round_ in range(2):
        for citizen in citizens:
            citizen.say("Cho hỏi giờ làm việc của ủy ban" if round_ else "xin chào")
    with transaction(app.state.sessionmaker) as session:  # staff replies queued meanwhile
        for citizen in citizens:
            enqueue_message(
                session, commune_id=commune_id, conversation_id=citizen.conversation_id, text="Cán bộ đã nhận tin."
            )
    wait_until(
        lambda: all(r.status == "processed" for r in inbox_rows(app)) and len(inbox_rows(app)) == 8,
        what="every inbound message processed",
    )

    def heads_attempted() -> bool:  # one conversation's messages go out in order: only its oldest is tried
        heads: dict[str, OutboxMessage] = {}
        for row in outbox_rows(app):
            heads.setdefault(row.conversation_id, row)
        return len(heads) == 4 and all(r.attempts >= 1 for r in heads.values())

    wait_until(heads_attempted, what="delivery attempted during the outage")
    assert zalo_account.sent == []
    if how == "sigkill":
        kill_hard(gateway)
    else:
        gateway.stop()
    zalo_account.down = False
    restarted = start_gateway(database_url, bot_stack.rasa.url, tmp_path / "run2", port=bot_stack.gateway_port)
    try:
        # Backoff is capped, and a dead worker's leases expire after 30 s.
        wait_until(lambda: all(r.status == "sent" for r in outbox_rows(app)), timeout=90, what="delivery")
    finally:
        restarted.stop()
    delivered_exactly_once(app, zalo_account)
    assert [r.attempts for r in inbox_rows(app)] == [1] * 8  # no inbound message was processed twice


def test_rasa_outage_gives_one_busy_reply_then_the_real_answer(
    app: FastAPI, database_url: str, bot_stack: BotStack, zalo_account: FakeZalo, tmp_path: Path
) -> None:
    host, port = bot_stack.rasa.url.removeprefix("http://").split(":")
    with TcpProxy(host, int(port)).running() as proxy:
        gateway = start_gateway(database_url, proxy.url, tmp_path / "gw", port=bot_stack.gateway_port)
        try:
            citizen = ZaloCitizen(gateway.url, zalo_account)
            proxy.disable()
            citizen.say("xin chào")
            citizen.say("Làm giấy khai sinh cần giấy tờ gì?")
            # Messages of one conversation are handled in order: the second waits behind the first, and the citizen
            # is told once that the system is busy.
            wait_until(lambda: citizen.received().count(BUSY_TEXT) == 1, what="the busy reply")
            wait_until(lambda: inbox_rows(app)[0].attempts >= 2, what="a retry while Rasa is still down")
            waiting = [(r.status in ("pending", "processing"), r.busy_notified) for r in inbox_rows(app)]
            assert waiting == [(True, True), (True, False)]
            proxy.enable()
            wait_until(lambda: all(r.status == "processed" for r in inbox_rows(app)), timeout=60, what="recovery")
            wait_until(lambda: all(r.status == "sent" for r in outbox_rows(app)), what="the answers delivered")
        finally:
            gateway.stop()
    delivered_exactly_once(app, zalo_account)
    assert citizen.received().count(BUSY_TEXT) == 1
    assert [r.route for r in inbox_rows(app)] == ["rasa", "rasa"]


def test_after_a_rasa_outage_web_messages_are_answered_in_the_order_sent(
    app: FastAPI, database_url: str, bot_stack: BotStack, tmp_path: Path
) -> None:
    sender = "thutu0123456789"
    host, port = bot_stack.rasa.url.removeprefix("http://").split(":")
    with TcpProxy(host, int(port)).running() as proxy:
        gateway = start_gateway(database_url, proxy.url, tmp_path / "gw", port=bot_stack.gateway_port)
        try:

            def say(text: str, message_id: str) -> list[dict[str, object]]:
                body = {"sender": sender, "message": text, "metadata": {"message_id": message_id}}
                response = httpx.post(f"{gateway.url}/webhooks/web", json=body, timeout=30)
                response.raise_for_status()
                replies: list[dict[str, object]] = response.json()
                return replies

            proxy.disable()
            assert say("xin chào", "o-1") == [{"recipient_id": sender, "text": BUSY_TEXT}]
            proxy.enable()
            # Rasa is back, but the first message is still waiting for its retry: the second must not overtake it.
            assert say("Làm giấy khai sinh cần giấy tờ gì?", "o-2") == []
            wait_until(lambda: all(r.status == "processed" for r in inbox_rows(app)), timeout=60, what="both answered")
        finally:
            gateway.stop()
    first, second = inbox_rows(app)
    assert first.processed_at is not None and second.processed_at is not None
    assert first.processed_at <= second.processed_at
    replies = [r.text for r in outbox_rows(app)]  # the busy reply went out in the first response, not here
    assert BUSY_TEXT not in replies
    greeting = next(i for i, text in enumerate(replies) if "trợ lý ảo" in text)
    answer = next(i for i, text in enumerate(replies) if "khai sinh" in text.lower())
    assert greeting < answer, replies
