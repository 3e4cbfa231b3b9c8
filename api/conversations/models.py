"""The conversation: one citizen on one channel of one commune, and who answers its next message.

The state machine (docs/conversations.md): ``bot`` → ``staff`` when a case takes the conversation over (a handoff or
a case staff chat on) → ``bot`` when it ends or the citizen goes back to the bot; a resolved case asks for a rating
(``awaiting_rating``, it wins over an open handoff); a rating invites one optional comment (``awaiting_comment``);
then back to ``staff`` if a case still holds the conversation, else ``bot``.

The table itself is ``api/citizens/models.py``'s (below every package that names a conversation), re-exported here.
"""

from __future__ import annotations

from enum import StrEnum

from api.citizens.models import Conversation

__all__ = ["Conversation", "State"]


class State(StrEnum):
    bot = "bot"  # Rasa answers
    staff = "staff"  # a case owns the conversation: messages go onto its timeline, officers answer
    awaiting_rating = "awaiting_rating"  # a resolved case asked for 1–5 stars
    awaiting_comment = "awaiting_comment"  # stars given; the next free text is their comment ("Bỏ qua" skips)
