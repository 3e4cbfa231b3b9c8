"""The embeddable chat widget in headless Chromium: the demo page, sending, quick replies, messages pushed later
over the event stream, a session kept across page loads, and untrusted text shown as text."""

from __future__ import annotations

import json

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from api.conversations.messages import BUSY_TEXT
from api.db import transaction
from api.inbox_events.models import InboxEvent
from api.outbox.service import enqueue_message
from api.web import routes as web_routes

pytestmark = pytest.mark.browser


def push(app: FastAPI, sender: str, text: str, buttons: list[dict[str, str]] | None = None) -> None:
    """A message that arrives later (an officer's reply), through the outbox like every other."""
    with transaction(app.state.sessionmaker) as session:
        enqueue_message(session, commune_id=1, conversation_id=f"web:xa-demo:{sender}", text=text, buttons=buttons)


def bubbles(page: Page) -> list[str]:
    return page.locator("#xaso-chat .msg").all_inner_texts()


def open_chat(page: Page, live: str) -> str:
    page.goto(live + "/")
    toggle = page.locator("#xaso-chat .btn")
    expect(toggle).to_have_text("💬 Hỏi đáp với UBND xã")
    toggle.click()
    expect(page.locator("#xaso-chat input")).to_have_attribute("placeholder", "Nhập câu hỏi của anh/chị…")
    sender: str = page.evaluate("window.XaSoChat.sender")
    return sender


def test_widget_session_push_and_quick_replies(
    app: FastAPI, live: str, browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    context = browser.new_context()
    page = context.new_page()
    sender = open_chat(page, live)
    # Rasa is down in these settings: the citizen is told so, and the message is kept.
    expect(page.locator("#xaso-chat .msg.bot").first).to_have_text(BUSY_TEXT)
    page.locator("#xaso-chat input").fill("Cho hỏi giờ làm việc")
    page.locator("#xaso-chat form button").click()
    expect(page.locator("#xaso-chat .msg.user")).to_have_text(["Cho hỏi giờ làm việc"])

    # An officer's reply arrives later, over the event stream, with quick replies; markup stays text.
    hostile = '<img src=x onerror="window.pwned=1">Chào bạn'
    push(app, sender, hostile, buttons=[{"title": "Có", "payload": "/affirm"}, {"title": "Không", "payload": "/deny"}])
    expect(page.locator("#xaso-chat .msg.bot").last).to_have_text(hostile)
    assert page.evaluate("window.pwned === undefined")
    assert page.locator("#xaso-chat .msg img").count() == 0
    quick = page.locator("#xaso-chat .quick button")
    expect(quick).to_have_text(["Có", "Không"])
    with page.expect_response(lambda r: r.url.endswith("/webhooks/web")):
        quick.first.click()
    expect(page.locator("#xaso-chat .msg.user").last).to_have_text("Có")
    with app.state.sessionmaker() as session:
        raws = [json.loads(e.raw) for e in session.scalars(select(InboxEvent).order_by(InboxEvent.id))]
    assert raws[-1]["message"] == "/affirm" and raws[-1]["sender"] == sender  # the payload, not the title

    # A reload keeps the session (same sender, same transcript), and messages sent meanwhile arrive once.
    before = bubbles(page)
    page.close()
    push(app, sender, "Hồ sơ của bạn đã được tiếp nhận.")
    monkeypatch.setattr(web_routes, "STREAM_MAX_SECONDS", 0.5)
    page = context.new_page()
    streams: list[str] = []
    page.on("request", lambda r: streams.append(r.url) if "/webhooks/web/events" in r.url else None)
    page.goto(live + "/")
    assert page.evaluate("window.XaSoChat.sender") == sender
    expect(page.locator("#xaso-chat .msg").last).to_have_text("Hồ sơ của bạn đã được tiếp nhận.")
    assert bubbles(page) == [*before, "Hồ sơ của bạn đã được tiếp nhận."]

    # The server ends the stream: the widget reconnects (Last-Event-ID) and gets what was sent meanwhile, once.
    push(app, sender, "Lịch tiếp dân tuần này: sáng thứ Năm.")
    expect(page.locator("#xaso-chat .msg").last).to_have_text("Lịch tiếp dân tuần này: sáng thứ Năm.")
    page.wait_for_timeout(1500)
    push(app, sender, "Nhớ mang theo căn cước.")
    expect(page.locator("#xaso-chat .msg").last).to_have_text("Nhớ mang theo căn cước.")
    page.wait_for_timeout(1500)
    assert len(streams) >= 2
    assert bubbles(page) == [*before, "Hồ sơ của bạn đã được tiếp nhận.", "Lịch tiếp dân tuần này: sáng thứ Năm.",
                             "Nhớ mang theo căn cước."]  # fmt: skip
    context.close()
