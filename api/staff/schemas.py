from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.openapi_docs import IdField
from api.staff.models import Role

LoginStr = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")


class DepartmentCreate(BaseModel):
    code: str = Field(min_length=2, max_length=64, pattern=r"^[a-z0-9_]+$")
    name: str = Field(min_length=2, max_length=200)


class DepartmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str


class StaffCreate(BaseModel):
    login: str = LoginStr
    full_name: str = Field(min_length=2, max_length=200)
    # Length and strength are checked by the policy (api/staff/passwords.py), which says why in Vietnamese.
    password: str = Field(min_length=1, max_length=256)
    role: Role = Role.officer
    department_id: IdField | None = None


class StaffUpdate(BaseModel):
    full_name: str | None = Field(default=None, min_length=2, max_length=200)
    role: Role | None = None
    department_id: IdField | None = None
    is_active: bool | None = None
    password: str | None = Field(default=None, min_length=1, max_length=256)


class StaffRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    login: str
    full_name: str
    role: Role
    is_active: bool
    department: DepartmentRead | None
    created_at: datetime
    last_login_at: datetime | None
    must_change_password: bool = False


class LoginLockRead(BaseModel):
    login: str
    locked: bool
    failures: int
    retry_after_seconds: int


class StaffBrief(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    full_name: str
    role: Role
