"""The audit trail of staff access to personal data (Luật 91/2025/QH15: a controller shows who processed what, when).

Owned by the staff domain, below cases, citizens and conversations, so every route that shows or exports personal
data can record itself without an import cycle. Rows hold the subject's code or id, never the data itself.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from api.db import Base, utcnow
from api.staff.coltypes import UTCDateTime
from api.staff.models import Staff


class Action(StrEnum):
    view = "view"
    export = "export"
    erase = "erase"


class AccessLog(Base):
    """A staff member viewed or exported personal data: the audit trail the controller must be able to show."""

    __tablename__ = "privacy_access_log"
    __table_args__ = (Index("ix_privacy_access_log_commune_at", "commune_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"), default=None)
    action: Mapped[str] = mapped_column(String(16))  # view | export | erase
    subject: Mapped[str] = mapped_column(String(200))  # "case:PA-2026-000001", "citizen:12", "cases.csv", …
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def record_access(session: Session, *, staff: Staff, action: Action, subject: str) -> None:
    """One line of the trail, in the caller's transaction (a view that fails to commit was not a view)."""
    session.add(AccessLog(commune_id=staff.commune_id, staff_id=staff.id, action=action.value, subject=subject[:200]))
