"""Login, tokens (hashed, revocable), the login rate limit, and staff management by admins."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.staff.models import ApiToken, Staff
from tests.api.cases.conftest import PASSWORD, Member


def test_login_me_logout(client: TestClient, officer: Member) -> None:
    response = client.post("/api/v1/auth/login", json={"login": officer.login.upper(), "password": PASSWORD})
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/auth/me", headers=headers).json()["login"] == officer.login
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    after = client.get("/api/v1/auth/me", headers=headers)
    assert after.status_code == 401 and after.json()["error"]["code"] == "invalid_token"


def test_passwords_and_tokens_are_stored_hashed(app: FastAPI, client: TestClient, officer: Member) -> None:
    token = client.post("/api/v1/auth/login", json={"login": officer.login, "password": PASSWORD}).json()
    with app.state.sessionmaker() as session:
        staff = session.get(Staff, officer.id)
        assert staff is not None and staff.password_hash.startswith("$argon2id$")
        assert PASSWORD not in staff.password_hash
        hashes = session.scalars(select(ApiToken.token_hash)).all()
    assert token["access_token"] not in hashes and officer.token not in hashes


def test_wrong_password_is_401_then_backed_off(client: TestClient, officer: Member, admin: Member) -> None:
    for _ in range(3):  # the free failures (XASO_LOGIN_FREE_FAILURES), then the wait doubles with each one
        response = client.post("/api/v1/auth/login", json={"login": officer.login, "password": "sai-mat-khau-123"})
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_credentials"
    blocked = client.post("/api/v1/auth/login", json={"login": officer.login, "password": PASSWORD})
    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "login_rate_limited"
    assert "thử lại" in blocked.json()["error"]["message"]
    # Keyed on (login, address): another account from the same address is not locked out.
    other = client.post("/api/v1/auth/login", json={"login": admin.login, "password": PASSWORD})
    assert other.status_code == 200, other.text


def test_unknown_login_looks_like_a_wrong_password(client: TestClient) -> None:
    response = client.post("/api/v1/auth/login", json={"login": "khong.co.ai", "password": "gi-cung-duoc-1"})
    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_credentials"


def test_api_tokens_are_revocable(client: TestClient, officer: Member) -> None:
    created = client.post("/api/v1/auth/tokens", json={"name": "Tích hợp"}, headers=officer.headers)
    assert created.status_code == 201
    secret, token_id = created.json()["access_token"], created.json()["token"]["id"]
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/cases", headers=headers).status_code == 200
    listed = client.get("/api/v1/auth/tokens", headers=officer.headers).json()
    assert any(t["id"] == token_id and secret.startswith(t["prefix"]) for t in listed)
    assert "access_token" not in str(listed)
    assert client.delete(f"/api/v1/auth/tokens/{token_id}", headers=officer.headers).status_code == 200
    assert client.get("/api/v1/cases", headers=headers).status_code == 401


def test_admin_manages_staff(client: TestClient, admin: Member, make_staff: Callable[..., Member]) -> None:
    body = {"login": "moi.canbo", "full_name": "Cán bộ Mới", "password": "mat-khau-rat-dai", "role": "officer"}
    created = client.post("/api/v1/staff", json=body, headers=admin.headers)
    assert created.status_code == 201, created.text
    assert client.post("/api/v1/staff", json=body, headers=admin.headers).json()["error"]["field"] == "login"
    short = client.post("/api/v1/staff", json={**body, "login": "khac", "password": "ngan"}, headers=admin.headers)
    assert short.status_code == 422 and short.json()["error"]["field"] == "password"
    login = client.post("/api/v1/auth/login", json={"login": "moi.canbo", "password": "mat-khau-rat-dai"})
    token = {"Authorization": f"Bearer {login.json()['access_token']}"}
    disabled = client.patch(f"/api/v1/staff/{created.json()['id']}", json={"is_active": False}, headers=admin.headers)
    assert disabled.json()["is_active"] is False
    assert client.get("/api/v1/auth/me", headers=token).status_code == 401  # its tokens stop working at once
    again = client.post("/api/v1/auth/login", json={"login": "moi.canbo", "password": "mat-khau-rat-dai"})
    assert again.status_code == 401 and again.json()["error"]["code"] == "account_disabled"
    self_lock = client.patch(f"/api/v1/staff/{admin.id}", json={"role": "viewer"}, headers=admin.headers)
    assert self_lock.status_code == 422 and self_lock.json()["error"]["code"] == "self_demotion"
