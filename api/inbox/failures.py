"""Poison messages: a message whose handling raises is retried with backoff, then becomes a dead letter.

A dead letter never blocks its conversation (the claim only waits behind pending rows), the citizen is told once that
staff will look at it, and staff see it on the console (``/staff/dead-letters``) next to the outbox messages that could
not be delivered, where they can send it round again or dismiss it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from api.conversations import access
from api.db import utcnow
from api.errors import NotFound
from api.inbox_events.models import FAILED, PENDING, PROCESSING, InboxEvent
from api.infra.leasing import as_utc, backoff_seconds
from api.infra.writes import write_transaction
from api.outbox.models import FAILED as OUTBOX_FAILED
from api.outbox.models import PENDING as OUTBOX_PENDING
from api.outbox.models import OutboxMessage
from api.outbox.service import enqueue_message
from api.staff.models import Staff
from channels import registry

log = logging.getLogger(__name__)

DEAD_LETTER_NOTICE = (
    "Xin lỗi, hệ thống chưa tự xử lý được tin nhắn vừa rồi của anh/chị. Tin nhắn đã được chuyển cho cán bộ xã xem và "
    "trả lời. Anh/chị vẫn có thể tiếp tục nhắn tin với trợ lý ảo."
)
NOTICE_QUIET = timedelta(hours=1)  # several dead letters in a row: the citizen is told once, not once each
FAILURE_BACKOFF_BASE = 2.0
FAILURE_BACKOFF_CAP = 300.0
Kind = Literal["inbound", "outbound"]


def dead_letter(session: Session, row: InboxEvent) -> bool:
    """Give up on ``row``; the citizen is told once (not again if staff retry it and it fails again, nor for the
    next dead letter of the same conversation within ``NOTICE_QUIET``).
    Returns whether a notice was queued."""
    row.status = FAILED
    row.lease_until = None
    first = row.failed_at is None
    row.failed_at = utcnow()
    row.dismissed_at = None
    if not first or _told_lately(session, row.conversation_id):
        return False
    enqueue_message(
        session,
        commune_id=row.commune_id,
        conversation_id=row.conversation_id,
        text=DEAD_LETTER_NOTICE,
        kind="dead_letter",
    )
    return True


def _told_lately(session: Session, conversation_id: str) -> bool:
    since = utcnow() - NOTICE_QUIET
    told = select(OutboxMessage.id).where(
        OutboxMessage.conversation_id == conversation_id,
        OutboxMessage.kind == "dead_letter",
        OutboxMessage.created_at >= since,
    )
    return session.scalar(told.limit(1)) is not None


def record_failure(factory: sessionmaker[Session], event_id: int, *, error: str, max_failures: int) -> bool:
    """Handling ``event_id`` raised: back to the queue with backoff, or a dead letter after ``max_failures``.
    Runs in its own transaction (the handler's was rolled back). Returns whether a notice went to the outbox."""
    with write_transaction(factory) as session:
        row = session.get(InboxEvent, event_id)
        if row is None or row.status not in (PENDING, PROCESSING):
            return False
        row.failures = (row.failures or 0) + 1
        row.last_error = error[:2000]
        row.lease_until = None
        if row.failures >= max_failures:
            log.error("inbox %s is a dead letter after %s failures: %s", event_id, row.failures, error[:200])
            return dead_letter(session, row)
        delay = backoff_seconds(row.failures, base=FAILURE_BACKOFF_BASE, cap=FAILURE_BACKOFF_CAP)
        row.status = PENDING
        row.next_attempt_at = utcnow() + timedelta(seconds=delay)
        return False


@dataclass(frozen=True)
class DeadLetter:
    kind: Kind
    id: int
    channel: str
    conversation_id: str
    text: str
    error: str
    attempts: int
    at: datetime | None


def _inbound_text(channel: str, raw: str, commune: str = "-") -> str:
    """What the citizen wrote, read back through the channel's parser (the raw event itself may be the poison)."""
    try:
        messages = registry.get(channel).parse(json.loads(raw), commune=commune)
    except Exception:
        return raw[:300]
    if not messages:
        return ""
    message = messages[0]
    return message.text or f"[{message.kind}]"


def list_dead_letters(session: Session, *, staff: Staff, limit: int = 200) -> list[DeadLetter]:
    """Undismissed dead letters ``staff`` may read (the conversation access rule), newest first: inbound messages
    given up on and undeliverable replies. Conversations are named by their sealed reference, never their id."""
    inbound = session.scalars(
        select(InboxEvent)
        .where(
            access.visible(staff, InboxEvent.conversation_id, InboxEvent.commune_id),
            InboxEvent.status == FAILED,
            InboxEvent.dismissed_at.is_(None),
        )
        .order_by(InboxEvent.id.desc())
        .limit(limit)
    ).all()
    outbound = session.scalars(
        select(OutboxMessage)
        .where(
            access.visible(staff, OutboxMessage.conversation_id, OutboxMessage.commune_id),
            OutboxMessage.status == OUTBOX_FAILED,
            OutboxMessage.dismissed_at.is_(None),
        )
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    ).all()
    letters = [
        DeadLetter(
            "inbound",
            row.id,
            row.channel,
            access.public_ref(row.conversation_id) or "",
            _inbound_text(row.channel, row.raw),
            row.last_error or "",
            row.failures or row.attempts,
            as_utc(row.failed_at or row.received_at),
        )
        for row in inbound
    ]
    letters += [
        DeadLetter(
            "outbound",
            m.id,
            m.channel,
            access.public_ref(m.conversation_id) or "",
            m.text,
            m.last_error or "",
            m.attempts,
            m.created_at,
        )
        for m in outbound
    ]
    return sorted(letters, key=lambda letter: letter.at.timestamp() if letter.at else 0.0, reverse=True)[:limit]


def _model(kind: Kind) -> type[InboxEvent] | type[OutboxMessage]:
    return InboxEvent if kind == "inbound" else OutboxMessage


def _check(session: Session, *, kind: Kind, letter_id: int, commune_id: int) -> None:
    model = _model(kind)
    found = session.scalar(
        select(model.id).where(model.id == letter_id, model.commune_id == commune_id, model.status == FAILED)
    )
    if found is None:
        raise NotFound("Không tìm thấy tin nhắn lỗi này (có thể đã được xử lý).", code="dead_letter_not_found")


def retry_dead_letter(session: Session, *, kind: Kind, letter_id: int, commune_id: int) -> None:
    """Staff send it round again (after a fix): due now, with a fresh failure count."""
    _check(session, kind=kind, letter_id=letter_id, commune_id=commune_id)
    now = utcnow()
    if kind == "inbound":
        values = {"status": PENDING, "failures": 0, "next_attempt_at": now}
        session.execute(update(InboxEvent).where(InboxEvent.id == letter_id).values(**values))
    else:
        values = {"status": OUTBOX_PENDING, "attempts": 0, "next_attempt_at": now}
        session.execute(update(OutboxMessage).where(OutboxMessage.id == letter_id).values(**values))


def dismiss_dead_letter(session: Session, *, kind: Kind, letter_id: int, commune_id: int) -> None:
    _check(session, kind=kind, letter_id=letter_id, commune_id=commune_id)
    model = _model(kind)
    session.execute(update(model).where(model.id == letter_id).values(dismissed_at=utcnow()))
