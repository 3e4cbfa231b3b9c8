"""An officer's day in headless Chromium (desktop and a 390 px phone), against a gateway with its workers running and
a fake Telegram: a new emergency appears pinned with a notification without a reload; the officer takes it, answers
with a canned reply and resolves it; the citizen receives both messages in their Telegram chat."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, ViewportSize, expect

from api.config import Settings
from tests.api.cases.conftest import PASSWORD, Member, case_body, make_staff, officer  # noqa: F401
from tests.channels.live import wait_until
from tests.console.test_live_console import RECORD_NOTIFICATIONS
from tests.support.browser import launched_chromium
from tests.support.fake_telegram import FakeTelegram
from tests.support.gateway_fixtures import TEST_SERVICE_TOKEN

pytestmark = pytest.mark.browser
SIZES: dict[str, ViewportSize] = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"run_background_jobs": True})


def _login(page: Page, live: str, member: Member) -> None:
    page.goto(f"{live}/staff")
    page.get_by_label("Tên đăng nhập").fill(member.login)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_test_id("current-staff")).to_contain_text("Cán bộ")


def _fits(page: Page, size: str) -> None:
    """Nothing wider than the screen: no sideways scrolling on a phone."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SIZES[size]["width"], f"{page.url} is {width} px wide on a {SIZES[size]['width']} px screen"


@pytest.mark.parametrize("size", list(SIZES))
def test_take_answer_with_a_canned_reply_and_resolve_an_emergency(
    live: str,
    telegram_account: FakeTelegram,
    officer: Member,  # noqa: F811
    size: str,
) -> None:
    chat_id = 7100 + len(size)
    with launched_chromium() as browser:
        context = browser.new_context(viewport=SIZES[size])
        context.add_init_script(RECORD_NOTIFICATIONS)
        page = context.new_page()
        _login(page, live, officer)
        _fits(page, size)
        page.evaluate("window.__sameDocument = true")
        filed = httpx.post(
            f"{live}/api/v1/internal/cases",
            json=case_body(
                category="an_ninh_trat_tu",
                priority="urgent",
                title="Cháy nhà kho gần chợ",
                conversation_id=f"tg:xa-demo:{chat_id}",
                channel="telegram",
                contact_name="Lê Thị Hoa",
            ),
            headers={"Authorization": f"Bearer {TEST_SERVICE_TOKEN}"},
            timeout=10,
        )
        assert filed.status_code == 201, filed.text
        code = filed.json()["code"]
        pinned = page.get_by_test_id("pinned")
        expect(pinned).to_contain_text(code, timeout=15_000)
        assert page.evaluate("window.__sameDocument") is True
        assert any(code in note for note in page.evaluate("window.__notifications"))

        pinned.get_by_role("link", name=re.compile(code)).click()
        page.get_by_test_id("take").click()
        expect(page.get_by_test_id("case-assignee")).to_contain_text(f"Cán bộ {officer.login}")
        _fits(page, size)
        page.get_by_test_id("canned").select_option(label="Đã tiếp nhận")
        reply = page.locator("#reply-text")
        expect(reply).to_have_value(re.compile(f"Lê Thị Hoa.*{code}"))
        page.get_by_role("button", name="Gửi trả lời").click()
        expect(page.get_by_role("status")).to_have_text("Đã gửi trả lời tới người dân.")
        page.locator("form[action$='/status'] select").select_option("resolved")
        page.locator("form[action$='/status'] textarea").fill("Đội PCCC đã dập tắt đám cháy.")
        page.get_by_role("button", name="Cập nhật trạng thái").click()
        expect(page.get_by_test_id("case-status")).to_have_text("Đã giải quyết")
        page.goto(f"{live}/staff")
        expect(page.get_by_test_id("pinned")).to_be_hidden()
        context.close()
    wait_until(lambda: any(code in t and "Lê Thị Hoa" in t for t in telegram_account.texts(chat_id)), timeout=20)
    wait_until(lambda: any("dập tắt" in t for t in telegram_account.texts(chat_id)), timeout=20)


def test_a_missing_case_is_a_vietnamese_page_not_json(live: str, officer: Member) -> None:  # noqa: F811
    with launched_chromium() as browser:
        page = browser.new_page()
        _login(page, live, officer)
        response = page.goto(f"{live}/staff/cases/PA-2026-999999")
        assert response is not None and response.status == 404
        expect(page.get_by_test_id("error-page")).to_contain_text("Không tìm thấy hồ sơ")
