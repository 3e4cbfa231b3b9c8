"""Attack 3: five failed logins with made-up names locked every account out of an address — admin included — and
the address came from a client-supplied ``X-Forwarded-For``. Now: (login, address) pairs with exponential backoff,
a per-account soft lock an admin lifts, X-Forwarded-For only from configured proxies, shared through Redis."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.security.conftest import Account, redis_url, start_gateway

SLOW = {"XASO_LOGIN_BACKOFF_BASE_SECONDS": "60"}  # the backoff outlasts the test on a loaded machine


def login(url: str, name: str, password: str, forwarded_for: str | None = None) -> httpx.Response:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return httpx.post(f"{url}/api/v1/auth/login", json={"login": name, "password": password}, headers=headers)


def test_made_up_names_from_one_address_lock_nobody_out(
    app: FastAPI, database_url: str, tmp_path: Path, make_account: Callable[..., Account]
) -> None:
    admin = make_account("admin", department="van_phong")
    gateway = start_gateway(database_url, tmp_path, **SLOW)
    try:
        for _ in range(8):  # an anonymous neighbour behind the same NAT, also claiming the staff's proxy address
            name = f"khong-co-{uuid.uuid4().hex[:8]}"
            assert login(gateway.url, name, "doan-bua-12345").status_code == 401
            assert login(gateway.url, name, "doan-bua-12345", forwarded_for="10.9.9.9").status_code == 401
        assert login(gateway.url, admin.login, admin.password).status_code == 200
        assert login(gateway.url, admin.login, admin.password, forwarded_for="10.9.9.9").status_code == 200
    finally:
        gateway.stop()


def test_guessing_one_account_backs_off_and_a_forged_address_does_not_escape(
    app: FastAPI, database_url: str, tmp_path: Path, make_account: Callable[..., Account]
) -> None:
    victim = make_account("officer")
    gateway = start_gateway(database_url, tmp_path, **SLOW)
    try:
        codes = [login(gateway.url, victim.login, f"doan-sai-{n:04d}-xyz").status_code for n in range(3)]
        assert codes == [401, 401, 401]
        throttled = login(gateway.url, victim.login, "doan-sai-0004-xyz")
        assert throttled.status_code == 429 and throttled.json()["error"]["code"] == "login_rate_limited"
        # No proxy is configured: a made-up X-Forwarded-For does not make the guesser a new address.
        forged = login(gateway.url, victim.login, "doan-sai-0005-xyz", forwarded_for="198.51.100.7")
        assert forged.status_code == 429
    finally:
        gateway.stop()


def test_behind_a_trusted_proxy_each_client_address_counts_apart(
    app: FastAPI, database_url: str, tmp_path: Path, make_account: Callable[..., Account]
) -> None:
    victim = make_account("officer")
    gateway = start_gateway(database_url, tmp_path, XASO_FORWARDED_ALLOW_IPS="127.0.0.1", **SLOW)
    try:
        for n in range(5):
            login(gateway.url, victim.login, f"doan-sai-{n:04d}-xyz", forwarded_for="203.0.113.50")
        assert login(gateway.url, victim.login, victim.password, forwarded_for="203.0.113.50").status_code == 429
        ok = login(gateway.url, victim.login, victim.password, forwarded_for="203.0.113.51")
        assert ok.status_code == 200, ok.text
    finally:
        gateway.stop()


def test_a_distributed_guess_soft_locks_the_account_until_an_admin_lifts_it(
    app: FastAPI, database_url: str, tmp_path: Path, make_account: Callable[..., Account]
) -> None:
    victim, admin = make_account("officer"), make_account("admin", department="van_phong")
    gateway = start_gateway(
        database_url, tmp_path, XASO_FORWARDED_ALLOW_IPS="127.0.0.1", XASO_LOGIN_SOFT_LOCK_FAILURES="6", **SLOW
    )
    try:
        for n in range(6):  # six addresses, one guess each: no pair is throttled, the account is
            assert (
                login(gateway.url, victim.login, f"sai-{n}-mat-khau", forwarded_for=f"203.0.113.{n}").status_code == 401
            )
        locked = login(gateway.url, victim.login, victim.password, forwarded_for="192.0.2.200")
        assert locked.status_code == 429 and locked.json()["error"]["code"] == "account_soft_locked"
        assert login(gateway.url, admin.login, admin.password).status_code == 200  # others are not affected
        state = httpx.get(f"{gateway.url}/api/v1/staff/{victim.id}/login-lock", headers=admin.headers).json()
        assert state["locked"] is True and state["failures"] == 6
        officer_try = httpx.delete(f"{gateway.url}/api/v1/staff/{victim.id}/login-lock", headers=victim.headers)
        assert officer_try.status_code == 403
        lifted = httpx.delete(f"{gateway.url}/api/v1/staff/{victim.id}/login-lock", headers=admin.headers)
        assert lifted.status_code == 200 and lifted.json()["locked"] is False
        assert login(gateway.url, victim.login, victim.password, forwarded_for="192.0.2.200").status_code == 200
    finally:
        gateway.stop()


def test_limits_hold_across_gateway_processes_through_redis(
    app: FastAPI, database_url: str, tmp_path: Path, make_account: Callable[..., Account]
) -> None:
    url = redis_url()
    if url is None:
        pytest.skip("TEST_REDIS_URL is not set (make test sets it when Redis answers on 127.0.0.1:6379)")
    victim = make_account("officer")
    first = start_gateway(database_url, tmp_path / "a", REDIS_URL=url, **SLOW)
    second = start_gateway(database_url, tmp_path / "b", REDIS_URL=url, **SLOW)
    try:
        for n in range(3):
            assert login(first.url, victim.login, f"doan-sai-{n:04d}-xyz").status_code == 401
        moved = login(second.url, victim.login, victim.password)
        assert moved.status_code == 429, "the second process must see the first one's failures"
    finally:
        first.stop()
        second.stop()
