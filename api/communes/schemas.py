from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

# Only these parts of a commune's settings are public (the bot reads them); everything else stays internal.
PUBLIC_SETTINGS = ("procedures",)


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
    settings: dict[str, Any] = {}

    @field_validator("settings", mode="before")
    @classmethod
    def public_part_only(cls, value: Any) -> dict[str, Any]:
        source = value if isinstance(value, dict) else {}
        return {key: source[key] for key in PUBLIC_SETTINGS if key in source}
