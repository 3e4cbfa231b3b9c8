"""A citizen's data, exported on their request (admins): the contact, and every case with its public messages.

Same path and tag as the citizen's record (api/citizens/routes.py); it lives with the citizen's other rights because
it reads their cases, which sit above citizens.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy import select

from api.auth.deps import AdminStaff
from api.auth.inputs import reject_nul
from api.cases.models import Case, TimelineEntry
from api.citizens.schemas import CitizenRead
from api.citizens.service import citizen_summary, get_citizen
from api.db import utcnow
from api.deps import SessionDep
from api.openapi_docs import ERROR_RESPONSES, IdPath
from api.staff.audit import Action, record_access

router = APIRouter(
    prefix="/api/v1/citizens", tags=["citizens"], responses=ERROR_RESPONSES, dependencies=[Depends(reject_nul)]
)


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
