"""Whether an officer may see an uploaded photo or a platform-held attachment: only while something they may read
carries it (a case of their scope, or a conversation they may read: api/cases/access.py)."""

from __future__ import annotations

from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from api.cases.access import can_read
from api.cases.models import Case
from api.cases.scope import can_see
from api.inbox_events.models import InboxEvent
from api.staff.models import COMMUNE_ROLES, Staff


def media_readable(session: Session, staff: Staff, *, commune_id: int, name: str) -> bool:
    """An uploaded photo (``/staff/media/<commune>/<name>``): served only while something ``staff`` may read carries
    it (a file nothing refers to any more — erased, expired — is not served)."""
    if commune_id != staff.commune_id or staff.role not in COMMUNE_ROLES:
        return False
    readable, _referenced = _holders(session, staff, ref=f"/staff/media/{commune_id}/{name}")
    return readable


def attachment_hidden(session: Session, staff: Staff, *, ref: str) -> bool:
    """A platform-held attachment (``tg-file:<id>``) is hidden when what carries it is out of ``staff``'s scope.
    One nothing refers to is left to the platform's own rule (the commune's bot fetches only what was sent to it)."""
    readable, referenced = _holders(session, staff, ref=ref)
    return referenced and not readable


def _holders(session: Session, staff: Staff, *, ref: str) -> tuple[bool, bool]:
    """(may ``staff`` read something that carries ``ref``, does anything carry it): the cases whose attachments
    name it and the conversations whose messages do."""
    escaped = ref.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    cases = session.scalars(
        select(Case).where(Case.commune_id == staff.commune_id, cast(Case.attachments, Text).like(pattern, escape="\\"))
    ).all()
    if any(can_see(staff, case) for case in cases):
        return True, True
    conversations = session.scalars(
        select(InboxEvent.conversation_id)
        .where(InboxEvent.commune_id == staff.commune_id, InboxEvent.raw.like(pattern, escape="\\"))
        .distinct()
    ).all()
    readable = any(can_read(session, staff, commune_id=staff.commune_id, conversation_id=c) for c in conversations)
    return readable, bool(cases or conversations)
