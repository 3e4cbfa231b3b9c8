"""Erasure that erases (Luật 91/2025/QH15, right to deletion): everything that names or quotes the person goes in one
transaction, then their uploaded files leave the disk.

What stays is what the commune must keep as an administrative record, anonymous: that a case existed, its code, kind,
category, status and dates, and the staff actions on it — every free text (title, description, messages, replies,
notes) replaced by a marker. Kept too: the citizen row without name or phone (``erased_at`` says why it is empty)
and the request's record, which holds counts only.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session, sessionmaker

from api.appointments.models import Appointment
from api.cases.models import Case, TimelineEntry
from api.cases.search import search_text
from api.citizens.models import Citizen
from api.citizens.service import get_citizen
from api.conversations.models import Conversation
from api.db import transaction, utcnow
from api.inbox_events.models import InboxEvent
from api.nlu.models import NluReview
from api.outbox.models import OutboxMessage
from api.privacy.models import Consent, DataRequest, RequestKind
from api.subscriptions.models import Subscription

MARKER = "[Nội dung đã xóa theo yêu cầu của người dân]"
_MEDIA = re.compile(r"/staff/media/(\d+)/([0-9a-f]{32}\.[a-z0-9]{2,5})")


@dataclass
class Erased:
    """What one erasure removed (the API's answer and the request's record)."""

    cases_anonymised: int = 0
    messages_scrubbed: int = 0  # timeline entries of the citizen's cases whose text was replaced
    conversations_deleted: int = 0
    inbound_events_deleted: int = 0
    review_rows_deleted: int = 0
    outbound_messages_deleted: int = 0
    subscriptions_deleted: int = 0
    consents_deleted: int = 0
    identities_deleted: int = 0  # the conversations that named the citizen (each their channel identity)
    files_deleted: int = 0

    def counts(self) -> dict[str, int]:
        return asdict(self)


def _media(text: str | None) -> set[tuple[str, str]]:
    return set(_MEDIA.findall(text or ""))


def conversations_of(session: Session, *, citizen: Citizen) -> set[str]:
    """Every conversation id the citizen wrote from: their conversation rows and their cases'."""
    ids = set(session.scalars(select(Conversation.conversation_id).where(Conversation.citizen_id == citizen.id)))
    ids |= {
        c for c in session.scalars(select(Case.conversation_id).where(Case.citizen_id == citizen.id)) if c is not None
    }
    return ids


def anonymise_case(session: Session, case: Case, files: set[tuple[str, str]], erased: Erased | None = None) -> None:
    """The case as an anonymous record: code, kind, category, status and dates stay; every text and link goes."""
    for ref in case.attachments or []:
        files |= _media(ref)
    case.title = MARKER[:200]
    case.description = MARKER
    case.search_text = search_text(case.code)
    case.location_text = case.public_summary = case.public_location = None
    case.latitude = case.longitude = None
    case.attachments = []
    case.public = False
    case.contact_name = case.contact_phone = case.conversation_id = case.turn_id = None
    case.chat_enabled = False
    case.rating_comment = None
    for appointment in session.scalars(select(Appointment).where(Appointment.case_id == case.id)):
        appointment.requested_text = appointment.conversation_id = appointment.awaiting = None  # no reminders either
    for entry in session.scalars(select(TimelineEntry).where(TimelineEntry.case_id == case.id)):
        files |= _media(entry.body) | _media(json.dumps(entry.data or {}))
        if entry.body or entry.data:
            entry.body, entry.data = (MARKER if entry.body else ""), {}
            if erased is not None:
                erased.messages_scrubbed += 1
    if erased is not None:
        erased.cases_anonymised += 1


def erase_citizen(session: Session, *, citizen: Citizen) -> tuple[Erased, set[tuple[str, str]]]:
    """Erase the citizen in the caller's transaction; returns the counts and the uploaded files to remove once it
    commits (``remove_files``), as (commune id, file name)."""
    erased, files = Erased(), set[tuple[str, str]]()
    conversations = conversations_of(session, citizen=citizen)
    erased.identities_deleted = len(citizen.conversations)
    for case in session.scalars(select(Case).where(Case.citizen_id == citizen.id)):
        anonymise_case(session, case, files, erased)
    if conversations:
        in_conversations = list(conversations)
        for raw in session.scalars(select(InboxEvent.raw).where(InboxEvent.conversation_id.in_(in_conversations))):
            files |= _media(raw)
        for image in session.scalars(
            select(OutboxMessage.image_url).where(OutboxMessage.conversation_id.in_(in_conversations))
        ):
            files |= _media(image)
        erased.review_rows_deleted = delete_rows(session, NluReview, NluReview.conversation_id.in_(in_conversations))
        erased.inbound_events_deleted = delete_rows(
            session, InboxEvent, InboxEvent.conversation_id.in_(in_conversations)
        )
        erased.outbound_messages_deleted = delete_rows(
            session, OutboxMessage, OutboxMessage.conversation_id.in_(in_conversations)
        )
        erased.subscriptions_deleted = delete_rows(
            session, Subscription, Subscription.conversation_id.in_(in_conversations)
        )
        erased.consents_deleted = delete_rows(
            session, Consent, or_(Consent.conversation_id.in_(in_conversations), Consent.citizen_id == citizen.id)
        )
        erased.conversations_deleted = delete_rows(
            session,
            Conversation,
            or_(Conversation.conversation_id.in_(in_conversations), Conversation.citizen_id == citizen.id),
        )
    session.expire(citizen, ["conversations"])
    citizen.display_name = citizen.phone = None
    citizen.erased_at = utcnow()
    session.flush()
    return erased, files


def delete_rows(session: Session, model: Any, condition: Any) -> int:
    result = session.execute(delete(model).where(condition).execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def remove_files(data_dir: Path, files: set[tuple[str, str]]) -> int:
    """Delete the uploaded files named (after the transaction that dropped every reference to them committed)."""
    removed = 0
    for commune_id, name in files:
        path = data_dir / "uploads" / commune_id / name
        try:
            path.unlink()
            removed += 1
        except FileNotFoundError:
            continue
    return removed


def erase_and_record(
    factory: sessionmaker[Session], data_dir: Path, *, commune_id: int, citizen_id: int, channel: str,
    staff_id: int | None = None,
) -> tuple[datetime, Erased]:  # fmt: skip
    """One transaction for every row, then the files; the request's record holds only the counts."""
    with transaction(factory) as session:
        citizen = get_citizen(session, commune_id=commune_id, citizen_id=citizen_id)
        erased, files = erase_citizen(session, citizen=citizen)
        erased_at = citizen.erased_at or utcnow()
    erased.files_deleted = remove_files(data_dir, files)
    with transaction(factory) as session:
        session.add(
            DataRequest(
                commune_id=commune_id, citizen_id=citizen_id, kind=RequestKind.erasure.value, channel=channel,
                status="done", outcome={**erased.counts(), "staff_id": staff_id},
            )
        )  # fmt: skip
    return erased_at, erased
