"""Storing inbound events (dedupe on the platform's id) and moving them through their lifecycle."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from api.db import utcnow
from api.inbox.failures import dead_letter
from api.inbox_events.models import IGNORED, PENDING, PROCESSED, PROCESSING, InboxEvent
from api.infra import metrics
from api.infra.leasing import backoff_seconds, claim, renew
from api.infra.logs import current_request_id
from api.infra.writes import write_transaction

# A claimed event is leased this long and the lease is renewed every 5 s while its turn runs (api/inbox/jobs.py), by
# the inbox worker and by a web request answering its own message alike: a live process keeps a slow turn, a killed
# one's events are taken over within this time (docs/scaling.md).
WORKER_LEASE_SECONDS = 20.0
LEASE_SECONDS = WORKER_LEASE_SECONDS  # an event the web request answers itself (``claim_now``)
MAX_ATTEMPTS = 50  # with backoff capped at 10 minutes: several hours of Rasa outage before giving up

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Stored:
    id: int
    created: bool
    status: str
    response: list[dict[str, Any]] | None


def store_event(
    factory: sessionmaker[Session],
    *,
    commune_id: int,
    channel: str,
    event_id: str,
    conversation_id: str,
    raw: str,
    claim_now: bool = False,
    priority: int = 0,
) -> Stored:
    """Insert the raw event (committed) unless the platform already delivered it; ``claim_now`` leases it at once
    to the caller (the web request answers synchronously) unless older messages of the conversation are still
    waiting (after a Rasa outage): then it waits behind them and the inbox worker answers all of them in order."""
    now = utcnow()
    values: dict[str, Any] = {
        "commune_id": commune_id,
        "channel": channel,
        "event_id": event_id[:200],
        "conversation_id": conversation_id,
        "raw": raw,
        "status": PROCESSING if claim_now else PENDING,
        "attempts": 1 if claim_now else 0,
        "next_attempt_at": now,
        "lease_until": now + timedelta(seconds=LEASE_SECONDS) if claim_now else None,
        "busy_notified": False,
        "received_at": now,
        "priority": priority,
        "request_id": current_request_id(),  # the webhook request's id, for the worker's logs (api/infra/logs.py)
    }
    try:
        with write_transaction(factory) as session:
            # An emergency (priority) never waits behind older messages: the request answers it at once.
            if claim_now and not priority and has_unfinished(session, conversation_id=conversation_id):
                values.update(status=PENDING, attempts=0, lease_until=None)
            new_id = session.connection().execute(_INSERT, values).scalar_one()
            stored = Stored(new_id, True, values["status"], None)
        metrics.MESSAGES_IN.labels(channel).inc()  # committed: a message we now answer for
        log.info("inbox %s stored: %s message on %s", stored.id, channel, conversation_id)
        return stored
    except IntegrityError:
        with factory() as session:
            existing = session.execute(
                select(InboxEvent.id, InboxEvent.status, InboxEvent.response).where(
                    InboxEvent.commune_id == commune_id,
                    InboxEvent.channel == channel,
                    InboxEvent.event_id == event_id[:200],
                )
            ).one()
            return Stored(existing.id, False, existing.status, existing.response)


# The hot path's statements are built once, with bound parameters: building a SELECT costs about as much as running
# it on SQLite (~0.2 ms each, benchmarks/profile_gateway.py).
_UNFINISHED = (
    select(InboxEvent.id)
    .where(InboxEvent.conversation_id == bindparam("key"), InboxEvent.status.in_((PENDING, PROCESSING)))
    .limit(1)
)
_TABLE = cast(Table, InboxEvent.__table__)
_INSERT = insert(_TABLE).returning(_TABLE.c.id)  # every column given: no ORM flush
_FINISH = (
    update(InboxEvent)
    .where(InboxEvent.id == bindparam("b_id"))  # (a column's own name is reserved in UPDATE)
    .values(
        status=PROCESSED,
        route=bindparam("b_route"),
        response=bindparam("b_response", type_=InboxEvent.response.type),
        lease_until=None,
        last_error=None,
        processed_at=bindparam("b_now", type_=InboxEvent.processed_at.type),
    )
    .execution_options(synchronize_session=False)
)


def has_unfinished(session: Session, *, conversation_id: str) -> bool:
    """Whether a message of the conversation is still waiting or being worked on."""
    return session.scalar(_UNFINISHED, {"key": conversation_id}) is not None


def claim_due(factory: sessionmaker[Session], *, limit: int) -> list[int]:
    with write_transaction(factory) as session:
        return claim(
            session, InboxEvent, waiting=PENDING, working=PROCESSING, limit=limit, lease_seconds=WORKER_LEASE_SECONDS
        )


def renew_leases(factory: sessionmaker[Session], ids: list[int]) -> None:
    with write_transaction(factory) as session:
        renew(session, InboxEvent, ids, working=PROCESSING, lease_seconds=WORKER_LEASE_SECONDS)


def load(session: Session, event_id: int) -> InboxEvent:
    row = session.get(InboxEvent, event_id)
    assert row is not None, f"inbox event {event_id} vanished"
    return row


def mark_done(
    session: Session,
    row: InboxEvent,
    *,
    route: str,
    response: list[dict[str, Any]] | None = None,
    ignored: bool = False,
) -> None:
    row.status = IGNORED if ignored else PROCESSED
    row.route = route
    row.response = response
    row.lease_until = None
    row.last_error = None
    row.processed_at = utcnow()


def finish(session: Session, event_id: int, *, route: str, response: list[dict[str, Any]] | None) -> None:
    """``mark_done`` in one UPDATE, without loading the row (the hot path of every bot turn)."""
    session.execute(_FINISH, {"b_id": event_id, "b_route": route, "b_response": response, "b_now": utcnow()})


def mark_retry(session: Session, event_id: int, *, error: str, busy_notified: bool) -> None:
    """Back to the queue with backoff (Rasa down); given up on after MAX_ATTEMPTS, with the reason kept."""
    row = load(session, event_id)
    row.last_error = error[:2000]
    row.busy_notified = row.busy_notified or busy_notified
    row.lease_until = None
    if row.attempts >= MAX_ATTEMPTS:
        dead_letter(session, row)
        return
    row.status = PENDING
    row.next_attempt_at = utcnow() + timedelta(seconds=backoff_seconds(row.attempts, base=1.0, cap=60.0))
