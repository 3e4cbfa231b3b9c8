"""The five daily tasks of docs/console.md, done in headless Chromium the way the walkthrough tells a new officer:
find new cases, answer (a canned reply), hand over (assign + an @mention), resolve, publish an announcement.

With ``XASO_SCREENSHOTS=1`` the test saves the walkthrough's pictures into docs/images/console/ (1366×768, and one
390 px phone view); without it, it only checks the steps.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Page, expect

from api.config import Settings
from tests.api.cases.conftest import Member, case_body, make_staff, officer  # noqa: F401  (fixtures)
from tests.channels.live import wait_until
from tests.channels.test_officer_desk import SIZES, _login
from tests.support.browser import launched_chromium
from tests.support.fake_telegram import FakeTelegram
from tests.support.gateway_fixtures import TEST_SERVICE_TOKEN
from tests.support.paths import ROOT

pytestmark = pytest.mark.browser
IMAGES = ROOT / "docs" / "images" / "console"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"run_background_jobs": True})  # the reply really goes out to Telegram


def _shot(page: Page, name: str) -> None:
    if os.environ.get("XASO_SCREENSHOTS") == "1":
        IMAGES.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(IMAGES / name))


def _logout(page: Page) -> None:
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_label("Tên đăng nhập")).to_be_visible()


def test_five_daily_tasks(
    live: str,
    telegram_account: FakeTelegram,
    officer: Member,  # noqa: F811
    make_staff: Callable[..., Member],  # noqa: F811
) -> None:
    colleague = make_staff("officer", department="dia_chinh")
    with launched_chromium() as browser:
        page = browser.new_context(viewport=SIZES["desktop"]).new_page()
        _login(page, live, officer)
        # 1. Find new cases: they appear in the list without reloading.
        filed = httpx.post(
            f"{live}/api/v1/internal/cases",
            json=case_body(conversation_id="tg:xa-demo:8801", channel="telegram", contact_name="Phạm Văn Tư"),
            headers={"Authorization": f"Bearer {TEST_SERVICE_TOKEN}"},
            timeout=10,
        )
        assert filed.status_code == 201, filed.text
        code = filed.json()["code"]
        row = page.locator(f"tr[data-code='{code}']")
        expect(row).to_be_visible(timeout=15_000)
        _shot(page, "1-tim-ho-so-moi.png")
        # 2. Answer: take the case, pick a canned reply, send.
        row.get_by_role("link", name=re.compile(code)).first.click()
        page.get_by_test_id("take").click()
        page.get_by_test_id("canned").select_option(label="Đã tiếp nhận")
        expect(page.locator("#reply-text")).to_have_value(re.compile(code))
        page.get_by_role("button", name="Gửi trả lời").click()
        expect(page.get_by_role("status")).to_have_text("Đã gửi trả lời tới người dân.")
        _shot(page, "2-tra-loi.png")
        # 3. Hand over: a note naming the colleague, then assign the case to them.
        page.locator("form[action$='/note'] textarea").fill(f"@{colleague.login} nhờ anh kiểm tra hiện trường giúp.")
        page.get_by_role("button", name="Thêm ghi chú").click()
        expect(page.get_by_role("status")).to_have_text("Đã thêm ghi chú nội bộ.")  # the new page, not the old one
        assign = page.locator("form[action$='/assign']")
        assign.locator("select[name=assignee_id]").select_option(label=f"Cán bộ {colleague.login} (Cán bộ)")
        assign.get_by_role("button", name="Phân công").click()
        expect(page.get_by_test_id("case-assignee")).to_contain_text(colleague.login)
        _shot(page, "3-ban-giao.png")
        _logout(page)
        # 4. Resolve: the colleague sees the mention, opens the case and closes it with a result.
        _login(page, live, colleague)
        expect(page.locator("[data-badge='mentions']")).to_be_visible(timeout=15_000)
        page.goto(f"{live}/staff/mentions")
        page.get_by_test_id(f"mention-{code}").get_by_role("button").click()
        page.locator("form[action$='/status'] select").select_option("resolved")
        page.locator("form[action$='/status'] textarea").fill("Đã vá ổ gà trước cổng trường.")
        page.get_by_role("button", name="Cập nhật trạng thái").click()
        expect(page.get_by_test_id("case-status")).to_have_text("Đã giải quyết")
        _shot(page, "4-giai-quyet.png")
        # 5. Publish an announcement: the officer drafts and listens, the colleague approves and publishes.
        _logout(page)
        _login(page, live, officer)
        page.goto(f"{live}/staff/bulletins")
        form = page.get_by_test_id("new-bulletin")
        form.get_by_label("Tiêu đề").fill("Lịch tiêm vắc xin sởi")
        form.get_by_label("Nội dung").fill("Trạm y tế xã tiêm vắc xin sởi cho trẻ từ 9 tháng tuổi vào sáng thứ Bảy.")
        form.locator("select[name=engine]").select_option("offline")
        form.locator("textarea[name=schedule]").fill("2099-12-05 06:30")
        form.get_by_role("button", name="Lưu bản nháp").click()
        page.get_by_test_id("synthesize").click()
        expect(page.get_by_test_id("preview-player")).to_be_visible(timeout=60_000)
        bulletin_url = page.url.split("?", 1)[0]
        _logout(page)
        _login(page, live, colleague)
        page.goto(bulletin_url)
        page.get_by_test_id("approve").click()
        page.get_by_test_id("publish").click()
        expect(page.get_by_test_id("bulletin-status")).to_have_text("Đã phát hành")
        _shot(page, "5-phat-thanh.png")
        # On a phone: the same list, as cards.
        phone = browser.new_context(viewport=SIZES["phone"]).new_page()
        _login(phone, live, officer)
        expect(phone.locator(f"tr[data-code='{code}']")).to_be_visible()
        _shot(phone, "6-dien-thoai-390.png")
    wait_until(lambda: any(code in t for t in telegram_account.texts(8801)), timeout=20)
