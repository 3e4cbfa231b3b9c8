"""Cases (reports, consultations, questions, handoffs), their append-only timeline, routing rules and codes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.citizens.models import Citizen
from api.db import Base, utcnow
from api.staff.coltypes import UTCDateTime
from api.staff.models import Department, Staff


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("commune_id", "code", name="uq_cases_commune_code"),
        Index("ix_cases_commune_created", "commune_id", "created_at", "id"),
        # Narrow, and covers the officers' visibility rule (kind != consultation): every list page counts with it.
        Index("ix_cases_commune_kind", "commune_id", "kind"),
        Index("ix_cases_commune_status_due", "commune_id", "status", "due_at"),
        Index("ix_cases_assignee_status", "assignee_id", "status"),
        Index("ix_cases_commune_category_status", "commune_id", "category", "status", "created_at"),
        # One case of a kind per bot turn: a turn run again (another Rasa replica, a retry) finds the case it filed.
        Index("uq_cases_turn_kind", "turn_id", "kind", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(32), default=None)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # Folded code + title + description + place for text search (api/cases/search.py).
    search_text: Mapped[str] = mapped_column(Text, default="")
    location_text: Mapped[str | None] = mapped_column(String(500), default=None)
    latitude: Mapped[float | None] = mapped_column(Float, default=None)
    longitude: Mapped[float | None] = mapped_column(Float, default=None)
    attachments: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Private by default: Open311 and every public surface show a case only when ``public`` is set (by the
    # submitter on purpose, or by staff), and then only the staff-written summary and a hamlet-level place.
    public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    public_summary: Mapped[str | None] = mapped_column(Text, default=None)
    public_location: Mapped[str | None] = mapped_column(String(200), default=None)
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    status: Mapped[str] = mapped_column(String(16), default="new")
    source: Mapped[str] = mapped_column(String(16), default="bot")
    channel: Mapped[str | None] = mapped_column(String(16), default=None)
    # use_alter: conversations point back at cases (case_id); the cycle is broken here for create/drop order.
    conversation_id: Mapped[str | None] = mapped_column(
        String(255),
        ForeignKey("conversations.conversation_id", ondelete="SET NULL", use_alter=True),
        index=True,
        default=None,
    )
    turn_id: Mapped[str | None] = mapped_column(String(64), default=None)  # the gateway's inbound message (bot cases)
    chat_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    citizen_id: Mapped[int | None] = mapped_column(
        ForeignKey("citizens.id", ondelete="SET NULL"), index=True, default=None
    )
    contact_name: Mapped[str | None] = mapped_column(String(200), default=None)
    contact_phone: Mapped[str | None] = mapped_column(String(32), default=None)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="SET NULL"), index=True, default=None
    )
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"), default=None)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), default=None)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    overdue_flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    rating_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    rating: Mapped[int | None] = mapped_column(Integer, default=None)
    rating_comment: Mapped[str | None] = mapped_column(Text, default=None)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    department: Mapped[Department | None] = relationship(lazy="joined")
    assignee: Mapped[Staff | None] = relationship(lazy="joined")
    citizen: Mapped[Citizen | None] = relationship()
    merged_into: Mapped[Case | None] = relationship(remote_side=[id])


class TimelineEntry(Base):
    """Append-only: every status change, assignment, note, reply and citizen message, with actor and time."""

    __tablename__ = "case_timeline"
    __table_args__ = (Index("ix_case_timeline_case_created", "case_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    actor_type: Mapped[str] = mapped_column(String(16))  # staff | citizen | system | bot
    actor_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"), default=None)
    body: Mapped[str] = mapped_column(Text, default="")
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    outbox_message_id: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    actor: Mapped[Staff | None] = relationship(lazy="joined")
    case: Mapped[Case] = relationship(lazy="raise")  # write-side only: lets a new case and its entries flush together


class RoutingRule(Base):
    """Category (and kind) → department, optional officer and SLA; the most specific enabled rule wins."""

    __tablename__ = "routing_rules"
    __table_args__ = (Index("ix_routing_rules_commune", "commune_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"))
    kind: Mapped[str | None] = mapped_column(String(16), default=None)
    category: Mapped[str | None] = mapped_column(String(32), default=None)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"), default=None)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"), default=None)
    # The deadline in working time (api/communes/worktime.py): whole working days when set, else working hours.
    sla_hours: Mapped[int] = mapped_column(Integer, default=72)
    sla_days: Mapped[int | None] = mapped_column(Integer, default=None)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    department: Mapped[Department | None] = relationship(lazy="joined")
    assignee: Mapped[Staff | None] = relationship(lazy="joined")


class CaseCounter(Base):
    """The last number handed out per commune and year (codes like PA-2026-000123)."""

    __tablename__ = "case_counters"

    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer, default=0)
