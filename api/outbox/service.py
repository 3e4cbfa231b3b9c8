"""Writing to the outbox (inside the caller's transaction) and reading what staff need to see.

Every write wakes the delivery worker once the caller's transaction commits (``after_commit``; in every gateway
process through Redis when it is set), so a message leaves at once instead of at the worker's next poll.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from api.db import utcnow
from api.errors import ValidationFailed
from api.infra.bulk import insert_rows
from api.infra.logs import current_request_id
from api.infra.signals import after_commit
from api.outbox.models import PENDING, PRIORITY_NORMAL, OutboxMessage
from channels.ids import ConversationId

log = logging.getLogger(__name__)

# Bounds on what one stored message holds; the shape itself (button count, length) is the connector's business:
# it splits long texts and pages buttons with "Xem thêm" (channels/paging.py), so a reply is never refused for it.
MAX_TEXT = 20_000
MAX_BUTTONS = 100
_OUTBOX = cast(Table, OutboxMessage.__table__)
_INSERT = insert(_OUTBOX).returning(_OUTBOX.c.id)


def channel_of(conversation_id: str) -> str:
    parsed = ConversationId.try_parse(conversation_id)
    if parsed is None:
        raise ValidationFailed(
            f"Mã hội thoại '{conversation_id[:80]}' không hợp lệ "
            "(cần dạng zalo:<xã>:<id>, tg:<xã>:<id> hoặc web:<xã>:<id>).",
            code="invalid_conversation_id",
            field="conversation_id",
        )
    return parsed.channel


def _clean_buttons(buttons: list[dict[str, Any]] | None) -> list[dict[str, str]] | None:
    """Buttons as stored: a title and a payload each (the title stands in for a missing payload); anything without a
    title is dropped, not refused."""
    cleaned = []
    for button in buttons or []:
        if not isinstance(button, dict):
            continue
        title = str(button.get("title") or "").strip()
        payload = str(button.get("payload") or "").strip() or title
        if title:
            cleaned.append({"title": title[:100], "payload": payload[:1000]})
    if len(cleaned) > MAX_BUTTONS:
        log.warning("a message with %s buttons keeps the first %s", len(cleaned), MAX_BUTTONS)
    return cleaned[:MAX_BUTTONS] or None


def _message_values(
    *,
    commune_id: int,
    conversation_id: str,
    text: str,
    buttons: list[dict[str, Any]] | None,
    image_url: str | None,
    case_id: int | None,
    kind: str,
    priority: int = PRIORITY_NORMAL,
    context: dict[str, Any] | None = None,
) -> dict[str, Any]:
    channel = channel_of(conversation_id)
    text = (text or "").strip()
    if not text and not image_url:
        raise ValidationFailed("Tin nhắn không được để trống.", code="empty_message", field="text")
    if len(text) > MAX_TEXT:
        log.warning("a message of %s characters to %s is cut to %s", len(text), conversation_id, MAX_TEXT)
        text = text[: MAX_TEXT - 1] + "…"
    return {
        "commune_id": commune_id,
        "conversation_id": conversation_id,
        "channel": channel,
        "kind": kind,
        "text": text,
        "buttons": _clean_buttons(buttons),
        "image_url": image_url,
        "case_id": case_id,
        "request_id": current_request_id(),  # the message this answers, for the logs (api/infra/logs.py)
        "status": PENDING,
        "attempts": 0,
        "parts_sent": 0,
        "next_attempt_at": utcnow(),
        "priority": priority,
        "context": context,
    }


def enqueue_message(
    session: Session,
    *,
    commune_id: int,
    conversation_id: str,
    text: str,
    buttons: list[dict[str, Any]] | None = None,
    image_url: str | None = None,
    case_id: int | None = None,
    kind: str = "reply",
    priority: int = PRIORITY_NORMAL,
    context: dict[str, Any] | None = None,
) -> OutboxMessage:
    """Store a message for the conversation's channel; it is sent only if the caller's transaction commits."""
    message = OutboxMessage(
        **_message_values(
            commune_id=commune_id,
            conversation_id=conversation_id,
            text=text,
            buttons=buttons,
            image_url=image_url,
            case_id=case_id,
            kind=kind,
            priority=priority,
            context=context,
        )
    )
    session.add(message)
    session.flush()
    after_commit(session, "outbox")
    return message


def enqueue_message_row(
    session: Session,
    *,
    commune_id: int,
    conversation_id: str,
    text: str,
    buttons: list[dict[str, Any]] | None = None,
    image_url: str | None = None,
    case_id: int | None = None,
    kind: str = "reply",
    priority: int = PRIORITY_NORMAL,
    context: dict[str, Any] | None = None,
) -> int:
    """``enqueue_message`` in SQLAlchemy Core (the hot paths: case filing, Rasa's replies): the same row, and its id."""
    values = _message_values(
        commune_id=commune_id,
        conversation_id=conversation_id,
        text=text,
        buttons=buttons,
        image_url=image_url,
        case_id=case_id,
        kind=kind,
        priority=priority,
        context=context,
    )
    message_id: int = session.connection().execute(_INSERT, values).scalar_one()
    after_commit(session, "outbox")
    return message_id


Outgoing = tuple[str, str, dict[str, Any]]  # conversation id, text, template context


def enqueue_message_rows(
    session: Session, *, commune_id: int, kind: str, priority: int, messages: list[Outgoing]
) -> list[int]:
    """Many text messages (conversation id, text, context) queued in one batched INSERT; their ids in the same
    order. The same rows as ``enqueue_message_row`` (announcements queue a thousand at a time)."""
    if not messages:
        return []
    values = [
        _message_values(
            commune_id=commune_id,
            conversation_id=conversation_id,
            text=text,
            buttons=None,
            image_url=None,
            case_id=None,
            kind=kind,
            priority=priority,
            context=context,
        )
        for conversation_id, text, context in messages
    ]
    ids = insert_rows(session.connection(), _OUTBOX, values)
    after_commit(session, "outbox")
    return ids


def messages_for_conversation(session: Session, *, conversation_id: str, limit: int = 100) -> list[OutboxMessage]:
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.conversation_id == conversation_id)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return list(reversed(list(session.scalars(query))))


MORE_TEXT = "Các lựa chọn tiếp theo:"


def enqueue_next_page(session: Session, *, conversation_id: str, message_id: int, offset: int) -> bool:
    """The citizen pressed "Xem thêm" under message ``message_id``: queue its buttons from ``offset`` on as a new
    message (the connector pages it again). False when the message is not this conversation's, or nothing is left."""
    message = session.get(OutboxMessage, message_id)
    if message is None or message.conversation_id != conversation_id or offset < 1:
        return False
    rest = list(message.buttons or [])[offset:]
    if not rest:
        return False
    enqueue_message(
        session,
        commune_id=message.commune_id,
        conversation_id=conversation_id,
        text=MORE_TEXT,
        buttons=rest,
        case_id=message.case_id,
        kind="more",
    )
    return True
