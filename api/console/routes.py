"""The staff console (Vietnamese, server-rendered): login, case list, stats, static files, uploaded images."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, time, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response, StreamingResponse

from api.auth import tokens
from api.auth.guards import client_address, login_limiter
from api.auth.inputs import reject_nul
from api.auth.service import authenticate
from api.cases.catalog import CATEGORIES, Status
from api.cases.desk import pinned_urgent, waiting_ids
from api.cases.service import SORTS, CaseFilters, is_overdue, list_cases
from api.cases.stats import case_stats, export_rows
from api.cases.uploads import MEDIA_TYPES, media_path
from api.console import holders
from api.console.desk_routes import BULK_ACTIONS
from api.console.templating import STATIC_DIR, render
from api.console_base import auth
from api.console_base.templating import ZONE
from api.db import transaction
from api.deps import SessionDep, SessionFactoryDep, SettingsDep
from api.errors import DomainError, NotFound, ValidationFailed
from api.openapi_docs import parse_id
from api.staff.audit import Action, record_access
from api.staff.models import Staff
from api.staff.service import change_own_password, list_staff

router = APIRouter(prefix="/staff", include_in_schema=False, dependencies=[Depends(reject_nul)])
PER_PAGE = 50
LIST_FLASH = {"password": "Đã đổi mật khẩu."}
STATIC_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml", ".png": "image/png"}


@router.get("/login")
def login_form(request: Request, settings: SettingsDep, next: str = "/staff") -> Response:
    token = auth.login_csrf(request)
    response = render(request, "login.html", {"csrf_token": token, "next": _safe_next(next), "error": None})
    auth.set_login_csrf(response, settings, token)
    return response


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    login: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "/staff",
) -> Response:
    error = None
    if not auth.login_csrf_ok(request, csrf_token):
        error, status = "Phiên đăng nhập đã hết hạn, vui lòng thử lại.", 400
    else:
        try:
            staff = authenticate(
                session, login=login, password=password, client=client_address(request), limiter=login_limiter(request)
            )
        except DomainError as exc:
            error, status = exc.message, exc.status_code
    if error is not None:
        token = auth.login_csrf(request)
        context = {"csrf_token": token, "next": _safe_next(next), "error": error, "login": login}
        response = render(request, "login.html", context, status_code=status)
        auth.set_login_csrf(response, settings, token)
        return response
    target = auth.PASSWORD_PATH if staff.must_change_password else _safe_next(next)
    redirect = RedirectResponse(target, status_code=303)
    auth.start_session(session, settings, redirect, staff)
    return redirect


@router.get("/password")
def password_form(request: Request, console: auth.ConsoleStaff) -> Response:
    context = {"csrf_token": console.csrf_token, "staff": console.staff, "error": None, "forced": _forced(console)}
    return render(request, "password.html", context)


@router.post("/password")
def change_password(
    request: Request,
    session: SessionDep,
    console: auth.ConsoleStaff,
    current_password: Annotated[str, Form(max_length=256)] = "",
    new_password: Annotated[str, Form(max_length=256)] = "",
    confirm_password: Annotated[str, Form(max_length=256)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    auth.check_csrf(console, csrf_token)
    try:
        if new_password != confirm_password:
            raise ValidationFailed("Hai lần nhập mật khẩu mới không khớp.", code="password_mismatch")
        record, _staff = tokens.resolve_token(session, secret=console.secret, kinds=("session",))
        change_own_password(
            session,
            staff=console.staff,
            current_password=current_password,
            new_password=new_password,
            keep_token_id=record.id,
        )
    except DomainError as exc:
        session.rollback()
        context = {"csrf_token": console.csrf_token, "staff": console.staff, "error": exc.message}
        return render(request, "password.html", {**context, "forced": _forced(console)}, status_code=exc.status_code)
    return RedirectResponse("/staff?ok=password", status_code=303)


def _forced(console: auth.ConsoleSession) -> bool:
    return bool(console.staff.must_change_password)


@router.post("/logout")
def logout(
    session: SessionDep, console: auth.ConsoleStaff, csrf_token: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    auth.check_csrf(console, csrf_token)
    response = RedirectResponse("/staff/login", status_code=303)
    auth.end_session(session, response, console)
    return response


def _safe_next(target: str) -> str:
    # Only our own pages: no open redirect to another site.
    return target if target.startswith("/staff") and not target.startswith("//") else "/staff"


def _parse_day(value: str | None, field: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.combine(datetime.strptime(value, "%Y-%m-%d").date(), time.min, tzinfo=ZONE)
    except ValueError:
        raise ValidationFailed("Ngày không hợp lệ (dạng YYYY-MM-DD).", code="invalid_date", field=field) from None


@dataclass(frozen=True)
class ListParams:
    status: str = ""
    category: str = ""
    assignee: str = ""
    overdue: str = ""
    q: str = ""
    date_from: str = ""
    date_to: str = ""
    waiting: str = ""

    def filters(self, staff: Staff) -> CaseFilters:
        statuses: tuple[Status, ...] = ()
        if self.status == "open":
            statuses = (Status.new, Status.assigned, Status.in_progress)
        elif self.status in Status.__members__:
            statuses = (Status(self.status),)
        end = _parse_day(self.date_to, "date_to")
        return CaseFilters(
            status=statuses,
            category=self.category if self.category in CATEGORIES else None,
            assignee_id=staff.id if self.assignee == "me" else parse_id(self.assignee),
            unassigned=self.assignee == "none",
            overdue=self.overdue == "1",
            q=self.q or None,
            created_from=_parse_day(self.date_from, "date_from"),
            created_to=end + timedelta(days=1) if end else None,
            waiting=self.waiting == "1",
        )


def list_params(
    status: Annotated[str, Query(max_length=20)] = "",
    category: Annotated[str, Query(max_length=32)] = "",
    assignee: Annotated[str, Query(max_length=20)] = "",
    overdue: Annotated[str, Query(max_length=5)] = "",
    q: Annotated[str, Query(max_length=200)] = "",
    date_from: Annotated[str, Query(max_length=10)] = "",
    date_to: Annotated[str, Query(max_length=10)] = "",
    waiting: Annotated[str, Query(max_length=5)] = "",
) -> ListParams:
    return ListParams(status, category, assignee, overdue, q, date_from, date_to, waiting)


Params = Annotated[ListParams, Depends(list_params)]


@router.get("")
def case_list(
    request: Request,
    session: SessionDep,
    console: auth.ConsoleStaff,
    params: Params,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    sort: Annotated[str, Query(max_length=10)] = "moi",
    ok: Annotated[str, Query(max_length=20)] = "",
    n: Annotated[int, Query(ge=0, le=1000)] = 0,
) -> Response:
    staff = console.staff
    error = None
    sort = sort if sort in SORTS else "moi"
    try:
        filters = params.filters(staff)
    except DomainError as exc:
        filters, error = ListParams().filters(staff), exc.message
    rows, total = list_cases(session, staff=staff, filters=filters, page=page, per_page=PER_PAGE, sort=sort)
    query = {k: v for k, v in asdict(params).items() if v} | ({"sort": sort} if sort != "moi" else {})
    pages = max(1, (total + PER_PAGE - 1) // PER_PAGE)
    context = {
        "console": console,
        "cases": [(c, is_overdue(c)) for c in rows],
        "total": total,
        "page": page,
        "pages": pages,
        "params": params,
        "prev_url": f"/staff?{urlencode({**query, 'page': page - 1})}" if page > 1 else None,
        "next_url": f"/staff?{urlencode({**query, 'page': page + 1})}" if page < pages else None,
        "export_url": f"/staff/export.csv?{urlencode(query)}",
        "staff_list": list_staff(session, commune_id=staff.commune_id, active_only=True),
        "error": error,
        "pinned": pinned_urgent(session, staff=staff),
        "sort": sort,
        "SORTS": SORTS,
        "BULK_ACTIONS": BULK_ACTIONS,
        "flash": f"Đã xử lý {n} hồ sơ." if ok.startswith("bulk-") and n else LIST_FLASH.get(ok),
        "waiting_ids": waiting_ids(session, ids=[c.id for c in rows]),
    }
    return render(request, "cases.html", context)


@router.get("/export.csv")
def export_csv(factory: SessionFactoryDep, console: auth.ConsoleStaff, params: Params) -> Response:
    filters = params.filters(console.staff)
    with transaction(factory) as session:
        record_access(session, staff=console.staff, action=Action.export, subject="cases.csv")

    def rows() -> Iterator[str]:
        with transaction(factory) as session:
            yield from export_rows(session, staff=console.staff, filters=filters)

    return StreamingResponse(
        rows(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="ho-so.csv"'},
    )


@router.get("/stats")
def stats_page(request: Request, session: SessionDep, console: auth.ConsoleStaff, params: Params) -> Response:
    error = None
    period = ListParams(date_from=params.date_from, date_to=params.date_to)
    try:
        filters = period.filters(console.staff)
    except DomainError as exc:
        filters, error, period = CaseFilters(), exc.message, ListParams()
    stats = case_stats(session, staff=console.staff, filters=filters)
    context = {"console": console, "stats": stats, "params": period, "error": error}
    return render(request, "stats.html", context)


@router.get("/static/{name}")
def static_file(name: str) -> Response:
    path = STATIC_DIR / name
    if "/" in name or name.startswith(".") or path.suffix not in STATIC_TYPES or not path.is_file():
        raise NotFound("Không tìm thấy tệp.", code="static_not_found")
    return FileResponse(path, media_type=STATIC_TYPES[path.suffix], headers={"Cache-Control": "max-age=3600"})


@router.get("/media/{commune_id}/{name}")
def media(
    commune_id: int, name: str, session: SessionDep, settings: SettingsDep, console: auth.ConsoleStaff
) -> Response:
    path = media_path(settings.data_dir, commune_id=commune_id, name=name)
    if path is None or not holders.media_readable(session, console.staff, commune_id=commune_id, name=name):
        raise NotFound("Không tìm thấy tệp.", code="media_not_found")
    return FileResponse(
        path,
        media_type=MEDIA_TYPES[path.suffix.lstrip(".")],
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600"},
    )
