"""Who may read a conversation: the one rule behind every staff view of citizens' words.

A conversation takes the scope of the cases filed from it (api/cases/scope.py): once any of its cases is a medical
consultation, it is health talk, read by health workers and admins only; a health worker reads nothing else (except
a conversation whose case was assigned to them). Viewers have the officers' scope and see everything masked
(api/citizens/masking.py); the review pages refuse them outright (they cannot act there). Every page, API, export and
stream that shows a conversation's messages, review-inbox rows or attachments asks ``visible`` / ``require``
(attachments through api/console/holders.py).

Staff name a conversation by a sealed reference (api/citizens/refs.py), never by its id: the web id holds the
widget's sender secret. ``public_ref`` / ``resolve_ref`` are the only way in and out on staff surfaces.
"""

from __future__ import annotations

from typing import TypeAlias, TypeVar

from sqlalchemy import ColumnElement, and_, exists, false, literal, or_, select
from sqlalchemy.orm import QueryableAttribute, Session

from api.cases.catalog import Kind
from api.cases.models import Case

# The seal is the citizens' (their channel identity); offered here, the one way in and out for staff surfaces.
from api.citizens.refs import CONVERSATION_NOT_FOUND as _NOT_FOUND
from api.citizens.refs import public_ref as public_ref
from api.citizens.refs import resolve_ref as resolve_ref
from api.errors import NotFound
from api.staff.models import COMMUNE_ROLES, Role, Staff

T = TypeVar("T")
_Column: TypeAlias = (
    ColumnElement[T] | QueryableAttribute[T]
)  # a mapped column or a literal: conversation id, commune id


def _health(conversation: _Column[str], commune_id: int) -> ColumnElement[bool]:
    return exists().where(
        Case.conversation_id == conversation, Case.commune_id == commune_id, Case.kind == Kind.consultation.value
    )


def visible(staff: Staff, conversation: _Column[str], commune: _Column[int]) -> ColumnElement[bool]:
    """SQL condition: ``staff`` may read the conversation named by the ``conversation`` column of a row of commune
    ``commune`` (inbox events, review rows, conversations)."""
    same_commune = commune == staff.commune_id
    if staff.role not in COMMUNE_ROLES:  # the province role never reads citizens' words
        return false()
    if staff.role == Role.admin:
        return same_commune
    if staff.role == Role.health_worker:
        assigned = exists().where(
            Case.conversation_id == conversation, Case.commune_id == staff.commune_id, Case.assignee_id == staff.id
        )
        return and_(same_commune, or_(_health(conversation, staff.commune_id), assigned))
    return and_(same_commune, ~_health(conversation, staff.commune_id))


def can_read(session: Session, staff: Staff, *, commune_id: int, conversation_id: str) -> bool:
    condition = visible(staff, literal(conversation_id), literal(commune_id))
    return bool(session.scalar(select(condition)))


def require(session: Session, staff: Staff, *, commune_id: int, conversation_id: str | None) -> None:
    """Not found (not forbidden: existence is not confirmed) unless ``staff`` may read the conversation."""
    if conversation_id is None or not can_read(session, staff, commune_id=commune_id, conversation_id=conversation_id):
        raise NotFound(_NOT_FOUND, code="conversation_not_found")
