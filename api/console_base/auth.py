"""Console sessions: a random cookie (stored hashed as a ``session`` token), and a CSRF token on every form.

Other parts' console pages reuse ``ConsoleStaff`` (who is logged in) and ``check_csrf`` (for their POST forms).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request, Response
from sqlalchemy.orm import Session

from api.auth import tokens
from api.config import Settings
from api.deps import SessionDep, SettingsDep
from api.errors import PermissionDenied, Unauthorized
from api.staff.models import Staff

SESSION_COOKIE = "xaso_staff_session"
LOGIN_CSRF_COOKIE = "xaso_login_csrf"
COOKIE_PATH = "/staff"
PASSWORD_PATH = "/staff/password"
PASSWORD_EXEMPT_PATHS = frozenset({PASSWORD_PATH, "/staff/logout"})
PROVINCE_PATH = "/staff/province"  # the province role's only pages (api/province/console.py)


@dataclass(frozen=True)
class ConsoleSession:
    staff: Staff
    csrf_token: str
    secret: str


def _secure(settings: Settings) -> bool:
    return settings.public_base_url.startswith("https://")


def login_redirect(request: Request) -> HTTPException:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return HTTPException(status_code=303, headers={"Location": f"/staff/login?next={quote(target)}"})


def current_session(session: Session, settings: Settings, request: Request) -> ConsoleSession | None:
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        return None
    try:
        _record, staff = tokens.resolve_token(session, secret=secret, kinds=("session",))
    except Unauthorized:
        return None
    return ConsoleSession(staff, tokens.csrf_token(settings.secret_key.get_secret_value(), secret), secret)


def console_session(request: Request, session: SessionDep, settings: SettingsDep) -> ConsoleSession:
    found = current_session(session, settings, request)
    if found is None:
        raise login_redirect(request)
    if found.staff.must_change_password and request.url.path not in PASSWORD_EXEMPT_PATHS:
        # A seeded or reset password is a one-time password: nothing else until it is changed.
        raise HTTPException(status_code=303, headers={"Location": PASSWORD_PATH})
    if found.staff.is_province and request.url.path in ("/staff", "/staff/"):
        raise HTTPException(status_code=303, headers={"Location": PROVINCE_PATH})
    if found.staff.is_province and not _province_page(request.url.path):
        raise PermissionDenied(
            "Tài khoản cấp tỉnh chỉ dùng màn hình tỉnh (/staff/province).", code="province_role_not_allowed"
        )
    return found


def _province_page(path: str) -> bool:
    return path in PASSWORD_EXEMPT_PATHS or path == PROVINCE_PATH or path.startswith(PROVINCE_PATH + "/")


ConsoleStaff = Annotated[ConsoleSession, Depends(console_session)]


def check_csrf(console: ConsoleSession, candidate: str | None) -> None:
    if candidate is None or not hmac.compare_digest(console.csrf_token, candidate):
        raise PermissionDenied("Phiên làm việc không hợp lệ, hãy tải lại trang.", code="csrf_failed")


def start_session(session: Session, settings: Settings, response: Response, staff: Staff) -> None:
    _record, secret = tokens.issue_token(
        session, staff=staff, kind="session", name="console", lifetime=tokens.SESSION_LIFETIME
    )
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(tokens.SESSION_LIFETIME.total_seconds()),
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=_secure(settings),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=COOKIE_PATH)


def end_session(session: Session, response: Response, console: ConsoleSession) -> None:
    tokens.revoke_secret(session, secret=console.secret)
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH)


def login_csrf(request: Request) -> str:
    return request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)


def set_login_csrf(response: Response, settings: Settings, value: str) -> None:
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        value,
        max_age=3600,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=_secure(settings),
    )


def login_csrf_ok(request: Request, candidate: str | None) -> bool:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE)
    return bool(expected and candidate and hmac.compare_digest(expected, candidate))
