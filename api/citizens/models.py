"""Citizens who write to the commune, and the channel identities (conversations) they write from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import Base, utcnow
from api.staff.coltypes import UTCDateTime


class Citizen(Base):
    """Personal data: visible only to the commune's staff, masked in lists, exportable and erasable."""

    __tablename__ = "citizens"

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"), index=True)
    display_name: Mapped[str | None] = mapped_column(String(200), default=None)
    phone: Mapped[str | None] = mapped_column(String(32), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    identities: Mapped[list[ChannelIdentity]] = relationship(
        back_populates="citizen", cascade="all, delete-orphan", order_by="ChannelIdentity.id"
    )


class ChannelIdentity(Base):
    """One conversation id (``zalo:<commune>:<uid>``, ``tg:…``, ``web:…``) belonging to a citizen."""

    __tablename__ = "citizen_identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    conversation_id: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    citizen: Mapped[Citizen] = relationship(back_populates="identities")
