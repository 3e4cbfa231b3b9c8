"""Citizens who write to the commune, and the conversations they write from (one citizen on one channel of one
commune): the conversation row is the citizen's channel identity, ``Conversation.citizen_id`` the one link (issue 23:
the table ``citizen_identities`` that said it a second time is gone). Who answers a conversation, its state machine
and its functions are ``api/conversations/``; the table sits here, below the packages that name conversations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
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

    # Read only: conversation rows are written in SQLAlchemy Core (api/conversations/service.py).
    conversations: Mapped[list[Conversation]] = relationship(viewonly=True, order_by="Conversation.id")


class Conversation(Base):
    """One citizen on one channel of one commune: the key every table that names a conversation refers to, the
    citizen behind it, and the state of who answers it (api/conversations/)."""

    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_commune_state", "commune_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The formatted id (channels/ids.py), the key every other table stores.
    conversation_id: Mapped[str] = mapped_column(String(255), unique=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(160))
    citizen_id: Mapped[int | None] = mapped_column(
        ForeignKey("citizens.id", ondelete="SET NULL"), index=True, default=None
    )
    state: Mapped[str] = mapped_column(String(24), default="bot")  # api/conversations/models.py: State
    # The case the state waits on: the case being rated (awaiting_*), or the case that owns it (staff).
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), default=None)
    # The case that owns the conversation for staff, kept while a rating is pending on another case.
    staff_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), default=None)
    state_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The last "staff will answer …" acknowledgement (not repeated on every message of a handoff).
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    staff_replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_outbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
