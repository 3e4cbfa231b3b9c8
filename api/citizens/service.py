"""Citizen contacts: found or created from a conversation, exported and erased on request.

The citizen behind a conversation is its row's ``citizen_id`` (api/citizens/models.py). The row must exist first:
``api.conversations.service.ensure`` makes sure of it (the callers sit above this package and call it)."""

from __future__ import annotations

import re
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session

from api.citizens.models import Citizen, Conversation
from api.citizens.refs import public_ref
from api.errors import NotFound, ValidationFailed
from channels.ids import NAMES, ConversationId

CHANNELS = NAMES
_PHONE_RE = re.compile(r"^\+?\d{8,15}$")
_citizens, _conversations = cast(Table, Citizen.__table__), cast(Table, Conversation.__table__)
# Core statements for the case-filing hot path (citizen_id_for_conversation), built once.
_FIND_ROW = (
    select(_citizens.c.id, _citizens.c.commune_id, _citizens.c.display_name, _citizens.c.phone)
    .join_from(_conversations, _citizens, _citizens.c.id == _conversations.c.citizen_id)
    .where(_conversations.c.conversation_id == bindparam("conversation_id"))
)
# The conversation's row, locked: two first messages of one conversation make one citizen.
_LOCK_CONVERSATION = (
    select(_conversations.c.citizen_id)
    .where(_conversations.c.conversation_id == bindparam("conversation_id"))
    .with_for_update()
)
_INSERT_CITIZEN = insert(_citizens).returning(_citizens.c.id)
_LINK = (
    update(_conversations)
    .where(_conversations.c.conversation_id == bindparam("key"))
    .values(citizen_id=bindparam("citizen"))
)
_UPDATE_CONTACT = update(_citizens).where(_citizens.c.id == bindparam("citizen_id"))


def normalize_phone(phone: str | None, *, field: str = "phone") -> str | None:
    if phone is None or not phone.strip():
        return None
    compact = re.sub(r"[\s.\-()]", "", phone)
    if not _PHONE_RE.match(compact):
        raise ValidationFailed("Số điện thoại không hợp lệ.", code="invalid_phone", field=field)
    return compact


def check_conversation_id(conversation_id: str, channel: str, *, field: str = "conversation_id") -> None:
    """Conversation ids are channel-prefixed: ``zalo:<commune>:<uid>``, ``tg:…``, ``web:…``."""
    if channel not in CHANNELS:
        raise ValidationFailed(f"Kênh '{channel}' không được hỗ trợ.", code="invalid_channel", field="channel")
    parsed = ConversationId.try_parse(conversation_id)
    if parsed is None or parsed.channel != channel:
        raise ValidationFailed(
            "Mã hội thoại phải có dạng '<kênh>:<xã>:<mã>' khớp với kênh.", code="invalid_conversation_id", field=field
        )


class ConversationNotRegistered(LookupError):
    """The conversation has no row yet: ``api.conversations.service.ensure`` comes first."""


def _citizen_row(connection: Connection, *, commune_id: int, conversation_id: str, name: str | None,
                 phone: str | None) -> int:  # fmt: skip
    """The citizen's id: the conversation's, else a new citizen linked to it (under the row's lock)."""
    locked = connection.execute(_LOCK_CONVERSATION, {"conversation_id": conversation_id}).first()
    if locked is None:
        raise ConversationNotRegistered(conversation_id)
    if locked.citizen_id is not None:
        return int(locked.citizen_id)
    citizen_id: int = connection.execute(
        _INSERT_CITIZEN, {"commune_id": commune_id, "display_name": name, "phone": phone}
    ).scalar_one()
    connection.execute(_LINK, {"key": conversation_id, "citizen": citizen_id})
    return citizen_id


def get_or_create_citizen(
    session: Session,
    *,
    commune_id: int,
    conversation_id: str,
    channel: str,
    display_name: str | None = None,
    phone: str | None = None,
) -> Citizen:
    """The citizen behind a conversation (its row registered first), created on first contact; newer name/phone
    replace older ones."""
    check_conversation_id(conversation_id, channel)
    phone = normalize_phone(phone, field="phone")
    name = _clean_name(display_name)
    citizen_id = _citizen_row(
        session.connection(), commune_id=commune_id, conversation_id=conversation_id, name=name, phone=phone
    )
    citizen = session.get(Citizen, citizen_id)
    assert citizen is not None
    if citizen.commune_id != commune_id:
        raise ValidationFailed(
            "Hội thoại này thuộc xã/phường khác.", code="conversation_commune_mismatch", field="conversation_id"
        )
    if name and citizen.display_name != name:
        citizen.display_name = name
    if phone and citizen.phone != phone:
        citizen.phone = phone
    session.flush()
    return citizen


def citizen_id_for_conversation(
    connection: Connection,
    *,
    commune_id: int,
    conversation_id: str,
    channel: str,
    display_name: str | None = None,
    phone: str | None = None,
) -> int:
    """``get_or_create_citizen`` in SQLAlchemy Core, for the case-filing hot path: the citizen's id."""
    check_conversation_id(conversation_id, channel)
    phone = normalize_phone(phone, field="phone")
    name = _clean_name(display_name)
    row = connection.execute(_FIND_ROW, {"conversation_id": conversation_id}).first()
    if row is None:
        return _citizen_row(connection, commune_id=commune_id, conversation_id=conversation_id, name=name, phone=phone)
    if row.commune_id != commune_id:
        raise ValidationFailed(
            "Hội thoại này thuộc xã/phường khác.", code="conversation_commune_mismatch", field="conversation_id"
        )
    changes = {}
    if name and row.display_name != name:
        changes["display_name"] = name
    if phone and row.phone != phone:
        changes["phone"] = phone
    if changes:
        connection.execute(_UPDATE_CONTACT.values(**changes), {"citizen_id": row.id})
    return int(row.id)


def _clean_name(display_name: str | None) -> str | None:
    return display_name.strip()[:200] if display_name and display_name.strip() else None


def citizen_for_conversation(session: Session, *, conversation_id: str) -> Citizen | None:
    return session.scalar(
        select(Citizen)
        .join(Conversation, Conversation.citizen_id == Citizen.id)
        .where(Conversation.conversation_id == conversation_id)
    )


def get_citizen(session: Session, *, commune_id: int, citizen_id: int) -> Citizen:
    citizen = session.get(Citizen, citizen_id)
    if citizen is None or citizen.commune_id != commune_id:
        raise NotFound("Không tìm thấy người dân.", code="citizen_not_found", field="citizen_id")
    return citizen


def list_citizens(
    session: Session, *, commune_id: int, q: str | None, page: int, per_page: int
) -> tuple[list[Citizen], int]:
    query = select(Citizen).where(Citizen.commune_id == commune_id)
    if q:
        like = f"%{q.strip().lower()}%"
        query = query.where(or_(func.lower(Citizen.display_name).like(like), Citizen.phone.like(like)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Citizen.created_at.desc(), Citizen.id.desc()).offset((page - 1) * per_page).limit(per_page)
    )
    return list(rows), total


def citizen_summary(citizen: Citizen) -> dict[str, Any]:
    return {
        "id": citizen.id,
        "display_name": citizen.display_name,
        "phone": citizen.phone,
        "created_at": citizen.created_at,
        "erased_at": citizen.erased_at,
        "identities": [  # the conversations they wrote from
            {"channel": c.channel, "conversation_id": public_ref(c.conversation_id), "created_at": c.created_at}
            for c in citizen.conversations
        ],
    }
