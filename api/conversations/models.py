"""The conversation: one citizen on one channel of one commune, and who answers its next message.

The state machine (docs/conversations.md): ``bot`` → ``staff`` when a case takes the conversation over (a handoff or
a case staff chat on) → ``bot`` when it ends or the citizen goes back to the bot; a resolved case asks for a rating
(``awaiting_rating``, it wins over an open handoff); a rating invites one optional comment (``awaiting_comment``);
then back to ``staff`` if a case still holds the conversation, else ``bot``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, utcnow
from api.staff.coltypes import UTCDateTime


class State(StrEnum):
    bot = "bot"  # Rasa answers
    staff = "staff"  # a case owns the conversation: messages go onto its timeline, officers answer
    awaiting_rating = "awaiting_rating"  # a resolved case asked for 1–5 stars
    awaiting_comment = "awaiting_comment"  # stars given; the next free text is their comment ("Bỏ qua" skips)


class Conversation(Base):
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
    state: Mapped[str] = mapped_column(String(24), default=State.bot.value)
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
