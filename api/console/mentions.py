"""The "Nhắc đến tôi" view: internal notes that name the officer (@login), newest unseen first; opening one marks it
seen. The badge count comes with the console's live poll (api/console/live.py)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.auth.inputs import reject_nul
from api.cases.service import get_case
from api.console import auth
from api.console.templating import add_nav_item, render
from api.deps import SessionDep
from api.mentions import service

router = APIRouter(prefix="/staff/mentions", include_in_schema=False, dependencies=[Depends(reject_nul)])
add_nav_item("Nhắc đến tôi", "/staff/mentions")


@router.get("")
def mentions_page(request: Request, session: SessionDep, console: auth.ConsoleStaff) -> Response:
    items = service.list_for(session, staff_id=console.staff.id)
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
