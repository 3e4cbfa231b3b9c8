"""In headless Chromium against a real gateway process: draft a bulletin, make its audio, play it in the preview
player (the browser decodes our MP3 through range requests), approve with a second account and publish."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.broadcast.conftest import PASSWORD, StaffMember
from tests.support.browser import launched_chromium
from tests.support.paths import ROOT
from tests.support.processes import ServerProcess, free_port, start_server

pytestmark = pytest.mark.browser
# Two cores shared with the rest of the suite (and argon2 on each login): generous waits, never sleeps.
WAIT = 30_000
# Where this test keeps its screenshots (XASO_SCREENSHOTS=1 is the docs walkthrough's flag, not a folder).
SCREENSHOTS = Path(os.environ.get("XASO_SCREENSHOT_DIR", "/tmp/xaso-screenshots"))


@pytest.fixture
def gateway(app: Any, database_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    port = free_port()
    server = start_server(
        "gateway",
        [str(ROOT / ".venv" / "bin" / "uvicorn"), "api.main:create_app", "--factory", "--port", str(port)],
        url=f"http://127.0.0.1:{port}",
        ready_path="/staff/login",
        log_dir=tmp_path,
        env={
            "XASO_DATABASE_URL": database_url,
            "XASO_RUN_BACKGROUND_JOBS": "false",
            "XASO_DATA_DIR": str(tmp_path / "data"),
            "XASO_RASA_URL": "http://127.0.0.1:9",
            # Never the real speech service from a test: an unreachable loopback port, and offline by default.
            "XASO_BROADCAST_EDGE_ENDPOINT": "ws://127.0.0.1:9/edge/v1",
            "XASO_BROADCAST_DEFAULT_ENGINE": "offline",
        },
        timeout=60,
    )
    yield server
    server.stop()


@pytest.fixture
def browser() -> Iterator[Browser]:
    with launched_chromium(["--autoplay-policy=no-user-gesture-required"]) as instance:
        yield instance


def _login(page: Page, gateway: ServerProcess, member: StaffMember) -> None:
    page.goto(f"{gateway.url}/staff/bulletins")
    page.get_by_label("Tên đăng nhập").fill(member.login)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_test_id("current-staff")).to_be_visible(timeout=WAIT)


def test_draft_listen_approve_publish(
    gateway: ServerProcess, browser: Browser, writer: StaffMember, approver: StaffMember
) -> None:
    page = browser.new_page()
    _login(page, gateway, writer)
    page.goto(f"{gateway.url}/staff/bulletins")
    form = page.get_by_test_id("new-bulletin")
    form.get_by_label("Tiêu đề").fill("Thông báo tiêm vắc xin sởi")
    form.get_by_label("Nội dung").fill("UBND xã thông báo: 7h30 ngày 1/12/2026 tiêm vắc xin sởi tại TYT xã.")
    form.locator("select[name=priority]").select_option("uu_tien")
    form.locator("select[name=engine]").select_option("offline")
    form.locator("textarea[name=schedule]").fill("2099-12-01 06:30")
    form.get_by_role("button", name="Lưu bản nháp").click()
    expect(page.get_by_role("status")).to_have_text("Đã lưu bản nháp.", timeout=WAIT)
    # The author is not offered "Duyệt" (a second officer approves).
    expect(page.get_by_test_id("needs-approver")).to_be_visible(timeout=WAIT)
    expect(page.get_by_test_id("approve")).to_have_count(0)

    page.get_by_test_id("synthesize").click()
    expect(page.get_by_role("status")).to_contain_text("Đã tạo âm thanh", timeout=WAIT)
    expect(page.get_by_test_id("audio-engine")).to_contain_text("không cần Internet", timeout=WAIT)
    player = page.get_by_test_id("preview-player")
    # Resolves once the browser has fetched and parsed the MP3 (it asks for byte ranges).
    duration = player.evaluate(
        """a => new Promise((resolve, reject) => {
            a.addEventListener('loadedmetadata', () => resolve(a.duration));
            a.addEventListener('error', () => reject(new Error('media error ' + (a.error && a.error.code))));
            a.load();
        })"""
    )
    assert 3 < duration < 30, duration
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "bulletin-preview.png"), full_page=True)

    page.context.clear_cookies()
    _login(page, gateway, approver)
    page.goto(f"{gateway.url}/staff/bulletins")
    page.get_by_role("link", name="Thông báo tiêm vắc xin sởi").click()
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("bulletin-status")).to_have_text("Đã duyệt", timeout=WAIT)
    page.get_by_test_id("publish").click()
    page.screenshot(path=str(SCREENSHOTS / "bulletin-published.png"), full_page=True)
    expect(page.get_by_test_id("bulletin-status")).to_have_text("Đã phát hành", timeout=WAIT)
    expect(page.get_by_test_id("schedule")).to_contain_text("01/12/2099 06:30", timeout=WAIT)
    page.get_by_test_id("withdraw").click()
    expect(page.get_by_test_id("bulletin-status")).to_have_text("Đã thu hồi", timeout=WAIT)
