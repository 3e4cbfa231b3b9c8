"""Telegram photos on the console: ``tg-file:<id>`` is shown through a staff-only proxy that asks the commune's bot
(getFile, then the file) on the fake Telegram server; the bot token never reaches the page."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from api.console.attachments import attachment_url
from tests.api.cases.conftest import Member, make_staff, officer  # noqa: F401  (fixtures)
from tests.console.test_console_http import login
from tests.support.fake_telegram import FakeTelegram

PHOTO_ID = "AgACAgUAAxkBAAIBphoto-1"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + bytes(range(256)) * 4 + b"\xff\xd9"


def test_attachment_links_on_the_console() -> None:
    assert attachment_url(f"tg-file:{PHOTO_ID}") == f"/staff/attachments/telegram/{PHOTO_ID}"
    assert attachment_url("https://example.org/a.jpg") == "https://example.org/a.jpg"
    for unsafe in ("tg-file:../../etc", "javascript:alert(1)", "//evil.example/x.jpg", "", None):
        assert attachment_url(unsafe) is None


def test_staff_see_a_telegram_photo_through_the_proxy(
    client: TestClient,
    telegram_account: FakeTelegram,
    officer: Member,  # noqa: F811
) -> None:
    telegram_account.files[PHOTO_ID] = JPEG
    url = f"/staff/attachments/telegram/{PHOTO_ID}"
    anonymous = client.get(url, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/staff/login")
    login(client, officer)
    photo = client.get(url)
    assert photo.status_code == 200 and photo.content == JPEG
    assert photo.headers["content-type"] == "image/jpeg" and photo.headers["cache-control"].startswith("private")
    assert [c["method"] for c in telegram_account.calls][-1] == "getFile"
    assert telegram_account.token not in photo.text
    missing = client.get("/staff/attachments/telegram/AgACAgUAAxkBAAIBunknown", headers={"accept": "text/html"})
    assert missing.status_code == 404 and "Không lấy được tệp từ Telegram" in missing.text
    assert client.get("/staff/attachments/telegram/bad..id").status_code == 404


def test_read_only_accounts_get_no_photos(
    client: TestClient,
    telegram_account: FakeTelegram,
    make_staff: Callable[..., Member],  # noqa: F811
) -> None:
    telegram_account.files[PHOTO_ID] = JPEG
    viewer = make_staff("viewer")
    login(client, viewer)
    assert client.get(f"/staff/attachments/telegram/{PHOTO_ID}").status_code == 403
    assert not [c for c in telegram_account.calls if c["method"] == "getFile"]
