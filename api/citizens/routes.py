"""Citizen contacts for staff: masked list, full record, export and erasure (admins) on the citizen's request."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import select

from api.auth.deps import AdminStaff, CurrentStaff
from api.auth.inputs import reject_nul
from api.cases.models import Case, TimelineEntry
from api.citizens.masking import mask_name, mask_phone
from api.citizens.service import citizen_summary, get_citizen, list_citizens
from api.db import utcnow
from api.deps import SessionDep
from api.openapi_docs import ERROR_RESPONSES, IdPath
from api.staff.audit import Action, record_access
from api.staff.models import Role

router = APIRouter(
    prefix="/api/v1/citizens", tags=["citizens"], responses=ERROR_RESPONSES, dependencies=[Depends(reject_nul)]
)


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


@router.get("", response_model=CitizenPage, summary="Danh sách người dân (thông tin cá nhân được che)")
def list_(
    session: SessionDep,
    staff: CurrentStaff,
    q: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 50,
) -> CitizenPage:
    rows, total = list_citizens(session, commune_id=staff.commune_id, q=q, page=page, per_page=per_page)
    items = []
    for citizen in rows:
        items.append(CitizenRead(**_masked(citizen_summary(citizen))))
    return CitizenPage(items=items, total=total, page=page, per_page=per_page)


def _masked(data: dict[str, Any]) -> dict[str, Any]:
    data["display_name"], data["phone"] = mask_name(data["display_name"]), mask_phone(data["phone"])
    return data


@router.get("/{citizen_id}", response_model=CitizenRead, summary="Thông tin người dân (cán bộ cùng xã)")
def read(citizen_id: IdPath, session: SessionDep, staff: CurrentStaff) -> CitizenRead:
    """The full record; the ``viewer`` role sees it masked, as in the list."""
    data = citizen_summary(get_citizen(session, commune_id=staff.commune_id, citizen_id=citizen_id))
    record_access(session, staff=staff, action=Action.view, subject=f"citizen:{citizen_id}")
    return CitizenRead(**(_masked(data) if staff.role == Role.viewer else data))


@router.get("/{citizen_id}/export", summary="Xuất toàn bộ dữ liệu của một người dân (JSON)")
def export(citizen_id: IdPath, session: SessionDep, admin: AdminStaff) -> dict[str, Any]:
    citizen = get_citizen(session, commune_id=admin.commune_id, citizen_id=citizen_id)
    record_access(session, staff=admin, action=Action.export, subject=f"citizen:{citizen.id}")
    cases = session.scalars(select(Case).where(Case.citizen_id == citizen.id).order_by(Case.created_at)).all()
    return {
        "exported_at": utcnow().isoformat(),
        "citizen": CitizenRead(**citizen_summary(citizen)).model_dump(mode="json"),
        "cases": [
            {
                "code": c.code,
                "kind": c.kind,
                "category": c.category,
                "title": c.title,
                "description": c.description,
                "location_text": c.location_text,
                "status": c.status,
                "contact_name": c.contact_name,
                "contact_phone": c.contact_phone,
                "created_at": c.created_at.isoformat(),
                "rating": c.rating,
                "rating_comment": c.rating_comment,
                "messages": [
                    {"from": e.actor_type, "text": e.body, "at": e.created_at.isoformat()}
                    for e in session.scalars(
                        select(TimelineEntry)
                        .where(TimelineEntry.case_id == c.id, TimelineEntry.is_public.is_(True))
                        .order_by(TimelineEntry.created_at, TimelineEntry.id)
                    )
                ],
            }
            for c in cases
        ],
    }
