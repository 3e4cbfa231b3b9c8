from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class AppointmentBrief(BaseModel):
    """What the bot tells the citizen right after booking: the time and the video link once the time is set."""

    status: str = Field(description="pending (chờ xác nhận) | confirmed | cancelled | no_show | done")
    status_label: str
    starts_at: datetime | None = None
    when_text: str | None = Field(default=None, description="The time in words, in the commune's time zone.")
    video_url: str | None = Field(default=None, description="Only once the time is confirmed.")
