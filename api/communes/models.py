from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UTCDateTime, utcnow


class Commune(Base):
    """A tenant: one commune (xã/phường) government. One deployment may serve a whole province."""

    __tablename__ = "communes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(200))
    province: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    office_hours: Mapped[str] = mapped_column(Text, default="")
    phones: Mapped[list[str]] = mapped_column(JSON, default=list)
    email: Mapped[str] = mapped_column(String(200), default="")
    website: Mapped[str] = mapped_column(String(500), default="")
    reception_schedule: Mapped[str] = mapped_column(Text, default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Ho_Chi_Minh")
    # Commune-specific overrides for the procedures knowledge base, e.g. {"chung_thuc_ban_sao": {"fee": "..."}}.
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The official administrative-unit code (mã đơn vị hành chính, 5 digits for a commune/ward since 01/07/2025).
    admin_code: Mapped[str | None] = mapped_column(String(16), unique=True, default=None)
    hotline: Mapped[str] = mapped_column(String(32), default="", server_default="")


class Hamlet(Base):
    """One hamlet of a commune (ấp, thôn, xóm, khóm, khu phố, tổ dân phố): what reports, subscriptions and
    announcements name. ``key`` is the folded name (api/subscriptions/hamlets.py ``hamlet_key``)."""

    __tablename__ = "commune_hamlets"
    __table_args__ = (UniqueConstraint("commune_id", "key", name="uq_commune_hamlets_commune_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)


class FormerName(Base):
    """A former commune merged into this one (01/07/2025): its name still routes citizens here."""

    __tablename__ = "commune_former_names"
    __table_args__ = (UniqueConstraint("commune_id", "key", name="uq_commune_former_names_commune_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(200), index=True)
