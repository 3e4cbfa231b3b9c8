"""Bearer tokens and console sessions: random secrets handed out once, stored only as SHA-256, revocable."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.db import utcnow
from api.errors import NotFound, Unauthorized
from api.staff.models import ApiToken, Staff

TOKEN_PREFIX = "xs_"
SESSION_LIFETIME = timedelta(hours=12)
LOGIN_TOKEN_LIFETIME = timedelta(days=1)
# Personal API tokens: a bounded lifetime by default, and a maximum (a leaked token stops working on its own).
DEFAULT_PERSONAL_TOKEN_DAYS = 90
MAX_PERSONAL_TOKEN_DAYS = 365


def personal_token_lifetime(days: int | None) -> timedelta:
    return timedelta(days=min(days or DEFAULT_PERSONAL_TOKEN_DAYS, MAX_PERSONAL_TOKEN_DAYS))


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(
    session: Session, *, staff: Staff, kind: str = "api", name: str = "", lifetime: timedelta | None = None
) -> tuple[ApiToken, str]:
    """Create a token; the plain secret is returned once and never stored."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(
        staff_id=staff.id,
        kind=kind,
        name=name,
        token_hash=digest(secret),
        prefix=secret[:10],
        expires_at=(utcnow() + lifetime) if lifetime else None,
    )
    session.add(record)
    session.flush()
    return record, secret


def resolve_token(session: Session, *, secret: str, kinds: tuple[str, ...] = ("api",)) -> tuple[ApiToken, Staff]:
    """The active staff member behind a token, or ``Unauthorized``."""
    now = utcnow()
    record = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret)))
    if (
        record is None
        or record.kind not in kinds
        or record.revoked_at is not None
        or (record.expires_at is not None and record.expires_at <= now)
        or not record.staff.is_active
    ):
        raise Unauthorized("Mã truy cập không hợp lệ, đã hết hạn hoặc đã bị thu hồi.", code="invalid_token")
    if record.last_used_at is None or now - record.last_used_at > timedelta(minutes=5):
        # Coarse on purpose: one write per token every few minutes, not one per request.
        record.last_used_at = now
    return record, record.staff


def list_tokens(session: Session, *, staff: Staff) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.staff_id == staff.id, ApiToken.kind == "api")
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_token(session: Session, *, staff: Staff, token_id: int) -> ApiToken:
    record = session.get(ApiToken, token_id)
    if record is None or record.staff_id != staff.id:
        raise NotFound("Không tìm thấy mã truy cập.", code="token_not_found", field="token_id")
    if record.revoked_at is None:
        record.revoked_at = utcnow()
    return record


def revoke_secret(session: Session, *, secret: str) -> None:
    session.execute(
        update(ApiToken)
        .where(ApiToken.token_hash == digest(secret), ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def csrf_token(secret_key: str, session_secret: str) -> str:
    """The console's per-session CSRF token, derived so nothing extra is stored."""
    return hmac.new(secret_key.encode(), b"csrf:" + session_secret.encode(), hashlib.sha256).hexdigest()[:40]
