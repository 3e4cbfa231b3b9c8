"""A remote consultation's appointment: one per consultation case, with its video room and reminder flags."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.cases.models import Case
from api.db import Base, utcnow
from api.staff.coltypes import UTCDateTime

# Lifecycle: pending (chờ xác nhận: no usable time yet) → confirmed → done | no_show; cancelled from either.
PENDING = "pending"
CONFIRMED = "confirmed"
CANCELLED = "cancelled"
NO_SHOW = "no_show"
DONE = "done"
UPCOMING = (PENDING, CONFIRMED)
STATUS_LABELS = {
    PENDING: "Chờ xác nhận",
    CONFIRMED: "Đã xác nhận",
    CANCELLED: "Đã hủy",
    NO_SHOW: "Vắng mặt",
    DONE: "Đã tư vấn",
}


class Appointment(Base):
    __tablename__ = "appointments"
    __table_args__ = (Index("ix_appointments_commune_starts", "commune_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    conversation_id: Mapped[str | None] = mapped_column(
        String(255), ForeignKey("conversations.conversation_id", ondelete="SET NULL"), index=True, default=None
    )
    status: Mapped[str] = mapped_column(String(16), default=PENDING, index=True)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=30)
    # The citizen's own words for the time ("sáng mai 9h"): what staff read when it could not be understood.
    requested_text: Mapped[str | None] = mapped_column(String(500), default=None)
    # The video room: unguessable, one per booking (api/appointments/service.py); the URL as sent to the citizen.
    room: Mapped[str] = mapped_column(String(120), unique=True)
    video_url: Mapped[str] = mapped_column(String(500))
    # Each reminder is claimed by setting its flag in the transaction that queues it: sent once, whatever the number
    # of gateway processes. A new time clears them (the new time gets its own reminders).
    reminded_day_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    reminded_soon_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # When the current time was set: a time set less than a day ahead gets no "day before" reminder.
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The chat question open with the citizen: "cancel" (confirm the cancellation) or "reschedule" (the new time).
    awaiting: Mapped[str | None] = mapped_column(String(16), default=None)
    awaiting_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    case: Mapped[Case] = relationship(lazy="joined")

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)
