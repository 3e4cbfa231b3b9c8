"""Which cases a staff member may see: only their commune's; health consultations only for health staff."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_

from api.cases.catalog import Kind
from api.cases.models import Case
from api.staff.models import COMMUNE_ROLES, Role, Staff


def visible_to(staff: Staff) -> ColumnElement[bool]:
    same_commune = Case.commune_id == staff.commune_id
    if staff.role not in COMMUNE_ROLES:  # the province role reads the province view, never a commune's cases
        return false()
    if staff.role == Role.admin:
        return same_commune
    if staff.role == Role.health_worker:
        # Health workers see the consultations, plus anything explicitly assigned to them.
        return and_(same_commune, or_(Case.kind == Kind.consultation.value, Case.assignee_id == staff.id))
    # Medical consultations stay with health staff (confidentiality); everything else is visible to the commune.
    return and_(same_commune, Case.kind != Kind.consultation.value)


def can_see(staff: Staff, case: Case) -> bool:
    if case.commune_id != staff.commune_id or staff.role not in COMMUNE_ROLES:
        return False
    if staff.role == Role.admin:
        return True
    if staff.role == Role.health_worker:
        return case.kind == Kind.consultation.value or case.assignee_id == staff.id
    return case.kind != Kind.consultation.value
