"""The conversation's rows on its first real message: the citizen and the conversation row (with the state its
cases give it), and what counts as a first real message."""

from __future__ import annotations

import unicodedata

from sqlalchemy.orm import Session

from api.cases.service import find_case_awaiting_rating, find_conversation_case
from api.citizens.service import get_or_create_citizen
from api.conversations import service as conversations
from api.conversations.local import Context
from api.conversations.models import State
from api.conversations.service import Snapshot
from api.errors import ValidationFailed
from channels.base import InboundMessage

GREETINGS = frozenset({"xin chao", "chao", "chao em", "chao ban", "alo", "hi", "hello", "helo", "xin chao em"})


def _citizen(session: Session, ctx: Context, message: InboundMessage) -> int:
    try:
        citizen = get_or_create_citizen(
            session,
            commune_id=ctx.commune_id,
            conversation_id=message.conversation_id,
            channel=ctx.channel,
            display_name=message.display_name,
            phone=message.phone,
        )
    except ValidationFailed:  # a phone number we cannot read must not stop the message
        citizen = get_or_create_citizen(
            session, commune_id=ctx.commune_id, conversation_id=message.conversation_id, channel=ctx.channel
        )
    return citizen.id


def _open(session: Session, ctx: Context, message: InboundMessage, citizen_id: int) -> Snapshot:
    """The row, created (or, when only registered, opened) on the conversation's first real message. A conversation
    that began before rows existed takes its state from its cases once, here: an open handoff → staff, a pending
    rating → awaiting_rating."""
    key = message.conversation_id
    owner = find_conversation_case(session, conversation_id=key)
    awaiting = find_case_awaiting_rating(session, conversation_id=key)
    owner_id = owner.id if owner is not None else None
    state = State.awaiting_rating if awaiting is not None else State.staff if owner_id is not None else State.bot
    case_id = awaiting.id if awaiting is not None else owner_id
    conversations.update_row(  # registered by open_row (or before: a case, a subscription), opened here
        session, conversation_id=key, citizen_id=citizen_id, state=state, case_id=case_id, staff_case_id=owner_id
    )
    row = conversations.find(session, conversation_id=key)
    assert row is not None
    if awaiting is not None and awaiting.rating_requested_at is not None:  # the prompt's week runs from its asking
        conversations.update_row(session, conversation_id=key, state_changed_at=awaiting.rating_requested_at)
        row = conversations.find(session, conversation_id=key) or row
    return row


def open_row(session: Session, ctx: Context, message: InboundMessage) -> Snapshot:
    """The citizen (with the name and phone the message carries) and the conversation's row, locked for update."""
    key = message.conversation_id
    conversations.ensure(session, conversation_id=key, commune_id=ctx.commune_id)  # the citizen's link
    found = conversations.opened(conversations.find(session, conversation_id=key, for_update=True))
    citizen_id = _citizen(session, ctx, message)
    if found is not None:
        return conversations.find(session, conversation_id=key, for_update=True) or found
    return _open(session, ctx, message, citizen_id)


def real_content(message: InboundMessage) -> bool:
    """Opening a chat ("/start", a bare greeting) is not yet contact: no citizen or conversation row is made for it,
    so a page view or a bot probing sessions leaves nothing permanent (issue 26). Rasa still answers the greeting."""
    if message.kind == "start":
        return False
    if message.kind != "text" or message.attachments or message.phone or message.display_name:
        return True
    folded = unicodedata.normalize("NFD", message.text.lower()).replace("đ", "d")
    plain = "".join(c for c in folded if not unicodedata.combining(c) and (c.isalnum() or c == " "))
    return " ".join(plain.split()) not in GREETINGS


def needs_write(message: InboundMessage) -> bool:
    """The message changes the citizen or leaves (contact details, a name, unfollow): read under the write lock."""
    return message.kind in ("unfollow", "contact") or bool(message.display_name or message.phone)
