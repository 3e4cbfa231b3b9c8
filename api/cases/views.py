"""Turning case rows into API shapes (the one place that decides what each audience sees)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.cases.access import public_ref
from api.cases.catalog import Kind, Status, category_label, status_label
from api.cases.creation import CreatedCase
from api.cases.models import Case
from api.cases.schemas import CaseRead, CaseSummary, InternalCaseRead, TimelineRead
from api.cases.service import get_timeline, is_overdue, last_public_reply
from api.citizens.masking import mask_name, mask_phone
from api.db import utcnow
from api.infra.sanitize import redact
from api.outbox.models import OutboxMessage
from api.staff.models import Role, Staff
from api.staff.schemas import DepartmentRead, StaffBrief


def summary(case: Case, now: datetime | None = None, *, mask: bool = True) -> CaseSummary:
    return CaseSummary(
        code=case.code,
        kind=case.kind,
        category=case.category,
        title=case.title,
        status=case.status,
        status_label=status_label(case.status),
        priority=case.priority,
        department=DepartmentRead.model_validate(case.department) if case.department else None,
        assignee=StaffBrief.model_validate(case.assignee) if case.assignee else None,
        channel=case.channel,
        contact_name=mask_name(case.contact_name) if mask else case.contact_name,
        due_at=case.due_at,
        overdue=is_overdue(case, now),
        created_at=case.created_at,
        updated_at=case.updated_at,
        rating=case.rating,
    )


def timeline_read(session: Session, case: Case) -> list[TimelineRead]:
    entries = get_timeline(session, case=case)
    ids = [e.outbox_message_id for e in entries if e.outbox_message_id]
    outbox = {m.id: m for m in session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)))} if ids else {}
    result = []
    for entry in entries:
        item = TimelineRead.model_validate(entry)
        message = outbox.get(entry.outbox_message_id or 0)
        if message is not None:
            item.delivery_status, item.delivery_error = message.status, message.last_error
        result.append(item)
    return result


def detail(session: Session, case: Case, *, mask: bool = False) -> CaseRead:
    """The full case; ``mask`` (the ``viewer`` role) masks names and phones and redacts free text."""
    base = summary(case, mask=mask).model_dump()
    entries = timeline_read(session, case)
    known = (case.contact_name, case.contact_phone)
    if mask:
        for entry in entries:
            entry.body = redact(entry.body, known) or ""
    return CaseRead(
        **base,
        description=(redact(case.description, known) or "") if mask else case.description,
        location_text=redact(case.location_text, known) if mask else case.location_text,
        latitude=case.latitude,
        longitude=case.longitude,
        attachments=list(case.attachments or []),
        source=case.source,
        conversation_id=public_ref(case.conversation_id),  # staff never see the id (a web id is a secret)
        chat_enabled=case.chat_enabled,
        contact_phone=mask_phone(case.contact_phone) if mask else case.contact_phone,
        citizen_id=case.citizen_id,
        merged_into=case.merged_into.code if case.merged_into else None,
        resolved_at=case.resolved_at,
        closed_at=case.closed_at,
        rating_comment=redact(case.rating_comment, known) if mask else case.rating_comment,
        public=case.public,
        public_summary=case.public_summary,
        public_location=case.public_location,
        timeline=entries,
    )


def detail_for(session: Session, case: Case, staff: Staff) -> CaseRead:
    return detail(session, case, mask=staff.role == Role.viewer)


def internal(session: Session, case: Case) -> InternalCaseRead:
    """What the bot may tell the citizen who filed the case: no staff names, no internal notes."""
    reply = last_public_reply(session, case=case)
    return InternalCaseRead(
        code=case.code,
        status=case.status,
        status_label=status_label(case.status),
        kind=case.kind,
        category=case.category,
        category_label=category_label(case.category),
        title=case.title,
        department=DepartmentRead.model_validate(case.department) if case.department else None,
        due_at=case.due_at,
        created_at=case.created_at,
        resolved_at=case.resolved_at,
        last_public_reply=reply.body if reply else None,
        last_public_reply_at=reply.created_at if reply else None,
    )


def internal_created(case: CreatedCase) -> InternalCaseRead:
    """``internal`` for a case just filed, straight from what creation wrote (no reload, no reply yet)."""
    department = case.department
    return InternalCaseRead(
        code=case.code,
        status=Status(case.status),
        status_label=status_label(case.status),
        kind=Kind(case.kind),
        category=case.category,
        category_label=category_label(case.category),
        title=case.title,
        department=DepartmentRead(id=department.id, code=department.code, name=department.name) if department else None,
        due_at=case.due_at,
        created_at=case.created_at,
        resolved_at=None,
        last_public_reply=None,
        last_public_reply_at=None,
    )


def now() -> datetime:
    return utcnow()
