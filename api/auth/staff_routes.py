"""A commune's staff accounts and departments over HTTP (admins write; login locks are the login throttle's).

Here, above api/staff/ (the accounts themselves), because every route is guarded by auth: staff never import auth.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, status

from api.auth.deps import AdminStaff, CurrentStaff
from api.auth.guards import login_limiter
from api.auth.inputs import reject_nul
from api.deps import SessionDep
from api.openapi_docs import ERROR_RESPONSES, IdPath
from api.staff import service
from api.staff.models import Department, Staff
from api.staff.schemas import (
    DepartmentCreate,
    DepartmentRead,
    LoginLockRead,
    StaffCreate,
    StaffRead,
    StaffUpdate,
)

router = APIRouter(prefix="/api/v1", tags=["staff"], responses=ERROR_RESPONSES, dependencies=[Depends(reject_nul)])


@router.get("/departments", response_model=list[DepartmentRead], summary="Các bộ phận của xã")
def list_departments(session: SessionDep, staff: CurrentStaff) -> list[Department]:
    return service.list_departments(session, commune_id=staff.commune_id)


@router.post("/departments", response_model=DepartmentRead, status_code=status.HTTP_201_CREATED, summary="Thêm bộ phận")
def create_department(body: DepartmentCreate, session: SessionDep, admin: AdminStaff) -> Department:
    return service.create_department(session, commune_id=admin.commune_id, code=body.code, name=body.name)


@router.get("/staff", response_model=list[StaffRead], summary="Cán bộ của xã")
def list_staff(session: SessionDep, staff: CurrentStaff) -> list[Staff]:
    return service.list_staff(session, commune_id=staff.commune_id)


@router.post("/staff", response_model=StaffRead, status_code=status.HTTP_201_CREATED, summary="Tạo tài khoản cán bộ")
def create_staff(body: StaffCreate, session: SessionDep, admin: AdminStaff) -> Staff:
    return service.create_staff(
        session,
        commune_id=admin.commune_id,
        login=body.login,
        full_name=body.full_name,
        password=body.password,
        role=body.role,
        department_id=body.department_id,
        must_change_password=True,  # a password someone else chose is a one-time password
    )


@router.patch("/staff/{staff_id}", response_model=StaffRead, summary="Sửa, khóa hoặc đặt lại mật khẩu cán bộ")
def update_staff(staff_id: IdPath, body: StaffUpdate, session: SessionDep, admin: AdminStaff) -> Staff:
    target = service.get_staff(session, commune_id=admin.commune_id, staff_id=staff_id)
    return service.update_staff(
        session,
        actor=admin,
        staff=target,
        full_name=body.full_name,
        role=body.role,
        department_id=body.department_id,
        clear_department="department_id" in body.model_fields_set and body.department_id is None,
        is_active=body.is_active,
        password=body.password,
    )


@router.get("/staff/{staff_id}/login-lock", response_model=LoginLockRead, summary="Tình trạng khóa tạm đăng nhập")
def login_lock(staff_id: IdPath, request: Request, session: SessionDep, admin: AdminStaff) -> LoginLockRead:
    target = service.get_staff(session, commune_id=admin.commune_id, staff_id=staff_id)
    limiter = login_limiter(request)
    state = limiter.account_state(target.login)
    return LoginLockRead(
        login=target.login,
        locked=state.locked,
        failures=limiter.failures(target.login),
        retry_after_seconds=state.retry_after,
    )


@router.delete("/staff/{staff_id}/login-lock", response_model=LoginLockRead, summary="Mở khóa tạm đăng nhập")
def lift_login_lock(staff_id: IdPath, request: Request, session: SessionDep, admin: AdminStaff) -> LoginLockRead:
    target = service.get_staff(session, commune_id=admin.commune_id, staff_id=staff_id)
    login_limiter(request).lift(target.login)
    return LoginLockRead(login=target.login, locked=False, failures=0, retry_after_seconds=0)
