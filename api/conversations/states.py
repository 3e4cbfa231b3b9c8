"""The conversation's states: what a row's state is now (expired prompts gone), the state beneath a rating prompt,
the rating buttons' payload, when staff silence is acknowledged. Who answers is decided in
``api/conversations/decision.py``.

The diagram in docs/conversations.md is this module and ``decision.py``; change them together.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

from api.conversations.models import State
from api.conversations.service import Snapshot

RATING_WINDOW = timedelta(days=7)  # a rating prompt (and its buttons) stays valid this long
COMMENT_WINDOW = timedelta(hours=1)  # the comment invitation after a rating
ACK_REPEAT = timedelta(hours=4)  # staff silent this long since the last acknowledgement: acknowledge again
_RATING_PAYLOAD = re.compile(r"^/rating(\{.*\})$")


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


def should_acknowledge(row: Snapshot, now: datetime) -> bool:
    """The first message after staff took over is acknowledged; later ones only when staff stayed silent ACK_REPEAT
    since the last acknowledgement (so a citizen writing at night is told again in the morning, not every time)."""
    if row.acknowledged_at is None or row.acknowledged_at < row.state_changed_at:
        return True
    staff_answered = row.staff_replied_at is not None and row.staff_replied_at >= row.acknowledged_at
    return not staff_answered and now - row.acknowledged_at >= ACK_REPEAT
