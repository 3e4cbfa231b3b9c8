"""Console page: messages the system gave up on (handling failed, replies undeliverable), for staff to act on."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.auth.inputs import reject_nul
from api.console.templating import render
from api.console_base import auth
from api.console_base.templating import add_nav_item
from api.deps import SessionDep
from api.errors import PermissionDenied
from api.inbox import failures
from api.openapi_docs import IdPath

router = APIRouter(prefix="/staff/dead-letters", include_in_schema=False, dependencies=[Depends(reject_nul)])
add_nav_item("Tin nhắn lỗi", "/staff/dead-letters")
FLASH = {"retry": "Đã đưa tin nhắn vào hàng đợi để xử lý lại.", "dismiss": "Đã bỏ tin nhắn khỏi danh sách."}


def _writer(console: auth.ConsoleSession) -> None:
    if not console.staff.can_write:
        raise PermissionDenied("Chỉ cán bộ xử lý mới xem được tin nhắn lỗi.", code="forbidden")


@router.get("")
def dead_letter_page(request: Request, session: SessionDep, console: auth.ConsoleStaff, done: str = "") -> Response:
    _writer(console)
    letters = failures.list_dead_letters(session, staff=console.staff)
    context = {"console": console, "letters": letters, "flash": FLASH.get(done)}
    return render(request, "dead_letters.html", context)


@router.post("/{kind}/{letter_id}/{action}")
def dead_letter_action(
    kind: Literal["inbound", "outbound"],
    letter_id: IdPath,
    action: Literal["retry", "dismiss"],
    session: SessionDep,
    console: auth.ConsoleStaff,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    auth.check_csrf(console, csrf_token)
    _writer(console)
    act = failures.retry_dead_letter if action == "retry" else failures.dismiss_dead_letter
    act(session, kind=kind, letter_id=letter_id, commune_id=console.staff.commune_id)
    return RedirectResponse(f"/staff/dead-letters?done={action}", status_code=303)
