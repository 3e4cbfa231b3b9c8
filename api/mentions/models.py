"""An officer named with @login in an internal note: one row per (note, officer), seen or not yet."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, utcnow
from api.staff.coltypes import UTCDateTime


class Mention(Base):
    __tablename__ = "case_mentions"
    __table_args__ = (
        UniqueConstraint("entry_id", "staff_id", name="uq_case_mentions_entry_staff"),
        Index("ix_case_mentions_staff_seen", "staff_id", "seen_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("case_timeline.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
