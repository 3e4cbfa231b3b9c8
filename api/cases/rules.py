"""Managing routing rules (admins only, enforced by the routes)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.cases.catalog import CATEGORIES
from api.cases.models import RoutingRule
from api.errors import Conflict, NotFound, ValidationFailed
from api.staff.service import get_department, get_staff


def list_rules(session: Session, *, commune_id: int) -> list[RoutingRule]:
    return list(
        session.scalars(
            select(RoutingRule)
            .where(RoutingRule.commune_id == commune_id)
            .order_by(RoutingRule.category.is_(None), RoutingRule.category, RoutingRule.kind, RoutingRule.id)
        )
    )


def get_rule(session: Session, *, commune_id: int, rule_id: int) -> RoutingRule:
    rule = session.get(RoutingRule, rule_id)
    if rule is None or rule.commune_id != commune_id:
        raise NotFound("Không tìm thấy quy tắc phân luồng.", code="rule_not_found", field="rule_id")
    return rule


def save_rule(
    session: Session,
    *,
    commune_id: int,
    rule: RoutingRule | None,
    kind: str | None,
    category: str | None,
    department_id: int | None,
    assignee_id: int | None,
    sla_hours: int,
    enabled: bool,
    sla_days: int | None = None,
) -> RoutingRule:
    if category is not None and category not in CATEGORIES:
        raise ValidationFailed(f"Lĩnh vực '{category}' không tồn tại.", code="invalid_category", field="category")
    if department_id is not None:
        get_department(session, commune_id=commune_id, department_id=department_id)
    if assignee_id is not None:
        assignee = get_staff(session, commune_id=commune_id, staff_id=assignee_id, field="assignee_id")
        if not assignee.can_write:
            raise ValidationFailed(
                "Cán bộ chỉ xem không thể nhận hồ sơ.", code="assignee_read_only", field="assignee_id"
            )
    clash = session.scalar(
        select(RoutingRule).where(
            RoutingRule.commune_id == commune_id,
            RoutingRule.enabled.is_(True),
            RoutingRule.kind.is_(None) if kind is None else RoutingRule.kind == kind,
            RoutingRule.category.is_(None) if category is None else RoutingRule.category == category,
        )
    )
    if enabled and clash is not None and (rule is None or clash.id != rule.id):
        raise Conflict("Đã có quy tắc cho cùng loại và lĩnh vực.", code="rule_exists", field="category")
    if rule is None:
        rule = RoutingRule(commune_id=commune_id)
        session.add(rule)
    rule.kind, rule.category, rule.department_id, rule.assignee_id = kind, category, department_id, assignee_id
    rule.sla_hours, rule.sla_days, rule.enabled = sla_hours, sla_days, enabled
    session.flush()
    session.refresh(rule)
    return rule


def delete_rule(session: Session, *, rule: RoutingRule) -> None:
    session.delete(rule)
    session.flush()
