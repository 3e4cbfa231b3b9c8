"""Commune staff, their departments and their API/session tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import Base, utcnow
from api.staff.coltypes import UTCDateTime


class Role(StrEnum):
    admin = "admin"
    officer = "officer"
    health_worker = "health_worker"
    viewer = "viewer"
    # A province officer: onboards communes and reads the province view (masked). Never a commune surface.
    province_admin = "province_admin"


ROLE_LABELS = {
    Role.admin: "Quản trị",
    Role.officer: "Cán bộ",
    Role.health_worker: "Nhân viên y tế",
    Role.viewer: "Chỉ xem",
    Role.province_admin: "Quản trị cấp tỉnh",
}
WRITER_ROLES = frozenset({Role.admin, Role.officer, Role.health_worker})
# The roles of a commune's own staff: what its admin may grant, and who may use a commune's surfaces at all.
COMMUNE_ROLES = frozenset({Role.admin, Role.officer, Role.health_worker, Role.viewer})


class Department(Base):
    """A unit of the commune government (Văn phòng, Địa chính, Công an, Trạm y tế…)."""

    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("commune_id", "code", name="uq_departments_commune_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="SET NULL"), index=True, default=None
    )
    login: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32), default=Role.officer.value)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Set on seeded, CLI-made and admin-reset passwords: until changed, only the password change is allowed.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    department: Mapped[Department | None] = relationship(lazy="joined")

    @property
    def can_write(self) -> bool:
        return self.role in WRITER_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

    @property
    def is_province(self) -> bool:
        return self.role == Role.province_admin

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(Role(self.role), self.role)


class ApiToken(Base):
    """A bearer token (``kind='api'``) or a console session (``kind='session'``); only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_staff_kind", "staff_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16), default="api")
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    staff: Mapped[Staff] = relationship(lazy="joined")
