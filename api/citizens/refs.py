"""Staff name a citizen's conversation by a sealed reference (channels/ids.py), never by its id: the web id holds the
widget's sender secret. The conversation id is the citizen's channel identity (api/citizens/models.py), so the seal
lives here, below every package that shows one; api/cases/access.py offers it to staff surfaces."""

from __future__ import annotations

from api.config import get_settings
from api.errors import NotFound
from channels.ids import InvalidConversationRef, open_ref, seal_ref

CONVERSATION_NOT_FOUND = "Không tìm thấy hội thoại."


def _key() -> bytes:
    return get_settings().secret_key.get_secret_value().encode("utf-8")


def public_ref(conversation_id: str | None) -> str | None:
    """What staff screens and APIs show instead of the conversation id (None stays None)."""
    return seal_ref(conversation_id, key=_key()) if conversation_id else None


def resolve_ref(ref: str) -> str:
    """The conversation id behind a staff-facing reference; a raw id or a forged reference is not found."""
    try:
        return str(open_ref(ref, key=_key()))
    except InvalidConversationRef:
        raise NotFound(CONVERSATION_NOT_FOUND, code="conversation_not_found") from None
