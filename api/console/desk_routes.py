"""Desk tools on the console: take a case ("Nhận xử lý") and act on many cases at once from the list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.auth.inputs import reject_nul
from api.cases import commands
from api.cases.catalog import Status
from api.cases.service import get_case
from api.console_base import auth
from api.deps import SessionDep
from api.errors import DomainError, PermissionDenied, ValidationFailed
from api.openapi_docs import parse_id

router = APIRouter(prefix="/staff/cases", include_in_schema=False, dependencies=[Depends(reject_nul)])
Csrf = Annotated[str, Form(max_length=100)]
MAX_BULK = 100
BULK_ACTIONS = {"take": "Nhận xử lý", "assign": "Giao cho cán bộ", "resolve": "Đánh dấu đã giải quyết"}


def _writer(console: auth.ConsoleSession) -> None:
    if not console.staff.can_write:
        raise PermissionDenied("Tài khoản chỉ xem không được thay đổi hồ sơ.", code="read_only_role")


@router.post("/{code}/take")
def take(code: str, session: SessionDep, console: auth.ConsoleStaff, csrf_token: Csrf = "") -> Response:
    """The officer takes the case: assigned to them (and out of the emergency pin if it was urgent)."""
    auth.check_csrf(console, csrf_token)
    _writer(console)
    case = get_case(session, staff=console.staff, code=code)
    commands.assign_case(session, staff=console.staff, case=case, assignee_id=console.staff.id, department_id=None)
    return RedirectResponse(f"/staff/cases/{case.code}?ok=assign#tra-loi", status_code=303)  # taken: now answer


@router.post("/bulk")
def bulk(
    request: Request,
    session: SessionDep,
    console: auth.ConsoleStaff,
    csrf_token: Csrf = "",
    codes: Annotated[list[str] | None, Form(max_length=32)] = None,
    action: Annotated[str, Form(max_length=10)] = "",
    assignee_id: Annotated[str, Form(max_length=12)] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """One transaction for the whole selection: every case changes, or none does and the page says which failed."""
    auth.check_csrf(console, csrf_token)
    _writer(console)
    chosen = list(dict.fromkeys(c.strip().upper() for c in codes or [] if c.strip()))
    if not chosen:
        raise ValidationFailed("Chưa chọn hồ sơ nào.", code="bulk_empty", field="codes")
    if len(chosen) > MAX_BULK:
        raise ValidationFailed(f"Mỗi lần xử lý tối đa {MAX_BULK} hồ sơ.", code="bulk_too_many", field="codes")
    if action not in BULK_ACTIONS:
        raise ValidationFailed("Thao tác không hợp lệ.", code="invalid_bulk_action", field="action")
    target = console.staff.id if action == "take" else parse_id(assignee_id)
    if action == "assign" and target is None:
        raise ValidationFailed("Chọn cán bộ nhận hồ sơ.", code="assignee_required", field="assignee_id")
    for code in chosen:
        case = get_case(session, staff=console.staff, code=code)
        try:
            if action == "resolve":
                commands.change_status(session, staff=console.staff, case=case, status=Status.resolved, note=note)
            else:
                commands.assign_case(session, staff=console.staff, case=case, assignee_id=target, department_id=None)
        except DomainError as exc:
            raise type(exc)(f"{case.code}: {exc.message}", code=exc.code, field="codes") from exc
    return RedirectResponse(f"/staff?ok=bulk-{action}&n={len(chosen)}", status_code=303)
