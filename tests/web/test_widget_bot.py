"""The widget talking to the real bot (trained model, real Rasa) in headless Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from api.config import Settings
from api.conversations.messages import BUSY_TEXT
from tests.support.gateway_fixtures import BotStack
from tests.web.test_widget import open_chat

pytestmark = [pytest.mark.browser, pytest.mark.rasa]


@pytest.fixture
def settings(settings: Settings, bot_stack: BotStack) -> Settings:
    return settings.model_copy(update={"rasa_url": bot_stack.rasa.url})


def test_widget_greets_with_the_bot_and_answers(live: str, browser: Browser) -> None:
    context = browser.new_context()
    page = context.new_page()
    open_chat(page, live)
    greeting = page.locator("#xaso-chat .msg.bot").first
    expect(greeting).to_be_visible(timeout=30_000)
    assert greeting.inner_text().strip() and greeting.inner_text() != BUSY_TEXT
    page.locator("#xaso-chat input").fill("Ủy ban xã làm việc mấy giờ?")
    page.locator("#xaso-chat form button").click()
    expect(page.locator("#xaso-chat .msg.bot")).not_to_have_count(1, timeout=30_000)
    assert BUSY_TEXT not in page.locator("#xaso-chat .msg.bot").all_inner_texts()
    context.close()
