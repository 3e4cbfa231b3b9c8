from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from api.cases.catalog import MAX_ATTACHMENTS, MAX_DESCRIPTION, MAX_MESSAGE, MAX_TITLE, Channel, Kind, Priority, Status
from api.openapi_docs import IdField
from api.staff.schemas import DepartmentRead, StaffBrief


def _http_url(value: str) -> str:
    value = value.strip()
    if not (value.startswith(("https://", "http://")) or value.startswith("/staff/media/")) or any(
        c.isspace() or c in "<>\"'" for c in value
    ):
        raise ValueError("đường dẫn tệp đính kèm phải là URL http(s)")
    return value


AttachmentUrl = Annotated[str, Field(min_length=1, max_length=1000), AfterValidator(_http_url)]


class InternalCaseCreate(BaseModel):
    """What the action server sends (docs/contracts.md, "Cases → actions")."""

    commune: str = Field(min_length=1, max_length=64)
    kind: Kind
    category: str | None = Field(default=None, max_length=32)
    title: str = Field(min_length=1, max_length=MAX_TITLE)
    description: str = Field(default="", max_length=MAX_DESCRIPTION)
    location_text: str | None = Field(default=None, max_length=500)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    attachments: list[AttachmentUrl] = Field(default_factory=list, max_length=MAX_ATTACHMENTS)
    priority: Priority | None = None
    conversation_id: str = Field(min_length=3, max_length=255)
    channel: Channel
    contact_name: str | None = Field(default=None, max_length=200)
    contact_phone: str | None = Field(default=None, max_length=32)
    turn_id: str | None = Field(
        default=None,
        max_length=64,
        description="The gateway's id of the message being answered (metadata.turn_id): filing again in the same turn "
        "returns the case already filed instead of a second one.",
    )
    consult_time: str | None = Field(
        default=None,
        max_length=500,
        description="A consultation's wished time in the citizen's words ('sáng mai 9h'): its appointment is booked "
        "at that time when it can be read, else it waits for staff (docs/appointments.md).",
    )
    notify_received: bool = Field(
        default=False,
        description="Also queue the 'received' notice; the bot normally says it itself in the same turn.",
    )


class AssignRequest(BaseModel):
    assignee_id: IdField | None = None
    department_id: IdField | None = None


class StatusRequest(BaseModel):
    status: Status
    note: str | None = Field(default=None, max_length=MAX_MESSAGE)


class TextRequest(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_MESSAGE)


class MergeRequest(BaseModel):
    into: str = Field(min_length=3, max_length=32, description="Mã hồ sơ giữ lại, ví dụ PA-2026-000123.")


class ChatRequest(BaseModel):
    enabled: bool


class PublicationRequest(BaseModel):
    """Make a report public (Open311, public pages) or private again. Private is the default."""

    public: bool
    public_summary: str | None = Field(
        default=None, max_length=1000, description="Tóm tắt viết cho công chúng: không tên, không số điện thoại."
    )
    public_location: str | None = Field(default=None, max_length=200, description="Địa điểm ở mức ấp/thôn.")


class TimelineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    actor_type: str
    actor: StaffBrief | None
    body: str
    is_public: bool
    data: dict[str, Any]
    outbox_message_id: int | None
    delivery_status: str | None = None
    delivery_error: str | None = None
    created_at: datetime


class CaseSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    kind: Kind
    category: str | None
    title: str
    status: Status
    status_label: str
    priority: Priority
    department: DepartmentRead | None
    assignee: StaffBrief | None
    channel: str | None
    contact_name: str | None
    due_at: datetime | None
    overdue: bool
    created_at: datetime
    updated_at: datetime
    rating: int | None


class CaseRead(CaseSummary):
    description: str
    location_text: str | None
    latitude: float | None
    longitude: float | None
    attachments: list[str]
    source: str
    conversation_id: str | None
    chat_enabled: bool
    contact_phone: str | None
    citizen_id: int | None
    merged_into: str | None
    resolved_at: datetime | None
    closed_at: datetime | None
    rating_comment: str | None
    public: bool = False
    public_summary: str | None = None
    public_location: str | None = None
    timeline: list[TimelineRead]


class CasePage(BaseModel):
    items: list[CaseSummary]
    total: int
    page: int
    per_page: int


class AppointmentBrief(BaseModel):
    """What the bot tells the citizen right after booking: the time and the video link once the time is set."""

    status: str = Field(description="pending (chờ xác nhận) | confirmed | cancelled | no_show | done")
    status_label: str
    starts_at: datetime | None = None
    when_text: str | None = Field(default=None, description="The time in words, in the commune's time zone.")
    video_url: str | None = Field(default=None, description="Only once the time is confirmed.")


class InternalCaseRead(BaseModel):
    code: str
    status: Status
    status_label: str
    kind: Kind
    category: str | None
    category_label: str | None
    title: str
    department: DepartmentRead | None
    due_at: datetime | None
    created_at: datetime
    resolved_at: datetime | None
    last_public_reply: str | None
    last_public_reply_at: datetime | None
    appointment: AppointmentBrief | None = None  # consultations: the remote appointment (api/appointments/)


class InternalCaseList(BaseModel):
    items: list[InternalCaseRead]


class CountItem(BaseModel):
    key: str
    label: str
    count: int


class CaseStats(BaseModel):
    total: int
    open: int
    overdue: int
    by_status: list[CountItem]
    by_category: list[CountItem]
    resolved: int
    median_hours_to_resolve: float | None
    # Handling time in office hours (api/communes/worktime.py): nights, weekends and holidays do not count.
    median_working_hours_to_resolve: float | None = None
    p90_working_hours_to_resolve: float | None = None
    resolved_within_sla_share: float | None
    resolved_within_sla: int = 0  # the count behind the share, shown beside it
    by_department: list[CountItem] = []
    by_channel: list[CountItem] = []
    rating_count: int
    rating_average: float | None
    rating_distribution: dict[str, int]
