"""What an officer's desk shows at a glance and keeps fresh: counts per view, cases waiting for a reply, emergencies
nobody has taken yet. Read by the console's live poll (api/console/live.py) every few seconds, so every query is a
count or a short list over open cases only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from api.cases.catalog import OPEN_STATUSES, Priority, Status
from api.cases.models import Case, TimelineEntry
from api.cases.scope import visible_to
from api.citizens.masking import text_for
from api.db import utcnow
from api.staff.models import Staff

_OPEN = [s.value for s in OPEN_STATUSES]
CITIZEN_KIND, REPLY_KIND = "citizen_message", "public_reply"
MAX_PINNED = 20


@dataclass(frozen=True)
class PinnedCase:
    code: str
    title: str
    kind: str
    created_at: datetime


@dataclass(frozen=True)
class DeskState:
    latest_id: int
    open: int
    mine: int
    unassigned: int
    overdue: int
    waiting: int  # open cases whose citizen wrote after the last staff reply: the "unread" badge
    urgent: list[PinnedCase] = field(default_factory=list)
    case_entries: int | None = None  # timeline length of the case page being watched (it changed: refresh it)


def awaiting_reply() -> ColumnElement[bool]:
    """Cases whose citizen wrote after the last staff reply (open or not: combine with a status filter)."""
    last_citizen = func.max(TimelineEntry.id).filter(TimelineEntry.kind == CITIZEN_KIND)
    last_reply = func.coalesce(func.max(TimelineEntry.id).filter(TimelineEntry.kind == REPLY_KIND), 0)
    waiting = (
        select(TimelineEntry.case_id)
        .where(TimelineEntry.kind.in_((CITIZEN_KIND, REPLY_KIND)))
        .group_by(TimelineEntry.case_id)
        .having(last_citizen > last_reply)
    )
    return Case.id.in_(waiting)


def waiting_ids(session: Session, *, ids: list[int]) -> set[int]:
    """Which of these cases (a page of the list) wait for a staff reply."""
    if not ids:
        return set()
    return set(session.scalars(select(Case.id).where(Case.id.in_(ids), awaiting_reply())))


def pinned_urgent(session: Session, *, staff: Staff) -> list[PinnedCase]:
    """Urgent cases (emergencies) nobody has taken yet: pinned above the list until someone does."""
    rows = session.execute(
        select(Case.code, Case.title, Case.kind, Case.created_at, Case.contact_name, Case.contact_phone)
        .where(visible_to(staff), Case.priority == Priority.urgent.value, Case.status == Status.new.value)
        .order_by(Case.created_at.desc(), Case.id.desc())
        .limit(MAX_PINNED)
    )
    return [
        PinnedCase(r.code, text_for(staff.role, r.title, (r.contact_name, r.contact_phone)) or "", r.kind, r.created_at)
        for r in rows
    ]


def desk_state(
    session: Session, *, staff: Staff, case_code: str | None = None, now: datetime | None = None
) -> DeskState:
    now = now or utcnow()
    latest = session.scalar(select(func.coalesce(func.max(Case.id), 0)).where(visible_to(staff))) or 0
    counts = session.execute(
        select(
            func.count(),
            func.count().filter(Case.assignee_id == staff.id),
            func.count().filter(Case.assignee_id.is_(None)),
            func.count().filter(Case.due_at < now),
            func.count().filter(awaiting_reply()),
        ).where(visible_to(staff), Case.status.in_(_OPEN))
    ).one()
    entries = None
    if case_code:
        entries = session.scalar(
            select(func.count(TimelineEntry.id))
            .join(Case, Case.id == TimelineEntry.case_id)
            .where(visible_to(staff), Case.code == case_code)
        )
    return DeskState(
        latest_id=latest,
        open=counts[0],
        mine=counts[1],
        unassigned=counts[2],
        overdue=counts[3],
        waiting=counts[4],
        urgent=pinned_urgent(session, staff=staff),
        case_entries=entries,
    )
