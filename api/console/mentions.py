"""The "Nhắc đến tôi" view: internal notes that name the officer (@login), newest unseen first; opening one marks it
seen. The badge count comes with the console's live poll (api/console/live.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth.inputs import reject_nul
from api.cases.models import Case, TimelineEntry
from api.cases.service import get_case
from api.console.templating import render
from api.console_base import auth
from api.console_base.templating import add_nav_item
from api.deps import SessionDep
from api.mentions import service
from api.mentions.models import Mention
from api.staff.models import Staff

router = APIRouter(prefix="/staff/mentions", include_in_schema=False, dependencies=[Depends(reject_nul)])
add_nav_item("Nhắc đến tôi", "/staff/mentions")


@router.get("")
def mentions_page(request: Request, session: SessionDep, console: auth.ConsoleStaff) -> Response:
    items = list_for(session, staff_id=console.staff.id)
    return render(request, "mentions.html", {"console": console, "items": items})


@router.post("/{code}/open")
def open_mention(code: str, session: SessionDep, console: auth.ConsoleStaff, csrf_token: str = Form("")) -> Response:
    auth.check_csrf(console, csrf_token)
    case = get_case(session, staff=console.staff, code=code)
    service.mark_seen(session, staff_id=console.staff.id, case_id=case.id)
    return RedirectResponse(f"/staff/cases/{case.code}", status_code=303)


@router.post("/seen")
def all_seen(session: SessionDep, console: auth.ConsoleStaff, csrf_token: str = Form("")) -> Response:
    auth.check_csrf(console, csrf_token)
    service.mark_seen(session, staff_id=console.staff.id)
    return RedirectResponse("/staff/mentions", status_code=303)


@dataclass(frozen=True)
class MentionView:
    id: int
    case_code: str
    case_title: str
    note: str
    author: str
    at: datetime
    seen: bool


def list_for(session: Session, *, staff_id: int, limit: int = 100) -> list[MentionView]:
    rows = session.execute(
        select(Mention, Case.code, Case.title, TimelineEntry.body, Staff.full_name)
        .join(Case, Case.id == Mention.case_id)
        .join(TimelineEntry, TimelineEntry.id == Mention.entry_id)
        .outerjoin(Staff, Staff.id == Mention.author_id)
        .where(Mention.staff_id == staff_id)
        .order_by(Mention.seen_at.is_not(None), Mention.created_at.desc(), Mention.id.desc())
        .limit(limit)
    ).all()
    return [
        MentionView(m.id, code, title, body or "", author or "—", m.created_at, m.seen_at is not None)
        for m, code, title, body, author in rows
    ]
