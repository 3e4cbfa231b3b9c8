"""Routing rules: which department (and officer) gets a new case, and its SLA.

Case creation is the bot's hot path, so the rule, its department and its officer come back in one SQLAlchemy Core
query (no ORM objects). Rules are read afresh for every case: an admin's edit applies to the very next case, in
every process, with no cache to invalidate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, bindparam, func, or_, select

from api.cases.catalog import DEFAULT_SLA_DAYS, DEFAULT_SLA_HOURS, OPEN_STATUSES, Kind, Priority
from api.cases.models import Case, RoutingRule
from api.communes.worktime import WorkCalendar
from api.staff.models import Department, Role, Staff

_rules, _departments, _staff, _cases = (
    RoutingRule.__table__,
    Department.__table__,
    Staff.__table__,
    Case.__table__,
)


@dataclass(frozen=True)
class DepartmentRef:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class Route:
    department: DepartmentRef | None
    assignee_id: int | None
    assignee_name: str | None
    sla: Sla
    rule_id: int | None


@dataclass(frozen=True)
class Sla:
    """A case's time limit: working days or working hours of the commune office; urgent cases count the clock
    (an emergency does not wait for Monday morning)."""

    hours: int
    days: int | None = None
    round_the_clock: bool = False

    def due(self, calendar: WorkCalendar, start: datetime) -> datetime:
        if self.round_the_clock:
            return start + timedelta(hours=self.hours)
        if self.days is not None:
            return calendar.add_working_days(start, self.days)
        return calendar.add_working_hours(start, self.hours)

    def describe(self) -> str:
        if self.round_the_clock:
            return f"{self.hours} giờ (tính cả ngoài giờ)"
        return f"{self.days} ngày làm việc" if self.days is not None else f"{self.hours} giờ làm việc"


# Only the (at most four) candidate rules come back; the most specific one wins in Python.
_CANDIDATES = (
    select(
        _rules.c.id.label("rule_id"),
        _rules.c.kind,
        _rules.c.category,
        _rules.c.sla_hours,
        _rules.c.sla_days,
        _departments.c.id.label("department_id"),
        _departments.c.code.label("department_code"),
        _departments.c.name.label("department_name"),
        _staff.c.id.label("assignee_id"),
        _staff.c.full_name.label("assignee_name"),
        _staff.c.role.label("assignee_role"),
        _staff.c.is_active.label("assignee_active"),
    )
    .select_from(
        _rules.outerjoin(_departments, _departments.c.id == _rules.c.department_id).outerjoin(
            _staff, _staff.c.id == _rules.c.assignee_id
        )
    )
    .where(
        _rules.c.commune_id == bindparam("commune_id"),
        _rules.c.enabled.is_(True),
        or_(_rules.c.kind.is_(None), _rules.c.kind == bindparam("kind")),
        or_(_rules.c.category.is_(None), _rules.c.category == bindparam("category")),
    )
)

_open_count = (
    select(func.count(_cases.c.id))
    .where(_cases.c.assignee_id == _staff.c.id, _cases.c.status.in_([s.value for s in OPEN_STATUSES]))
    .correlate(_staff)
    .scalar_subquery()
)
_LEAST_BUSY_HEALTH_WORKER = (
    select(_staff.c.id, _staff.c.full_name)
    .where(
        _staff.c.commune_id == bindparam("commune_id"),
        _staff.c.role == Role.health_worker.value,
        _staff.c.is_active.is_(True),
    )
    .order_by(_open_count, _staff.c.id)
    .limit(1)
)


def _specificity(rule_kind: str | None, rule_category: str | None, kind: str, category: str | None) -> int | None:
    if rule_kind is not None and rule_kind != kind:
        return None
    if rule_category is not None and rule_category != category:
        return None
    return (2 if rule_category is not None else 0) + (1 if rule_kind is not None else 0)


RuleRow = Row[*tuple[Any, ...]]


def match_rule(connection: Connection, *, commune_id: int, kind: str, category: str | None) -> RuleRow | None:
    """The most specific enabled rule (then the oldest), with its department and officer columns."""
    rows = connection.execute(_CANDIDATES, {"commune_id": commune_id, "kind": kind, "category": category})
    scored = [
        (score, -row.rule_id, row)
        for row in rows
        if (score := _specificity(row.kind, row.category, kind, category)) is not None
    ]
    return max(scored, key=lambda item: (item[0], item[1]))[2] if scored else None


def route_case(connection: Connection, *, commune_id: int, kind: str, category: str | None, priority: str) -> Route:
    """Department, officer and deadline for a new case; no matching rule means the triage queue (no department)."""
    rule = match_rule(connection, commune_id=commune_id, kind=kind, category=category)
    department = None
    assignee: tuple[int, str] | None = None
    assignee_role = None
    if rule is not None:
        if rule.department_id is not None:
            department = DepartmentRef(rule.department_id, rule.department_code, rule.department_name)
        if rule.assignee_id is not None and rule.assignee_active:
            assignee, assignee_role = (rule.assignee_id, rule.assignee_name), rule.assignee_role
    if kind == Kind.consultation.value and assignee_role != Role.health_worker.value:
        worker = connection.execute(_LEAST_BUSY_HEALTH_WORKER, {"commune_id": commune_id}).first()
        assignee = (worker.id, worker.full_name) if worker is not None else None
    hours = rule.sla_hours if rule is not None else DEFAULT_SLA_HOURS
    days = rule.sla_days if rule is not None else DEFAULT_SLA_DAYS
    if priority == Priority.urgent.value:
        sla = Sla(hours=min(hours, 4), round_the_clock=True)
    elif priority == Priority.high.value:
        sla = Sla(hours=max(1, hours // 2), days=max(1, days // 2) if days is not None else None)
    else:
        sla = Sla(hours=hours, days=days)
    return Route(
        department,
        assignee[0] if assignee else None,
        assignee[1] if assignee else None,
        sla,
        rule.rule_id if rule is not None else None,
    )
