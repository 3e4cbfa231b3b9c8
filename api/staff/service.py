"""Staff accounts and departments of one commune (admins only, enforced by the routes)."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from api.db import utcnow
from api.errors import Conflict, NotFound, ValidationFailed
from api.staff.models import COMMUNE_ROLES, ApiToken, Department, Role, Staff
from api.staff.passwords import check_password_policy, hash_password, verify_password


def list_departments(session: Session, *, commune_id: int) -> list[Department]:
    return list(
        session.scalars(select(Department).where(Department.commune_id == commune_id).order_by(Department.name))
    )


def find_department(session: Session, *, commune_id: int, code: str) -> Department | None:
    return session.scalar(select(Department).where(Department.commune_id == commune_id, Department.code == code))


def get_department(
    session: Session, *, commune_id: int, department_id: int, field: str = "department_id"
) -> Department:
    department = session.get(Department, department_id)
    if department is None or department.commune_id != commune_id:
        raise NotFound("Không tìm thấy bộ phận.", code="department_not_found", field=field)
    return department


def create_department(session: Session, *, commune_id: int, code: str, name: str) -> Department:
    if find_department(session, commune_id=commune_id, code=code) is not None:
        raise Conflict(f"Mã bộ phận '{code}' đã tồn tại.", code="department_exists", field="code")
    department = Department(commune_id=commune_id, code=code, name=name.strip())
    session.add(department)
    session.flush()
    return department


def _commune_role(role: Role | None) -> None:
    """A commune's admin grants commune roles only: the province role is granted by the province (xaso commune)."""
    if role is not None and role not in COMMUNE_ROLES:
        raise ValidationFailed("Vai trò không hợp lệ.", code="invalid_role", field="role")


def list_staff(session: Session, *, commune_id: int, active_only: bool = False) -> list[Staff]:
    # Province officers are attached to a commune row but are never that commune's staff.
    query = (
        select(Staff)
        .where(Staff.commune_id == commune_id, Staff.role != Role.province_admin.value)
        .order_by(Staff.full_name, Staff.id)
    )
    if active_only:
        query = query.where(Staff.is_active.is_(True))
    return list(session.scalars(query))


def get_staff(session: Session, *, commune_id: int, staff_id: int, field: str = "staff_id") -> Staff:
    staff = session.get(Staff, staff_id)
    if staff is None or staff.commune_id != commune_id or staff.is_province:
        raise NotFound("Không tìm thấy cán bộ.", code="staff_not_found", field=field)
    return staff


def find_staff_by_login(session: Session, *, login: str) -> Staff | None:
    return session.scalar(select(Staff).where(func.lower(Staff.login) == login.strip().lower()))


def create_staff(
    session: Session,
    *,
    commune_id: int,
    login: str,
    full_name: str,
    password: str,
    role: Role = Role.officer,
    department_id: int | None = None,
    reuse_hash: bool = False,
    must_change_password: bool = False,
    province: bool = False,
) -> Staff:
    """``province``: the caller is the province's onboarding (CLI, province screen), the only one granting its role."""
    if not province:
        _commune_role(role)
    check_password_policy(password, user_inputs=(login, full_name))
    if find_staff_by_login(session, login=login) is not None:
        raise Conflict(f"Tên đăng nhập '{login}' đã được dùng.", code="login_taken", field="login")
    if department_id is not None:
        get_department(session, commune_id=commune_id, department_id=department_id)
    staff = Staff(
        commune_id=commune_id,
        login=login.strip().lower(),
        full_name=full_name.strip(),
        password_hash=hash_password(password, reuse=reuse_hash),
        role=role.value,
        department_id=department_id,
        must_change_password=must_change_password,
    )
    session.add(staff)
    session.flush()
    return staff


def update_staff(
    session: Session,
    *,
    actor: Staff,
    staff: Staff,
    full_name: str | None = None,
    role: Role | None = None,
    department_id: int | None = None,
    clear_department: bool = False,
    is_active: bool | None = None,
    password: str | None = None,
    temporary_password: bool = True,
) -> Staff:
    """``temporary_password``: a password set by someone else (admin, CLI) must be changed at the next login."""
    _commune_role(role)
    if staff.id == actor.id and (is_active is False or (role is not None and role != Role.admin)):
        # An admin locking themselves out could leave a commune with no administrator at all.
        raise ValidationFailed(
            "Không thể tự khóa hoặc tự hạ quyền tài khoản của chính mình.", code="self_demotion", field="role"
        )
    if full_name is not None:
        staff.full_name = full_name.strip()
    if role is not None:
        staff.role = role.value
    if clear_department:
        staff.department_id = None
    elif department_id is not None:
        staff.department_id = get_department(session, commune_id=staff.commune_id, department_id=department_id).id
    if password is not None:
        check_password_policy(password, user_inputs=(staff.login, staff.full_name))
        staff.password_hash = hash_password(password)
        staff.must_change_password = temporary_password
        revoke_all(session, staff_id=staff.id)
    if is_active is not None:
        staff.is_active = is_active
        if not is_active:
            revoke_all(session, staff_id=staff.id)
    session.flush()
    return staff


def change_own_password(
    session: Session, *, staff: Staff, current_password: str, new_password: str, keep_token_id: int | None = None
) -> Staff:
    """The person changes their own password (required after a seeded or reset one); other sessions end."""
    if not verify_password(staff.password_hash, current_password):
        raise ValidationFailed("Mật khẩu hiện tại không đúng.", code="wrong_password", field="current_password")
    if verify_password(staff.password_hash, new_password):
        raise ValidationFailed(
            "Mật khẩu mới phải khác mật khẩu hiện tại.", code="password_unchanged", field="new_password"
        )
    check_password_policy(new_password, field="new_password", user_inputs=(staff.login, staff.full_name))
    staff.password_hash = hash_password(new_password)
    staff.must_change_password = False
    revoke_all(session, staff_id=staff.id, except_token_id=keep_token_id)
    session.flush()
    return staff


def revoke_all(session: Session, *, staff_id: int, except_token_id: int | None = None) -> None:
    """Used when a password is reset or an account disabled: every session and token stops working (but the one
    the person is using to change their own password)."""
    query = update(ApiToken).where(ApiToken.staff_id == staff_id, ApiToken.revoked_at.is_(None))
    if except_token_id is not None:
        query = query.where(ApiToken.id != except_token_id)
    session.execute(query.values(revoked_at=utcnow()))
