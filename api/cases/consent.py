"""Explicit consent before health details are stored (Luật 91/2025/QH15: health data is sensitive personal data).

A consultation filed from a conversation whose citizen has not consented to storing health details keeps only that
it exists: its text is withheld, the health worker sees a marker and asks in the chat. An emergency (urgent) is the
law's exception — processing to protect life and health — and is stored as told. The consent itself is the privacy
domain's (api/privacy/service.py); cases ask through this Protocol, registered when the app is built
(api/routers.py), so cases never import privacy.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session

from api.cases.catalog import Kind, Priority
from api.cases.schemas import InternalCaseCreate

WITHHELD_TITLE = "Yêu cầu tư vấn sức khỏe"
WITHHELD_TEXT = (
    "[Chưa lưu nội dung sức khỏe: người dân chưa đồng ý. Hỏi lại trong trò chuyện; người dân nhắn "
    '"đồng ý lưu thông tin sức khỏe" để đồng ý.]'
)


class HealthConsent(Protocol):
    def __call__(self, session: Session, *, conversation_id: str) -> bool: ...


def withhold_without_consent(
    session: Session, body: InternalCaseCreate, consent: HealthConsent | None
) -> InternalCaseCreate:
    """The case as it may be stored: a non-urgent consultation without consent loses its health text."""
    if consent is None or body.kind != Kind.consultation or body.priority == Priority.urgent:
        return body
    if consent(session, conversation_id=body.conversation_id):
        return body
    return body.model_copy(update={"title": WITHHELD_TITLE, "description": WITHHELD_TEXT})
