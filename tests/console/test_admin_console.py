"""Admin screens over HTTP (real database, the console's session cookie and CSRF): staff, departments, routing rules,
office hours and holidays, canned replies, channel accounts (secrets encrypted, never shown back) and news feeds."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.cases.models import Case
from api.channel_accounts.models import ChannelAccount
from api.communes.models import Commune
from api.db import transaction
from api.staff.models import Staff
from tests.api.cases.conftest import Member
from tests.console.test_console_http import _csrf, login

ADMIN_PAGES = ("/staff/admin/staff", "/staff/admin/rules", "/staff/admin/calendar", "/staff/admin/canned")
BOT_TOKEN = "123456789:AAExampleTelegramBotTokenSecret-wxyz"


def _commune(app: FastAPI) -> dict[str, Any]:
    with transaction(app.state.sessionmaker) as session:
        commune = session.query(Commune).filter_by(slug="xa-demo").one()
        return dict(commune.settings or {})


def test_admin_screens_are_for_admins_only(client: TestClient, officer: Member, admin: Member) -> None:
    csrf = login(client, officer)
    assert "/staff/admin" not in client.get("/staff").text  # no "Quản trị" link for an officer
    for path in (*ADMIN_PAGES, "/staff/admin/channels"):
        refused = client.get(path, headers={"accept": "text/html"})  # as a browser asks
        assert refused.status_code == 403 and "Chỉ quản trị viên" in refused.text, path
        assert refused.headers["content-type"].startswith("text/html")
    forged = client.post("/staff/admin/departments", data={"csrf_token": csrf, "code": "x", "name": "X"})
    assert forged.status_code == 403
    client.cookies.clear()
    login(client, admin)
    assert 'href="/staff/admin"' in client.get("/staff").text
    for path in (*ADMIN_PAGES, "/staff/admin/channels"):
        assert client.get(path).status_code == 200, path


def test_add_staff_with_a_one_time_password_then_lock_and_reset(
    client: TestClient, app: FastAPI, admin: Member
) -> None:
    csrf = login(client, admin)
    without_csrf = client.post("/staff/admin/staff", data={"login": "lan.nt", "full_name": "Nguyễn Thị Lan"})
    assert without_csrf.status_code == 403
    bad_login = client.post("/staff/admin/staff", data={"csrf_token": csrf, "login": "lân", "full_name": "Lân"})
    assert bad_login.status_code == 422 and "không dấu" in bad_login.text
    page = client.post(
        "/staff/admin/staff",
        data={"csrf_token": csrf, "login": "Lan.NT", "full_name": "Nguyễn Thị Lan", "role": "officer"},
    )
    assert page.status_code == 200 and "Đã tạo tài khoản" in page.text
    temporary = re.search(r'data-testid="temporary-password">([^<]+)<', page.text)
    assert temporary, page.text
    with transaction(app.state.sessionmaker) as session:
        lan = session.query(Staff).filter_by(login="lan.nt").one()
        assert lan.must_change_password and temporary.group(1) not in lan.password_hash
        lan_id = lan.id
    taken = client.post("/staff/admin/staff", data={"csrf_token": csrf, "login": "lan.nt", "full_name": "Lan 2"})
    assert taken.status_code == 409 and "đã được dùng" in taken.text
    # The one-time password works once, for the password page only.
    with TestClient(app) as other:
        form = client.get("/staff/login")
        other_login = other.get("/staff/login")
        assert form.status_code == 200
        signed = other.post(
            "/staff/login",
            data={"login": "lan.nt", "password": temporary.group(1), "csrf_token": _csrf(other_login.text)},
            follow_redirects=False,
        )
        assert signed.status_code == 303 and signed.headers["location"] == "/staff/password"
    # Lock: the account's sessions end and the login is refused.
    locked = client.post(f"/staff/admin/staff/{lan_id}", data={"csrf_token": csrf, "action": "deactivate"})
    assert locked.status_code == 200 and "Đã khóa tài khoản" in locked.text
    with transaction(app.state.sessionmaker) as session:
        assert session.get(Staff, lan_id).is_active is False  # type: ignore[union-attr]
    unlocked = client.post(f"/staff/admin/staff/{lan_id}", data={"csrf_token": csrf, "action": "activate"})
    assert "Đã mở lại tài khoản" in unlocked.text
    reset = client.post(f"/staff/admin/staff/{lan_id}", data={"csrf_token": csrf, "action": "reset"})
    second = re.search(r'data-testid="temporary-password">([^<]+)<', reset.text)
    assert second and second.group(1) != temporary.group(1)
    assert client.get("/staff/admin/staff").text.count(second.group(1)) == 0  # shown once only
    # An admin cannot lock or demote themselves (the commune would be left without one).
    myself = client.post(f"/staff/admin/staff/{admin.id}", data={"csrf_token": csrf, "action": "deactivate"})
    assert myself.status_code == 422 and "chính mình" in myself.text
    demoted = client.post(
        f"/staff/admin/staff/{admin.id}", data={"csrf_token": csrf, "action": "save", "role": "viewer"}
    )
    assert demoted.status_code == 422


def test_departments_and_routing_rules_with_working_day_deadlines(
    client: TestClient, app: FastAPI, admin: Member, file_case: Callable[..., dict[str, Any]]
) -> None:
    csrf = login(client, admin)
    bad = client.post("/staff/admin/departments", data={"csrf_token": csrf, "code": "địa chính", "name": "ĐC"})
    assert bad.status_code == 422 and "không dấu" in bad.text
    added = client.post(
        "/staff/admin/departments", data={"csrf_token": csrf, "code": "moi_truong", "name": "Môi trường"}
    )
    assert added.status_code == 200 and "Môi trường" in added.text
    page = client.get("/staff/admin/rules")
    department = re.search(r'<option value="(\d+)">Môi trường</option>', page.text)
    assert department
    no_sla = client.post(
        "/staff/admin/rules", data={"csrf_token": csrf, "kind": "report", "category": "moi_truong", "enabled": "1"}
    )
    assert no_sla.status_code == 422 and "thời hạn" in no_sla.text
    wrong = client.post(
        "/staff/admin/rules",
        data={"csrf_token": csrf, "kind": "report", "category": "moi_truong", "sla_days": "0", "enabled": "1"},
    )
    assert wrong.status_code == 422 and "từ 1 đến 90" in wrong.text
    saved = client.post(
        "/staff/admin/rules",
        data={
            "csrf_token": csrf,
            "kind": "report",
            "category": "moi_truong",
            "department_id": department.group(1),
            "sla_days": "3",
            "enabled": "1",
        },
    )
    assert saved.status_code == 200 and "Đã lưu" in saved.text
    clash = client.post(
        "/staff/admin/rules",
        data={"csrf_token": csrf, "kind": "report", "category": "moi_truong", "sla_hours": "8", "enabled": "1"},
    )
    assert clash.status_code == 409 and "Đã có quy tắc" in clash.text
    code = file_case(category="moi_truong", title="Rác thải đổ bừa bãi")["code"]
    with transaction(app.state.sessionmaker) as session:
        case = session.query(Case).filter_by(code=code).one()
        assert case.department is not None and case.department.code == "moi_truong"
        # Three working days: the due time is the end of an office day (17:00 local).
        assert case.due_at is not None and case.due_at.astimezone().strftime("%M") == "00"
    rule_id = re.search(r'name="rule_id" value="(\d+)"', client.get("/staff/admin/rules").text)
    assert rule_id
    deleted = client.post(
        "/staff/admin/rules", data={"csrf_token": csrf, "rule_id": rule_id.group(1), "action": "delete"}
    )
    assert "Đã xóa quy tắc" in deleted.text


def test_office_hours_and_holidays_are_checked_by_the_calendar(client: TestClient, app: FastAPI, admin: Member) -> None:
    csrf = login(client, admin)
    week = {"t2": "07:30-11:30, 13:30-17:00", "t3": "07:30-11:30", "t4": "", "t5": "", "t6": "", "t7": "", "cn": ""}
    wrong = client.post("/staff/admin/calendar", data={"csrf_token": csrf, **week, "t4": "13:30-11:00"})
    assert wrong.status_code == 422 and "Giờ kết thúc phải sau giờ bắt đầu" in wrong.text
    assert "13:30-11:00" in wrong.text  # the form keeps what was typed
    overlap = client.post("/staff/admin/calendar", data={"csrf_token": csrf, **week, "t5": "07:00-12:00, 11:00-15:00"})
    assert overlap.status_code == 422 and "chồng lên nhau" in overlap.text
    bad_day = client.post("/staff/admin/calendar", data={"csrf_token": csrf, **week, "off": "31/02/2027"})
    assert bad_day.status_code == 422 and "31/02/2027" in bad_day.text
    nothing = client.post("/staff/admin/calendar", data={"csrf_token": csrf, **{k: "" for k in week}})
    assert nothing.status_code == 422
    assert "office_hours" not in _commune(app)  # nothing saved by the refused forms
    saved = client.post(
        "/staff/admin/calendar",
        data={"csrf_token": csrf, **week, "off": "31/12/2026\n2027-01-02", "work": "09/01/2027"},
    )
    assert saved.status_code == 200 and "Đã lưu" in saved.text
    settings = _commune(app)
    assert settings["office_hours"] == {"t2": ["07:30-11:30", "13:30-17:00"], "t3": ["07:30-11:30"]}
    assert settings["holidays"] == {"off": ["2026-12-31", "2027-01-02"], "work": ["2027-01-09"]}
    page = client.get("/staff/admin/calendar").text
    assert "Quốc khánh" in page or "Tết" in page  # the public holidays from the holidays package are listed


def test_canned_replies_with_known_variables_only(
    client: TestClient, app: FastAPI, admin: Member, file_case: Callable[..., dict[str, Any]]
) -> None:
    csrf = login(client, admin)
    page = client.get("/staff/admin/canned").text
    assert "{ma_ho_so}" in page and "{han_xu_ly}" in page and "Đã tiếp nhận" in page
    unknown = client.post(
        "/staff/admin/canned", data={"csrf_token": csrf, "title": ["Hẹn"], "text": ["Mã {ma_hs} đã nhận"]}
    )
    assert unknown.status_code == 422 and "{ma_hs}" in unknown.text and "Mã {ma_hs} đã nhận" in unknown.text
    broken = client.post("/staff/admin/canned", data={"csrf_token": csrf, "title": ["Hẹn"], "text": ["Mã {ma_ho_so"]})
    assert broken.status_code == 422 and "ngoặc nhọn" in broken.text
    saved = client.post(
        "/staff/admin/canned",
        data={
            "csrf_token": csrf,
            "title": ["Hẹn lịch", ""],
            "text": ["Dạ {ten_xa} hẹn {nguoi_dan} xử lý hồ sơ {ma_ho_so} {han_xu_ly} ạ.", ""],
        },
    )
    assert saved.status_code == 200
    assert _commune(app)["canned_replies"] == [
        {"title": "Hẹn lịch", "text": "Dạ {ten_xa} hẹn {nguoi_dan} xử lý hồ sơ {ma_ho_so} {han_xu_ly} ạ."}
    ]
    code = file_case()["code"]
    case_page = client.get(f"/staff/cases/{code}").text
    assert "Hẹn lịch" in case_page and f"hồ sơ {code}" in case_page and "Đã tiếp nhận" not in case_page
    client.post("/staff/admin/canned", data={"csrf_token": csrf, "action": "defaults"})
    assert "canned_replies" not in _commune(app)


def test_channel_secrets_are_encrypted_and_never_shown_back(client: TestClient, app: FastAPI, admin: Member) -> None:
    csrf = login(client, admin)
    form = {"csrf_token": csrf, "bot_username": "UBNDXaDemoBot", "bot_token": BOT_TOKEN, "enabled": "1"}
    spaced = client.post("/staff/admin/channels/telegram", data={**form, "bot_token": "abc def"})
    assert spaced.status_code == 422 and "khoảng trắng" in spaced.text
    saved = client.post("/staff/admin/channels/telegram", data=form)
    assert saved.status_code == 200 and "mã hóa" in saved.text
    assert BOT_TOKEN not in saved.text and BOT_TOKEN[:-4] not in saved.text
    assert "đã lưu · …wxyz" in saved.text and "UBNDXaDemoBot" in saved.text
    # Saving again with the secret left empty keeps it; the stored row holds ciphertext only.
    client.post("/staff/admin/channels/telegram", data={**form, "bot_token": "", "webhook_secret": "hook-secret-42"})
    with transaction(app.state.sessionmaker) as session:
        account = session.query(ChannelAccount).filter_by(channel="telegram").one()
        assert account.secrets == {"bot_token": BOT_TOKEN, "webhook_secret": "hook-secret-42"}
        raw = session.execute(text("SELECT secrets FROM channel_accounts WHERE id = :i"), {"i": account.id}).scalar()
    assert BOT_TOKEN not in str(raw) and "hook-secret-42" not in str(raw) and "fernet" in str(raw)
    zalo = client.post(
        "/staff/admin/channels/zalo",
        data={"csrf_token": csrf, "oa_id": "1234", "app_id": "5678", "refresh_token": "refresh-token-abcdefgh"},
    )
    assert zalo.status_code == 200 and "refresh-token-abcdefgh" not in zalo.text and "…efgh" in zalo.text
    with transaction(app.state.sessionmaker) as session:
        account = session.query(ChannelAccount).filter_by(channel="zalo").one()
        assert account.refresh_token == "refresh-token-abcdefgh" and not account.enabled  # box left unticked
        raw = session.execute(text("SELECT refresh_token FROM channel_accounts WHERE id = :i"), {"i": account.id})
        assert str(raw.scalar()).startswith("fernet:")


def test_feeds_go_through_the_outbound_guard(client: TestClient, app: FastAPI, admin: Member) -> None:
    csrf = login(client, admin)
    for url in ("http://127.0.0.1:8000/rss", "http://169.254.169.254/latest", "http://localhost/rss"):
        refused = client.post("/staff/admin/feeds", data={"csrf_token": csrf, "url": url})
        assert refused.status_code == 422 and "nội bộ" in refused.text, url
    scheme = client.post("/staff/admin/feeds", data={"csrf_token": csrf, "url": "file:///etc/passwd"})
    assert scheme.status_code == 422 and "http://" in scheme.text
    url = "http://tin-tuc.invalid/rss"
    added = client.post("/staff/admin/feeds", data={"csrf_token": csrf, "url": url, "title": "Cổng tỉnh"})
    assert added.status_code == 200 and "Cổng tỉnh" in added.text
    again = client.post("/staff/admin/feeds", data={"csrf_token": csrf, "url": url})
    assert again.status_code == 409
    feed_id = re.search(r'data-testid="feed-(\d+)"', added.text)
    assert feed_id
    fetched = client.post(f"/staff/admin/feeds/{feed_id.group(1)}/fetch", data={"csrf_token": csrf})
    assert fetched.status_code == 200 and "Đã lấy 0 tin mới" in fetched.text
    assert "Không phân giải được tên miền" in fetched.text  # the guard's refusal, as the feed's error
    toggled = client.post(f"/staff/admin/feeds/{feed_id.group(1)}", data={"csrf_token": csrf, "action": "toggle"})
    assert "Đang tắt" in toggled.text
    deleted = client.post(f"/staff/admin/feeds/{feed_id.group(1)}", data={"csrf_token": csrf, "action": "delete"})
    assert "Chưa có nguồn tin nào" in deleted.text
