"""Demo data for a fresh install: the demo commune with its office information and, for `xaso db seed` / `make run`,
a second commune of the same province with its hamlets, so a newcomer sees the multi-commune shape. Idempotent."""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.cases.seed import seed_cases_domain
from api.communes.models import Commune
from api.communes.service import find_commune
from api.config import get_settings
from api.dossiers.demo import seed_demo_dossiers

DEMO_COMMUNE = {
    "slug": "xa-demo",
    "name": "UBND xã Hòa Bình",
    "province": "tỉnh Demo",
    "address": "Số 1 đường Trung tâm, ấp 1, xã Hòa Bình",
    "office_hours": "Sáng 7h00–11h30, chiều 13h00–17h00, thứ Hai đến thứ Sáu; sáng thứ Bảy 7h30–11h30",
    "phones": ["0270 3 123 456", "0909 123 456"],
    "email": "ubnd.hoabinh@example.gov.vn",
    "website": "https://hoabinh.example.gov.vn",
    "reception_schedule": "Chủ tịch UBND xã tiếp công dân định kỳ sáng thứ Năm hằng tuần tại phòng tiếp dân",
}


def seed_demo_commune(session: Session, *, slug: str = "xa-demo") -> Commune:
    commune = find_commune(session, slug=slug)
    if commune is None:
        commune = Commune(**{**DEMO_COMMUNE, "slug": slug})
        session.add(commune)
        session.flush()
    return commune


DEMO_HAMLETS = ["Ấp 1", "Ấp 2", "Ấp 3", "Ấp 4", "Ấp 5", "Ấp Hòa Thuận"]
SECOND_COMMUNE = {
    "slug": "phuong-an-phu",
    "name": "UBND phường An Phú",
    "province": "tỉnh Demo",
    "admin_code": "99002",
    "address": "Số 5 đường Nguyễn Trãi, khu phố 2, phường An Phú",
    "office_hours": "Sáng 7h00–11h30, chiều 13h00–17h00, thứ Hai đến thứ Sáu",
    "hotline": "0270 3 654 321",
    "hamlets": ["Khu phố 1", "Khu phố 2", "Khu phố 3", "Tổ dân phố Tân Lập"],
    "former_names": ["Phường An Phú", "Xã Phú Mỹ"],
}


def seed_demo_province(session: Session, *, demo: Commune) -> list[str]:
    """The demo commune's hamlets (when it has none) and a second commune onboarded the way a province does it."""
    from api.province.onboarding import CommuneDraft, create_commune, set_hamlets
    from api.subscriptions.hamlets import known_hamlets

    lines = []
    if not known_hamlets(demo):
        set_hamlets(session, commune=demo, names=DEMO_HAMLETS)
    if find_commune(session, slug=str(SECOND_COMMUNE["slug"])) is None:
        done = create_commune(
            session,
            draft=CommuneDraft(**SECOND_COMMUNE, admin_login="admin.anphu", template=demo.slug),  # type: ignore[arg-type]
        )
        lines.append(
            f"Xã thứ hai: {done.commune.name} ({done.commune.slug}); quản trị: {done.admin_login} / "
            f"{done.admin_password} (hãy đổi sau khi đăng nhập)"
        )
    return lines


def seed_all(session: Session, *, slug: str = "xa-demo", demo_province: bool = False) -> list[str]:
    """Seed everything a demo needs; returns lines to print for the operator. ``demo_province`` (`xaso db seed`,
    `make run`): the demo commune's hamlets and a second commune; the tests' fixtures leave them out."""
    commune = seed_demo_commune(session, slug=slug)
    lines = [f"Xã mặc định: {commune.name} ({commune.slug})"]
    lines += seed_cases_domain(session, commune=commune)
    if get_settings().dossier_demo:
        lines += seed_demo_dossiers(session, commune_id=commune.id)
    if demo_province:
        lines += seed_demo_province(session, demo=commune)
    return lines
