"""The conversation row: read on every turn (one indexed SELECT), written when its state changes.

Statements are SQLAlchemy Core, built once: the row sits on the hot path of every message (issue 10 budget: ≤ 1 ms of
gateway CPU per turn, benchmarks/bench_conversations.py). Functions take the caller's session and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.conversations.models import Conversation, State
from api.db import utcnow
from channels.ids import ConversationId

_table = cast(Table, Conversation.__table__)
_c = _table.c
_COLUMNS = (
    _c.id,
    _c.conversation_id,
    _c.commune_id,
    _c.citizen_id,
    _c.state,
    _c.case_id,
    _c.staff_case_id,
    _c.state_changed_at,
    _c.acknowledged_at,
    _c.staff_replied_at,
    _c.last_inbound_at,
)
_FIND = select(*_COLUMNS).where(_c.conversation_id == bindparam("key"))
_EXISTS = select(_c.id).where(_c.conversation_id == bindparam("key"))
_FIND_FOR_UPDATE = _FIND.with_for_update()
_INSERT = insert(_table)
_UPDATE = update(_table).where(_c.conversation_id == bindparam("key"))


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What deciding who answers needs, without an ORM object."""

    id: int
    conversation_id: str
    commune_id: int
    citizen_id: int | None
    state: State
    case_id: int | None
    staff_case_id: int | None
    state_changed_at: datetime
    acknowledged_at: datetime | None
    staff_replied_at: datetime | None
    last_inbound_at: datetime | None = None


def _snapshot(row: Any) -> Snapshot:
    return Snapshot(
        row.id,
        row.conversation_id,
        row.commune_id,
        row.citizen_id,
        State(row.state),
        row.case_id,
        row.staff_case_id,
        row.state_changed_at,
        row.acknowledged_at,
        row.staff_replied_at,
        row.last_inbound_at,
    )


def find(session: Session, *, conversation_id: str, for_update: bool = False) -> Snapshot | None:
    row = session.connection().execute(_FIND_FOR_UPDATE if for_update else _FIND, {"key": conversation_id}).first()
    return _snapshot(row) if row is not None else None


def create(
    session: Session,
    *,
    conversation_id: str,
    commune_id: int,
    citizen_id: int | None,
    state: State = State.bot,
    case_id: int | None = None,
    staff_case_id: int | None = None,
) -> Snapshot:
    """Insert the row (first message, or a case filed for a conversation we have not seen); a concurrent insert of
    the same conversation is not an error: the winner's row is returned, locked for update."""
    _insert(
        session,
        conversation_id=conversation_id,
        commune_id=commune_id,
        citizen_id=citizen_id,
        state=state,
        case_id=case_id,
        staff_case_id=staff_case_id,
    )
    found = find(session, conversation_id=conversation_id, for_update=True)
    assert found is not None  # inserted above, or by the transaction that won the race
    return found


def _insert(
    session: Session,
    *,
    conversation_id: str,
    commune_id: int,
    citizen_id: int | None,
    state: State = State.bot,
    case_id: int | None = None,
    staff_case_id: int | None = None,
) -> None:
    """Insert the row unless another transaction did (its insert waits for that one to end, then gives way)."""
    parsed = ConversationId.parse(conversation_id)
    now = utcnow()
    values = {
        "conversation_id": conversation_id,
        "commune_id": commune_id,
        "channel": parsed.channel,
        "external_id": parsed.external,
        "citizen_id": citizen_id,
        "state": state.value,
        "case_id": case_id,
        "staff_case_id": staff_case_id,
        "state_changed_at": now,
        "created_at": now,
    }
    try:
        with session.begin_nested():
            session.connection().execute(_INSERT, values)
    except IntegrityError:
        pass


def ensure(session: Session, *, conversation_id: str, commune_id: int) -> None:
    """The one get-or-create: the tables that name a conversation hold a foreign key to its row (all but the raw
    inbound log and the outbox, docs/conversations.md), so whatever stores such a row first (a case, a subscription,
    a consent, a lookup) makes sure of it.
    The row it creates is only registered (``registered_only``): the first turn opens it. It is not locked: a
    foreign key needs the row to exist, not to be held, and holding it here deadlocked concurrent first filings on
    PostgreSQL (one waited for the row FOR UPDATE while the filings that share-lock it through their foreign keys
    waited for each other's case-code counter and citizen; 4 in 60 runs of eight filings at once)."""
    if session.connection().execute(_EXISTS, {"key": conversation_id}).first() is None:
        _insert(session, conversation_id=conversation_id, commune_id=commune_id, citizen_id=None)


def registered_only(row: Snapshot) -> bool:
    """The row exists for the foreign keys' sake (``ensure``) but no turn opened it yet: no case holds it, and it
    has no citizen (a greeting was answered, a case or a subscription registered it) or has not been written from
    (a row older than the rows, linked to its citizen by migration i23b)."""
    untouched = row.citizen_id is None or row.last_inbound_at is None
    return untouched and row.state is State.bot and row.case_id is None and row.staff_case_id is None


def opened(row: Snapshot | None) -> Snapshot | None:
    """The row as the turns see it: one only registered is not there yet (its first real message opens it)."""
    return None if row is None or registered_only(row) else row


def update_row(session: Session, *, conversation_id: str, **values: Any) -> int:
    """Change columns of the conversation; returns how many rows changed (0: no such conversation yet)."""
    if "state" in values:
        values["state"] = State(values["state"]).value
        values.setdefault("state_changed_at", utcnow())
    result = session.connection().execute(_UPDATE.values(**values), {"key": conversation_id})
    return int(getattr(result, "rowcount", 0) or 0)


_TOUCH_BOTH = _UPDATE.values(last_inbound_at=bindparam("now"), last_outbound_at=bindparam("now"))
_TOUCH_INBOUND = _UPDATE.values(last_inbound_at=bindparam("now"))


def touch(session: Session, *, conversation_id: str, replied: bool) -> None:
    """A bot turn happened (the hot path: one prepared UPDATE by the unique key)."""
    statement = _TOUCH_BOTH if replied else _TOUCH_INBOUND
    session.connection().execute(statement, {"key": conversation_id, "now": utcnow()})


def set_state(
    session: Session,
    *,
    conversation_id: str,
    state: State,
    case_id: int | None,
    staff_case_id: int | None,
    **extra: Any,
) -> int:
    return update_row(
        session, conversation_id=conversation_id, state=state, case_id=case_id, staff_case_id=staff_case_id, **extra
    )


def last_inbound_at(session: Session, *, conversation_id: str) -> datetime | None:
    """When the citizen last wrote, as the row records it (the outbox asks through api/routers.py: Zalo's window)."""
    return session.scalar(select(_c.last_inbound_at).where(_c.conversation_id == conversation_id))
