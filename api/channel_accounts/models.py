from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.channel_accounts.crypto import EncryptedJSON, EncryptedText
from api.db import Base, UTCDateTime, utcnow


class ChannelAccount(Base):
    """A commune's account on one platform (Zalo OA, Telegram bot).

    ``config`` holds public settings (app_id, oa_id, API base URLs); ``secrets`` the keys (app_secret, oa_secret_key,
    bot_token, webhook_secret). Zalo's access/refresh pair rotates: ``token_version`` guards against two writers.
    """

    __tablename__ = "channel_accounts"
    __table_args__ = (UniqueConstraint("commune_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Encrypted at rest (api/channel_accounts/crypto.py); never shown back on a page.
    secrets: Mapped[dict[str, str]] = mapped_column(EncryptedJSON, default=dict)
    access_token: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    refresh_token: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    access_token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    token_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
