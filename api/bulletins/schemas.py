"""Request and response bodies of the bulletin API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from api.bulletins.models import Priority, Status

MAX_TITLE = 200
MAX_BODY = 20_000
MAX_PLAYS = 48


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("giờ phát phải có múi giờ, ví dụ 2026-11-25T06:30:00+07:00")
    if not 2000 <= value.year <= 2100:
        raise ValueError("giờ phát phải trong khoảng năm 2000–2100")
    return value


def _text(value: str) -> str:
    # PostgreSQL text cannot hold NUL, and other control characters have no place in a spoken bulletin.
    if any(ord(c) < 32 and c not in "\n\r\t" for c in value):
        raise ValueError("văn bản chứa ký tự điều khiển không hợp lệ")
    return value


PlayTime = Annotated[datetime, AfterValidator(_aware)]
# Title and body are checked for control characters by the service: the shared error handler cannot name a
# field called "body" (it takes it for the request body), and the service can.
Title = Annotated[str, Field(min_length=1, max_length=MAX_TITLE)]
Body = Annotated[str, Field(min_length=1, max_length=MAX_BODY)]
EngineName = Annotated[str, Field(pattern=r"^(edge|offline|piper)$")]


class BulletinCreate(BaseModel):
    title: Title
    body: Body
    priority: Priority = Priority.thong_thuong
    engine: EngineName = "edge"
    voice: Annotated[str, AfterValidator(_text)] | None = Field(default=None, max_length=64)
    rate: int = Field(default=0, ge=-50, le=100)
    schedule: list[PlayTime] = Field(default_factory=list, max_length=MAX_PLAYS)


class BulletinUpdate(BaseModel):
    title: Title | None = None
    body: Body | None = None
    priority: Priority | None = None
    engine: EngineName | None = None
    voice: str | None = Field(default=None, max_length=64)
    rate: int | None = Field(default=None, ge=-50, le=100)
    schedule: list[PlayTime] | None = Field(default=None, max_length=MAX_PLAYS)


class AudioRead(BaseModel):
    url: str
    bytes: int | None
    duration_seconds: float | None
    loudness_lufs: float | None
    true_peak_dbtp: float | None
    engine: str | None
    voice: str | None
    current: bool = Field(description="False when the text or voice changed after the audio was made.")


class BulletinRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    body: str
    priority: Priority
    priority_label: str
    status: Status
    status_label: str
    engine: str
    voice: str | None
    rate: int
    source: str
    source_url: str | None
    schedule: list[datetime]
    created_by: str | None
    approved_by: str | None
    approved_at: datetime | None
    published_at: datetime | None
    audio: AudioRead | None
    audio_error: str | None
    estimated_seconds: float
    created_at: datetime
    updated_at: datetime
    deliveries: dict[str, dict[str, int]] = Field(
        default_factory=dict,
        description="Chat messages of the bulletin's announcements, per channel and state "
        "(queued, sent, failed, not_reachable, unsubscribed); empty until it is announced.",
    )


class BulletinPage(BaseModel):
    items: list[BulletinRead]
    total: int
    page: int
    per_page: int


class FeedCreate(BaseModel):
    url: str = Field(min_length=8, max_length=1000, pattern=r"^https?://[!-~]+$")
    title: Annotated[str, AfterValidator(_text)] = Field(default="", max_length=200)


class FeedRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    url: str
    title: str
    active: bool
    last_fetched_at: datetime | None
    last_error: str | None


HamletName = Annotated[str, AfterValidator(_text), Field(min_length=1, max_length=100)]
TopicKey = Annotated[str, Field(pattern=r"^[a-z_]{1,32}$")]


class AnnouncementCreate(BaseModel):
    hamlets: list[HamletName] = Field(default_factory=list, max_length=100, description="Empty: the whole commune.")
    topics: list[TopicKey] = Field(
        default_factory=list, max_length=20, description="Empty: every subscriber; emergencies: the emergency topic."
    )


class AnnouncementRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    bulletin_id: int
    hamlets: list[str]
    topics: list[str]
    priority: int
    status: str
    queued_count: int
    recipients: int | None = Field(
        default=None, description="Người nhận dự kiến (đếm khi bắt đầu xếp hàng); tiến độ: queued_count / recipients."
    )
    created_at: datetime
    queued_at: datetime | None
