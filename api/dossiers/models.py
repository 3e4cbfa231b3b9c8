from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.channel_accounts.crypto import EncryptedJSON
from api.db import Base, utcnow
from api.staff.coltypes import UTCDateTime

KINDS = ("demo", "opencps", "json")


class DossierSourceConfig(Base):
    """A commune's one-stop system: its kind, public settings, and credentials encrypted like channel secrets."""

    __tablename__ = "dossier_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="demo")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    secrets: Mapped[dict[str, str]] = mapped_column(EncryptedJSON, default=dict)  # never shown back on a page
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class DemoDossier(Base):
    """Sample dossiers of the demo source (labelled as demo everywhere they are shown)."""

    __tablename__ = "dossier_demo"
    __table_args__ = (UniqueConstraint("commune_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    procedure: Mapped[str] = mapped_column(String(300))
    department: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))  # an OpenCPS dossierStatus code
    missing: Mapped[str | None] = mapped_column(Text, default=None)
    phone: Mapped[str | None] = mapped_column(String(32), default=None)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class DossierWatch(Base):
    """A conversation asked to be told when a dossier's status changes ("báo cho tôi khi có thay đổi")."""

    __tablename__ = "dossier_watches"
    __table_args__ = (
        UniqueConstraint("conversation_id", "code"),
        Index("ix_dossier_watches_active_checked", "active", "checked_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[str] = mapped_column(
        String(255), ForeignKey("conversations.conversation_id", ondelete="CASCADE")
    )
    code: Mapped[str] = mapped_column(String(64))
    last_status: Mapped[str] = mapped_column(String(32), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DossierLookup(Base):
    """Each lookup made from a conversation (shown to staff on the conversation's transcript)."""

    __tablename__ = "dossier_lookups"

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"))
    conversation_id: Mapped[str] = mapped_column(
        String(255), ForeignKey("conversations.conversation_id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str | None] = mapped_column(String(64), default=None)
    by: Mapped[str] = mapped_column(String(16), default="code")  # code | phone | watch
    outcome: Mapped[str] = mapped_column(String(32))  # a Stage value, not_found, unavailable, unsupported
    source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
