"""The review inbox: real citizen messages the NLU was unsure of, fell back on, or that staff flagged, each waiting
for an officer to confirm or correct its intent and entities before it becomes training data (``xaso nlu export``)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UTCDateTime, utcnow


class Reason(StrEnum):
    low_confidence = "low_confidence"
    fallback = "fallback"
    flagged = "flagged"


class ReviewStatus(StrEnum):
    pending = "pending"
    confirmed = "confirmed"  # the NLU was right
    corrected = "corrected"  # an officer set the intent / entities
    dismissed = "dismissed"  # not usable as training data (noise, several questions at once…)


REASON_LABELS = {
    Reason.low_confidence: "Độ tin cậy thấp",
    Reason.fallback: "Không hiểu (fallback)",
    Reason.flagged: "Cán bộ gắn cờ",
}
STATUS_LABELS = {
    ReviewStatus.pending: "Chờ duyệt",
    ReviewStatus.confirmed: "Đã xác nhận",
    ReviewStatus.corrected: "Đã sửa",
    ReviewStatus.dismissed: "Bỏ qua",
}


class NluReview(Base):
    """One citizen message as the NLU read it, and (once reviewed) as an officer says it should be read."""

    __tablename__ = "nlu_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"), index=True)
    # The stored inbound event the message came from (one review per message); NULL once the event is purged.
    inbox_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbox_events.id", ondelete="SET NULL"), nullable=True, unique=True
    )
    conversation_id: Mapped[str] = mapped_column(
        String(255), ForeignKey("conversations.conversation_id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(16))
    # What Rasa parsed: intent name and confidence, entities as Rasa returns them, the top of the ranking.
    intent: Mapped[str | None] = mapped_column(String(64), nullable=True)
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    entities: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    ranking: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default=ReviewStatus.pending.value, index=True)
    reviewed_intent: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # [{"entity", "value", "start", "end"}] with offsets into ``text``.
    reviewed_entities: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    flagged_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"), nullable=True)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    exported_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
