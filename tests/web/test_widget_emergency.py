"""The widget in headless Chromium with Rasa stopped: an emergency gets its one text with 115 at once, and 115 is a
tap-to-call ``tel:`` link that stays on that message (the station's notice comes after it)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.browser


def test_emergency_is_answered_with_a_tap_to_call_link(live: str, browser: Browser) -> None:
    page = browser.new_context().new_page()
    page.goto(live + "/")
    page.locator("#xaso-chat .btn").click()
    page.locator("#xaso-chat input").fill("cuu voi ba em dau nguc kho tho")
    page.locator("#xaso-chat form button").click()
    emergency = page.locator("#xaso-chat .msg.bot", has_text="GỌI NGAY 115")
    expect(emergency).to_have_count(1)
    call = emergency.locator("a.call")
    expect(call).to_have_attribute("href", "tel:115")
    expect(call).to_have_text("📞 Gọi 115")
    expect(page.locator("#xaso-chat .msg.bot").last).to_contain_text("trạm y tế xã")
    assert page.locator("#xaso-chat .quick button").count() == 0  # the call link is not a quick reply
