"""End to end in headless Chromium against a real gateway process: log in, open a case, reply, resolve;
and citizen-supplied ``<script>`` payloads render as text, never run."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.api.cases.conftest import PASSWORD, Member, case_body
from tests.support.browser import launched_chromium
from tests.support.gateway_fixtures import TEST_SERVICE_TOKEN
from tests.support.paths import ROOT
from tests.support.processes import ServerProcess, free_port, start_server

pytestmark = pytest.mark.browser
XSS = '<script>window.__pwned = 1; alert("xss")</script><img src=x onerror="window.__pwned=2">'


@pytest.fixture
def gateway(app: Any, database_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    """The gateway under uvicorn, on the test database the ``app`` fixture migrated and seeded."""
    port = free_port()
    server = start_server(
        "gateway",
        [
            str(ROOT / ".venv" / "bin" / "uvicorn"),
            "api.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        url=f"http://127.0.0.1:{port}",
        ready_path="/staff/login",
        log_dir=tmp_path,
        env={
            "XASO_DATABASE_URL": database_url,
            "XASO_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
            "XASO_RUN_BACKGROUND_JOBS": "false",
            "XASO_DATA_DIR": str(tmp_path / "data"),
            "XASO_RASA_URL": "http://127.0.0.1:9",
        },
        timeout=60,
    )
    yield server
    server.stop()


@pytest.fixture
def browser() -> Iterator[Browser]:
    with launched_chromium() as instance:
        yield instance


def _file(gateway: ServerProcess, **overrides: Any) -> str:
    response = httpx.post(
        f"{gateway.url}/api/v1/internal/cases",
        json=case_body(**overrides),
        headers={"Authorization": f"Bearer {TEST_SERVICE_TOKEN}"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    code: str = response.json()["code"]
    return code


def _login(page: Page, gateway: ServerProcess, member: Member) -> None:
    page.goto(f"{gateway.url}/staff")
    expect(page).to_have_url(f"{gateway.url}/staff/login?next=/staff")
    page.get_by_label("Tên đăng nhập").fill(member.login)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_test_id("current-staff")).to_contain_text("Cán bộ")


def test_log_in_open_reply_resolve(gateway: ServerProcess, browser: Browser, officer: Member) -> None:
    code = _file(gateway, conversation_id="zalo:xa-demo:e2e")
    page = browser.new_page()
    _login(page, gateway, officer)
    row = page.locator(f"tr[data-code='{code}']")
    expect(row).to_contain_text("Địa chính")
    row.get_by_role("link", name=code).click()
    expect(page.get_by_test_id("case-code")).to_have_text(code)
    expect(page.get_by_test_id("case-department")).to_contain_text("Địa chính")

    page.locator("form[action$='/assign'] select[name=assignee_id]").select_option(str(officer.id))
    page.get_by_role("button", name="Phân công").click()
    expect(page.get_by_role("status")).to_have_text("Đã phân công.")
    expect(page.get_by_test_id("case-status")).to_have_text("Đã phân công")

    page.locator("form[action$='/reply'] textarea").fill("Chào anh, chiều nay tổ công tác sẽ đến kiểm tra.")
    page.get_by_role("button", name="Gửi trả lời").click()
    expect(page.get_by_role("status")).to_have_text("Đã gửi trả lời tới người dân.")
    expect(page.get_by_test_id("conversation")).to_contain_text("chiều nay tổ công tác")

    page.locator("form[action$='/status'] select").select_option("resolved")
    page.locator("form[action$='/status'] textarea").fill("Đã vá ổ gà.")
    page.get_by_role("button", name="Cập nhật trạng thái").click()
    expect(page.get_by_test_id("case-status")).to_have_text("Đã giải quyết")
    timeline = page.get_by_test_id("timeline")
    for text in ("Phân công", "Trả lời người dân", "Đổi trạng thái", "Đã vá ổ gà."):
        expect(timeline).to_contain_text(text)


def test_script_payloads_are_shown_as_text(
    gateway: ServerProcess, browser: Browser, officer: Member, make_staff: Callable[..., Member]
) -> None:
    code = _file(
        gateway,
        title=XSS[:190],
        description=XSS,
        location_text=XSS[:400],
        contact_name=XSS[:190],
        conversation_id="web:xa-demo:xss",
        channel="web",
    )
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    _login(page, gateway, officer)
    expect(page.locator(f"tr[data-code='{code}']")).to_contain_text("<script>")
    page.goto(f"{gateway.url}/staff/cases/{code}")
    expect(page.get_by_test_id("case-description")).to_have_text(XSS)
    page.locator("form[action$='/note'] textarea").fill(XSS)
    page.get_by_role("button", name="Thêm ghi chú").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("window.__pwned = 1")
    # Only the console's own script file (live updates) is on the page: nothing the citizen wrote became a script.
    assert page.evaluate("document.querySelectorAll('script:not([src^=\"/staff/static/\"])').length") == 0
    assert page.evaluate("document.querySelectorAll('main img').length") == 0
    assert page.evaluate("window.__pwned === undefined")
    assert dialogs == []
