"""Attack 4: the policy was "at least 10 characters": ``aaaaaaaaaa``, ``1234567890``, ``password12`` were accepted.
Now OWASP ASVS: ≥ 12 characters, common/breached list, zxcvbn — with a Vietnamese reason; seeded passwords must be
changed at first login."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.security.conftest import Account
from tests.support.processes import ServerProcess

WEAK = ["aaaaaaaaaa", "1234567890", "password12", "aaaaaaaaaaaa", "123456789012", "matkhau12345", "qwertyuiop12"]


@pytest.mark.slow
def test_weak_passwords_are_refused_with_a_reason(
    gateway: ServerProcess, make_account: Callable[..., Account], subtests: pytest.Subtests
) -> None:
    """One gateway process for the seven passwords (a process start costs seconds); each is its own subtest."""
    admin = make_account("admin", department="van_phong")
    for password in WEAK:
        with subtests.test(password=password):
            body = {"login": "can.bo.moi", "full_name": "Cán bộ Mới", "password": password, "role": "officer"}
            response = httpx.post(f"{gateway.url}/api/v1/staff", json=body, headers=admin.headers)
            assert response.status_code == 422, response.text
            error = response.json()["error"]
            assert error["field"] == "password" and error["code"].startswith("password_")
            assert "Mật khẩu" in error["message"] and "Gợi ý" in error["message"]


@pytest.mark.slow
def test_a_password_from_the_persons_own_name_is_refused(
    gateway: ServerProcess, make_account: Callable[..., Account]
) -> None:
    admin = make_account("admin", department="van_phong")
    body = {"login": "tran.thi.mai", "full_name": "Trần Thị Mai", "password": "TranThiMai2026", "role": "officer"}
    response = httpx.post(f"{gateway.url}/api/v1/staff", json=body, headers=admin.headers)
    assert response.status_code == 422 and "tên" in response.json()["error"]["message"]


@pytest.mark.slow
def test_a_seeded_or_reset_password_must_be_changed_first(
    gateway: ServerProcess, make_account: Callable[..., Account]
) -> None:
    member = make_account("officer", must_change_password=True)
    token = httpx.post(
        f"{gateway.url}/api/v1/auth/login", json={"login": member.login, "password": member.password}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    blocked = httpx.get(f"{gateway.url}/api/v1/cases", headers=headers)
    assert blocked.status_code == 403 and blocked.json()["error"]["code"] == "password_change_required"
    assert httpx.get(f"{gateway.url}/api/v1/auth/me", headers=headers).json()["must_change_password"] is True

    change = {"current_password": member.password, "new_password": "aaaaaaaaaaaa"}
    weak = httpx.post(f"{gateway.url}/api/v1/auth/password", json=change, headers=headers)
    assert weak.status_code == 422 and weak.json()["error"]["field"] == "new_password"
    change["new_password"] = "mua-dong ven-song con-meo 42"
    assert httpx.post(f"{gateway.url}/api/v1/auth/password", json=change, headers=headers).status_code == 200
    assert httpx.get(f"{gateway.url}/api/v1/cases", headers=headers).status_code == 200
    # The old token (issued when the account was created) no longer works: other sessions end on a change.
    assert httpx.get(f"{gateway.url}/api/v1/auth/me", headers=member.headers).status_code == 401


@pytest.mark.slow
def test_the_console_sends_a_seeded_account_to_the_password_page(
    gateway: ServerProcess, make_account: Callable[..., Account]
) -> None:
    member = make_account("officer", must_change_password=True)
    with httpx.Client(base_url=gateway.url, follow_redirects=False) as browser:
        page = browser.get("/staff/login")
        csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        form = {"login": member.login, "password": member.password, "csrf_token": csrf, "next": "/staff"}
        logged_in = browser.post("/staff/login", data=form)
        assert logged_in.status_code == 303 and logged_in.headers["location"] == "/staff/password"
        assert browser.get("/staff").headers["location"] == "/staff/password"
        form_page = browser.get("/staff/password")
        csrf = form_page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        new = "mua-dong ven-song con-meo 42"
        change = {"current_password": member.password, "new_password": new, "confirm_password": new, "csrf_token": csrf}
        assert browser.post("/staff/password", data=change).status_code == 303
        assert browser.get("/staff").status_code == 200
