"""Demo data for a fresh install: one commune with its office information. Idempotent."""

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


def seed_all(session: Session, *, slug: str = "xa-demo") -> list[str]:
    """Seed everything a demo needs; returns lines to print for the operator."""
    commune = seed_demo_commune(session, slug=slug)
    lines = [f"Xã mặc định: {commune.name} ({commune.slug})"]
    lines += seed_cases_domain(session, commune=commune)
    if get_settings().dossier_demo:
        lines += seed_demo_dossiers(session, commune_id=commune.id)
    return lines
