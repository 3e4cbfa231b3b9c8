"""Who answers an inbound message: ONE function, ``decide``, from ONE value holding everything that matters.

Pure: no database, no network, no clock. The inputs are read by the caller (``api/inbox/turns.py``), each by the
part that owns its detection (the safety triage, the privacy and subscription commands, the paging payload, the
conversation row); the choosing is here, and only here. The inbox carries the decision out. A feature that is chosen
but finds, on a closer look, nothing to do (no appointment to come, a text that is no hamlet) declines: the caller
clears that input (``Inbound.declined``) and asks again, so the next answer still comes from this table.

The table, first match wins (docs/conversations.md):

1. a "Xem thêm" tap under a paged list: the next page, without a turn;
2. an emergency: the numbers, in every state; safety guidance (first aid, a fever, the short check);
3. a data request ("xem/xóa dữ liệu của tôi"), before a staff hand-off;
4. the citizen's appointment ("đổi lịch", "hủy hẹn", the answer to its open question);
5. the subscription ("hủy nhận tin", a follow or unfollow, the hamlet answer), in every state;
6. unfollow (nothing to say), contact details (thanks), a tapped star button (in every state);
7. the conversation's state: a pending rating, its comment, the staff hand-off, else the bot.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from api.conversations import messages as texts
from api.conversations.models import State
from api.conversations.service import Snapshot
from api.conversations.states import beneath, current_state, parse_rating_payload
from channels.base import InboundMessage


class Safety(StrEnum):
    """The safety triage's verdict on the message (api/safety/flows.py: ``decision_for``), as a plain value."""

    none = "none"
    alarm = "alarm"  # an emergency: the numbers and the station alerted
    guidance = "guidance"  # first aid, a topic's home care, or the short check when the readers disagree


class Answer(StrEnum):
    page = "page"  # the next page of a paged button list ("Xem thêm")
    emergency = "emergency"
    safety_guidance = "safety_guidance"
    data_request = "data_request"  # api/privacy/chat.py
    appointment = "appointment"  # api/appointments/chat.py (may decline)
    subscription = "subscription"  # api/subscriptions/flows.py (may decline)
    rasa = "rasa"  # the bot
    staff = "staff"  # onto the owning case's timeline (+ acknowledgement when due)
    rating = "rating"  # stars for a case that asked for them
    comment = "comment"  # the comment on the rating just given
    skip_comment = "skip_comment"  # "Bỏ qua"
    back_to_bot = "back_to_bot"  # the citizen leaves the handoff ("quay lại trợ lý ảo")
    contact = "contact"  # the citizen shared contact details
    ignore = "ignore"  # unfollow


@dataclass(frozen=True, slots=True)
class Inbound:
    """Everything that decides who answers ``message``."""

    message: InboundMessage
    now: datetime
    row: Snapshot | None = None  # the conversation's row; None: not read (or none yet), the bot's state
    more: tuple[int, int] | None = None  # a "Xem thêm" payload (channels/paging.py): message id, offset
    safety: Safety = Safety.none
    data_request: bool = False  # a privacy command (api/privacy/chat.py: parse_command)
    appointment: bool = False  # may be about the citizen's appointment: a short text (api/appointments/chat.py)
    subscription: bool = False  # about the subscription (api/subscriptions/flows.py: concerns)

    def declined(self, answer: Answer) -> Inbound:
        """The same message once the feature chosen for it found nothing to do: the next choice is asked for."""
        if answer is Answer.data_request:
            return replace(self, data_request=False)
        if answer is Answer.appointment:
            return replace(self, appointment=False)
        if answer is Answer.subscription:
            return replace(self, subscription=False)
        raise ValueError(f"{answer} does not decline")


@dataclass(frozen=True, slots=True)
class Decision:
    answer: Answer
    # The state to leave before answering (an expired prompt, a comment invitation the citizen moved past), or None.
    leave_to: State | None = None
    case_id: int | None = None  # rating: the case rated
    stars: int | None = None
    comment: str | None = None
    more: tuple[int, int] | None = None  # page: the message and the offset of the next page


def decide(inbound: Inbound) -> Decision:
    """THE decision: who answers the inbound message (the table in this module's docstring)."""
    if inbound.more is not None:
        return Decision(Answer.page, more=inbound.more)
    if inbound.safety is Safety.alarm:  # principle 1: before any state logic, so it holds in every state
        return Decision(Answer.emergency)
    if inbound.safety is Safety.guidance:
        return Decision(Answer.safety_guidance)
    if inbound.data_request:
        return Decision(Answer.data_request)
    if inbound.appointment:
        return Decision(Answer.appointment)
    if inbound.subscription:  # "hủy nhận tin" is honoured in every state
        return Decision(Answer.subscription)
    return _by_state(inbound.row, inbound.message, inbound.now)


def _by_state(row: Snapshot | None, message: InboundMessage, now: datetime) -> Decision:
    """Rows 6 and 7 of the table: the conversation's own answers."""
    if message.kind == "unfollow":
        return Decision(Answer.ignore)
    if message.kind == "contact":
        return Decision(Answer.contact)
    state = current_state(row, now)
    leave_to = state if row is not None and state is not row.state else None
    text = message.text if message.kind in ("text", "button") else ""
    payload = parse_rating_payload(text) if text.startswith("/rating") else None
    if payload is not None:  # a tapped star button wins over everything else, in every state
        return Decision(Answer.rating, case_id=payload[0], stars=payload[1])
    if row is not None and state is State.awaiting_rating:
        typed = texts.parse_rating(text) if text else None
        if typed is not None:  # a pending rating wins over an open handoff
            return Decision(Answer.rating, case_id=row.case_id, stars=typed[0], comment=typed[1])
        state = leave_to = beneath(row)  # anything else: the prompt closes, the layer beneath answers
    elif row is not None and state is State.awaiting_comment:
        if text and texts.is_skip(text):
            return Decision(Answer.skip_comment, leave_to=beneath(row), case_id=row.case_id)
        if text and texts.is_comment(text):
            return Decision(Answer.comment, leave_to=beneath(row), case_id=row.case_id, comment=text)
        state = leave_to = beneath(row)
    if state is State.staff:
        if text and texts.is_back_to_bot(text):
            return Decision(Answer.back_to_bot, leave_to=State.bot)
        return Decision(Answer.staff, leave_to=leave_to)
    return Decision(Answer.rasa, leave_to=leave_to)
