"""Citizen contacts for staff: masked list and full record. Export and erasure on the citizen's request (admins) are
the citizen's rights, with their cases: api/privacy/export.py and api/privacy/routes.py."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from api.auth.deps import CurrentStaff
from api.auth.inputs import reject_nul
from api.citizens.masking import mask_name, mask_phone
from api.citizens.schemas import CitizenPage, CitizenRead
from api.citizens.service import citizen_summary, get_citizen, list_citizens
from api.deps import SessionDep
from api.openapi_docs import ERROR_RESPONSES, IdPath
from api.staff.audit import Action, record_access
from api.staff.models import Role

router = APIRouter(
    prefix="/api/v1/citizens", tags=["citizens"], responses=ERROR_RESPONSES, dependencies=[Depends(reject_nul)]
)


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
