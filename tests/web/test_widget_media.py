"""The widget files a report with a photo and the browser's location, in headless Chromium against the real bot:
the "Gửi phản ánh" button asks what happened, 📍 sends the position, 📷 uploads a photo that lands on the case (and is
served to staff only)."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, Geolocation, Page, expect

from api.config import Settings
from tests.channels.live import staff_headers, wait_until
from tests.support.gateway_fixtures import BotStack
from tests.web.test_widget import open_chat

pytestmark = [pytest.mark.browser, pytest.mark.rasa]
# A 1×1 red PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)
HERE: Geolocation = {"latitude": 10.762622, "longitude": 106.660172}


@pytest.fixture
def settings(settings: Settings, bot_stack: BotStack) -> Settings:
    return settings.model_copy(update={"rasa_url": bot_stack.rasa.url})


def bot_texts(page: Page) -> list[str]:
    return page.locator("#xaso-chat .msg.bot").all_inner_texts()


def wait_bot(page: Page, words: str, *, after: int) -> None:
    wait_until(lambda: any(words in t for t in bot_texts(page)[after:]), what=f"a bot reply with {words!r}")


def test_report_with_photo_and_location_from_the_widget(
    app: FastAPI, live: str, browser: Browser, tmp_path: Path
) -> None:
    context = browser.new_context(geolocation=HERE, permissions=["geolocation"])
    page = context.new_page()
    open_chat(page, live)
    expect(page.locator("#xaso-chat .quick button", has_text="Gửi phản ánh")).to_be_visible(timeout=30_000)

    seen = len(bot_texts(page))
    page.locator("#xaso-chat .quick button", has_text="Gửi phản ánh").click()
    wait_bot(page, "xảy ra việc gì", after=seen)

    seen = len(bot_texts(page))
    page.locator("#xaso-chat input").fill("đèn đường trước nhà văn hóa không sáng mấy hôm nay")
    page.locator("#xaso-chat form button").click()
    wait_bot(page, "gửi vị trí trên bản đồ", after=seen)  # the widget said it can send one

    seen = len(bot_texts(page))
    page.locator("#xaso-chat button[aria-label='Gửi vị trí của tôi']").click()
    wait_bot(page, "ảnh hiện trường", after=seen)
    expect(page.locator("#xaso-chat .msg.user").last).to_contain_text("10.76262, 106.66017")

    seen = len(bot_texts(page))
    photo = tmp_path / "den-duong.png"
    photo.write_bytes(PNG)
    with page.expect_file_chooser() as chooser:
        page.locator("#xaso-chat button[aria-label='Gửi ảnh']").click()
    chooser.value.set_files(str(photo))
    wait_bot(page, "số điện thoại", after=seen)

    seen = len(bot_texts(page))
    page.locator("#xaso-chat input").fill("không")
    page.locator("#xaso-chat form button").click()
    wait_bot(page, "xác nhận gửi", after=seen)
    assert "- Ảnh: 1 ảnh" in bot_texts(page)[-1]

    seen = len(bot_texts(page))
    page.locator("#xaso-chat .quick button", has_text="Gửi phản ánh").click()
    wait_bot(page, "Mã phản ánh", after=seen)
    match = re.search(r"Mã phản ánh: (\S+?)\.", " ".join(bot_texts(page)[seen:]))
    assert match is not None
    context.close()

    staff = staff_headers(app)
    case = httpx.get(f"{live}/api/v1/cases/{match.group(1)}", headers=staff).json()
    assert case["description"] == "đèn đường trước nhà văn hóa không sáng mấy hôm nay"
    assert case["category"] == "chieu_sang"
    assert (round(case["latitude"], 5), round(case["longitude"], 5)) == (10.76262, 106.66017)
    [url] = case["attachments"]
    stored = Path(app.state.settings.data_dir) / "uploads" / url.removeprefix("/staff/media/")
    assert stored.read_bytes() == PNG
    assert httpx.get(f"{live}{url}").status_code == 303  # staff only: a stranger is sent to the login page


def test_upload_needs_a_started_session_and_an_image(live: str) -> None:
    stranger = httpx.post(
        f"{live}/webhooks/web/uploads", data={"sender": "nobodyhere123456"}, files={"file": ("a.png", PNG)}
    )
    assert stranger.status_code == 403 and stranger.json()["error"]["code"] == "unknown_session"
    sender = "uploader12345678"
    assert httpx.post(f"{live}/webhooks/web", json={"sender": sender, "message": "xin chào"}, timeout=30).is_success
    text = httpx.post(f"{live}/webhooks/web/uploads", data={"sender": sender}, files={"file": ("a.png", b"hello")})
    assert text.status_code == 422 and text.json()["error"]["code"] == "upload_type_not_allowed"
    ok = httpx.post(f"{live}/webhooks/web/uploads", data={"sender": sender}, files={"file": ("a.png", PNG)})
    assert ok.status_code == 201 and re.fullmatch(r"/staff/media/\d+/[0-9a-f]{32}\.png", ok.json()["url"])
