"""Who is calling, as ``Annotated`` dependency aliases: signed-in staff by role, the action server, or either.

The request plumbing they build on (``SessionDep``, ``SettingsDep``) is in api/deps.py, below every domain package.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.auth.guards import (
    check_service_token,
    ensure_admin,
    ensure_commune_staff,
    ensure_password_changed,
    ensure_province,
    ensure_writer,
    staff_for_bearer,
)
from api.deps import SessionDep, SettingsDep
from api.errors import Unauthorized
from api.staff.models import Staff

# Staff and the action server authenticate with bearer tokens (two schemes so OpenAPI tells them apart).
_staff_bearer = HTTPBearer(auto_error=False, scheme_name="StaffToken", description="Mã truy cập của cán bộ.")
_service_bearer = HTTPBearer(auto_error=False, scheme_name="ServiceToken", description="XASO_SERVICE_TOKEN.")
_StaffCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_staff_bearer)]
_ServiceCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_service_bearer)]


def get_signed_in_staff(session: SessionDep, credentials: _StaffCredentials) -> Staff:
    """Anyone with a valid token, even one who must still change a seeded or reset password."""
    return staff_for_bearer(session, credentials)


SignedInStaff = Annotated[Staff, Depends(get_signed_in_staff)]


def get_any_staff(staff: SignedInStaff) -> Staff:
    """Any role with a changed password: their own tokens and profile (api/auth/routes.py)."""
    return ensure_password_changed(staff)


AnyStaff = Annotated[Staff, Depends(get_any_staff)]


def get_current_staff(staff: AnyStaff) -> Staff:
    """A commune's own staff: every commune surface depends on this (the province role is refused here, once)."""
    return ensure_commune_staff(staff)


CurrentStaff = Annotated[Staff, Depends(get_current_staff)]


def get_province_staff(staff: AnyStaff) -> Staff:
    return ensure_province(staff)


ProvinceStaff = Annotated[Staff, Depends(get_province_staff)]


def get_writer_staff(staff: CurrentStaff) -> Staff:
    return ensure_writer(staff)


def get_admin_staff(staff: CurrentStaff) -> Staff:
    return ensure_admin(staff)


async def get_service_caller(settings: SettingsDep, credentials: _ServiceCredentials) -> str:
    return check_service_token(settings, credentials)


WriterStaff = Annotated[Staff, Depends(get_writer_staff)]
AdminStaff = Annotated[Staff, Depends(get_admin_staff)]
ServiceCaller = Annotated[str, Depends(get_service_caller)]


def get_staff_or_service(settings: SettingsDep, session: SessionDep, credentials: _StaffCredentials) -> str:
    """Staff with a valid token (password changed) or the action server with the service token; else 401."""
    if credentials is not None:
        try:
            return check_service_token(settings, credentials)
        except Unauthorized:
            pass
    return f"staff:{ensure_password_changed(staff_for_bearer(session, credentials)).id}"


StaffOrService = Annotated[str, Depends(get_staff_or_service)]
