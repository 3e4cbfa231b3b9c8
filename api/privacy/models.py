"""What the privacy duties leave in the database: consents per channel identity and purpose, the record of each
data-subject request. (Who among staff viewed or exported personal data: api/staff/audit.py.)"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, utcnow
from api.staff.coltypes import UTCDateTime


class Purpose(StrEnum):
    notice = "notice"  # the first-contact notice was shown (status ``notified``); not a consent
    service = "service"  # handling the citizen's questions, reports and requests
    health = "health"  # health details stored in a consultation: sensitive data, explicit consent only


class ConsentStatus(StrEnum):
    notified = "notified"
    granted = "granted"
    withdrawn = "withdrawn"


class RequestKind(StrEnum):
    access = "access"  # "xem dữ liệu của tôi"
    erasure = "erasure"  # "xóa dữ liệu của tôi"
    withdrawal = "withdrawal"  # "rút lại đồng ý"


class Consent(Base):
    """One channel identity's answer for one purpose (the latest answer; history lives in ``privacy_requests``)."""

    __tablename__ = "privacy_consents"
    __table_args__ = (UniqueConstraint("conversation_id", "purpose", name="uq_privacy_consents_conversation_purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[str] = mapped_column(
        String(255), ForeignKey("conversations.conversation_id", ondelete="CASCADE"), index=True
    )
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id", ondelete="CASCADE"), default=None)
    channel: Mapped[str] = mapped_column(String(16))
    purpose: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DataRequest(Base):
    """A data-subject request and what was done: carried out, or passed to staff where the law requires keeping
    something. Holds no identifier of the person after an erasure (only the anonymous citizen row's id)."""

    __tablename__ = "privacy_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"), index=True)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id", ondelete="SET NULL"), default=None)
    kind: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))  # zalo | telegram | web | staff
    status: Mapped[str] = mapped_column(String(16))  # done | forwarded
    # Counts of what was removed, or why it went to staff; never the person's data.
    outcome: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
