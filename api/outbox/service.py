"""Writing to the outbox (inside the caller's transaction) and reading what staff need to see."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Connection, Table, insert, select
from sqlalchemy.orm import Session

from api.db import utcnow
from api.errors import ValidationFailed
from api.outbox.models import PENDING, OutboxMessage

# Conversation ids are channel-prefixed: zalo:<commune>:<uid>, tg:<commune>:<chat>, web:<commune>:<uuid>.
CHANNEL_BY_PREFIX = {"zalo": "zalo", "tg": "telegram", "web": "web"}
MAX_TEXT = 20_000
MAX_BUTTONS = 10
_OUTBOX = cast(Table, OutboxMessage.__table__)
_INSERT = insert(_OUTBOX).returning(_OUTBOX.c.id)


def channel_of(conversation_id: str) -> str:
    prefix, _, rest = conversation_id.partition(":")
    channel = CHANNEL_BY_PREFIX.get(prefix)
    if channel is None or ":" not in rest:
        raise ValidationFailed(
            f"Mã hội thoại '{conversation_id[:80]}' không hợp lệ "
            "(cần dạng zalo:<xã>:<id>, tg:<xã>:<id> hoặc web:<xã>:<id>).",
            code="invalid_conversation_id",
            field="conversation_id",
        )
    return channel


def _clean_buttons(buttons: list[dict[str, Any]] | None) -> list[dict[str, str]] | None:
    if not buttons:
        return None
    if len(buttons) > MAX_BUTTONS:
        raise ValidationFailed(f"Tối đa {MAX_BUTTONS} nút bấm cho một tin nhắn.", field="buttons")
    cleaned = []
    for button in buttons:
        title, payload = str(button.get("title") or "").strip(), str(button.get("payload") or "").strip()
        if not title or not payload:
            raise ValidationFailed("Mỗi nút bấm cần 'title' và 'payload'.", field="buttons")
        cleaned.append({"title": title[:100], "payload": payload[:1000]})
    return cleaned


def _message_values(
    *,
    commune_id: int,
    conversation_id: str,
    text: str,
    buttons: list[dict[str, Any]] | None,
    image_url: str | None,
    case_id: int | None,
    kind: str,
) -> dict[str, Any]:
    channel = channel_of(conversation_id)
    text = (text or "").strip()
    if not text and not image_url:
        raise ValidationFailed("Tin nhắn không được để trống.", code="empty_message", field="text")
    if len(text) > MAX_TEXT:
        raise ValidationFailed(f"Tin nhắn quá dài (tối đa {MAX_TEXT} ký tự).", field="text")
    return {
        "commune_id": commune_id,
        "conversation_id": conversation_id,
        "channel": channel,
        "kind": kind,
        "text": text,
        "buttons": _clean_buttons(buttons),
        "image_url": image_url,
        "case_id": case_id,
        "status": PENDING,
        "attempts": 0,
        "parts_sent": 0,
        "next_attempt_at": utcnow(),
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
        )
    )
    session.add(message)
    session.flush()
    return message


def enqueue_message_row(
    connection: Connection,
    *,
    commune_id: int,
    conversation_id: str,
    text: str,
    case_id: int | None = None,
    kind: str = "reply",
) -> int:
    """``enqueue_message`` in SQLAlchemy Core (the case-filing hot path): the same row, and its id."""
    values = _message_values(
        commune_id=commune_id,
        conversation_id=conversation_id,
        text=text,
        buttons=None,
        image_url=None,
        case_id=case_id,
        kind=kind,
    )
    message_id: int = connection.execute(_INSERT, values).scalar_one()
    return message_id


def messages_for_case(session: Session, *, case_id: int) -> list[OutboxMessage]:
    """Delivery state of every message of a case (status and reason), for the staff console."""
    query = select(OutboxMessage).where(OutboxMessage.case_id == case_id).order_by(OutboxMessage.id)
    return list(session.scalars(query))


def messages_for_conversation(session: Session, *, conversation_id: str, limit: int = 100) -> list[OutboxMessage]:
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.conversation_id == conversation_id)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return list(reversed(list(session.scalars(query))))
