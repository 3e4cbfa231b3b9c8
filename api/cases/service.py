"""Cases: the timeline, lookups, listing, and the conversation hooks used by the channels (creation: creation.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session, defer

from api.cases import search
from api.cases.catalog import MAX_MESSAGE, OPEN_STATUSES, Kind, Priority, Status
from api.cases.desk import awaiting_reply
from api.cases.models import Case, TimelineEntry
from api.cases.scope import can_see, visible_to
from api.citizens.service import citizen_for_conversation
from api.conversations.states import RATING_WINDOW
from api.db import utcnow
from api.errors import Conflict, NotFound, ValidationFailed
from api.staff.models import Staff

_OPEN = [s.value for s in OPEN_STATUSES]


def timeline(
    session: Session,
    case: Case,
    kind: str,
    *,
    actor: Staff | None = None,
    actor_type: str = "staff",
    body: str = "",
    is_public: bool = False,
    data: dict[str, object] | None = None,
    at: datetime | None = None,
) -> TimelineEntry:
    entry = TimelineEntry(
        case=case,
        kind=kind,
        actor_type=actor_type if actor is None else "staff",
        actor_staff_id=actor.id if actor else None,
        body=body,
        is_public=is_public,
        data=data or {},
        created_at=at or utcnow(),
    )
    session.add(entry)
    if case.updated_at != entry.created_at:
        case.updated_at = entry.created_at
    return entry


def get_case(session: Session, *, staff: Staff, code: str) -> Case:
    """A case of the staff member's commune they may see; anything else is the same 404 (nothing leaks)."""
    case = session.scalar(select(Case).where(Case.commune_id == staff.commune_id, Case.code == code.strip().upper()))
    if case is None or not can_see(staff, case):
        raise NotFound(f"Không tìm thấy hồ sơ '{code[:40]}'.", code="case_not_found", field="code")
    return case


def get_timeline(session: Session, *, case: Case) -> list[TimelineEntry]:
    return list(
        session.scalars(
            select(TimelineEntry)
            .where(TimelineEntry.case_id == case.id)
            .order_by(TimelineEntry.created_at, TimelineEntry.id)
        )
    )


@dataclass(frozen=True)
class CaseFilters:
    status: Sequence[Status] = ()
    category: str | None = None
    kind: Kind | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    department_id: int | None = None
    overdue: bool = False
    q: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    waiting: bool = False  # the citizen wrote after the last staff reply


def filter_query(
    staff: Staff, filters: CaseFilters, now: datetime | None = None, *, dialect: str = "sqlite"
) -> Select[Case]:
    conditions: list[ColumnElement[bool]] = [visible_to(staff)]
    if filters.status:
        conditions.append(Case.status.in_([s.value for s in filters.status]))
    if filters.category:
        conditions.append(Case.category == filters.category)
    if filters.kind:
        conditions.append(Case.kind == filters.kind.value)
    if filters.assignee_id is not None:
        conditions.append(Case.assignee_id == filters.assignee_id)
    if filters.unassigned:
        conditions.append(Case.assignee_id.is_(None))
    if filters.department_id is not None:
        conditions.append(Case.department_id == filters.department_id)
    if filters.overdue:
        conditions += [Case.status.in_(_OPEN), Case.due_at < (now or utcnow())]
    if filters.q and filters.q.strip():
        conditions.append(search.matches(Case.search_text, Case.id, filters.q, dialect=dialect))
    if filters.waiting:
        conditions.append(awaiting_reply())
    if filters.created_from:
        conditions.append(Case.created_at >= filters.created_from)
    if filters.created_to:
        conditions.append(Case.created_at < filters.created_to)
    return select(Case).where(*conditions)


SORTS = {"moi": "Mới nhất", "cu": "Cũ nhất", "han": "Sắp hết hạn", "uu_tien": "Ưu tiên cao trước"}
_PRIORITY_RANK = sql_case(
    (Case.priority == Priority.urgent.value, 0), (Case.priority == Priority.high.value, 1), else_=2
)


def _order(sort: str) -> tuple[ColumnElement[Any], ...]:
    if sort == "cu":
        return (Case.created_at.asc(), Case.id.asc())
    if sort == "han":
        return (Case.due_at.is_(None), Case.due_at.asc(), Case.id.asc())
    if sort == "uu_tien":
        return (_PRIORITY_RANK, Case.created_at.desc(), Case.id.desc())
    return (Case.created_at.desc(), Case.id.desc())


def list_cases(
    session: Session, *, staff: Staff, filters: CaseFilters, page: int = 1, per_page: int = 50, sort: str = "moi"
) -> tuple[list[Case], int]:
    ids_query = filter_query(staff, filters, dialect=dialect_of(session)).with_only_columns(Case.id)
    window = ids_query.order_by(*_order(sort)).offset((page - 1) * per_page).limit(per_page)
    if filters.q and filters.q.strip():
        # A search visits every match to sort them anyway: count them in that same pass (one full-text lookup,
        # not two). Past the last page no row carries the count, so it is counted apart.
        counted = session.execute(window.add_columns(func.count().over())).all()
        ids = [row[0] for row in counted]
        total = counted[0][1] if counted else _count(session, ids_query)
    else:
        # Page through ids alone (an index walk), then load just those rows with their joins: deep pages stay cheap.
        total = _count(session, ids_query)
        ids = list(session.scalars(window))
    if not ids:
        return [], total
    rows = {case.id: case for case in session.scalars(select(Case).where(Case.id.in_(ids)).options(*_LIST_ONLY))}
    return [rows[i] for i in ids if i in rows], total


def _count(session: Session, ids_query: Select[Any]) -> int:
    return session.scalar(select(func.count()).select_from(ids_query.subquery())) or 0


# A list shows none of the long columns: leave them in the database (read only if something asks for them).
_LIST_ONLY = [
    defer(column)
    for column in (
        Case.description,
        Case.search_text,
        Case.attachments,
        Case.public_summary,
        Case.rating_comment,
        Case.location_text,
    )
]


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name


def is_overdue(case: Case, now: datetime | None = None) -> bool:
    return case.status in _OPEN and case.due_at is not None and case.due_at < (now or utcnow())


# --- Hooks for the channels (contract: docs/contracts.md, "Cases → channels") ---------------------------------


def _owns_conversation(conversation_id: str) -> tuple[ColumnElement[bool], ...]:
    return (
        Case.conversation_id == conversation_id,
        Case.status.in_(_OPEN),
        Case.chat_enabled.is_(True),  # handoffs are filed with it on; the citizen or staff can turn it off
    )


def find_conversation_case(session: Session, *, conversation_id: str) -> Case | None:
    """The open case that owns the conversation (a handoff, or a case staff chose to chat on)."""
    return session.scalar(
        select(Case)
        .where(*_owns_conversation(conversation_id))
        .order_by(Case.created_at.desc(), Case.id.desc())
        .limit(1)
    )


def record_citizen_message(
    session: Session, *, case: Case, text: str, attachments: Sequence[str] = ()
) -> TimelineEntry:
    """Citizen text is stored as written (escaped when shown), cut at the size limit rather than lost."""
    body = text or ""
    data: dict[str, object] = {"attachments": [str(a)[:1000] for a in list(attachments)[:10]]}
    if len(body) > MAX_MESSAGE:
        body, data["truncated"] = body[:MAX_MESSAGE], True
    entry = timeline(session, case, "citizen_message", actor_type="citizen", body=body, is_public=True, data=data)
    case.search_text = search.extend_search_text(case.search_text or "", body)
    session.flush()
    return entry


def find_case_awaiting_rating(session: Session, *, conversation_id: str) -> Case | None:
    return session.scalar(
        select(Case)
        .where(
            Case.conversation_id == conversation_id,
            Case.rating_requested_at.is_not(None),
            Case.rating_requested_at > utcnow() - RATING_WINDOW,
            Case.rating.is_(None),
            Case.status.in_([Status.resolved.value, Status.closed.value]),
        )
        .order_by(Case.rating_requested_at.desc(), Case.id.desc())
        .limit(1)
    )


def record_rating_comment(session: Session, *, case: Case, comment: str) -> None:
    """The citizen's comment sent after their stars (the gateway invites one)."""
    text = (comment or "").strip()[:MAX_MESSAGE]
    if not text:
        return
    case.rating_comment = f"{case.rating_comment}\n{text}" if case.rating_comment else text
    timeline(session, case, "rating", actor_type="citizen", body=text, data={"rating": case.rating, "comment": True})
    session.flush()


def record_rating(session: Session, *, case: Case, rating: int, comment: str | None) -> None:
    if not 1 <= int(rating) <= 5:
        raise ValidationFailed("Điểm đánh giá phải từ 1 đến 5.", code="invalid_rating", field="rating")
    case.rating = int(rating)
    case.rating_comment = (comment or "").strip()[:MAX_MESSAGE] or None
    case.rated_at = utcnow()
    timeline(
        session, case, "rating", actor_type="citizen", body=case.rating_comment or "", data={"rating": case.rating}
    )
    session.flush()


# --- The action server's view (check_status) --------------------------------------------------------------------


def case_for_conversation(session: Session, *, code: str, conversation_id: str) -> Case:
    """A case only if the citizen behind this conversation filed it; otherwise the same 404 as a wrong code."""
    citizen = citizen_for_conversation(session, conversation_id=conversation_id)
    case = None
    if citizen is not None:
        case = session.scalar(select(Case).where(Case.citizen_id == citizen.id, Case.code == code.strip().upper()))
    if case is None:
        raise NotFound(f"Không tìm thấy hồ sơ '{code[:40]}' của anh/chị.", code="case_not_found", field="code")
    return case


def case_filed_in_turn(session: Session, *, turn_id: str, kind: str, conversation_id: str) -> Case | None:
    """The case of this kind the bot already filed while answering ``turn_id`` (that turn ran again), if any."""
    case = session.scalar(select(Case).where(Case.turn_id == turn_id, Case.kind == kind))
    if case is not None and case.conversation_id != conversation_id:
        raise Conflict(
            "Lượt hội thoại này thuộc một hội thoại khác.", code="turn_conversation_mismatch", field="turn_id"
        )
    return case


def cases_for_conversation(session: Session, *, conversation_id: str, limit: int = 20) -> list[Case]:
    citizen = citizen_for_conversation(session, conversation_id=conversation_id)
    if citizen is None:
        return []
    return list(
        session.scalars(
            select(Case)
            .where(Case.citizen_id == citizen.id)
            .order_by(Case.created_at.desc(), Case.id.desc())
            .limit(limit)
        )
    )


def last_public_reply(session: Session, *, case: Case) -> TimelineEntry | None:
    return session.scalar(
        select(TimelineEntry)
        .where(
            TimelineEntry.case_id == case.id,
            TimelineEntry.kind.in_(["public_reply", "status_changed"]),
            TimelineEntry.is_public.is_(True),
            TimelineEntry.body != "",
        )
        .order_by(TimelineEntry.created_at.desc(), TimelineEntry.id.desc())
        .limit(1)
    )
