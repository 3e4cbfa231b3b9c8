"""Buttons beyond what a platform shows in one message: the first page plus a "Xem thêm" (see more) button.

The state lives in the stored outbound message, not in memory: the "Xem thêm" payload names the message and the offset
of the next page, so whichever gateway process receives the tap can send the rest (the core re-queues the remaining
buttons as a new message, which the connector pages again).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

MORE_TITLE = "Xem thêm"
_MORE = re.compile(r"^xaso:more:(\d{1,18}):(\d{1,4})$")


def more_payload(message_id: int, offset: int) -> str:
    return f"xaso:more:{message_id}:{offset}"


def parse_more(text: str) -> tuple[int, int] | None:
    """``(message id, offset)`` when ``text`` is the payload of a "Xem thêm" button."""
    match = _MORE.match(text.strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


def first_page(
    buttons: Sequence[Mapping[str, str]], *, per_message: int, message_id: int | None
) -> list[Mapping[str, str]]:
    """At most ``per_message`` buttons: all of them when they fit, else the first ones and "Xem thêm".

    Without a stored message to point at (``message_id`` None) there is nothing to page from: the first ones only.
    """
    if len(buttons) <= per_message:
        return list(buttons)
    if message_id is None:
        return list(buttons[:per_message])
    shown = per_message - 1
    return [*buttons[:shown], {"title": MORE_TITLE, "payload": more_payload(message_id, shown)}]
