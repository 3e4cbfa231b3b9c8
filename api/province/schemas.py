from __future__ import annotations

from pydantic import BaseModel, Field


class CommuneCreate(BaseModel):
    slug: str = Field(min_length=2, max_length=63, pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")
    name: str = Field(min_length=2, max_length=200)
    admin_code: str | None = Field(default=None, pattern=r"^[0-9]{5}$")
    office_hours: str = Field(default="", max_length=500)
    hotline: str = Field(default="", max_length=32)
    address: str = Field(default="", max_length=500)
    hamlets: list[str] = Field(default_factory=list, max_length=300)
    former_names: list[str] = Field(default_factory=list, max_length=20)
    template: str | None = Field(default=None, max_length=64, description="Copy this commune's departments and rules.")
    admin_login: str | None = Field(default=None, min_length=3, max_length=64, pattern=r"^[a-z0-9._-]+$")
    admin_name: str = Field(default="Quản trị viên", max_length=200)
    zalo_oa_id: str | None = Field(default=None, max_length=64, pattern=r"^[0-9]+$")


class CommuneCreated(BaseModel):
    slug: str
    name: str
    province: str
    hamlets: list[str]
    former_names: list[str]
    admin_login: str | None
    admin_password: str | None = Field(description="One-time password, shown once; changed at first login.")


class HamletsUpdate(BaseModel):
    hamlets: list[str] = Field(max_length=300)
