"""Alerting the health station about an emergency, with the existing case APIs, inside the caller's transaction.

- The conversation's open case (a handoff, or a case staff chat on) gets the citizen's words and an urgent note, and
  its priority becomes urgent: whoever is talking with the citizen sees it first.
- The health station gets one urgent consultation case per emergency: a second or third message about the same
  emergency ("ở ấp 3, số nhà 12") goes onto that case instead of filing another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.cases.catalog import OPEN_STATUSES, Kind, Priority
from api.cases.creation import NewCase, create_case, find_commune_ref
from api.cases.models import Case
from api.cases.service import find_conversation_case, record_citizen_message, timeline
from api.citizens.service import get_or_create_citizen, normalize_phone
from api.conversations import service as conversations
from api.db import utcnow
from api.errors import ValidationFailed
from channels.base import InboundMessage
from knowledge.emergency import Situation

# Messages within this time of an open emergency case are about the same emergency.
SAME_EMERGENCY = timedelta(hours=6)
_OPEN = [status.value for status in OPEN_STATUSES]


@dataclass(frozen=True)
class Alert:
    code: str  # the case the health station works from
    filed: bool  # a new case (False: noted on an open one)


def _citizen_id(session: Session, *, commune_id: int, channel: str, message: InboundMessage) -> int:
    conversations.ensure(session, conversation_id=message.conversation_id, commune_id=commune_id)  # the citizen's link
    try:
        citizen = get_or_create_citizen(
            session, commune_id=commune_id, conversation_id=message.conversation_id, channel=channel,
            display_name=message.display_name, phone=message.phone,
        )  # fmt: skip
    except ValidationFailed:  # a phone number we cannot read must not stop the alert
        citizen = get_or_create_citizen(
            session, commune_id=commune_id, conversation_id=message.conversation_id, channel=channel
        )
    return citizen.id


def open_emergency_case(session: Session, *, conversation_id: str) -> Case | None:
    """The conversation's urgent health case filed in the last hours and still open, if any."""
    return session.scalar(
        select(Case)
        .where(
            Case.conversation_id == conversation_id,
            Case.kind == Kind.consultation.value,
            Case.priority == Priority.urgent.value,
            Case.status.in_(_OPEN),
            Case.created_at > utcnow() - SAME_EMERGENCY,
        )
        .order_by(Case.created_at.desc(), Case.id.desc())
        .limit(1)
    )


def _note(session: Session, case: Case, message: InboundMessage, situation: Situation, triage: str) -> None:
    record_citizen_message(session, case=case, text=message.text)
    body = (
        f"KHẨN CẤP – {situation.title}: người dân có thể đang cần cấp cứu. {triage} "
        "Trợ lý ảo đã gửi số cần gọi và hướng dẫn sơ cứu ban đầu; hãy liên hệ người dân ngay."
    )
    timeline(session, case, "note", actor_type="system", body=body, data={"emergency": situation.id})
    case.priority = Priority.urgent.value


def _phone(message: InboundMessage) -> str | None:
    try:
        return normalize_phone(message.phone)
    except ValidationFailed:
        return None


def alert_station(
    session: Session,
    *,
    commune_id: int,
    commune_slug: str,
    channel: str,
    message: InboundMessage,
    situation: Situation,
    triage: str = "",
) -> Alert:
    """Note the emergency on the conversation's open case and on (or as) the health station's urgent case."""
    citizen_id = _citizen_id(session, commune_id=commune_id, channel=channel, message=message)
    owner = find_conversation_case(session, conversation_id=message.conversation_id)
    if owner is not None:
        _note(session, owner, message, situation, triage)
        if owner.kind == Kind.consultation.value:  # the health station already holds the conversation
            session.flush()
            return Alert(owner.code, filed=False)
    existing = open_emergency_case(session, conversation_id=message.conversation_id)
    if existing is not None:
        if existing is not owner:
            _note(session, existing, message, situation, triage)
        session.flush()
        return Alert(existing.code, filed=False)
    created = create_case(
        session,
        commune=find_commune_ref(session, slug=commune_slug),
        citizen_id=citizen_id,
        new=NewCase(
            kind=Kind.consultation,
            title=f"KHẨN CẤP – {situation.title}",
            description=f"{message.text}\n\nTình huống: {situation.title}. {triage}\nTrợ lý ảo đã gửi số cần gọi "
            "và hướng dẫn sơ cứu ban đầu; hãy liên hệ người dân ngay.",
            priority=Priority.urgent,
            source="bot",
            channel=channel,
            conversation_id=message.conversation_id,
            contact_name=message.display_name,
            contact_phone=_phone(message),
        ),
    )
    return Alert(created.code, filed=True)
