"""Claiming queued rows (inbox and outbox alike) so that each is worked on by one worker at a time, in order.

A row is claimed by an optimistic UPDATE (``status`` and ``attempts`` unchanged since read) that sets a lease; a worker
that dies leaves a lease that expires, and the row is taken again. Only the oldest unfinished row of a conversation is
eligible, so one conversation's messages are handled in the order they arrived.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from api.db import utcnow


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes (stored as UTC); make them comparable with aware ones."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def claim(
    session: Session,
    model: Any,
    *,
    waiting: str,
    working: str,
    limit: int,
    lease_seconds: float,
    channels: tuple[str, ...] | None = None,
) -> list[int]:
    """Claim up to ``limit`` due rows, at most one per conversation; returns their ids (commit to keep the claim)."""
    now = utcnow()
    query, claim_one = _statements(model, waiting, working, channels, max(limit * 20, 200))
    rows = session.execute(query).all()
    seen: set[str] = set()
    chosen = []
    for row in rows:
        if row.conversation_id in seen:
            continue
        seen.add(row.conversation_id)
        lease = as_utc(row.lease_until)
        due = as_utc(row.next_attempt_at)
        if row.status == working and lease is not None and lease > now:
            continue
        if row.status == waiting and due is not None and due > now:
            continue
        chosen.append(row)
        if len(chosen) >= limit:
            break
    claimed: list[int] = []
    lease_until = now + timedelta(seconds=lease_seconds)
    for row in chosen:
        params = {"b_id": row.id, "b_status": row.status, "b_attempts": row.attempts, "b_lease": lease_until}
        result = session.execute(claim_one, {**params, "b_next": row.attempts + 1})
        if getattr(result, "rowcount", 0) == 1:
            claimed.append(row.id)
    return claimed


@functools.cache
def _statements(model: Any, waiting: str, working: str, channels: tuple[str, ...] | None, scan: int) -> tuple[Any, Any]:
    """The scan and the optimistic claim of one row, built once per queue (every worker's poll and every
    Zalo/Telegram turn runs them: building a statement cost about as much as running it)."""
    query = select(
        model.id, model.conversation_id, model.status, model.attempts, model.next_attempt_at, model.lease_until
    ).where(model.status.in_((waiting, working)))
    if channels is not None:
        query = query.where(model.channel.in_(channels))
    # Rows with a priority (the outbox) are taken highest first: an emergency overtakes everything queued.
    order = (model.priority.desc(), model.id) if hasattr(model, "priority") else (model.id,)
    claim_one = (
        update(model)
        .where(model.id == bindparam("b_id"), model.status == bindparam("b_status"))
        .where(model.attempts == bindparam("b_attempts"))
        .values(
            status=working,
            lease_until=bindparam("b_lease", type_=model.lease_until.type),
            attempts=bindparam("b_next", type_=model.attempts.type),
        )
        .execution_options(synchronize_session=False)
    )  # (a column's own name is reserved for a bound parameter in an UPDATE: hence the b_ names)
    return query.order_by(*order).limit(scan), claim_one


def backoff_seconds(attempts: int, *, base: float = 2.0, cap: float = 600.0) -> float:
    """2, 4, 8 … seconds, capped (10 minutes by default)."""
    return float(min(cap, base * (2 ** max(0, attempts - 1))))


def renew(session: Session, model: Any, ids: list[int], *, working: str, lease_seconds: float) -> None:
    """Extend the leases of rows still being worked on (a live worker keeps its rows; a dead one's lapse soon)."""
    if not ids:
        return
    session.execute(
        update(model)
        .where(model.id.in_(ids), model.status == working)
        .values(lease_until=utcnow() + timedelta(seconds=lease_seconds))
        .execution_options(synchronize_session=False)
    )
