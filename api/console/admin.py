"""Admin screens of the console (admin role only): staff accounts and departments.

Every form carries the session's CSRF token (api/console_base/auth.py). A domain error rolls the request's
transaction back and shows the page again with the message; nothing half-saved. Passwords set here are generated,
shown once, and must be changed at the next login (api/staff/service.py, the zxcvbn policy of api/staff/passwords.py
applies). Other admin screens: api/console/admin_config.py (routing rules, office hours, canned replies),
api/console/admin_channels.py (channel accounts, news feeds) and api/console/admin_dossiers.py (the dossier source).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from api.auth.inputs import reject_nul
from api.console.templating import render
from api.console_base import auth
from api.console_base.templating import add_nav_item
from api.deps import SessionDep
from api.errors import DomainError, PermissionDenied, ValidationFailed
from api.openapi_docs import parse_id
from api.staff import service
from api.staff.models import COMMUNE_ROLES, ROLE_LABELS, Role

PREFIX = "/staff/admin"
router = APIRouter(prefix=PREFIX, include_in_schema=False, dependencies=[Depends(reject_nul)])
Csrf = Annotated[str, Form(max_length=100)]
Short = Annotated[str, Form(max_length=200)]
SECTIONS = (
    ("Cán bộ", f"{PREFIX}/staff"),
    ("Phân luồng", f"{PREFIX}/rules"),
    ("Giờ làm việc", f"{PREFIX}/calendar"),
    ("Trả lời mẫu", f"{PREFIX}/canned"),
    ("Kênh & nguồn tin", f"{PREFIX}/channels"),
    ("Nguồn hồ sơ một cửa", f"{PREFIX}/dossiers"),  # api/console/admin_dossiers.py
    ("Tình trạng hệ thống", f"{PREFIX}/health"),  # api/console/admin_health.py
)
add_nav_item("Quản trị", PREFIX)  # base.html shows /staff/admin links to admins only


def admin_session(console: auth.ConsoleStaff) -> auth.ConsoleSession:
    if not console.staff.is_admin:
        raise PermissionDenied("Chỉ quản trị viên được dùng trang này.", code="admin_only")
    return console


AdminConsole = Annotated[auth.ConsoleSession, Depends(admin_session)]


def admin_page(
    request: Request,
    console: auth.ConsoleSession,
    name: str,
    context: dict[str, Any],
    *,
    error: str | None = None,
    flash: str | None = None,
    status_code: int = 200,
) -> Response:
    base = {"console": console, "SECTIONS": SECTIONS, "error": error, "flash": flash}
    return render(request, name, {**base, **context}, status_code=status_code)


def run_form(
    session: Session,
    console: auth.ConsoleSession,
    csrf: str,
    action: Callable[[], Response],
    on_error: Callable[[str, int], Response],
) -> Response:
    """Check the CSRF token, run the change; on a domain error roll back and show the page with the message."""
    auth.check_csrf(console, csrf)
    try:
        return action()
    except DomainError as exc:
        session.rollback()
        return on_error(exc.message, exc.status_code)


@router.get("")
def admin_home(console: AdminConsole) -> Response:
    return RedirectResponse(f"{PREFIX}/staff", status_code=303)


# --- staff and departments ------------------------------------------------------------------------------------------
STAFF_FLASH = {
    "created": "Đã tạo tài khoản.",
    "updated": "Đã lưu thay đổi.",
    "deactivated": "Đã khóa tài khoản; mọi phiên đăng nhập của người này đã kết thúc.",
    "activated": "Đã mở lại tài khoản.",
    "department": "Đã thêm bộ phận.",
}


def _staff_page(
    request: Request,
    session: Session,
    console: auth.ConsoleSession,
    *,
    error: str | None = None,
    flash: str | None = None,
    status_code: int = 200,
    issued: tuple[str, str] | None = None,
) -> Response:
    commune_id = console.staff.commune_id
    context = {
        "staff_list": service.list_staff(session, commune_id=commune_id),
        "departments": service.list_departments(session, commune_id=commune_id),
        "roles": [(role.value, label) for role, label in ROLE_LABELS.items() if role in COMMUNE_ROLES],
        "issued": issued,  # (login, one-time password): shown once, never stored in clear
    }
    return admin_page(request, console, "admin_staff.html", context, error=error, flash=flash, status_code=status_code)


def temporary_password() -> str:
    """A one-time password the admin hands over; the officer must replace it at the first login."""
    return "-".join(secrets.token_urlsafe(6) for _ in range(3))


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise ValidationFailed("Vai trò không hợp lệ.", code="invalid_role", field="role") from None


@router.get("/staff")
def staff_page(request: Request, session: SessionDep, console: AdminConsole, ok: str = "") -> Response:
    return _staff_page(request, session, console, flash=STAFF_FLASH.get(ok))


@router.post("/staff")
def add_staff(
    request: Request,
    session: SessionDep,
    console: AdminConsole,
    csrf_token: Csrf = "",
    login: Annotated[str, Form(max_length=64)] = "",
    full_name: Short = "",
    role: Annotated[str, Form(max_length=32)] = Role.officer.value,
    department_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    def action() -> Response:
        clean_login = login.strip().lower()
        if not clean_login.isascii() or not clean_login.replace(".", "").replace("_", "").replace("-", "").isalnum():
            raise ValidationFailed(
                "Tên đăng nhập chỉ gồm chữ không dấu, số, dấu chấm, gạch nối.", code="invalid_login", field="login"
            )
        if not full_name.strip():
            raise ValidationFailed("Nhập họ tên cán bộ.", code="full_name_required", field="full_name")
        password = temporary_password()
        service.create_staff(
            session,
            commune_id=console.staff.commune_id,
            login=clean_login,
            full_name=full_name,
            password=password,
            role=_role(role),
            department_id=parse_id(department_id),
            must_change_password=True,
        )
        flash = STAFF_FLASH["created"]
        return _staff_page(request, session, console, flash=flash, issued=(clean_login, password))

    return run_form(
        session,
        console,
        csrf_token,
        action,
        lambda m, s: _staff_page(request, session, console, error=m, status_code=s),
    )


@router.post("/staff/{staff_id}")
def change_staff(
    request: Request,
    staff_id: int,
    session: SessionDep,
    console: AdminConsole,
    csrf_token: Csrf = "",
    action: Annotated[str, Form(max_length=20)] = "",
    role: Annotated[str, Form(max_length=32)] = "",
    department_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """One form per row: save role/department, lock, unlock, or reset the password (a new one-time password)."""

    def run() -> Response:
        target = service.get_staff(session, commune_id=console.staff.commune_id, staff_id=staff_id)
        actor = console.staff
        if action == "save":
            department = parse_id(department_id)
            service.update_staff(
                session,
                actor=actor,
                staff=target,
                role=_role(role),
                department_id=department,
                clear_department=department is None,
            )
            return RedirectResponse(f"{PREFIX}/staff?ok=updated", status_code=303)
        if action in ("deactivate", "activate"):
            service.update_staff(session, actor=actor, staff=target, is_active=action == "activate")
            return RedirectResponse(f"{PREFIX}/staff?ok={action}d", status_code=303)
        if action == "reset":
            if target.id == actor.id:
                raise ValidationFailed(
                    "Đổi mật khẩu của chính mình ở trang Đổi mật khẩu.", code="self_reset", field="action"
                )
            password = temporary_password()
            service.update_staff(session, actor=actor, staff=target, password=password, temporary_password=True)
            flash = "Đã đặt mật khẩu tạm; cán bộ phải đổi mật khẩu khi đăng nhập."
            return _staff_page(request, session, console, flash=flash, issued=(target.login, password))
        raise ValidationFailed("Thao tác không hợp lệ.", code="invalid_action", field="action")

    return run_form(
        session, console, csrf_token, run, lambda m, s: _staff_page(request, session, console, error=m, status_code=s)
    )


@router.post("/departments")
def add_department(
    request: Request,
    session: SessionDep,
    console: AdminConsole,
    csrf_token: Csrf = "",
    code: Annotated[str, Form(max_length=64)] = "",
    name: Short = "",
) -> Response:
    def run() -> Response:
        clean = code.strip().lower()
        if not clean or not clean.replace("_", "").replace("-", "").isalnum() or not clean.isascii():
            raise ValidationFailed(
                "Mã bộ phận chỉ gồm chữ không dấu, số, gạch dưới (ví dụ: dia_chinh).", code="invalid_code", field="code"
            )
        if not name.strip():
            raise ValidationFailed("Nhập tên bộ phận.", code="name_required", field="name")
        service.create_department(session, commune_id=console.staff.commune_id, code=clean, name=name)
        return RedirectResponse(f"{PREFIX}/staff?ok=department", status_code=303)

    return run_form(
        session, console, csrf_token, run, lambda m, s: _staff_page(request, session, console, error=m, status_code=s)
    )
