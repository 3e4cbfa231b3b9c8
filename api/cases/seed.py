"""Seed for case management: departments, a routing rule and SLA for every category, the first admin, demo staff.

Idempotent: existing rows are kept; passwords are random and printed only when an account is created.
"""

from __future__ import annotations

import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.cases.catalog import Kind
from api.cases.models import RoutingRule
from api.communes.models import Commune
from api.staff.models import Department, Role, Staff
from api.staff.service import create_department, create_staff, find_department, find_staff_by_login

DEPARTMENTS = {
    "van_phong": "Văn phòng HĐND – UBND (tiếp nhận, phân loại)",
    "dia_chinh": "Địa chính – Xây dựng – Đô thị – Môi trường",
    "cong_an": "Công an xã",
    "tu_phap": "Tư pháp – Hộ tịch",
    "van_hoa_xa_hoi": "Văn hóa – Xã hội",
    "tram_y_te": "Trạm Y tế",
}

# (kind, category) → (department code, SLA in working days, or in working hours when the days are None). Reports of
# every NLU category have a rule; unmatched → triage. Days and hours count office time only (api/communes/worktime.py).
RULES: list[tuple[str | None, str | None, str, int | None, int]] = [
    (None, "giao_thong", "dia_chinh", 3, 24),
    (None, "chieu_sang", "dia_chinh", 2, 16),
    (None, "moi_truong", "dia_chinh", 3, 24),
    (None, "thoat_nuoc", "dia_chinh", 2, 16),
    (None, "an_ninh_trat_tu", "cong_an", 1, 8),
    (None, "xay_dung_dat_dai", "dia_chinh", 10, 80),
    (None, "dien_nuoc", "dia_chinh", 2, 16),
    (None, "lao_dong_bhxh", "van_hoa_xa_hoi", 5, 40),
    (None, "khac", "van_phong", 5, 40),
    (Kind.consultation.value, None, "tram_y_te", 1, 8),
    (Kind.question.value, None, "tu_phap", 2, 16),
    (Kind.handoff.value, None, "van_phong", None, 4),
]

DEMO_STAFF = [
    ("canbo.vanphong", "Trần Thị Mai", Role.officer, "van_phong"),
    ("canbo.diachinh", "Lê Văn Hùng", Role.officer, "dia_chinh"),
    ("canbo.congan", "Phạm Minh Tuấn", Role.officer, "cong_an"),
    ("yte.tram", "BS. Nguyễn Thị Lan", Role.health_worker, "tram_y_te"),
    ("lanhdao.xem", "Võ Văn Bình", Role.viewer, "van_phong"),
]


def new_password() -> str:
    """A random one-time password (printed once; the person must change it at first login)."""
    return secrets.token_urlsafe(12)


def seed_departments(session: Session, *, commune: Commune) -> dict[str, Department]:
    result = {}
    for code, name in DEPARTMENTS.items():
        result[code] = find_department(session, commune_id=commune.id, code=code) or create_department(
            session, commune_id=commune.id, code=code, name=name
        )
    return result


def seed_rules(session: Session, *, commune: Commune, departments: dict[str, Department]) -> int:
    if session.scalar(select(func.count(RoutingRule.id)).where(RoutingRule.commune_id == commune.id)):
        return 0
    for kind, category, department, days, hours in RULES:
        session.add(
            RoutingRule(
                commune_id=commune.id,
                kind=kind,
                category=category,
                department_id=departments[department].id,
                sla_hours=hours,
                sla_days=days,
                enabled=True,
            )
        )
    session.flush()
    return len(RULES)


def seed_staff(session: Session, *, commune: Commune, departments: dict[str, Department]) -> list[str]:
    lines = []
    admin_login = "admin" if commune.slug == "xa-demo" else f"admin.{commune.slug}"
    if find_staff_by_login(session, login=admin_login) is None:
        password = new_password()
        create_staff(
            session,
            commune_id=commune.id,
            login=admin_login,
            full_name="Quản trị viên",
            password=password,
            role=Role.admin,
            department_id=departments["van_phong"].id,
            must_change_password=True,
        )
        lines.append(
            f"Tài khoản quản trị bảng điều khiển /staff: {admin_login} / {password} (hãy đổi sau khi đăng nhập)"
        )
    else:
        lines.append(f"Tài khoản quản trị: {admin_login} (đặt lại mật khẩu: xaso staff reset-password {admin_login})")
    has_demo = session.scalar(select(func.count(Staff.id)).where(Staff.commune_id == commune.id, Staff.role != "admin"))
    if commune.slug == "xa-demo" and not has_demo:
        password = new_password()
        for login, name, role, department in DEMO_STAFF:
            create_staff(
                session,
                commune_id=commune.id,
                login=login,
                full_name=name,
                password=password,
                role=role,
                department_id=departments[department].id,
                reuse_hash=True,
                must_change_password=True,
            )
        lines.append(f"Cán bộ mẫu (mật khẩu chung {password}): " + ", ".join(s[0] for s in DEMO_STAFF))
    return lines


def seed_cases_domain(session: Session, *, commune: Commune) -> list[str]:
    departments = seed_departments(session, commune=commune)
    added = seed_rules(session, commune=commune, departments=departments)
    lines = seed_staff(session, commune=commune, departments=departments)
    if added:
        lines.append(f"Đã tạo {len(departments)} bộ phận và {added} quy tắc phân luồng (kèm thời hạn xử lý).")
    return lines
