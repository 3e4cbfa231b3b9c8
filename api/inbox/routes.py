"""Dead letters for staff over the API: list them, send one round again, or dismiss it (writers of the commune)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel

from api.auth.deps import WriterStaff
from api.auth.inputs import reject_nul
from api.deps import SessionDep
from api.inbox import failures
from api.openapi_docs import ERROR_RESPONSES, IdPath

router = APIRouter(
    prefix="/api/v1/dead-letters", tags=["dead letters"], responses=ERROR_RESPONSES, dependencies=[Depends(reject_nul)]
)


class DeadLetterRead(BaseModel):
    kind: Literal["inbound", "outbound"]
    id: int
    channel: str
    conversation_id: str
    text: str
    error: str
    attempts: int
    at: datetime | None


@router.get("", response_model=list[DeadLetterRead], summary="Tin nhắn lỗi chưa xử lý được (đến và đi)")
def list_dead_letters(session: SessionDep, staff: WriterStaff) -> list[DeadLetterRead]:
    letters = failures.list_dead_letters(session, staff=staff)
    return [DeadLetterRead(**letter.__dict__) for letter in letters]


@router.post("/{kind}/{letter_id}/retry", status_code=status.HTTP_204_NO_CONTENT, summary="Xử lý / gửi lại tin nhắn")
def retry(kind: Literal["inbound", "outbound"], letter_id: IdPath, session: SessionDep, staff: WriterStaff) -> None:
    failures.retry_dead_letter(session, kind=kind, letter_id=letter_id, commune_id=staff.commune_id)


@router.post("/{kind}/{letter_id}/dismiss", status_code=status.HTTP_204_NO_CONTENT, summary="Bỏ khỏi danh sách lỗi")
def dismiss(kind: Literal["inbound", "outbound"], letter_id: IdPath, session: SessionDep, staff: WriterStaff) -> None:
    failures.dismiss_dead_letter(session, kind=kind, letter_id=letter_id, commune_id=staff.commune_id)
