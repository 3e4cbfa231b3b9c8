from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class IdentityRead(BaseModel):
    channel: str
    conversation_id: str
    created_at: datetime


class CitizenRead(BaseModel):
    id: int
    display_name: str | None
    phone: str | None
    created_at: datetime
    erased_at: datetime | None
    identities: list[IdentityRead]


class CitizenPage(BaseModel):
    items: list[CitizenRead]
    total: int
    page: int
    per_page: int
