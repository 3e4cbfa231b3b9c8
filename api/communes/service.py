from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.communes.models import Commune
from api.errors import NotFound


def find_commune(session: Session, *, slug: str) -> Commune | None:
    return session.scalar(select(Commune).where(Commune.slug == slug))


def get_commune(session: Session, *, slug: str) -> Commune:
    commune = find_commune(session, slug=slug)
    if commune is None:
        raise NotFound(f"Không tìm thấy xã/phường '{slug}'.", code="commune_not_found", field="commune")
    return commune
