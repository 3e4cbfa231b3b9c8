"""The admin screens in headless Chromium, desktop and a 390 px phone: every page fits the screen, and an admin adds
an officer and a Telegram bot token without the token ever appearing on the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.api.cases.conftest import Member, admin, make_staff  # noqa: F401  (fixtures)
from tests.channels.test_officer_desk import SIZES, _fits, _login
from tests.support.browser import launched_chromium

pytestmark = pytest.mark.browser
PAGES = ("staff", "rules", "calendar", "canned", "channels")
TOKEN = "987654:AAbrowserTestTokenSecret-9876"


@pytest.mark.parametrize("size", list(SIZES))
def test_admin_pages_fit_and_keep_secrets(live: str, admin: Member, size: str) -> None:  # noqa: F811
    with launched_chromium() as browser:
        page = browser.new_context(viewport=SIZES[size]).new_page()
        _login(page, live, admin)
        for name in PAGES:
            page.goto(f"{live}/staff/admin/{name}")
            expect(page.locator("nav.subnav")).to_be_visible()
            _fits(page, size)
        page.goto(f"{live}/staff/admin/staff")
        form = page.get_by_test_id("add-staff")
        form.get_by_label("Họ tên").fill("Trần Văn Bình")
        form.get_by_label("Tên đăng nhập").fill(f"binh.{size}")
        form.get_by_role("button", name="Tạo tài khoản").click()
        expect(page.get_by_test_id("temporary-password")).to_be_visible()
        expect(page.get_by_test_id(f"staff-binh.{size}")).to_contain_text("Chờ đổi mật khẩu tạm")
        _fits(page, size)
        page.goto(f"{live}/staff/admin/channels")
        card = page.get_by_test_id("channel-telegram")
        card.locator("input[name=bot_token]").fill(TOKEN)
        card.get_by_role("button", name="Lưu").click()
        expect(page.get_by_test_id("channel-telegram").get_by_test_id("state-bot_token")).to_have_text("đã lưu · …9876")
        assert TOKEN not in page.content()
        _fits(page, size)
