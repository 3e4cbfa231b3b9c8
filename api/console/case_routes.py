"""Console pages for one case: detail with conversation and timeline, and the forms that act on it."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from api.appointments.service import for_case as appointment_for_case
from api.auth.inputs import reject_nul
from api.cases import access, canned, commands
from api.cases.catalog import TRANSITIONS, Status
from api.cases.models import Case
from api.cases.service import get_case, is_overdue
from api.cases.views import timeline_read
from api.communes.models import Commune
from api.console.templating import render
from api.console.transcript import TranscriptTurn, transcript
from api.console_base import auth
from api.deps import SessionDep
from api.errors import DomainError, PermissionDenied, ValidationFailed
from api.openapi_docs import parse_id
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
# Where the page opens again after an action: at the part the officer was working on, not at the top.
ANCHORS = {"reply": "tra-loi", "note": "ghi-chu", "assign": "phan-cong", "status": "trang-thai", "chat": "tra-loi"}
LIFECYCLE = (Status.new, Status.assigned, Status.in_progress, Status.resolved, Status.closed)
RECENT_BEFORE_CASE = timedelta(minutes=30)  # the report's own dialogue, shown open; older talk folded away
MAX_RECENT_BEFORE = 16


def next_statuses(case: Case) -> list[tuple[str, bool]]:
    """The statuses this case may move to, forward ones first; a backward move (reopening) is marked as one."""
    current = Status(case.status)
    rank = {s: i for i, s in enumerate(LIFECYCLE)}
    allowed = [s for s in Status if s in TRANSITIONS[current] and s != Status.duplicate]
    backwards = {s for s in allowed if s in rank and current in rank and rank[s] < rank[current]}
    if current == Status.rejected:
        backwards = set(allowed)
    return [(s.value, s in backwards) for s in sorted(allowed, key=lambda s: (s in backwards, rank.get(s, 9)))]


def split_transcript(turns: list[TranscriptTurn], case: Case) -> tuple[list[TranscriptTurn], list[TranscriptTurn]]:
    """(earlier talk, the report and after): the panel opens where the report began, older messages one click away.

    The report begins at the citizen's request just before their own words of the description (the bot's question
    between them); without that, at the messages of the half hour before the case, at most a form's length of them."""
    created = case.created_at if case.created_at.tzinfo else case.created_at.replace(tzinfo=UTC)
    before = [i for i, t in enumerate(turns) if t.at <= created + timedelta(seconds=5)]
    description = (case.description or "").strip()
    said = [i for i in before if turns[i].who == "citizen" and description and turns[i].text.strip() == description]
    if said:
        start = said[-1]
        for i in range(said[-1] - 1, max(-1, said[-1] - 3), -1):  # back to the citizen's request ("Gửi phản ánh")
            if turns[i].who == "citizen":
                start = i
                break
        return turns[:start], turns[start:]
    start = next((i for i, t in enumerate(turns) if t.at >= created - RECENT_BEFORE_CASE), len(turns))
    before_case = sum(1 for t in turns[start:] if t.at < created)
    start += max(0, before_case - MAX_RECENT_BEFORE)
    return turns[:start], turns[start:]


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
    talk = (
        transcript(session, conversation_id=case.conversation_id, commune_slug=commune_slug(session, case))
        if case.conversation_id
        and access.can_read(session, console.staff, commune_id=case.commune_id, conversation_id=case.conversation_id)
        else []
    )
    earlier, recent = split_transcript(talk, case)
    staff = [s for s in list_staff(session, commune_id=case.commune_id, active_only=True) if s.can_write]
    in_department = [s for s in staff if case.department_id is None or s.department_id in (case.department_id, None)]
    commune = session.get(Commune, case.commune_id)
    conversation = [e for e in entries if e.kind in ("citizen_message", "public_reply", "notification", "created")]
    context = {
        "console": console,
        "case": case,
        "overdue": is_overdue(case),
        "timeline": entries,
        "conversation": conversation,
        "staff_list": in_department,  # the case's department (and staff of no department) first
        "other_staff": [s for s in staff if s not in in_department],
        "next_statuses": next_statuses(case),
        "departments": list_departments(session, commune_id=case.commune_id),
        "error": error,
        "flash": FLASH.get(flash or ""),
        "can_write": console.staff.can_write,
        "masked": console.staff.role == Role.viewer,  # the least-privileged role sees personal data masked
        "known": (case.contact_name, case.contact_phone),
        "canned": canned.for_case(commune=commune, case=case, officer_name=console.staff.full_name),
        "transcript": talk,
        "earlier": earlier,
        "recent": recent,
        "VARIABLES": canned.VARIABLES,
        "appointment": appointment_for_case(session, case_id=case.id) if case.kind == "consultation" else None,
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
    anchor = f"#{ANCHORS[action]}" if action in ANCHORS else ""
    return RedirectResponse(f"/staff/cases/{case.code}?ok={action}{anchor}", status_code=303)


def commune_slug(session: Session, case: Case) -> str:
    commune = session.get(Commune, case.commune_id)
    return commune.slug if commune is not None else ""


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
