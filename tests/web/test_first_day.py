"""Issue 29: the first day of a citizen on a 390 px phone and of the officer who takes their report (1366 px), played
end to end in headless Chromium against the real bot (trained model, real Rasa and actions).

The citizen subscribes in their own words, files a report with a location and a photo (both acknowledged, the photo
shown), asks a health question (the instruction that applies comes first), and keeps the consultation offer when the
officer's reply arrives, which reads as a person's. The officer opens the case at the report, takes and answers it
without losing their place, and cannot move the resolved case backwards by accident.

With ``XASO_SCREENSHOTS=1`` the test saves docs/images/widget-phone.png and docs/images/case-page.png (what it sees).
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, Geolocation, Page, expect
from sqlalchemy import select

from api.config import Settings
from api.subscriptions.models import ACTIVE, Subscription
from tests.api.cases.conftest import Member, make_staff, officer  # noqa: F401  (fixtures)
from tests.channels.live import wait_until
from tests.channels.test_officer_desk import SIZES, _login
from tests.support.gateway_fixtures import BotStack
from tests.support.paths import ROOT
from tests.web.test_widget import open_chat

pytestmark = [pytest.mark.browser, pytest.mark.rasa]
IMAGES = ROOT / "docs" / "images"
HERE: Geolocation = {"latitude": 10.762622, "longitude": 106.660172}
# A 2×2 PNG (a photo of the broken lamp, as far as the test is concerned).
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg=="
)


@pytest.fixture
def settings(settings: Settings, bot_stack: BotStack) -> Settings:
    return settings.model_copy(update={"rasa_url": bot_stack.rasa.url, "run_background_jobs": True})


def _shot(page: Page, name: str) -> None:
    if os.environ.get("XASO_SCREENSHOTS") == "1":
        IMAGES.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(IMAGES / name))


def bot_texts(page: Page) -> list[str]:
    return page.locator("#xaso-chat .msg.bot").all_inner_texts()


def say(page: Page, text: str, expected: str, timeout: float = 30.0) -> list[str]:
    """Type a message; returns the bot's new bubbles once one contains ``expected``."""
    seen = len(bot_texts(page))
    page.locator("#xaso-chat input").fill(text)
    page.locator("#xaso-chat form button").click()
    return wait_bot(page, expected, after=seen, timeout=timeout)


def tap(page: Page, title: str, expected: str) -> list[str]:
    seen = len(bot_texts(page))
    page.locator("#xaso-chat .quick button", has_text=title).click()
    return wait_bot(page, expected, after=seen)


def wait_bot(page: Page, words: str, *, after: int, timeout: float = 30.0) -> list[str]:
    try:
        wait_until(lambda: any(words in t for t in bot_texts(page)[after:]), timeout=timeout, what="")
    except AssertionError:
        raise AssertionError(f"no bot reply with {words!r}; replies: {bot_texts(page)[after:]!r}") from None
    return bot_texts(page)[after:]


def test_a_citizen_and_an_officer_first_day(
    app: FastAPI,
    live: str,
    browser: Browser,
    tmp_path: Path,
    officer: Member,  # noqa: F811
    make_staff: Callable[..., Member],  # noqa: F811
) -> None:
    phone = browser.new_context(viewport=SIZES["phone"], geolocation=HERE, permissions=["geolocation"])
    page = phone.new_page()
    sender = open_chat(page, live)
    # On a phone the open chat is the whole screen; the greeting offers subscribing; "xin chào" is not a 2nd intro.
    box = page.locator("#xaso-chat .panel").bounding_box()
    assert box is not None and (box["width"], box["height"]) == (390, 844)
    expect(page.locator("#xaso-chat .quick button", has_text="Đăng ký nhận tin")).to_be_visible(timeout=30_000)
    expect(page.locator("#xaso-chat .tool")).to_have_text(["📷 Ảnh", "📍 Vị trí"])
    again = say(page, "xin chào", "cần em hỗ trợ gì")
    assert not any("Em là trợ lý ảo của" in t for t in again)

    # 1. Subscribing in their own words (the gateway), and in other words (the bot offers the one-tap button).
    say(page, "cho tôi đăng ký nhận thông báo của ấp với", "Anh/chị đã đăng ký nhận thông báo")
    with app.state.sessionmaker() as session:
        row = session.scalars(select(Subscription).where(Subscription.conversation_id.endswith(sender))).one()
        assert row.status == ACTIVE
    say(page, "có thông báo gì của thôn thì gửi vô đây cho em nha", "Đăng ký nhận tin")
    # The procedure menu does not fill the phone: a few buttons and "Xem thêm".
    say(page, "chào em", "cần em hỗ trợ gì")  # the short greeting brings the main buttons back
    tap(page, "Thủ tục hành chính", "thủ tục")
    quick = page.locator("#xaso-chat .quick")
    if quick.locator("button").count() > 7:
        expect(quick.locator("button", has_text="Xem thêm")).to_be_visible()
        assert quick.locator("button:visible").count() <= 7
    quick_box = quick.bounding_box()
    assert quick_box is not None and quick_box["height"] <= 0.45 * 844

    # 3. A report with a location and a photo, each acknowledged; the code does not break and can be looked up.
    say(page, "chào em", "cần em hỗ trợ gì")  # the short greeting brings the main buttons back
    tap(page, "Gửi phản ánh", "xảy ra việc gì")
    say(page, "đèn đường trước nhà văn hóa không sáng mấy hôm nay", "vị trí")
    seen = len(bot_texts(page))
    page.locator("#xaso-chat button[aria-label='Gửi vị trí của tôi']").click()
    wait_bot(page, "em đã nhận vị trí", after=seen)
    photo = tmp_path / "den-duong.png"
    photo.write_bytes(PNG)
    seen = len(bot_texts(page))
    with page.expect_file_chooser() as chooser:
        page.locator("#xaso-chat button[aria-label='Gửi ảnh']").click()
    chooser.value.set_files(str(photo))
    wait_bot(page, "em đã nhận 1 ảnh", after=seen)
    expect(page.locator("#xaso-chat .msg.user img")).to_have_count(1)  # the photo's thumbnail, in the citizen's own
    summary = say(page, "0912345678", "xác nhận gửi")
    assert any("- Vị trí trên bản đồ: đã nhận (10.76262, 106.66017)" in t for t in summary)
    filed = tap(page, "Gửi phản ánh", "Mã phản ánh")
    code = re.search(r"Mã phản ánh: (PA-\d{4}-\d{6})", " ".join(filed))
    assert code is not None
    code_text = code.group(1)
    expect(page.locator("#xaso-chat .msg.bot .code", has_text=code_text).first).to_be_visible()
    expect(page.locator("#xaso-chat .quick button", has_text="Tra cứu hồ sơ này")).to_be_visible()

    # 4. Health: what applies to what they said comes first, the child's age is asked, the source is Vietnamese.
    # (the first message read as happening now wakes the gateway's second emergency reader: a slower first turn)
    health = say(page, "con em bị tiêu chảy 2 ngày rồi", "mấy tháng", timeout=45)
    assert health[0].startswith("Dạ, tiêu chảy đã 2 ngày trở lên"), health
    assert any("Nguồn: Bộ Y tế" in t for t in health)
    expect(page.locator("#xaso-chat .quick button", has_text="Đặt lịch tư vấn")).to_be_visible()

    # The officer's day (1366 px): the case opens at the report, not at the greeting.
    colleague = make_staff("officer", department="tram_y_te")  # another department: listed apart
    desk = browser.new_context(viewport=SIZES["desktop"]).new_page()
    _login(desk, live, officer)
    nav = desk.locator(".topbar nav").bounding_box()
    assert nav is not None and nav["height"] < 40, nav  # one line of menu at 1366 px
    desk.goto(f"{live}/staff/cases/{code_text}")
    expect(desk.get_by_test_id("earlier-messages")).to_be_visible()
    expect(desk.get_by_test_id("report-start")).to_contain_text("Gửi phản ánh")
    expect(desk.get_by_test_id("case-contact")).to_have_text("Không để lại tên · 0912345678")
    expect(desk.get_by_test_id("attachment-link")).to_contain_text("Ảnh 1 (gửi qua khung chat web)")
    other = desk.locator("form[action$='/assign'] optgroup[label='Bộ phận khác'] option")
    expect(other.filter(has_text=colleague.login)).to_have_count(1)

    # 6. Take, then reply: the page comes back at the reply form, not at the top.
    desk.get_by_test_id("take").click()
    expect(desk).to_have_url(re.compile(r"#tra-loi$"))
    expect(desk.locator("#tra-loi textarea")).to_be_in_viewport()
    desk.get_by_test_id("canned").select_option(label="Đã tiếp nhận")
    desk.get_by_role("button", name="Gửi trả lời").click()
    expect(desk.get_by_role("status")).to_have_text("Đã gửi trả lời tới người dân.")
    assert desk.evaluate("window.scrollY") > 0

    # 2. The citizen sees the reply as a person's, and the consultation offer is still there.
    staff_bubble = page.locator("#xaso-chat .msg.staff")
    expect(staff_bubble).to_have_count(1, timeout=20_000)
    expect(staff_bubble).to_contain_text("Cán bộ xã trả lời")
    assert staff_bubble.inner_text().count(code_text) == 1  # the canned text names the case; the signature does not
    expect(page.locator("#xaso-chat .quick button", has_text="Đặt lịch tư vấn")).to_be_visible()
    _shot(page, "widget-phone.png")

    # 7. Status: nothing preselected; a resolved case offers closing first and reopening only as "Mở lại".
    status = desk.get_by_test_id("status-select")
    assert status.input_value() == ""
    assert "Mới tiếp nhận" not in status.locator("option").all_inner_texts()
    status.select_option("resolved")
    desk.locator("form[action$='/status'] textarea").fill("Đã thay bóng đèn.")
    desk.get_by_role("button", name="Cập nhật trạng thái").click()
    expect(desk.get_by_test_id("case-status")).to_have_text("Đã giải quyết")
    expect(desk).to_have_url(re.compile(r"#trang-thai$"))
    options = desk.get_by_test_id("status-select").locator("option").all_inner_texts()
    assert options[0].startswith("—") and "Mới tiếp nhận" not in " ".join(options)
    assert [o for o in options if "Mở lại" in o] == ["↩ Mở lại: Đang xử lý"]
    desk.get_by_role("button", name="Cập nhật trạng thái").click()  # nothing chosen: the browser refuses
    expect(desk.get_by_test_id("case-status")).to_have_text("Đã giải quyết")
    desk.goto(f"{live}/staff/cases/{code_text}")
    _shot(desk, "case-page.png")

    # 9. Statistics say how many cases stand behind a share; bulletin times have a future example and a picker.
    desk.goto(f"{live}/staff/stats")
    expect(desk.get_by_test_id("kpi-sla-count")).to_have_text(re.compile(r"\(\d+/\d+ hồ sơ\)"))
    desk.goto(f"{live}/staff/bulletins")
    schedule = desk.locator("textarea[name=schedule]").first
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4} 06:30", schedule.get_attribute("placeholder") or "")
    desk.locator("[data-schedule-pick]").first.fill("2099-12-05T06:30")
    desk.locator("[data-schedule-add]").first.click()
    expect(schedule).to_have_value("05/12/2099 06:30")
    phone.close()
    desk.context.close()
