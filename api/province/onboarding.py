"""Onboarding a commune into the province's deployment: one transaction from the form (or the CLI) to a working commune.

A commune gets its office information, official unit code, hamlets, the former communes merged into it (01/07/2025;
their names route citizens to it), departments and routing rules copied from the province template (the built-in one,
or an existing commune's, then editable by the commune's admin), its first admin with a one-time password, and its
channel account linked (credentials entered later by the commune's admin, so the account starts disabled).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.cases.models import RoutingRule
from api.cases.seed import new_password, seed_departments, seed_rules
from api.channel_accounts.service import upsert_account
from api.communes.models import Commune, FormerName, Hamlet
from api.communes.service import find_commune
from api.errors import Conflict, ValidationFailed
from api.staff.models import Department, Role, Staff
from api.staff.service import create_department, create_staff
from api.subscriptions.commands import normalise
from api.subscriptions.hamlets import hamlet_key

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
UNIT_CODE = re.compile(r"^[0-9]{5}$")  # the 5-digit code of a commune-level unit (Quyết định 19/2025/QĐ-TTg)
MAX_HAMLETS = 300


@dataclass
class CommuneDraft:
    slug: str
    name: str
    province: str
    admin_code: str | None = None
    office_hours: str = ""
    hotline: str = ""
    address: str = ""
    hamlets: list[str] = field(default_factory=list)
    former_names: list[str] = field(default_factory=list)
    admin_login: str | None = None
    admin_name: str = "Quản trị viên"
    template: str | None = None  # slug of a commune whose departments and rules are copied; None: built-in
    zalo_oa_id: str | None = None


@dataclass
class Onboarded:
    commune: Commune
    admin_login: str | None
    admin_password: str | None  # shown once


def parse_hamlets(text: str) -> list[str]:
    """Hamlets typed one per line (or separated by ';'), or a CSV whose first column (or ``name``/``ten`` column)
    holds the names; blank lines and a header row are skipped."""
    rows = list(csv.reader(io.StringIO(text.replace(";", "\n"))))
    if not rows:
        return []
    header = [normalise(cell) for cell in rows[0]]
    column = next((i for i, h in enumerate(header) if h in ("name", "ten", "ten ap", "hamlet")), None)
    if column is not None:
        rows = rows[1:]
    return [
        " ".join(row[column or 0].split())
        for row in rows
        if row and len(row) > (column or 0) and row[column or 0].strip()
    ]


def check_hamlets(names: list[str]) -> list[tuple[str, str]]:
    """(name, key) in order, duplicates (same folded name) refused by name."""
    if len(names) > MAX_HAMLETS:
        raise ValidationFailed(f"Tối đa {MAX_HAMLETS} ấp.", code="too_many_hamlets", field="hamlets")
    seen: dict[str, str] = {}
    for name in names:
        clean = " ".join(name.split())
        if not clean or len(clean) > 100:
            raise ValidationFailed(f"Tên ấp không hợp lệ: '{clean[:40]}'.", code="invalid_hamlet", field="hamlets")
        key = hamlet_key(clean)
        if key in seen:
            raise ValidationFailed(f"Ấp '{clean}' trùng với '{seen[key]}'.", code="duplicate_hamlet", field="hamlets")
        seen[key] = clean
    return [(name, key) for key, name in seen.items()]


def set_hamlets(session: Session, *, commune: Commune, names: list[str]) -> list[Hamlet]:
    """Replace the commune's hamlet list (subscriptions keep their hamlet names)."""
    checked = check_hamlets(names)
    for row in session.scalars(select(Hamlet).where(Hamlet.commune_id == commune.id)):
        session.delete(row)
    session.flush()
    rows = [Hamlet(commune_id=commune.id, name=n, key=k, position=i) for i, (n, k) in enumerate(checked)]
    session.add_all(rows)
    session.flush()
    return rows


def former_key(name: str) -> str:
    """A former commune's name folded for routing: 'Xã Tân Hòa (Huyện Mỹ Tú)' and 'tan hoa' meet."""
    words = normalise(name.split("(")[0]).split()
    stripped = words
    while stripped and stripped[0] in ("xa", "phuong", "thi", "tran"):
        stripped = stripped[1:]
    # "Phường 1" keeps its word: a bare number names nothing.
    return " ".join(stripped if stripped and not stripped[0].isdigit() else words)


def set_former_names(session: Session, *, commune: Commune, names: list[str]) -> None:
    for row in session.scalars(select(FormerName).where(FormerName.commune_id == commune.id)):
        session.delete(row)
    session.flush()
    seen: set[str] = set()
    for name in names:
        clean = " ".join(name.split())
        key = former_key(clean)
        if not key or key in seen:
            continue
        seen.add(key)
        session.add(FormerName(commune_id=commune.id, name=clean[:200], key=key[:200]))
    session.flush()


def commune_for_former_name(session: Session, *, name: str, province: str | None = None) -> Commune | None:
    """The commune a former commune's name routes to (None when unknown or ambiguous across the deployment)."""
    query = (
        select(Commune).join(FormerName, FormerName.commune_id == Commune.id).where(FormerName.key == former_key(name))
    )
    if province:
        query = query.where(Commune.province == province)
    found = session.scalars(query).all()
    return found[0] if len(found) == 1 else None


def _copy_template(session: Session, *, commune: Commune, template: Commune) -> None:
    by_old: dict[int, Department] = {}
    for dept in session.scalars(select(Department).where(Department.commune_id == template.id)):
        by_old[dept.id] = create_department(session, commune_id=commune.id, code=dept.code, name=dept.name)
    for rule in session.scalars(select(RoutingRule).where(RoutingRule.commune_id == template.id)):
        session.add(
            RoutingRule(
                commune_id=commune.id, kind=rule.kind, category=rule.category,
                department_id=by_old[rule.department_id].id if rule.department_id in by_old else None,
                sla_hours=rule.sla_hours, sla_days=rule.sla_days, enabled=rule.enabled,
            )
        )  # fmt: skip
    session.flush()


def create_commune(session: Session, *, draft: CommuneDraft) -> Onboarded:
    slug = draft.slug.strip().lower()
    if not SLUG.match(slug):
        raise ValidationFailed(
            "Mã xã (slug) chỉ gồm chữ thường không dấu, số và '-', 2–63 ký tự.", code="invalid_slug", field="slug"
        )
    if find_commune(session, slug=slug) is not None:
        raise Conflict(f"Đã có xã với mã '{slug}'.", code="commune_exists", field="slug")
    name = " ".join(draft.name.split())
    if not name:
        raise ValidationFailed("Cần tên xã/phường.", code="name_required", field="name")
    code = (draft.admin_code or "").strip() or None
    if code is not None and not UNIT_CODE.match(code):
        raise ValidationFailed("Mã đơn vị hành chính gồm 5 chữ số.", code="invalid_admin_code", field="admin_code")
    if code is not None and session.scalar(select(Commune.id).where(Commune.admin_code == code)) is not None:
        raise Conflict(f"Mã đơn vị hành chính {code} đã dùng cho xã khác.", code="admin_code_taken", field="admin_code")
    template = None
    if draft.template:
        template = find_commune(session, slug=draft.template)
        if template is None:
            raise ValidationFailed(f"Không có xã mẫu '{draft.template}'.", code="template_not_found", field="template")
    check_hamlets(draft.hamlets)
    commune = Commune(
        slug=slug, name=name, province=draft.province.strip(), admin_code=code, office_hours=draft.office_hours.strip(),
        hotline=draft.hotline.strip(), address=draft.address.strip(),
        phones=[draft.hotline.strip()] if draft.hotline.strip() else [], settings={},
    )  # fmt: skip
    session.add(commune)
    session.flush()
    set_hamlets(session, commune=commune, names=draft.hamlets)
    set_former_names(session, commune=commune, names=draft.former_names)
    if template is not None:
        _copy_template(session, commune=commune, template=template)
    else:
        seed_rules(session, commune=commune, departments=seed_departments(session, commune=commune))
    login = password = None
    if draft.admin_login:
        password = new_password()
        office = session.scalar(
            select(Department).where(Department.commune_id == commune.id, Department.code == "van_phong")
        )
        staff: Staff = create_staff(
            session, commune_id=commune.id, login=draft.admin_login, full_name=draft.admin_name or "Quản trị viên",
            password=password, role=Role.admin, department_id=office.id if office else None, must_change_password=True,
        )  # fmt: skip
        login = staff.login
    if draft.zalo_oa_id:
        account = upsert_account(
            session, commune_id=commune.id, channel="zalo", config={"oa_id": draft.zalo_oa_id.strip()}
        )
        account.enabled = False  # the commune's admin enters the app secret and token, then turns it on
        session.flush()
    return Onboarded(commune, login, password)
