from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.staff.schemas import StaffRead


class LoginRequest(BaseModel):
    login: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    # Every personal token expires: 90 days unless asked otherwise, a year at most (api/auth/tokens.py).
    expires_in_days: int | None = Field(
        default=None, ge=1, le=365, description="Số ngày hiệu lực (mặc định 90, tối đa 365)."
    )


class TokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class IssuedToken(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime | None
    token: TokenRead
    staff: StaffRead


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)
