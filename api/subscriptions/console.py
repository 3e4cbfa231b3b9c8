"""Console page of the citizens who receive announcements: how many per hamlet and channel, and every notice the
platform would not deliver (Zalo outside its window with no ZNS fallback), with the phone to call instead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.cases.models import Case
from api.citizens.models import Citizen, Conversation
from api.console_base import auth
from api.console_base.templating import add_nav_item, add_template_dir, render
from api.deps import SessionDep
from api.outbox.models import UNREACHABLE, OutboxMessage
from api.subscriptions.service import counts

router = APIRouter(prefix="/staff/subscribers", include_in_schema=False)
add_template_dir(Path(__file__).resolve().parent / "templates")
add_nav_item("Người nhận tin", "/staff/subscribers")
KIND_LABELS = {"announcement": "Thông báo", "case_received": "Tiếp nhận hồ sơ", "case_resolved": "Kết quả hồ sơ",
               "dossier_status": "Hồ sơ một cửa"}  # fmt: skip


@dataclass(frozen=True)
class Unreachable:
    at: datetime
    kind: str
    channel: str
    name: str | None
    phone: str | None
    case_id: int | None
    case_code: str | None
    reason: str


def unreachable(session: Session, *, commune_id: int, limit: int = 200) -> list[Unreachable]:
    rows = session.execute(
        select(OutboxMessage, Citizen, Case.code)
        .outerjoin(Conversation, Conversation.conversation_id == OutboxMessage.conversation_id)
        .outerjoin(Citizen, Citizen.id == Conversation.citizen_id)
        .outerjoin(Case, Case.id == OutboxMessage.case_id)
        .where(OutboxMessage.commune_id == commune_id, OutboxMessage.status == UNREACHABLE)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    ).all()
    return [
        Unreachable(
            m.created_at,
            KIND_LABELS.get(m.kind, "Thông báo hồ sơ" if m.kind.startswith("case_") else m.kind),
            m.channel,
            citizen.display_name if citizen else None,
            citizen.phone if citizen else None,
            m.case_id,
            code,
            m.last_error or "",
        )
        for m, citizen, code in rows
    ]


@router.get("")
def subscribers(request: Request, session: SessionDep, console: auth.ConsoleStaff) -> Response:
    commune_id = console.staff.commune_id
    context = {
        "console": console,
        "counts": counts(session, commune_id=commune_id),
        "unreachable": unreachable(session, commune_id=commune_id),
        "can_write": console.staff.can_write,
    }
    return render(request, "subscribers.html", context)
