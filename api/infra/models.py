"""Tables of the shared infrastructure: one row per periodic job, claimed tick by tick (api/infra/ticks.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UTCDateTime


class JobTick(Base):
    __tablename__ = "job_ticks"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    holder: Mapped[str] = mapped_column(String(100), default="")
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
