"""Keep the turns Rasa was unsure of for the review inbox.

How Rasa read the message (intent, confidence, entities) comes back with the turn's reply (bot/reading.py adds it
when the gateway asks, api/nlu/client.py ``send_turn``): no extra request to Rasa per turn. The turn is kept in the
same transaction that stores Rasa's answer (api/inbox/turns.py), so it is kept exactly once, or not at all
when the answer is not stored. The reading's text is checked against the text sent, so a reading is never stored
against the wrong message (a Rasa without bot/reading.py sends none: nothing is kept).
"""

from __future__ import annotations

import unicodedata
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from api.config import Settings
from api.infra.writes import write_transaction
from api.nlu import review
from api.nlu.models import Reason


def _same(a: str, b: str) -> bool:
    return unicodedata.normalize("NFC", a).strip() == unicodedata.normalize("NFC", b).strip()


class ConsentCheck(Protocol):
    """Whether the citizen's words may be kept for training (the privacy domain answers: api/privacy/service.py,
    registered as ``app.state.review_consent`` in api/routers.py; nlu never imports privacy)."""

    def __call__(self, session: Session, *, conversation_id: str) -> bool: ...


def reason(settings: Settings, *, text: str, kind: str, parse: dict[str, Any] | None) -> Reason | None:
    """Why this turn is kept for review (Rasa fell back or was unsure); None: not kept. Typed text only (buttons
    carry their own intent)."""
    if not settings.nlu_review_capture or kind != "text" or not text.strip() or text.startswith("/"):
        return None
    if parse is None or not _same(str(parse.get("text") or ""), text):
        return None
    return review.reason_for(parse, threshold=settings.nlu_review_threshold)


def keep(
    session: Session, *, commune_id: int, inbox_id: int, conversation_id: str, text: str, parse: dict[str, Any],
    reason: Reason, consent: ConsentCheck | None = None,
) -> None:  # fmt: skip
    """Store the turn for review, in the caller's transaction, unless the citizen withdrew consent."""
    if consent is not None and not consent(session, conversation_id=conversation_id):
        return  # consent withdrawn ("rút lại đồng ý"): the words are not kept for review
    review.record(
        session, commune_id=commune_id, inbox_event_id=inbox_id, conversation_id=conversation_id,
        text=text, parse=parse, reason=reason,
    )  # fmt: skip


def _store(
    factory: sessionmaker[Session], *, commune_id: int, inbox_id: int, conversation_id: str, text: str,
    parse: dict[str, Any], reason: Reason, consent: ConsentCheck | None = None,
) -> None:  # fmt: skip
    """``keep`` in a transaction of its own."""
    with write_transaction(factory) as session:
        keep(
            session, commune_id=commune_id, inbox_id=inbox_id, conversation_id=conversation_id, text=text,
            parse=parse, reason=reason, consent=consent,
        )  # fmt: skip
