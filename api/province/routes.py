"""The province officer's API: onboard a commune, its hamlets, the province's figures (JSON and CSV)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, status
from fastapi.responses import Response
from sqlalchemy import select

from api.auth.deps import ProvinceStaff
from api.auth.inputs import reject_nul
from api.communes.models import FormerName
from api.deps import SessionDep
from api.errors import ValidationFailed
from api.openapi_docs import ERROR_RESPONSES
from api.province import stats
from api.province.onboarding import CommuneDraft, create_commune, set_hamlets
from api.province.schemas import CommuneCreate, CommuneCreated, HamletsUpdate
from api.subscriptions.hamlets import known_hamlets

router = APIRouter(
    prefix="/api/v1/province", tags=["province"], responses=ERROR_RESPONSES, dependencies=[Depends(reject_nul)]
)


@router.get("/figures", summary="Số liệu từng xã trong tỉnh (xếp hạng)")
def figures(
    session: SessionDep, staff: ProvinceStaff, start: date | None = None, end: date | None = None
) -> list[dict[str, Any]]:
    return [item.__dict__ for item in stats.province_figures(session, staff=staff, start=start, end=end)]


@router.get("/figures.csv", summary="Số liệu từng xã (CSV)")
def figures_csv(
    session: SessionDep, staff: ProvinceStaff, start: date | None = None, end: date | None = None
) -> Response:
    body = stats.figures_csv(stats.province_figures(session, staff=staff, start=start, end=end))
    headers = {"Content-Disposition": 'attachment; filename="so-lieu-tinh.csv"'}
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/communes/{slug}/cases", summary="Hồ sơ của một xã (chỉ xem, đã che thông tin cá nhân)")
def drill_down(
    slug: str, session: SessionDep, staff: ProvinceStaff, start: date | None = None, end: date | None = None
) -> list[dict[str, Any]]:
    commune = stats.commune_of(session, staff=staff, slug=slug)
    since, until = stats.period(start, end)
    return stats.drill_down(session, commune=commune, since=since, until=until)


@router.post("/communes", response_model=CommuneCreated, status_code=status.HTTP_201_CREATED, summary="Thêm xã")
def create(body: CommuneCreate, session: SessionDep, staff: ProvinceStaff) -> CommuneCreated:
    communes = stats.communes_of(session, staff=staff)
    if not communes:
        raise ValidationFailed("Tài khoản chưa gắn với tỉnh nào.", code="no_province")
    if body.template and body.template not in {c.slug for c in communes}:
        raise ValidationFailed(
            f"Xã mẫu '{body.template}' không thuộc tỉnh.", code="template_not_found", field="template"
        )
    done = create_commune(session, draft=CommuneDraft(**body.model_dump(), province=communes[0].province))
    names = session.scalars(select(FormerName.name).where(FormerName.commune_id == done.commune.id)).all()
    return CommuneCreated(
        slug=done.commune.slug, name=done.commune.name, province=done.commune.province,
        hamlets=[h.name for h in known_hamlets(done.commune)], former_names=list(names),
        admin_login=done.admin_login, admin_password=done.admin_password,
    )  # fmt: skip


@router.put("/communes/{slug}/hamlets", summary="Thay danh sách ấp của một xã")
def put_hamlets(slug: str, body: HamletsUpdate, session: SessionDep, staff: ProvinceStaff) -> list[str]:
    commune = stats.commune_of(session, staff=staff, slug=slug)
    return [row.name for row in set_hamlets(session, commune=commune, names=body.hamlets)]
