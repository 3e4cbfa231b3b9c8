"""Privacy over HTTP: the policy page the first-contact notice links to, and erasure on a citizen's request (admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.auth.deps import AdminStaff
from api.auth.inputs import reject_nul
from api.citizens.service import get_citizen
from api.db import transaction
from api.deps import SessionDep, SettingsDep
from api.openapi_docs import ERROR_RESPONSES, IdPath
from api.privacy import notice
from api.privacy.erasure import erase_and_record
from api.privacy.models import DataRequest
from api.staff.audit import AccessLog, Action, record_access

router = APIRouter(tags=["privacy"], responses=ERROR_RESPONSES, dependencies=[Depends(reject_nul)])


class ErasureResult(BaseModel):
    citizen_id: int
    erased_at: datetime
    removed: dict[str, int]
    # Kept for the first API version's callers: the same figures as in ``removed``.
    cases_scrubbed: int
    messages_scrubbed: int


@router.delete(
    "/api/v1/citizens/{citizen_id}/personal-data",
    response_model=ErasureResult,
    summary="Xóa dữ liệu cá nhân theo yêu cầu (giữ hồ sơ ẩn danh)",
)
def erase(citizen_id: IdPath, request: Request, settings: SettingsDep, admin: AdminStaff) -> ErasureResult:
    """Name, phone, channel ids, every message, inbound event, review text, subscription, consent and uploaded file
    go; each case stays as an anonymous record (code, kind, category, status, dates)."""
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    with transaction(factory) as session:
        get_citizen(session, commune_id=admin.commune_id, citizen_id=citizen_id)  # 404 before anything is touched
        record_access(session, staff=admin, action=Action.erase, subject=f"citizen:{citizen_id}")
    erased_at, erased = erase_and_record(
        factory, settings.data_dir, commune_id=admin.commune_id, citizen_id=citizen_id, channel="staff",
        staff_id=admin.id,
    )  # fmt: skip
    return ErasureResult(
        citizen_id=citizen_id,
        erased_at=erased_at,
        removed=erased.counts(),
        cases_scrubbed=erased.cases_anonymised,
        messages_scrubbed=erased.messages_scrubbed,
    )


class AccessRead(BaseModel):
    staff_id: int | None
    action: str
    subject: str
    created_at: datetime


class RequestRead(BaseModel):
    id: int
    citizen_id: int | None
    kind: str
    channel: str
    status: str
    outcome: dict[str, Any]
    created_at: datetime


@router.get("/api/v1/privacy/access-log", response_model=list[AccessRead], summary="Nhật ký cán bộ xem/xuất dữ liệu")
def access_log(
    session: SessionDep, admin: AdminStaff, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> list[AccessRead]:
    rows = session.scalars(
        select(AccessLog)
        .where(AccessLog.commune_id == admin.commune_id)
        .order_by(AccessLog.created_at.desc(), AccessLog.id.desc())
        .limit(limit)
    )
    return [AccessRead(staff_id=r.staff_id, action=r.action, subject=r.subject, created_at=r.created_at) for r in rows]


@router.get("/api/v1/privacy/requests", response_model=list[RequestRead], summary="Yêu cầu của người dân về dữ liệu")
def data_requests(
    session: SessionDep, admin: AdminStaff, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> list[RequestRead]:
    """Carried out (``done``) or waiting for staff (``forwarded``: an erasure while a case is still open)."""
    rows = session.scalars(
        select(DataRequest)
        .where(DataRequest.commune_id == admin.commune_id)
        .order_by(DataRequest.created_at.desc(), DataRequest.id.desc())
        .limit(limit)
    )
    return [
        RequestRead(id=r.id, citizen_id=r.citizen_id, kind=r.kind, channel=r.channel, status=r.status,
                    outcome=r.outcome, created_at=r.created_at)
        for r in rows
    ]  # fmt: skip


@router.get("/privacy", response_class=HTMLResponse, include_in_schema=False)
def policy_page(settings: SettingsDep) -> HTMLResponse:
    """The policy the first-contact notice links to (public, no personal data)."""
    return HTMLResponse(notice.policy_html(settings), headers={"Cache-Control": "public, max-age=3600"})
