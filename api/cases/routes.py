"""Staff API for cases: list, read, assign, status, note, public reply, merge, chat, stats, CSV export."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, UploadFile, status
from fastapi.responses import StreamingResponse

from api.auth.deps import CurrentStaff, WriterStaff
from api.auth.inputs import reject_nul
from api.cases import commands, views
from api.cases.catalog import CATEGORIES, MAX_ATTACHMENTS, Kind, Status
from api.cases.publication import set_publication
from api.cases.schemas import (
    AssignRequest,
    CasePage,
    CaseRead,
    CaseStats,
    ChatRequest,
    MergeRequest,
    PublicationRequest,
    StatusRequest,
    TextRequest,
    TimelineRead,
)
from api.cases.service import CaseFilters, get_case, list_cases, timeline
from api.cases.stats import case_stats, export_rows
from api.cases.uploads import MAX_UPLOAD_BYTES, store_image
from api.db import transaction
from api.deps import SessionDep, SessionFactoryDep, SettingsDep
from api.errors import ValidationFailed
from api.openapi_docs import ERROR_RESPONSES, MAX_ID
from api.staff.audit import Action, record_access

router = APIRouter(
    prefix="/api/v1/cases", tags=["cases"], responses=ERROR_RESPONSES, dependencies=[Depends(reject_nul)]
)


def case_filters(
    status: Annotated[list[Status] | None, Query(description="Lọc theo trạng thái (lặp lại được).")] = None,
    category: Annotated[str | None, Query(max_length=32)] = None,
    kind: Kind | None = None,
    assignee_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    unassigned: bool = False,
    department_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    overdue: bool = False,
    q: Annotated[str | None, Query(max_length=200, description="Tìm trong mã, tiêu đề, nội dung, địa điểm.")] = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
) -> CaseFilters:
    if category and category not in CATEGORIES:
        raise ValidationFailed(f"Lĩnh vực '{category}' không tồn tại.", code="invalid_category", field="category")
    return CaseFilters(
        status=tuple(status or ()),
        category=category or None,
        kind=kind,
        assignee_id=assignee_id,
        unassigned=unassigned,
        department_id=department_id,
        overdue=overdue,
        q=q,
        created_from=created_from,
        created_to=created_to,
    )


Filters = Annotated[CaseFilters, Depends(case_filters)]


@router.get("", response_model=CasePage, summary="Danh sách hồ sơ (lọc, tìm kiếm, phân trang)")
def list_(
    session: SessionDep,
    staff: CurrentStaff,
    filters: Filters,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 50,
) -> CasePage:
    rows, total = list_cases(session, staff=staff, filters=filters, page=page, per_page=per_page)
    now = views.now()
    return CasePage(items=[views.summary(c, now) for c in rows], total=total, page=page, per_page=per_page)


@router.get("/stats", response_model=CaseStats, summary="Thống kê hồ sơ")
def stats(session: SessionDep, staff: CurrentStaff, filters: Filters) -> CaseStats:
    return case_stats(session, staff=staff, filters=filters)


@router.get(
    "/export.csv",
    summary="Xuất danh sách hồ sơ ra CSV",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
def export_csv(factory: SessionFactoryDep, staff: CurrentStaff, filters: Filters) -> StreamingResponse:
    with transaction(factory) as session:
        record_access(session, staff=staff, action=Action.export, subject="cases.csv")

    def rows() -> Iterator[str]:
        # Its own read-only session: the stream outlives the request's transaction.
        with transaction(factory) as session:
            yield from export_rows(session, staff=staff, filters=filters)

    return StreamingResponse(
        rows(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="ho-so.csv"'},
    )


@router.get("/{code}", response_model=CaseRead, summary="Chi tiết hồ sơ và dòng thời gian")
def read(code: str, session: SessionDep, staff: CurrentStaff) -> CaseRead:
    case = get_case(session, staff=staff, code=code)
    record_access(session, staff=staff, action=Action.view, subject=f"case:{case.code}")
    return views.detail_for(session, case, staff)


@router.post("/{code}/assign", response_model=CaseRead, summary="Phân công cán bộ / bộ phận")
def assign(code: str, body: AssignRequest, session: SessionDep, staff: WriterStaff) -> CaseRead:
    case = get_case(session, staff=staff, code=code)
    commands.assign_case(
        session,
        staff=staff,
        case=case,
        assignee_id=body.assignee_id,
        department_id=body.department_id,
        clear_assignee="assignee_id" in body.model_fields_set and body.assignee_id is None,
    )
    return views.detail_for(session, case, staff)


@router.post("/{code}/status", response_model=CaseRead, summary="Đổi trạng thái (kèm ghi chú)")
def change_status(code: str, body: StatusRequest, session: SessionDep, staff: WriterStaff) -> CaseRead:
    case = get_case(session, staff=staff, code=code)
    commands.change_status(session, staff=staff, case=case, status=body.status, note=body.note)
    return views.detail_for(session, case, staff)


@router.post(
    "/{code}/notes", response_model=TimelineRead, status_code=status.HTTP_201_CREATED, summary="Ghi chú nội bộ"
)
def add_note(code: str, body: TextRequest, session: SessionDep, staff: WriterStaff) -> TimelineRead:
    case = get_case(session, staff=staff, code=code)
    return TimelineRead.model_validate(commands.add_note(session, staff=staff, case=case, text=body.text))


@router.post(
    "/{code}/replies",
    response_model=TimelineRead,
    status_code=status.HTTP_201_CREATED,
    summary="Trả lời người dân (gửi qua kênh của họ)",
)
def reply(code: str, body: TextRequest, session: SessionDep, staff: WriterStaff) -> TimelineRead:
    case = get_case(session, staff=staff, code=code)
    return TimelineRead.model_validate(commands.public_reply(session, staff=staff, case=case, text=body.text))


@router.post("/{code}/merge", response_model=CaseRead, summary="Gộp hồ sơ trùng vào hồ sơ khác")
def merge(code: str, body: MergeRequest, session: SessionDep, staff: WriterStaff) -> CaseRead:
    case = get_case(session, staff=staff, code=code)
    commands.merge_case(session, staff=staff, case=case, into_code=body.into)
    return views.detail_for(session, case, staff)


@router.post("/{code}/chat", response_model=CaseRead, summary="Bật/tắt trò chuyện trực tiếp với người dân")
def chat(code: str, body: ChatRequest, session: SessionDep, staff: WriterStaff) -> CaseRead:
    case = get_case(session, staff=staff, code=code)
    commands.set_chat(session, staff=staff, case=case, enabled=body.enabled)
    return views.detail_for(session, case, staff)


@router.post("/{code}/publication", response_model=CaseRead, summary="Công khai / thôi công khai phản ánh")
def publication(code: str, body: PublicationRequest, session: SessionDep, staff: WriterStaff) -> CaseRead:
    case = get_case(session, staff=staff, code=code)
    set_publication(
        session,
        staff=staff,
        case=case,
        public=body.public,
        summary=body.public_summary,
        place=body.public_location,
    )
    return views.detail_for(session, case, staff)


@router.post(
    "/{code}/attachments",
    response_model=CaseRead,
    status_code=status.HTTP_201_CREATED,
    summary="Đính kèm ảnh (JPEG/PNG/GIF/WebP, tối đa 5 MB)",
)
def upload_attachment(
    code: str, file: UploadFile, session: SessionDep, settings: SettingsDep, staff: WriterStaff
) -> CaseRead:
    case = get_case(session, staff=staff, code=code)
    if len(case.attachments or []) >= MAX_ATTACHMENTS:
        raise ValidationFailed(f"Tối đa {MAX_ATTACHMENTS} tệp đính kèm.", code="too_many_attachments", field="file")
    url = store_image(settings.data_dir, commune_id=case.commune_id, data=file.file.read(MAX_UPLOAD_BYTES + 1))
    case.attachments = [*(case.attachments or []), url]
    timeline(session, case, "attachment", actor=staff, body=file.filename or "", data={"url": url})
    return views.detail_for(session, case, staff)
