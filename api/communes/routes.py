from __future__ import annotations

from fastapi import APIRouter

from api.communes.models import Commune
from api.communes.schemas import CommuneRead
from api.communes.service import get_commune
from api.deps import SessionDep

router = APIRouter(prefix="/api/v1/communes", tags=["communes"])


@router.get("/{slug}", response_model=CommuneRead, summary="Thông tin công khai của xã/phường")
def read_commune(slug: str, session: SessionDep) -> Commune:
    return get_commune(session, slug=slug)
