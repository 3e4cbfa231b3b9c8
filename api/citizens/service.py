"""Citizen contacts: found or created from a conversation, exported and erased on request."""

from __future__ import annotations

import re
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.citizens.models import ChannelIdentity, Citizen
from api.citizens.refs import public_ref
from api.errors import NotFound, ValidationFailed
from channels.ids import NAMES, ConversationId

CHANNELS = NAMES
_PHONE_RE = re.compile(r"^\+?\d{8,15}$")
_citizens, _identities = cast(Table, Citizen.__table__), cast(Table, ChannelIdentity.__table__)
# Core statements for the case-filing hot path (citizen_id_for_conversation), built once.
_FIND_ROW = (
    select(_citizens.c.id, _citizens.c.commune_id, _citizens.c.display_name, _citizens.c.phone)
    .join_from(_identities, _citizens, _citizens.c.id == _identities.c.citizen_id)
    .where(_identities.c.conversation_id == bindparam("conversation_id"))
)
_INSERT_CITIZEN, _INSERT_IDENTITY = insert(_citizens).returning(_citizens.c.id), insert(_identities)
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


def find_identity(session: Session, *, conversation_id: str) -> ChannelIdentity | None:
    return session.scalar(select(ChannelIdentity).where(ChannelIdentity.conversation_id == conversation_id))


def get_or_create_citizen(
    session: Session,
    *,
    commune_id: int,
    conversation_id: str,
    channel: str,
    display_name: str | None = None,
    phone: str | None = None,
) -> Citizen:
    """The citizen behind a conversation, created on first contact; newer name/phone replace older ones.

    Filing a case uses ``citizen_id_for_conversation`` below instead (the same rules in SQLAlchemy Core).
    """
    check_conversation_id(conversation_id, channel)
    phone = normalize_phone(phone, field="phone")
    identity = find_identity(session, conversation_id=conversation_id)
    name = _clean_name(display_name)
    if identity is None:
        citizen = Citizen(commune_id=commune_id, display_name=name, phone=phone)
        citizen.identities.append(ChannelIdentity(channel=channel, conversation_id=conversation_id))
        try:
            with session.begin_nested():  # two first messages racing: the loser reads the winner's row
                session.add(citizen)
        except IntegrityError:
            identity = find_identity(session, conversation_id=conversation_id)
            if identity is None:
                raise
            citizen = identity.citizen
    else:
        citizen = identity.citizen
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
    """``get_or_create_citizen`` in SQLAlchemy Core, for the case-filing hot path: the citizen's id.

    A concurrent first message from the same conversation makes the identity INSERT fail on its unique key: the
    caller then retries its whole transaction, which finds the winner's row.
    """
    check_conversation_id(conversation_id, channel)
    phone = normalize_phone(phone, field="phone")
    name = _clean_name(display_name)
    row = connection.execute(_FIND_ROW, {"conversation_id": conversation_id}).first()
    if row is None:
        citizen_id: int = connection.execute(
            _INSERT_CITIZEN, {"commune_id": commune_id, "display_name": name, "phone": phone}
        ).scalar_one()
        connection.execute(
            _INSERT_IDENTITY, {"citizen_id": citizen_id, "channel": channel, "conversation_id": conversation_id}
        )
        return citizen_id
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
    identity = find_identity(session, conversation_id=conversation_id)
    return identity.citizen if identity else None


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
        "identities": [
            {"channel": i.channel, "conversation_id": public_ref(i.conversation_id), "created_at": i.created_at}
            for i in citizen.identities
        ],
    }
