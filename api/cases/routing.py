"""Routing rules: which department (and officer) gets a new case, and its SLA."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from api.cases.catalog import DEFAULT_SLA_HOURS, OPEN_STATUSES, Kind, Priority
from api.cases.models import Case, RoutingRule
from api.staff.models import Department, Role, Staff


@dataclass(frozen=True)
class Route:
    department: Department | None
    assignee: Staff | None
    sla: timedelta
    rule_id: int | None


def _specificity(rule: RoutingRule, kind: str, category: str | None) -> int | None:
    if rule.kind is not None and rule.kind != kind:
        return None
    if rule.category is not None and rule.category != category:
        return None
    return (2 if rule.category is not None else 0) + (1 if rule.kind is not None else 0)


def match_rule(session: Session, *, commune_id: int, kind: str, category: str | None) -> RoutingRule | None:
    # Only the (at most four) candidate rules come back; the most specific one wins below.
    rules = session.scalars(
        select(RoutingRule).where(
            RoutingRule.commune_id == commune_id,
            RoutingRule.enabled.is_(True),
            or_(RoutingRule.kind.is_(None), RoutingRule.kind == kind),
            or_(RoutingRule.category.is_(None), RoutingRule.category == category),
        )
    )
    scored = [(score, -rule.id, rule) for rule in rules if (score := _specificity(rule, kind, category)) is not None]
    return max(scored, key=lambda item: (item[0], item[1]))[2] if scored else None


def least_busy_health_worker(session: Session, *, commune_id: int) -> Staff | None:
    open_count = (
        select(func.count(Case.id))
        .where(Case.assignee_id == Staff.id, Case.status.in_([s.value for s in OPEN_STATUSES]))
        .correlate(Staff)
        .scalar_subquery()
    )
    return session.scalar(
        select(Staff)
        .where(Staff.commune_id == commune_id, Staff.role == Role.health_worker.value, Staff.is_active.is_(True))
        .order_by(open_count, Staff.id)
        .limit(1)
    )


def route_case(session: Session, *, commune_id: int, kind: str, category: str | None, priority: str) -> Route:
    """Department, officer and deadline for a new case; no matching rule means the triage queue (no department)."""
    rule = match_rule(session, commune_id=commune_id, kind=kind, category=category)
    assignee = rule.assignee if rule and rule.assignee and rule.assignee.is_active else None
    if kind == Kind.consultation.value and (assignee is None or assignee.role != Role.health_worker.value):
        assignee = least_busy_health_worker(session, commune_id=commune_id)
    hours = rule.sla_hours if rule else DEFAULT_SLA_HOURS
    if priority == Priority.urgent.value:
        hours = min(hours, 4)
    elif priority == Priority.high.value:
        hours = max(1, min(hours, hours // 2 or 1))
    return Route(rule.department if rule else None, assignee, timedelta(hours=hours), rule.id if rule else None)
