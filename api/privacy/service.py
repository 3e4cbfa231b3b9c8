"""Consents per channel identity and purpose, and the record of data-subject requests (keyword-only, never HTTP)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.conversations import service as conversations
from api.db import utcnow
from api.privacy.models import Consent, ConsentStatus, DataRequest, Purpose, RequestKind

_STATUS = select(Consent.status).where(
    Consent.conversation_id == bindparam("key"), Consent.purpose == bindparam("purpose")
)


def consent_status(session: Session, *, conversation_id: str, purpose: Purpose) -> ConsentStatus | None:
    """The conversation's answer for ``purpose``, None when it was never asked (read on every turn for the privacy
    notice: the statement is built once)."""
    status = session.scalar(_STATUS, {"key": conversation_id, "purpose": purpose.value})
    return ConsentStatus(status) if status else None


def health_consent_given(session: Session, *, conversation_id: str) -> bool:
    """Cases ask this before storing a consultation's health details (api/cases/consent.py)."""
    return consent_status(session, conversation_id=conversation_id, purpose=Purpose.health) == ConsentStatus.granted


def review_allowed(session: Session, *, conversation_id: str) -> bool:
    """The review inbox keeps a citizen's words unless they withdrew consent (api/nlu/capture.py asks)."""
    return consent_status(session, conversation_id=conversation_id, purpose=Purpose.service) != ConsentStatus.withdrawn


def set_consent(
    session: Session,
    *,
    commune_id: int,
    conversation_id: str,
    channel: str,
    purpose: Purpose,
    status: ConsentStatus,
    citizen_id: int | None = None,
) -> bool:
    """Record the latest answer for (conversation, purpose); False when it was already so (nothing changed)."""
    row = session.scalar(
        select(Consent).where(Consent.conversation_id == conversation_id, Consent.purpose == purpose.value)
    )
    if row is not None:
        if row.status == status.value:
            return False
        row.status, row.updated_at = status.value, utcnow()
        row.citizen_id = row.citizen_id or citizen_id
        return True
    conversations.ensure(session, conversation_id=conversation_id, commune_id=commune_id)
    try:
        with session.begin_nested():  # two first messages racing: one row, the loser changes nothing
            session.add(
                Consent(
                    commune_id=commune_id, conversation_id=conversation_id, channel=channel, purpose=purpose.value,
                    status=status.value, citizen_id=citizen_id,
                )
            )  # fmt: skip
    except IntegrityError:
        return False
    return True


def consents_of(session: Session, *, conversation_ids: list[str]) -> list[Consent]:
    return list(session.scalars(select(Consent).where(Consent.conversation_id.in_(conversation_ids))))


def record_request(
    session: Session,
    *,
    commune_id: int,
    citizen_id: int | None,
    kind: RequestKind,
    channel: str,
    status: str,
    outcome: dict[str, Any],
) -> DataRequest:
    row = DataRequest(
        commune_id=commune_id, citizen_id=citizen_id, kind=kind.value, channel=channel, status=status, outcome=outcome
    )
    session.add(row)
    session.flush()
    return row
