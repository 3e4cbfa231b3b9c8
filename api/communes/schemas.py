from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class CommuneRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    slug: str
    name: str
    province: str
    address: str
    office_hours: str
    phones: list[str]
    email: str
    website: str
    reception_schedule: str
    timezone: str
