"""The live desk in headless Chromium, on a desktop and a 390 px phone: an emergency filed while the officer looks at
the list appears pinned at the top with an alert and a browser notification, without a reload; a citizen's message
on a handoff case lights the "waiting" badge, and the officer's reply clears it."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser, ViewportSize, expect

from tests.api.cases.conftest import Member
from tests.console.test_console_browser import _file, _login, browser, gateway  # noqa: F401
from tests.support.processes import ServerProcess

pytestmark = pytest.mark.browser
# Notifications are recorded instead of shown (headless Chromium has no notification centre).
RECORD_NOTIFICATIONS = """
window.__notifications = [];
window.Notification = function (title, options) { window.__notifications.push(title + ' | ' + (options || {}).body); };
window.Notification.permission = 'granted';
window.Notification.requestPermission = function () { return Promise.resolve('granted'); };
"""
SIZES: dict[str, ViewportSize] = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("size", list(SIZES))
def test_an_emergency_appears_pinned_with_an_alert_and_a_notification_without_reloading(
    gateway: ServerProcess,  # noqa: F811
    browser: Browser,  # noqa: F811
    officer: Member,
    size: str,
) -> None:
    context = browser.new_context(viewport=SIZES[size])
    context.add_init_script(RECORD_NOTIFICATIONS)
    page = context.new_page()
    _login(page, gateway, officer)
    expect(page.get_by_test_id("pinned")).to_be_hidden()
    page.evaluate("window.__sameDocument = true")

    code = _file(
        gateway,
        kind="report",
        category="an_ninh_trat_tu",
        priority="urgent",
        title="Tai nạn giao thông, một người bất tỉnh",
        conversation_id=f"web:xa-demo:live-{size}",
        channel="web",
    )
    pinned = page.get_by_test_id("pinned")
    expect(pinned).to_contain_text(code, timeout=15_000)
    expect(page.get_by_test_id("live-alert")).to_contain_text(code)
    expect(page.locator(f"tr[data-code='{code}'] .tag.urgent")).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True  # updated in place, not reloaded
    notes = page.evaluate("window.__notifications")
    assert any(code in note and "bất tỉnh" in note for note in notes), notes

    # Someone takes it: it leaves the pinned list on the next poll.
    page.goto(f"{gateway.url}/staff/cases/{code}")
    page.locator("form[action$='/assign'] select[name=assignee_id]").select_option(str(officer.id))
    page.get_by_role("button", name="Phân công").click()
    page.goto(f"{gateway.url}/staff")
    expect(page.get_by_test_id("pinned")).to_be_hidden()
    context.close()


def test_the_waiting_badge_lights_on_a_citizen_message_and_clears_on_the_reply(
    gateway: ServerProcess,  # noqa: F811
    browser: Browser,  # noqa: F811
    officer: Member,
) -> None:
    sender = "live-badge-citizen-0001"
    code = _file(
        gateway,
        kind="handoff",
        category=None,
        title="Cần gặp cán bộ",
        conversation_id=f"web:xa-demo:{sender}",
        channel="web",
    )
    page = browser.new_page()
    _login(page, gateway, officer)
    badge = page.locator("[data-badge=waiting]")
    expect(badge).to_be_hidden()
    said = httpx.post(
        f"{gateway.url}/webhooks/web",
        json={"sender": sender, "message": "Cho tôi hỏi giấy phép xây dựng nhà ở nộp ở đâu ạ?"},
        timeout=10,
    )
    assert said.status_code == 200, said.text
    expect(badge).to_be_visible(timeout=15_000)
    expect(badge).to_contain_text("1")
    expect(page.locator(f"tr[data-code='{code}'] [data-testid=waiting]")).to_be_visible()

    page.goto(f"{gateway.url}/staff/cases/{code}")
    page.locator("form[action$='/reply'] textarea").fill("Dạ anh nộp tại bộ phận một cửa của xã ạ.")
    page.get_by_role("button", name="Gửi trả lời").click()
    expect(page.get_by_role("status")).to_have_text("Đã gửi trả lời tới người dân.")
    expect(page.locator("[data-badge=waiting]")).to_be_hidden(timeout=15_000)
