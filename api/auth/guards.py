"""Who is calling: staff bearer tokens, the action server's service token, and role checks."""

from __future__ import annotations

import hmac

from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy.orm import Session

from api.auth.ratelimit import LoginThrottle, MemoryStore, RedisStore, ThrottlePolicy
from api.auth.tokens import resolve_token
from api.config import Settings
from api.errors import PermissionDenied, Unauthorized
from api.infra.redis import client_for
from api.staff.models import COMMUNE_ROLES, Staff

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


PASSWORD_CHANGE_REQUIRED = (
    "Bạn cần đổi mật khẩu được cấp trước khi dùng hệ thống (POST /api/v1/auth/password hoặc trang /staff/password)."
)


def ensure_password_changed(staff: Staff) -> Staff:
    if staff.must_change_password:
        raise PermissionDenied(PASSWORD_CHANGE_REQUIRED, code="password_change_required")
    return staff


def ensure_commune_staff(staff: Staff) -> Staff:
    """A commune's surfaces (cases, conversations, bulletins, subscribers…) are for that commune's own staff: the
    province role reads the province view (/api/v1/province, /staff/province) and nothing else."""
    if staff.role not in COMMUNE_ROLES:
        raise PermissionDenied(
            "Tài khoản cấp tỉnh chỉ dùng màn hình tỉnh (/staff/province).", code="province_role_not_allowed"
        )
    return staff


def ensure_province(staff: Staff) -> Staff:
    if not staff.is_province:
        raise PermissionDenied("Chỉ quản trị cấp tỉnh được thực hiện thao tác này.", code="province_only")
    return staff


def ensure_writer(staff: Staff) -> Staff:
    if not staff.can_write:
        raise PermissionDenied("Tài khoản chỉ xem không được thay đổi dữ liệu.", code="read_only_role")
    return staff


def ensure_admin(staff: Staff) -> Staff:
    if not staff.is_admin:
        raise PermissionDenied("Chỉ quản trị viên được thực hiện thao tác này.", code="admin_only")
    return staff


def make_login_throttle(settings: Settings) -> LoginThrottle:
    """Shared through Redis when ``REDIS_URL`` is set, else this process's memory (api/auth/ratelimit.py)."""
    client = client_for(settings.redis_url)
    policy = ThrottlePolicy(
        free_failures=settings.login_free_failures,
        base_seconds=settings.login_backoff_base_seconds,
        max_seconds=settings.login_backoff_max_seconds,
        window_seconds=settings.login_window_seconds,
        address_free_failures=settings.login_address_free_failures,
        account_free_failures=settings.login_account_free_failures,
        account_max_seconds=settings.login_account_max_seconds,
    )
    return LoginThrottle(RedisStore(client) if client is not None else MemoryStore(), policy)


def login_limiter(request: Request) -> LoginThrottle:
    limiter: LoginThrottle | None = getattr(request.app.state, "login_limiter", None)
    if limiter is None:
        limiter = make_login_throttle(request.app.state.settings)
        request.app.state.login_limiter = limiter
    return limiter


def client_address(request: Request) -> str:
    """The peer address; uvicorn rewrites it from X-Forwarded-For only for XASO_FORWARDED_ALLOW_IPS proxies."""
    return request.client.host if request.client else "unknown"
