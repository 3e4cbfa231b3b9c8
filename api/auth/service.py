"""Logging staff in: password check, rate limit, and the token or session handed back."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.auth.passwords import hash_password, needs_rehash, verify_password
from api.auth.ratelimit import LoginRateLimiter
from api.db import utcnow
from api.errors import RateLimited, Unauthorized
from api.staff.models import Staff

BAD_CREDENTIALS = "Tên đăng nhập hoặc mật khẩu không đúng."


def authenticate(session: Session, *, login: str, password: str, client: str, limiter: LoginRateLimiter) -> Staff:
    """Check a login and password; repeated failures for a login or an address are slowed to a stop."""
    login = login.strip().lower()
    keys = (f"login:{login}", f"ip:{client}")
    wait = limiter.retry_after(*keys)
    if wait:
        minutes = max(1, wait // 60)
        raise RateLimited(
            f"Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau khoảng {minutes} phút.",
            code="login_rate_limited",
            field="login",
        )
    staff = session.scalar(select(Staff).where(func.lower(Staff.login) == login))
    if not verify_password(staff.password_hash if staff else None, password) or staff is None:
        limiter.record_failure(*keys)
        raise Unauthorized(BAD_CREDENTIALS, code="invalid_credentials", field="password")
    if not staff.is_active:
        raise Unauthorized("Tài khoản đã bị khóa. Liên hệ quản trị viên.", code="account_disabled", field="login")
    limiter.reset(f"login:{login}")
    if needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(password)
    staff.last_login_at = utcnow()
    return staff
