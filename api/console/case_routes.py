"""Console pages for one case: detail with conversation and timeline, and the forms that act on it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from api.auth.inputs import reject_nul
from api.auth.openapi_docs import parse_id
from api.cases import canned, commands
from api.cases.catalog import Status
from api.cases.models import Case
from api.cases.service import get_case, is_overdue
from api.cases.views import timeline_read
from api.communes.models import Commune
from api.console import auth
from api.console.templating import render
from api.conversations import access
from api.conversations.transcript import transcript
from api.deps import SessionDep
from api.errors import DomainError, PermissionDenied, ValidationFailed
from api.staff.audit import Action, record_access
from api.staff.models import Role, Staff
from api.staff.service import list_departments, list_staff

router = APIRouter(prefix="/staff/cases", include_in_schema=False, dependencies=[Depends(reject_nul)])
Csrf = Annotated[str, Form(max_length=100)]
Text = Annotated[str, Form(max_length=8000)]
FLASH = {
    "reply": "Đã gửi trả lời tới người dân.",
    "note": "Đã thêm ghi chú nội bộ.",
    "assign": "Đã phân công.",
    "status": "Đã cập nhật trạng thái.",
    "chat": "Đã cập nhật chế độ trò chuyện.",
    "merge": "Đã gộp vào hồ sơ trùng.",
}


def _page(
    request: Request,
    session: Session,
    console: auth.ConsoleSession,
    case: Case,
    *,
    error: str | None = None,
    status_code: int = 200,
    flash: str | None = None,
) -> Response:
    entries = timeline_read(session, case)
    commune = session.get(Commune, case.commune_id)
    conversation = [e for e in entries if e.kind in ("citizen_message", "public_reply", "notification", "created")]
    context = {
        "console": console,
        "case": case,
        "overdue": is_overdue(case),
        "timeline": entries,
        "conversation": conversation,
        "staff_list": [s for s in list_staff(session, commune_id=case.commune_id, active_only=True) if s.can_write],
        "departments": list_departments(session, commune_id=case.commune_id),
        "error": error,
        "flash": FLASH.get(flash or ""),
        "can_write": console.staff.can_write,
        "masked": console.staff.role == Role.viewer,  # the least-privileged role sees personal data masked
        "known": (case.contact_name, case.contact_phone),
        "canned": canned.for_case(commune=commune, case=case, officer_name=console.staff.full_name),
        "transcript": (
            transcript(session, conversation_id=case.conversation_id, commune_slug=commune.slug)
            if case.conversation_id
            and commune is not None
            and access.can_read(
                session, console.staff, commune_id=case.commune_id, conversation_id=case.conversation_id
            )
            else []
        ),
        "VARIABLES": canned.VARIABLES,
    }
    return render(request, "case.html", context, status_code=status_code)


@router.get("/{code}")
def case_detail(request: Request, code: str, session: SessionDep, console: auth.ConsoleStaff, ok: str = "") -> Response:
    case = get_case(session, staff=console.staff, code=code)
    record_access(session, staff=console.staff, action=Action.view, subject=f"case:{case.code}")
    return _page(request, session, console, case, flash=ok)


def _act(
    request: Request, session: Session, console: auth.ConsoleSession, code: str, csrf: str, action: str, run: object
) -> Response:
    """Run one command in the request's transaction; on a domain error roll back and show the page with the error."""
    auth.check_csrf(console, csrf)
    case = get_case(session, staff=console.staff, code=code)
    try:
        if not console.staff.can_write:
            raise PermissionDenied("Tài khoản chỉ xem không được thay đổi hồ sơ.", code="read_only_role")
        assert callable(run)
        run(case, console.staff)
    except DomainError as exc:
        session.rollback()
        case = get_case(session, staff=console.staff, code=code)
        return _page(request, session, console, case, error=exc.message, status_code=exc.status_code)
    return RedirectResponse(f"/staff/cases/{case.code}?ok={action}", status_code=303)


@router.post("/{code}/reply")
def reply(
    request: Request, code: str, session: SessionDep, console: auth.ConsoleStaff, csrf_token: Csrf = "", text: Text = ""
) -> Response:
    def run(case: Case, staff: Staff) -> None:
        commands.public_reply(session, staff=staff, case=case, text=text)

    return _act(request, session, console, code, csrf_token, "reply", run)


@router.post("/{code}/note")
def note(
    request: Request, code: str, session: SessionDep, console: auth.ConsoleStaff, csrf_token: Csrf = "", text: Text = ""
) -> Response:
    def run(case: Case, staff: Staff) -> None:
        commands.add_note(session, staff=staff, case=case, text=text)

    return _act(request, session, console, code, csrf_token, "note", run)


@router.post("/{code}/assign")
def assign(
    request: Request,
    code: str,
    session: SessionDep,
    console: auth.ConsoleStaff,
    csrf_token: Csrf = "",
    assignee_id: Annotated[str, Form(max_length=12)] = "",
    department_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    def run(case: Case, staff: Staff) -> None:
        commands.assign_case(
            session,
            staff=staff,
            case=case,
            assignee_id=parse_id(assignee_id),
            department_id=parse_id(department_id),
        )

    return _act(request, session, console, code, csrf_token, "assign", run)


@router.post("/{code}/status")
def change_status(
    request: Request,
    code: str,
    session: SessionDep,
    console: auth.ConsoleStaff,
    csrf_token: Csrf = "",
    status: Annotated[str, Form(max_length=20)] = "",
    note: Text = "",
) -> Response:
    def run(case: Case, staff: Staff) -> None:
        if status not in Status.__members__:
            raise ValidationFailed("Trạng thái không hợp lệ.", code="invalid_status", field="status")
        commands.change_status(session, staff=staff, case=case, status=Status(status), note=note)

    return _act(request, session, console, code, csrf_token, "status", run)


@router.post("/{code}/chat")
def chat(
    request: Request,
    code: str,
    session: SessionDep,
    console: auth.ConsoleStaff,
    csrf_token: Csrf = "",
    enabled: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    def run(case: Case, staff: Staff) -> None:
        commands.set_chat(session, staff=staff, case=case, enabled=enabled == "1")

    return _act(request, session, console, code, csrf_token, "chat", run)


@router.post("/{code}/merge")
def merge(
    request: Request,
    code: str,
    session: SessionDep,
    console: auth.ConsoleStaff,
    csrf_token: Csrf = "",
    into: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    def run(case: Case, staff: Staff) -> None:
        if not into.strip():
            raise ValidationFailed("Nhập mã hồ sơ cần gộp vào.", code="merge_target_required", field="into")
        commands.merge_case(session, staff=staff, case=case, into_code=into)

    return _act(request, session, console, code, csrf_token, "merge", run)
