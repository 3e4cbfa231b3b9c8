"""@mentions in internal notes: "@lan.nt xem giúp" notifies officer lan.nt (a badge on the console, a list of the
notes naming them). Only active writers of the same commune can be mentioned; the author is never notified."""

from __future__ import annotations

import re

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from api.db import utcnow
from api.mentions.models import Mention
from api.staff.models import Staff

# A login as the console accepts it, after "@" at the start or after a space or punctuation (not inside an e-mail).
_MENTION = re.compile(r"(?<![\w.@])@([a-z0-9][a-z0-9._-]{0,62}[a-z0-9]|[a-z0-9])", re.IGNORECASE)


def mentioned_logins(text: str) -> set[str]:
    return {match.group(1).lower().rstrip(".") for match in _MENTION.finditer(text or "")}


def record(session: Session, *, commune_id: int, case_id: int, entry_id: int, author: Staff, text: str) -> list[Staff]:
    """Store one mention per named officer of the case's commune (active, able to act); returns who was named.

    Ids, not the case: mentions sit below the cases that record them (the case list is api/console/mentions.py)."""
    logins = mentioned_logins(text)
    if not logins:
        return []
    named = list(
        session.scalars(
            select(Staff).where(
                Staff.commune_id == commune_id,
                func.lower(Staff.login).in_(logins),
                Staff.is_active.is_(True),
                Staff.id != author.id,
            )
        )
    )
    for person in named:
        if person.can_write:
            session.add(Mention(case_id=case_id, entry_id=entry_id, staff_id=person.id, author_id=author.id))
    session.flush()
    return [p for p in named if p.can_write]


def unseen_count(session: Session, *, staff_id: int) -> int:
    query = select(func.count()).select_from(Mention).where(Mention.staff_id == staff_id, Mention.seen_at.is_(None))
    return int(session.scalar(query) or 0)


def mark_seen(session: Session, *, staff_id: int, case_id: int | None = None) -> None:
    query = update(Mention).where(Mention.staff_id == staff_id, Mention.seen_at.is_(None))
    if case_id is not None:
        query = query.where(Mention.case_id == case_id)
    session.execute(query.values(seen_at=utcnow()))
