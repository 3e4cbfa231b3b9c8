"""Orchestration across domains: a case filed from a conversation (citizen + case + notices) or from Open311."""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.cases import notify
from api.cases.catalog import Kind, Priority
from api.cases.models import Case
from api.cases.schemas import InternalCaseCreate
from api.cases.service import NewCase, create_case
from api.citizens.models import Citizen
from api.citizens.service import get_or_create_citizen, normalize_phone
from api.communes.models import Commune
from api.communes.service import get_commune
from api.errors import ValidationFailed


def file_from_conversation(session: Session, *, body: InternalCaseCreate) -> tuple[Case, Commune]:
    """The action server files a case for the citizen behind ``conversation_id`` (one transaction)."""
    commune = get_commune(session, slug=body.commune)
    _prefix, _, rest = body.conversation_id.partition(":")
    if rest.partition(":")[0] != commune.slug:
        raise ValidationFailed(
            "Mã hội thoại không thuộc xã/phường đã chọn.", code="conversation_commune_mismatch", field="conversation_id"
        )
    phone = normalize_phone(body.contact_phone, field="contact_phone")
    citizen = get_or_create_citizen(
        session,
        commune_id=commune.id,
        conversation_id=body.conversation_id,
        channel=body.channel.value,
        display_name=body.contact_name,
        phone=phone,
        flush=False,  # written together with the case in one flush; the route retries on a lost race
    )
    priority = body.priority or Priority.normal
    case = create_case(
        session,
        commune=commune,
        citizen=citizen,
        new=NewCase(
            kind=body.kind,
            title=body.title,
            description=body.description,
            category=body.category,
            location_text=body.location_text,
            latitude=body.latitude,
            longitude=body.longitude,
            attachments=body.attachments,
            priority=priority,
            source="bot",
            channel=body.channel.value,
            conversation_id=body.conversation_id,
            contact_name=body.contact_name,
            contact_phone=phone,
        ),
    )
    if body.notify_received:
        notify.notify_received(session, case=case, commune=commune)
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
    return create_case(
        session,
        commune=commune,
        citizen=citizen,
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
