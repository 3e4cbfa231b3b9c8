"""The conversation row follows its cases: called wherever a case takes a conversation over or lets it go (commands.py,
flows.py). Cases own this step; the conversation (api/conversations/) knows nothing of cases.

- a handoff is filed, staff open the chat on a case, a case is reopened → ``staff`` (under a pending rating prompt,
  the prompt stays on top: a rating wins over the handoff);
- the owning case ends or staff hand the chat back → ``bot`` (or the next case that still holds the conversation);
- a resolved case asks for a rating → ``awaiting_rating`` (the handoff, if any, waits beneath it).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.cases.catalog import OPEN_STATUSES, Status
from api.cases.models import Case
from api.cases.service import find_conversation_case
from api.conversations import service as conversations
from api.conversations.models import State
from api.conversations.states import current_state
from api.db import utcnow

_PROMPTS = (State.awaiting_rating, State.awaiting_comment)


def took_over(session: Session, *, conversation_id: str, commune_id: int, citizen_id: int | None, case_id: int) -> None:
    """A case owns the conversation from now on: the citizen's messages go to its timeline and staff answer."""
    row = conversations.find(session, conversation_id=conversation_id, for_update=True)
    if row is None:
        conversations.create(
            session,
            conversation_id=conversation_id,
            commune_id=commune_id,
            citizen_id=citizen_id,
            state=State.staff,
            case_id=case_id,
            staff_case_id=case_id,
        )
    elif current_state(row, utcnow()) in _PROMPTS:
        conversations.update_row(session, conversation_id=conversation_id, staff_case_id=case_id)
    elif row.state is not State.staff or row.staff_case_id != case_id:
        conversations.set_state(
            session, conversation_id=conversation_id, state=State.staff, case_id=case_id, staff_case_id=case_id
        )


def released(session: Session, *, case: Case, rating_asked: bool) -> None:
    """``case`` no longer owns the conversation (ended, or chat handed back); ``rating_asked``: it asked for stars."""
    assert case.conversation_id is not None
    row = conversations.find(session, conversation_id=case.conversation_id, for_update=True)
    if row is None:
        if not rating_asked:
            return
        row = conversations.create(
            session, conversation_id=case.conversation_id, commune_id=case.commune_id, citizen_id=case.citizen_id
        )
    owner = row.staff_case_id if row.staff_case_id not in (None, case.id) else None
    if owner is None:
        next_case = find_conversation_case(session, conversation_id=case.conversation_id)
        owner = next_case.id if next_case is not None and next_case.id != case.id else None
    if rating_asked:
        conversations.set_state(
            session,
            conversation_id=case.conversation_id,
            state=State.awaiting_rating,
            case_id=case.id,
            staff_case_id=owner,
            state_changed_at=case.rating_requested_at or utcnow(),
        )
    elif row.state in _PROMPTS:
        if row.staff_case_id != owner:
            conversations.update_row(session, conversation_id=case.conversation_id, staff_case_id=owner)
    elif row.state is State.staff and row.staff_case_id in (case.id, None):
        state = State.staff if owner is not None else State.bot
        conversations.set_state(
            session, conversation_id=case.conversation_id, state=state, case_id=owner, staff_case_id=owner
        )


def follow_case(session: Session, *, case: Case, rating_asked: bool = False) -> None:
    """After any change of status or chat on ``case``: put its conversation in the matching state."""
    if not case.conversation_id:
        return
    session.flush()
    if Status(case.status) in OPEN_STATUSES and case.chat_enabled:
        took_over(
            session,
            conversation_id=case.conversation_id,
            commune_id=case.commune_id,
            citizen_id=case.citizen_id,
            case_id=case.id,
        )
    else:
        released(session, case=case, rating_asked=rating_asked)


def staff_replied(session: Session, *, conversation_id: str) -> None:
    now = utcnow()
    conversations.update_row(session, conversation_id=conversation_id, staff_replied_at=now, last_outbound_at=now)
