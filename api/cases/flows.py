"""Orchestration across domains: a case filed from a conversation (citizen + case + notices) or from Open311."""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.cases import casesync, notify
from api.cases.catalog import Kind, Priority
from api.cases.creation import CommuneRef, CreatedCase, NewCase, create_case, find_commune_ref
from api.cases.models import Case
from api.cases.schemas import InternalCaseCreate
from api.citizens.models import Citizen
from api.citizens.service import check_conversation_id, citizen_id_for_conversation, normalize_phone
from api.communes.models import Commune
from api.conversations import service as conversations
from api.errors import ValidationFailed
from channels.ids import ConversationId


def file_from_conversation(session: Session, *, body: InternalCaseCreate) -> tuple[CreatedCase, CommuneRef]:
    """The action server files a case for the citizen behind ``conversation_id`` (one transaction, Core only).

    On a lost first-message race the citizen's identity INSERT fails: the route retries the whole transaction.
    """
    commune = find_commune_ref(session, slug=body.commune)
    parsed = ConversationId.try_parse(body.conversation_id)
    if parsed is not None and parsed.commune != commune.slug:
        raise ValidationFailed(
            "Mã hội thoại không thuộc xã/phường đã chọn.", code="conversation_commune_mismatch", field="conversation_id"
        )
    phone = normalize_phone(body.contact_phone, field="contact_phone")
    check_conversation_id(body.conversation_id, body.channel.value)
    conversations.ensure(session, conversation_id=body.conversation_id, commune_id=commune.id)  # the citizen's link
    citizen_id = citizen_id_for_conversation(
        session.connection(),
        commune_id=commune.id,
        conversation_id=body.conversation_id,
        channel=body.channel.value,
        display_name=body.contact_name,
        phone=phone,
    )
    case = create_case(
        session,
        commune=commune,
        citizen_id=citizen_id,
        new=NewCase(
            kind=body.kind,
            title=body.title,
            description=body.description,
            category=body.category,
            location_text=body.location_text,
            latitude=body.latitude,
            longitude=body.longitude,
            attachments=body.attachments,
            priority=body.priority or Priority.normal,
            source="bot",
            channel=body.channel.value,
            conversation_id=body.conversation_id,
            contact_name=body.contact_name,
            contact_phone=phone,
            turn_id=body.turn_id,
        ),
    )
    if body.notify_received:
        notify.notify_received(session, case=case, commune=commune)
    if body.kind == Kind.handoff:  # the conversation is the staff's from its next message on
        casesync.took_over(
            session,
            conversation_id=body.conversation_id,
            commune_id=commune.id,
            citizen_id=citizen_id,
            case_id=case.id,
        )
    return case, commune


def file_from_open311(
    session: Session,
    *,
    commune: Commune,
    category: str,
    description: str,
    address: str | None,
    lat: float | None,
    long: float | None,
    media_url: str | None,
    name: str | None,
    phone: str | None,
) -> Case:
    citizen = None
    phone = normalize_phone(phone, field="phone")
    if name or phone:
        citizen = Citizen(commune_id=commune.id, display_name=name, phone=phone)
        session.add(citizen)
        session.flush()
    first_line = (description or "").strip().splitlines()[0] if (description or "").strip() else ""
    title = (first_line or "Phản ánh qua Open311")[:120]
    created = create_case(
        session,
        commune=CommuneRef.of(commune),
        citizen_id=citizen.id if citizen else None,
        new=NewCase(
            kind=Kind.report,
            title=title,
            description=description or "",
            category=category,
            location_text=address,
            latitude=lat,
            longitude=long,
            attachments=[media_url] if media_url else [],
            source="open311",
            channel=None,
            contact_name=name,
            contact_phone=phone,
        ),
    )
    case = session.get(Case, created.id)
    assert case is not None  # inserted just above, in this transaction
    return case
