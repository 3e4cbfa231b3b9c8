"""Subscriptions: created on follow / start / opt-in, edited by the citizen's own messages, matched by hamlet and
topic when an announcement is queued. Unsubscribing also cancels announcements still waiting to be sent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, select, update
from sqlalchemy.orm import Session

from api.conversations import service as conversations
from api.db import utcnow
from api.errors import ValidationFailed
from api.outbox.models import CANCELLED, PENDING, OutboxMessage
from api.outbox.service import channel_of
from api.subscriptions.hamlets import Hamlet
from api.subscriptions.models import ACTIVE, UNSUBSCRIBED, Subscription
from api.subscriptions.topics import TOPICS, clean_topics

ANNOUNCEMENT_KIND = "announcement"
UNSUBSCRIBED_REASON = "Người dân đã hủy nhận tin trước khi tin được gửi."


def find(session: Session, *, conversation_id: str) -> Subscription | None:
    return session.scalar(select(Subscription).where(Subscription.conversation_id == conversation_id))


_AWAITING_HAMLET = select(Subscription.awaiting_hamlet).where(Subscription.conversation_id == bindparam("key"))


def awaiting_hamlet(session: Session, *, conversation_id: str) -> bool:
    """Whether the next message may answer the hamlet question (a read on the bot's hot path; the statement is built
    once)."""
    return bool(session.scalar(_AWAITING_HAMLET, {"key": conversation_id}))


def subscribe(session: Session, *, commune_id: int, conversation_id: str, source: str) -> tuple[Subscription, bool]:
    """The conversation's subscription, created or re-activated; True when it was not active before."""
    channel = channel_of(conversation_id)
    row = find(session, conversation_id=conversation_id)
    if row is None:
        conversations.ensure(session, conversation_id=conversation_id, commune_id=commune_id)
        row = Subscription(
            commune_id=commune_id,
            conversation_id=conversation_id,
            channel=channel,
            status=ACTIVE,
            topics=clean_topics(None),
            source=source,
            awaiting_hamlet=False,
        )
        session.add(row)
        session.flush()
        return row, True
    if row.status == ACTIVE:
        return row, False
    row.status, row.unsubscribed_at = ACTIVE, None
    row.topics = clean_topics(row.topics or None)
    session.flush()
    return row, True


def ask_hamlet(session: Session, *, subscription: Subscription) -> None:
    subscription.awaiting_hamlet = True
    subscription.hamlet_asked_at = utcnow()
    session.flush()


def set_hamlet(session: Session, *, subscription: Subscription, hamlet: Hamlet) -> None:
    subscription.hamlet, subscription.hamlet_key = hamlet.name[:100], hamlet.key[:100]
    subscription.awaiting_hamlet = False
    session.flush()


def stop_waiting(session: Session, *, subscription: Subscription) -> None:
    if subscription.awaiting_hamlet:
        subscription.awaiting_hamlet = False
        session.flush()


def set_topics(session: Session, *, subscription: Subscription, topics: list[str]) -> None:
    subscription.topics = clean_topics(topics)
    session.flush()


def unsubscribe(session: Session, *, conversation_id: str) -> Subscription | None:
    """Stop every announcement to the conversation, including those queued and not yet sent."""
    row = find(session, conversation_id=conversation_id)
    if row is not None and row.status != UNSUBSCRIBED:
        row.status, row.unsubscribed_at, row.awaiting_hamlet = UNSUBSCRIBED, utcnow(), False
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.conversation_id == conversation_id,
            OutboxMessage.kind == ANNOUNCEMENT_KIND,
            OutboxMessage.status == PENDING,
        )
        .values(status=CANCELLED, last_error=UNSUBSCRIBED_REASON, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return row


@dataclass(frozen=True)
class Audience:
    """Who an announcement goes to: hamlet keys (empty: every hamlet, and subscribers who gave none) and topics."""

    hamlet_keys: tuple[str, ...]
    topics: tuple[str, ...]


def _active(commune_id: int, audience: Audience) -> list[ColumnElement[bool]]:
    conditions = [Subscription.commune_id == commune_id, Subscription.status == ACTIVE]
    if audience.hamlet_keys:
        conditions.append(Subscription.hamlet_key.in_(audience.hamlet_keys))
    return conditions


def _wants(audience: Audience, topics: list[str] | None) -> bool:
    # Topics live in a JSON list: filtered in Python, the same way on SQLite and PostgreSQL.
    return not audience.topics or bool(set(audience.topics) & set(topics or ()))


def matching(
    session: Session, *, commune_id: int, audience: Audience, after_id: int, limit: int
) -> tuple[list[Subscription], int | None]:
    """Up to ``limit`` active subscriptions with id > after_id, in id order, and the last id looked at (the
    queueing job's cursor; None when there is nothing further)."""
    query = select(Subscription).where(*_active(commune_id, audience), Subscription.id > after_id)
    rows = session.scalars(query.order_by(Subscription.id).limit(limit)).all()
    if not rows:
        return [], None
    return [r for r in rows if _wants(audience, r.topics)], rows[-1].id


def count_matching(
    session: Session, *, commune_id: int, audience: Audience, after_id: int, besides: Select[Any] | None = None
) -> int:
    """How many active subscriptions with id > after_id the audience reaches, leaving out the ids ``besides``
    selects (those an earlier announcement of the same bulletin already reached)."""
    query = select(Subscription.topics).where(*_active(commune_id, audience), Subscription.id > after_id)
    if besides is not None:
        query = query.where(Subscription.id.not_in(besides))
    return sum(1 for topics in session.scalars(query) if _wants(audience, topics))


def validate_audience(hamlets: list[str], topics: list[str]) -> None:
    unknown = [t for t in topics if t not in TOPICS]
    if unknown:
        raise ValidationFailed(
            f"Chủ đề không có: {', '.join(unknown)} (chọn trong: {', '.join(TOPICS)}).",
            code="unknown_topic",
            field="topics",
        )
    if any(not h.strip() for h in hamlets):
        raise ValidationFailed("Tên ấp không được để trống.", code="empty_hamlet", field="hamlets")


def counts(session: Session, *, commune_id: int) -> dict[str, dict[str, int]]:
    """Active subscribers by hamlet and by channel, for the console."""
    rows = session.execute(
        select(Subscription.hamlet, Subscription.channel, func.count())
        .where(Subscription.commune_id == commune_id, Subscription.status == ACTIVE)
        .group_by(Subscription.hamlet, Subscription.channel)
    ).all()
    by_hamlet: dict[str, int] = {}
    by_channel: dict[str, int] = {}
    for hamlet, channel, n in rows:
        by_hamlet[hamlet or "(chưa cho biết ấp)"] = by_hamlet.get(hamlet or "(chưa cho biết ấp)", 0) + n
        by_channel[channel] = by_channel.get(channel, 0) + n
    return {"hamlets": by_hamlet, "channels": by_channel}
