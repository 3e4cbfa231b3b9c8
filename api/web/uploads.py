"""Photos from the web chat: the widget uploads one here, then sends a message carrying the returned path.

Who may upload: the holder of a web session (the sender id is the session's secret, as for the event stream) whose
conversation already exists — a stranger cannot fill the disk without first talking to the bot. Each session and each
address gets a budget per hour, shared by the gateway processes (api/infra/budgets.py): opening a new session does not
reset the address's. The file is checked by content and size (api/cases/uploads.py) and served
only to the commune's staff: the citizen's photo never becomes public.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, UploadFile, status
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.auth.guards import client_address
from api.auth.inputs import reject_nul
from api.cases.uploads import MAX_UPLOAD_BYTES, store_image
from api.communes.service import get_commune
from api.deps import SettingsDep
from api.errors import NotFound, PermissionDenied
from api.inbox_events.models import InboxEvent
from api.infra.budgets import budgets
from channels.ids import format_id

router = APIRouter(tags=["web chat"], dependencies=[Depends(reject_nul)])  # NUL: a 422, not a PostgreSQL 500


def _conversation(factory: sessionmaker[Session], slug: str, sender: str) -> tuple[int, str]:
    """(commune id, conversation id) of a started web session; the commune is looked up before the id is built."""
    with factory() as session:
        try:
            commune_id = get_commune(session, slug=slug).id
        except NotFound as exc:
            raise NotFound(exc.message, code=exc.code, field="commune") from None
        conversation_id = format_id("web", slug, sender)
        known = session.scalar(
            select(InboxEvent.id)
            .where(InboxEvent.commune_id == commune_id, InboxEvent.conversation_id == conversation_id)
            .limit(1)
        )
    if known is None:
        raise PermissionDenied("Phiên chat chưa bắt đầu: hãy nhắn tin trước khi gửi ảnh.", code="unknown_session")
    return commune_id, conversation_id


@router.post(
    "/webhooks/web/uploads",
    status_code=status.HTTP_201_CREATED,
    summary="Ảnh người dân gửi từ khung chat web (trả về đường dẫn để gửi kèm tin nhắn)",
)
async def web_upload(
    request: Request,
    settings: SettingsDep,
    file: UploadFile,
    sender: Annotated[str, Form(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")],
    commune: Annotated[str | None, Form(min_length=1, max_length=64)] = None,
) -> dict[str, str]:
    slug = commune or settings.default_commune
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    commune_id, _conversation_id = await run_in_threadpool(_conversation, factory, slug, sender)
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    budgets(request).upload(address=client_address(request), sender=sender)
    url = await run_in_threadpool(store_image, settings.data_dir, commune_id=commune_id, data=data)
    return {"url": url}
