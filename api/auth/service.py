"""Logging staff in: password check, rate limit, and the token or session handed back."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.auth.ratelimit import LoginThrottle
from api.db import utcnow
from api.errors import RateLimited, Unauthorized
from api.staff.models import Staff
from api.staff.passwords import hash_password, needs_rehash, verify_password

BAD_CREDENTIALS = "Tên đăng nhập hoặc mật khẩu không đúng."


def authenticate(session: Session, *, login: str, password: str, client: str, limiter: LoginThrottle) -> Staff:
    """Check a login and password; failures slow down that (login, address) pair, the address and, for addresses the
    account does not sign in from, the account (api/auth/ratelimit.py): delays that grow, never a hard lock."""
    login = login.strip().lower()
    verdict = limiter.check(login, client)
    if verdict.locked:
        raise RateLimited(
            "Tài khoản này vừa bị đăng nhập sai nhiều lần nên tạm đăng nhập chậm lại. Vui lòng chờ "
            f"{_wait_text(verdict.retry_after)} rồi thử lại (đăng nhập từ nơi quen thuộc không phải chờ).",
            code="account_login_delayed",
            field="login",
        )
    if verdict.retry_after:
        raise RateLimited(
            f"Đăng nhập sai nhiều lần. Vui lòng chờ {_wait_text(verdict.retry_after)} rồi thử lại.",
            code="login_rate_limited",
            field="login",
        )
    staff = session.scalar(select(Staff).where(func.lower(Staff.login) == login))
    if not verify_password(staff.password_hash if staff else None, password) or staff is None:
        limiter.record_failure(login, client)
        raise Unauthorized(BAD_CREDENTIALS, code="invalid_credentials", field="password")
    if not staff.is_active:
        raise Unauthorized("Tài khoản đã bị khóa. Liên hệ quản trị viên.", code="account_disabled", field="login")
    limiter.record_success(login, client)
    if needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(password)
    staff.last_login_at = utcnow()
    return staff


def _wait_text(seconds: int) -> str:
    return f"{seconds} giây" if seconds < 120 else f"khoảng {seconds // 60} phút"
