from __future__ import annotations

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, ConfigDict, Field

from api.auth.deps import AdminStaff, CurrentStaff
from api.auth.inputs import reject_nul
from api.cases import rules
from api.cases.catalog import Kind
from api.cases.models import RoutingRule
from api.deps import SessionDep
from api.openapi_docs import ERROR_RESPONSES, IdField, IdPath
from api.staff.schemas import DepartmentRead, StaffBrief

router = APIRouter(
    prefix="/api/v1/routing-rules", tags=["routing"], responses=ERROR_RESPONSES, dependencies=[Depends(reject_nul)]
)


class RuleWrite(BaseModel):
    kind: Kind | None = None
    category: str | None = Field(default=None, max_length=32)
    department_id: IdField | None = None
    assignee_id: IdField | None = None
    sla_hours: int = Field(
        default=16, ge=1, le=2000, description="Thời hạn tính bằng giờ làm việc (khi không đặt sla_days)."
    )
    sla_days: int | None = Field(
        default=None, ge=1, le=365, description="Thời hạn tính bằng ngày làm việc (bỏ qua ngày nghỉ, ngày lễ)."
    )
    enabled: bool = True


class RuleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: Kind | None
    category: str | None
    department: DepartmentRead | None
    assignee: StaffBrief | None
    sla_hours: int
    sla_days: int | None
    enabled: bool


@router.get("", response_model=list[RuleRead], summary="Quy tắc phân luồng và thời hạn xử lý")
def list_rules(session: SessionDep, staff: CurrentStaff) -> list[RoutingRule]:
    return rules.list_rules(session, commune_id=staff.commune_id)


@router.post("", response_model=RuleRead, status_code=status.HTTP_201_CREATED, summary="Thêm quy tắc phân luồng")
def create_rule(body: RuleWrite, session: SessionDep, admin: AdminStaff) -> RoutingRule:
    return _save(session, admin.commune_id, None, body)


@router.put("/{rule_id}", response_model=RuleRead, summary="Sửa quy tắc phân luồng")
def update_rule(rule_id: IdPath, body: RuleWrite, session: SessionDep, admin: AdminStaff) -> RoutingRule:
    rule = rules.get_rule(session, commune_id=admin.commune_id, rule_id=rule_id)
    return _save(session, admin.commune_id, rule, body)


@router.delete("/{rule_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Xóa quy tắc phân luồng")
def delete_rule(rule_id: IdPath, session: SessionDep, admin: AdminStaff) -> None:
    rules.delete_rule(session, rule=rules.get_rule(session, commune_id=admin.commune_id, rule_id=rule_id))


def _save(session: SessionDep, commune_id: int, rule: RoutingRule | None, body: RuleWrite) -> RoutingRule:
    return rules.save_rule(
        session,
        commune_id=commune_id,
        rule=rule,
        kind=body.kind.value if body.kind else None,
        category=body.category,
        department_id=body.department_id,
        assignee_id=body.assignee_id,
        sla_hours=body.sla_hours,
        sla_days=body.sla_days,
        enabled=body.enabled,
    )
