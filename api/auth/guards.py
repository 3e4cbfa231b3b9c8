"""Who is calling: staff bearer tokens, the action server's service token, and role checks."""

from __future__ import annotations

import hmac

from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy.orm import Session

from api.auth.ratelimit import LoginRateLimiter
from api.auth.tokens import resolve_token
from api.config import Settings
from api.errors import PermissionDenied, Unauthorized
from api.staff.models import Staff

NOT_LOGGED_IN = "Chưa đăng nhập: cần mã truy cập (Authorization: Bearer …)."


def staff_for_bearer(session: Session, credentials: HTTPAuthorizationCredentials | None) -> Staff:
    if credentials is None or not credentials.credentials:
        raise Unauthorized(NOT_LOGGED_IN, code="not_authenticated")
    _record, staff = resolve_token(session, secret=credentials.credentials, kinds=("api",))
    return staff


def check_service_token(settings: Settings, credentials: HTTPAuthorizationCredentials | None) -> str:
    """The action server proves itself with the shared ``XASO_SERVICE_TOKEN``."""
    expected = settings.service_token.get_secret_value()
    if credentials is None or not hmac.compare_digest(credentials.credentials.encode(), expected.encode()):
        raise Unauthorized("Mã dịch vụ không hợp lệ.", code="invalid_service_token")
    return "actions"


def ensure_writer(staff: Staff) -> Staff:
    if not staff.can_write:
        raise PermissionDenied("Tài khoản chỉ xem không được thay đổi dữ liệu.", code="read_only_role")
    return staff


def ensure_admin(staff: Staff) -> Staff:
    if not staff.is_admin:
        raise PermissionDenied("Chỉ quản trị viên được thực hiện thao tác này.", code="admin_only")
    return staff


def login_limiter(request: Request) -> LoginRateLimiter:
    limiter = getattr(request.app.state, "login_limiter", None)
    if limiter is None:
        limiter = LoginRateLimiter()
        request.app.state.login_limiter = limiter
    return limiter


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
