"""Open311 GeoReport v2 views of cases: services are the report categories, requests are the reports made public."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.cases.catalog import CATEGORIES, DONE_STATUSES, OPEN_STATUSES, Kind, Status
from api.cases.models import Case
from api.communes.models import Commune
from api.db import utcnow
from api.errors import ValidationFailed
from api.infra.sanitize import redact

DEFAULT_WINDOW = timedelta(days=90)
MAX_RESULTS = 1000
HAMLET_DECIMALS = 2
KEYWORDS = {
    "giao_thong": "đường, ổ gà, cầu, giao thông",
    "chieu_sang": "đèn đường, chiếu sáng",
    "moi_truong": "rác, ô nhiễm, môi trường",
    "thoat_nuoc": "cống, ngập, thoát nước",
    "an_ninh_trat_tu": "an ninh, trật tự, tiếng ồn",
    "xay_dung_dat_dai": "xây dựng, lấn chiếm, đất đai",
    "dien_nuoc": "mất điện, nước sinh hoạt",
    "khac": "khác",
}


def services() -> list[dict[str, Any]]:
    return [
        {
            "service_code": code,
            "service_name": name,
            "description": f"Phản ánh về {name.lower()}",
            "metadata": False,
            "type": "realtime",
            "keywords": KEYWORDS.get(code, ""),
            "group": "Phản ánh, kiến nghị",
        }
        for code, name in CATEGORIES.items()
    ]


def _iso(moment: datetime | None, zone: ZoneInfo) -> str | None:
    return moment.astimezone(zone).isoformat(timespec="seconds") if moment else None


def _coarse(value: float | None) -> float | None:
    """Two decimals (~1 km): the hamlet, not the house."""
    return round(value, HAMLET_DECIMALS) if value is not None else None


def request_view(session: Session, case: Case, commune: Commune) -> dict[str, Any]:
    """A public case as Open311 shows it: category, the staff-written public summary, a hamlet-level place and the
    status. Never the citizen's own words, names, phones, photos or the officers' replies; the summary and place go
    through the redaction pass as a second net (api/infra/sanitize.py)."""
    zone = ZoneInfo(commune.timezone or "Asia/Ho_Chi_Minh")
    closed = Status(case.status) in DONE_STATUSES
    return {
        "service_request_id": case.code,
        "status": "closed" if closed else "open",
        "status_notes": None,
        "service_name": CATEGORIES.get(case.category or "khac"),
        "service_code": case.category or "khac",
        "description": redact(case.public_summary) or None,
        "agency_responsible": case.department.name if case.department else commune.name,
        "service_notice": f"Thời hạn xử lý dự kiến: {_iso(case.due_at, zone)}" if case.due_at else None,
        "requested_datetime": _iso(case.created_at, zone),
        "updated_datetime": _iso(case.closed_at or case.resolved_at or case.updated_at, zone),
        "expected_datetime": _iso(case.due_at, zone),
        "address": redact(case.public_location) or None,
        "address_id": None,
        "zipcode": None,
        "lat": _coarse(case.latitude),
        "long": _coarse(case.longitude),
        "media_url": None,
    }


def parse_datetime(value: str | None, field: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed(f"'{field}' phải là thời điểm ISO 8601.", code="invalid_date", field=field) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def find_requests(
    session: Session,
    *,
    commune: Commune,
    ids: list[str],
    service_code: str | None,
    start: datetime | None,
    end: datetime | None,
    status: str | None,
) -> list[Case]:
    # Private by default: only cases made public on purpose (by the submitter or by staff) are listed at all.
    query = select(Case).where(Case.commune_id == commune.id, Case.kind == Kind.report.value, Case.public.is_(True))
    if ids:
        query = query.where(Case.code.in_([i.strip().upper() for i in ids[:MAX_RESULTS]]))
    else:
        end = end or utcnow()
        query = query.where(Case.created_at >= (start or end - DEFAULT_WINDOW), Case.created_at <= end)
    if service_code:
        query = query.where(Case.category.in_(service_code.split(",")))
    if status:
        wanted = {s.strip() for s in status.split(",")}
        if not wanted <= {"open", "closed"}:
            raise ValidationFailed("'status' chỉ nhận open hoặc closed.", code="invalid_status", field="status")
        values = [s.value for s in (OPEN_STATUSES if "open" in wanted else set())] + [
            s.value for s in (DONE_STATUSES if "closed" in wanted else set())
        ]
        query = query.where(Case.status.in_(values))
    return list(session.scalars(query.order_by(Case.created_at.desc(), Case.id.desc()).limit(MAX_RESULTS)))
