from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UTCDateTime, utcnow

# Lifecycle: pending → sending (leased by one worker) → sent | failed; a failed attempt that may succeed later goes
# back to pending with a later next_attempt_at.
PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
# Final states of announcements and notices that were never sent: the citizen unsubscribed while the message waited,
# or the platform allows no message to them (Zalo outside its window, no quota, no phone for ZNS); see zalo_reach.py.
CANCELLED = "cancelled"
UNREACHABLE = "unreachable"
# Claim order: higher first (an emergency announcement overtakes everything queued before it).
PRIORITY_NORMAL = 0
PRIORITY_EMERGENCY = 10


class OutboxMessage(Base):
    """One message to one conversation (a bot reply, a staff reply, a notice), stored before any send attempt."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"), index=True)
    # No foreign key to the conversation: the delivery queue answers a greeting before the conversation has a row
    # (issue 26) and tells a citizen their erasure is done after their rows are gone.
    conversation_id: Mapped[str] = mapped_column(String(255), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32), default="reply")
    text: Mapped[str] = mapped_column(Text, default="")
    buttons: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    image_url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    # The case this message belongs to (staff replies); a plain column so the outbox does not depend on cases.
    case_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(16), default=PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Long texts go out in several platform messages; parts already accepted are never sent again on retry.
    parts_sent: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    platform_message_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    priority: Mapped[int] = mapped_column(Integer, default=PRIORITY_NORMAL)
    # How a Zalo notice went out: cs (inside the window), promotion (broadcast quota), zns (template by phone).
    route: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # What a template message needs (title, link, case code, status…), filled in by whoever queues the message.
    context: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # A failed message leaves the staff's dead-letter list when someone has looked at it.
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The request id of the message this answers (api/infra/logs.py), so the send is logged under it.
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
