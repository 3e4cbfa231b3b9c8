"""The turns the gateway answers itself, inside one write transaction: staff-owned messages (with the acknowledgement),
ratings and their comment, going back to the bot, contact details. ``route_locally`` (api/inbox/turns.py) calls
``answer`` with the decision (api/conversations/decision.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from api.cases.catalog import OPEN_STATUSES, Status
from api.cases.models import Case
from api.cases.service import (
    record_citizen_message,
    record_rating,
    record_rating_comment,
    timeline,
)
from api.communes.models import Commune
from api.communes.worktime import WorkCalendar
from api.conversations import messages as texts
from api.conversations import service as conversations
from api.conversations.decision import Answer, Decision
from api.conversations.models import State
from api.conversations.service import Snapshot
from api.conversations.states import RATING_WINDOW, beneath, should_acknowledge
from api.outbox.service import enqueue_message
from channels.base import InboundMessage


@dataclass(frozen=True)
class Context:
    inbox_id: int
    commune_id: int
    commune_slug: str
    channel: str
    inline: bool  # the web request answers in its response instead of through the outbox


@dataclass(frozen=True)
class Turn:
    route: str  # rasa | case | rating | comment | back_to_bot | contact | none | busy (safety adds: emergency)
    replies: list[dict[str, Any]]
    queued: bool  # something was written to the outbox


def reply(
    session: Session,
    ctx: Context,
    conversation_id: str,
    text: str,
    *,
    kind: str,
    buttons: list[dict[str, str]] | None = None,
) -> list[dict[str, Any]]:
    if ctx.inline:
        inline: dict[str, Any] = {"recipient_id": conversation_id, "text": text}
        if buttons:
            inline["buttons"] = buttons
        return [inline]
    enqueue_message(
        session, commune_id=ctx.commune_id, conversation_id=conversation_id, text=text, buttons=buttons, kind=kind
    )
    return []


def _said(ctx: Context, replies: list[dict[str, Any]], route: str) -> Turn:
    return Turn(route, replies, not ctx.inline)


def answer(
    session: Session, ctx: Context, message: InboundMessage, row: Snapshot, decision: Decision, now: datetime
) -> Turn | None:
    """Answer a turn the gateway owns; None when it goes on to Rasa. The row's state is changed here as needed."""
    key = message.conversation_id
    if decision.leave_to is not None and decision.answer not in (Answer.rating, Answer.back_to_bot):
        owner = row.staff_case_id if decision.leave_to is State.staff else None
        conversations.set_state(
            session, conversation_id=key, state=decision.leave_to, case_id=owner, staff_case_id=owner
        )
    touched: dict[str, Any] = {"last_inbound_at": now}
    turn = _dispatch(session, ctx, message, row, decision, now, touched)
    if turn is not None and (turn.replies or turn.queued):
        touched["last_outbound_at"] = now
    conversations.update_row(session, conversation_id=key, **touched)
    return turn


def _dispatch(
    session: Session,
    ctx: Context,
    message: InboundMessage,
    row: Snapshot,
    decision: Decision,
    now: datetime,
    touched: dict[str, Any],
) -> Turn | None:
    key = message.conversation_id
    if decision.answer is Answer.contact:
        return _said(ctx, reply(session, ctx, key, texts.CONTACT_THANKS, kind="notice"), "contact")
    if decision.answer is Answer.staff:
        return _to_staff(session, ctx, message, row, now, touched)
    if decision.answer is Answer.rating:
        return _rating(session, ctx, message, row, decision, now)
    if decision.answer in (Answer.comment, Answer.skip_comment):
        return _comment(session, ctx, message, decision)
    if decision.answer is Answer.back_to_bot:
        return _back_to_bot(session, ctx, message, row)
    return None


def _to_staff(
    session: Session, ctx: Context, message: InboundMessage, row: Snapshot, now: datetime, touched: dict[str, Any]
) -> Turn | None:
    case = session.get(Case, row.staff_case_id) if row.staff_case_id is not None else None
    if case is None or Status(case.status) not in OPEN_STATUSES:  # ended without us hearing of it: the bot answers
        conversations.set_state(
            session, conversation_id=message.conversation_id, state=State.bot, case_id=None, staff_case_id=None
        )
        return None
    text, attachments = texts.timeline_text(message)
    record_citizen_message(session, case=case, text=text, attachments=attachments)
    if not should_acknowledge(row, now):
        return Turn("case", [], False)
    commune = session.get(Commune, ctx.commune_id)
    ack = texts.handoff_ack(
        commune_name=commune.name if commune else "UBND xã",
        code=case.code,
        calendar=WorkCalendar.for_commune(commune),
        now=now,
    )
    touched["acknowledged_at"] = now
    replies = reply(session, ctx, message.conversation_id, ack, kind="handoff_ack", buttons=[texts.BACK_TO_BOT_BUTTON])
    return _said(ctx, replies, "case")


def _rating(
    session: Session, ctx: Context, message: InboundMessage, row: Snapshot, decision: Decision, now: datetime
) -> Turn:
    key = message.conversation_id
    case = session.get(Case, decision.case_id) if decision.case_id is not None else None
    stars = int(decision.stars or 0)
    valid = (
        case is not None
        and case.conversation_id == key
        and case.rating is None
        and case.rating_requested_at is not None
        and case.rating_requested_at > now - RATING_WINDOW
    )
    if not valid:
        if row.state in (State.awaiting_rating, State.awaiting_comment) and row.case_id == decision.case_id:
            owner = row.staff_case_id
            state = beneath(row)
            conversations.set_state(session, conversation_id=key, state=state, case_id=owner, staff_case_id=owner)
        return _said(ctx, reply(session, ctx, key, texts.RATING_CLOSED, kind="rating_thanks"), "rating")
    assert case is not None
    record_rating(session, case=case, rating=stars, comment=decision.comment)
    thanks = texts.RATING_THANKS.format(stars="⭐" * stars)
    if decision.comment:  # "3/5 chờ hơi lâu": stars and comment in one message
        owner = row.staff_case_id
        conversations.set_state(session, conversation_id=key, state=beneath(row), case_id=owner, staff_case_id=owner)
        return _said(ctx, reply(session, ctx, key, texts.COMMENT_THANKS, kind="rating_thanks"), "rating")
    conversations.set_state(
        session, conversation_id=key, state=State.awaiting_comment, case_id=case.id, staff_case_id=row.staff_case_id
    )
    replies = reply(session, ctx, key, thanks, kind="rating_thanks", buttons=texts.SKIP_BUTTONS)
    return _said(ctx, replies, "rating")


def _comment(session: Session, ctx: Context, message: InboundMessage, decision: Decision) -> Turn:
    key = message.conversation_id
    case = session.get(Case, decision.case_id) if decision.case_id is not None else None
    if decision.answer is Answer.skip_comment or case is None:
        return _said(ctx, reply(session, ctx, key, texts.COMMENT_SKIPPED, kind="rating_thanks"), "comment")
    record_rating_comment(session, case=case, comment=decision.comment or "")
    return _said(ctx, reply(session, ctx, key, texts.COMMENT_THANKS, kind="rating_thanks"), "comment")


def _back_to_bot(session: Session, ctx: Context, message: InboundMessage, row: Snapshot) -> Turn:
    key = message.conversation_id
    case = session.get(Case, row.staff_case_id) if row.staff_case_id is not None else None
    if case is not None:
        case.chat_enabled = False
        timeline(
            session,
            case,
            "chat",
            actor_type="citizen",
            body="Người dân chọn quay lại trợ lý ảo.",
            data={"enabled": False},
        )
    conversations.set_state(session, conversation_id=key, state=State.bot, case_id=None, staff_case_id=None)
    text = texts.BACK_TO_BOT_TEXT.format(code=case.code) if case else texts.BACK_TO_BOT_PLAIN
    return _said(ctx, reply(session, ctx, key, text, kind="notice"), "back_to_bot")
