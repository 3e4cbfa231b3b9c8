"""Who answers a message: decided from the conversation row alone, by one function (``decide``).

The diagram in docs/conversations.md is this module; change them together.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from api.cases.service import RATING_WINDOW  # a rating prompt (and its buttons) stays valid this long
from api.conversations import messages as texts
from api.conversations.models import State
from api.conversations.service import Snapshot
from channels.base import InboundMessage

COMMENT_WINDOW = timedelta(hours=1)  # the comment invitation after a rating
ACK_REPEAT = timedelta(hours=4)  # staff silent this long since the last acknowledgement: acknowledge again
_RATING_PAYLOAD = re.compile(r"^/rating(\{.*\})$")


class Answer(StrEnum):
    rasa = "rasa"  # the bot
    staff = "staff"  # onto the owning case's timeline (+ acknowledgement when due)
    rating = "rating"  # stars for a case that asked for them
    comment = "comment"  # the comment on the rating just given
    skip_comment = "skip_comment"  # "Bỏ qua"
    back_to_bot = "back_to_bot"  # the citizen leaves the handoff ("quay lại trợ lý ảo")
    contact = "contact"  # the citizen shared contact details
    ignore = "ignore"  # unfollow


@dataclass(frozen=True, slots=True)
class Decision:
    answer: Answer
    # The state to leave before answering (an expired prompt, a comment invitation the citizen moved past), or None.
    leave_to: State | None = None
    case_id: int | None = None  # rating: the case rated
    stars: int | None = None
    comment: str | None = None


def rating_payload(case_id: int, stars: int) -> str:
    """The rating buttons' payload: names the case, so a tap counts even after the conversation moved on."""
    return "/rating" + json.dumps({"case_id": case_id, "stars": stars}, separators=(",", ":"))


def parse_rating_payload(text: str) -> tuple[int, int] | None:
    match = _RATING_PAYLOAD.match((text or "").strip())
    if match is None:
        return None
    try:
        data = json.loads(match.group(1))
        case_id, stars = int(data["case_id"]), int(data["stars"])
    except (ValueError, KeyError, TypeError):
        return None
    return (case_id, stars) if 1 <= stars <= 5 else None


def beneath(row: Snapshot) -> State:
    """The state under a rating prompt: the staff case that still holds the conversation, else the bot."""
    return State.staff if row.staff_case_id is not None else State.bot


def current_state(row: Snapshot | None, now: datetime) -> State:
    """The row's state, with expired prompts already gone (the row is corrected on the next write)."""
    if row is None:
        return State.bot
    if row.state is State.awaiting_rating and now - row.state_changed_at > RATING_WINDOW:
        return beneath(row)
    if row.state is State.awaiting_comment and now - row.state_changed_at > COMMENT_WINDOW:
        return beneath(row)
    if row.state is State.staff and row.staff_case_id is None:
        return State.bot  # the case was deleted under it
    return row.state


def decide(row: Snapshot | None, message: InboundMessage, now: datetime) -> Decision:
    """THE decision: who answers ``message`` on a conversation in ``row``'s state (None: its first message)."""
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


def should_acknowledge(row: Snapshot, now: datetime) -> bool:
    """The first message after staff took over is acknowledged; later ones only when staff stayed silent ACK_REPEAT
    since the last acknowledgement (so a citizen writing at night is told again in the morning, not every time)."""
    if row.acknowledged_at is None or row.acknowledged_at < row.state_changed_at:
        return True
    staff_answered = row.staff_replied_at is not None and row.staff_replied_at >= row.acknowledged_at
    return not staff_answered and now - row.acknowledged_at >= ACK_REPEAT
