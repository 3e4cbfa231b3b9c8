from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UTCDateTime, utcnow

PENDING = "pending"
PROCESSING = "processing"  # leased by one worker (or by the web request answering synchronously)
PROCESSED = "processed"
IGNORED = "ignored"
FAILED = "failed"  # a dead letter: given up on after repeated failures, shown to staff on the console


class InboxEvent(Base):
    """One platform event exactly as received; the unique key drops the platform's redeliveries."""

    __tablename__ = "inbox_events"
    __table_args__ = (UniqueConstraint("commune_id", "channel", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    # Zalo msg_id, Telegram update_id, the web client's message id.
    event_id: Mapped[str] = mapped_column(String(200))
    # No foreign key to the conversation (like the outbox): the raw delivery log holds every event as it arrived, a
    # greeting or a page view too, and opening a chat makes no conversation row (issue 26); erasure removes a
    # citizen's events by their conversation ids, retention purges the rest.
    conversation_id: Mapped[str] = mapped_column(String(255), index=True)
    raw: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The citizen was told once that the system is busy; they are not told again for the same message.
    busy_notified: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the web request answered, so a retried POST gets the same replies without a second turn.
    response: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    route: Mapped[str | None] = mapped_column(String(16), nullable=True)  # rasa | case | rating | none
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Handling raised (a bug, a reply the outbox refused…): counted apart from Rasa-outage retries.
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # When the message became a dead letter (the citizen is told once); cleared from the staff list by dismissed_at.
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # An emergency (api/safety/) is taken before the conversation's older messages still waiting (after a Rasa
    # outage): api/infra/leasing.claim orders rows with a priority highest first.
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The webhook request's id (api/infra/logs.py): the inbox worker logs under it when it answers later.
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
