"""A subscription: one conversation (Zalo, Telegram, web) that receives the commune's announcements."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, utcnow
from api.staff.coltypes import UTCDateTime

ACTIVE = "active"
UNSUBSCRIBED = "unsubscribed"


class Subscription(Base):
    __tablename__ = "subscriptions"
    __table_args__ = (Index("ix_subscriptions_commune_status_hamlet", "commune_id", "status", "hamlet_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"))
    conversation_id: Mapped[str] = mapped_column(
        String(255), ForeignKey("conversations.conversation_id", ondelete="CASCADE"), unique=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=ACTIVE)
    # The hamlet as shown ("Ấp 3", "Thôn Đông") and folded for matching ("ap 3"); None until the citizen says.
    hamlet: Mapped[str | None] = mapped_column(String(100), default=None)
    hamlet_key: Mapped[str | None] = mapped_column(String(100), default=None)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The hamlet question is asked once; the very next message may answer it (then the flag is cleared).
    awaiting_hamlet: Mapped[bool] = mapped_column(Boolean, default=False)
    hamlet_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    source: Mapped[str] = mapped_column(String(16), default="command")  # follow | start | command | staff
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
