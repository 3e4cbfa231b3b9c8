"""The province view: each commune's figures for a date range, a ranking, and a read-only drill-down masked like a
viewer's. Figures only (counts, shares, medians): no citizen's words leave a commune here."""

from __future__ import annotations

import csv
import io
import statistics
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.cases.catalog import OPEN_STATUSES, Kind, Priority, status_label
from api.cases.models import Case
from api.citizens.masking import mask_name, text_for
from api.communes.models import Commune
from api.communes.worktime import WorkCalendar
from api.db import utcnow
from api.errors import NotFound, ValidationFailed
from api.staff.models import Staff

MAX_DAYS = 366


@dataclass
class CommuneFigures:
    slug: str
    name: str
    cases: int
    overdue: int
    overdue_share: float | None  # of the cases with a deadline
    resolved: int
    median_working_hours: float | None  # created → resolved, office hours only
    ratings: int
    satisfaction: float | None  # average rating 1–5
    emergencies: int  # urgent cases
    rank: int = 0


def communes_of(session: Session, *, staff: Staff) -> list[Commune]:
    """The communes of the province officer's province (the province of the commune their account is attached to)."""
    home = session.get(Commune, staff.commune_id)
    if home is None or not home.province:
        return []
    return list(session.scalars(select(Commune).where(Commune.province == home.province).order_by(Commune.name)))


def commune_of(session: Session, *, staff: Staff, slug: str) -> Commune:
    for commune in communes_of(session, staff=staff):
        if commune.slug == slug:
            return commune
    raise NotFound(f"Không có xã '{slug}' trong tỉnh.", code="commune_not_found", field="slug")


def period(start: date | None, end: date | None) -> tuple[datetime, datetime]:
    """[start 00:00, end+1 00:00) in UTC; default: the last 30 days."""
    end = end or utcnow().date()
    start = start or end - timedelta(days=29)
    if start > end:
        raise ValidationFailed("Ngày bắt đầu sau ngày kết thúc.", code="invalid_period", field="start")
    if (end - start).days >= MAX_DAYS:
        raise ValidationFailed(f"Khoảng thời gian tối đa {MAX_DAYS} ngày.", code="period_too_long", field="end")
    return datetime.combine(start, time(), UTC), datetime.combine(end + timedelta(days=1), time(), UTC)


def _figures(session: Session, commune: Commune, since: datetime, until: datetime) -> CommuneFigures:
    rows = session.execute(
        select(Case.status, Case.priority, Case.due_at, Case.created_at, Case.resolved_at, Case.rating).where(
            Case.commune_id == commune.id, Case.created_at >= since, Case.created_at < until,
            Case.merged_into_id.is_(None),
        )
    ).all()  # fmt: skip
    now = utcnow()
    open_values = {s.value for s in OPEN_STATUSES}
    with_deadline = [r for r in rows if r.due_at is not None]
    overdue = sum(
        1 for r in with_deadline
        if (r.resolved_at is not None and r.resolved_at > r.due_at) or (r.status in open_values and r.due_at < now)
    )  # fmt: skip
    calendar = WorkCalendar.for_commune(commune)
    done = [r for r in rows if r.resolved_at is not None]
    hours = [calendar.working_seconds_between(r.created_at, r.resolved_at) / 3600 for r in done]
    ratings = [r.rating for r in rows if r.rating is not None]
    return CommuneFigures(
        slug=commune.slug, name=commune.name, cases=len(rows), overdue=overdue,
        overdue_share=round(overdue / len(with_deadline), 3) if with_deadline else None, resolved=len(done),
        median_working_hours=round(statistics.median(hours), 1) if hours else None, ratings=len(ratings),
        satisfaction=round(sum(ratings) / len(ratings), 2) if ratings else None,
        emergencies=sum(1 for r in rows if r.priority == Priority.urgent.value),
    )  # fmt: skip


def province_figures(
    session: Session, *, staff: Staff, start: date | None = None, end: date | None = None
) -> list[CommuneFigures]:
    """Every commune of the province, ranked: lowest overdue share first, then highest satisfaction, then fastest."""
    since, until = period(start, end)
    figures = [_figures(session, c, since, until) for c in communes_of(session, staff=staff)]
    figures.sort(
        key=lambda f: (
            f.overdue_share if f.overdue_share is not None else 1.0,
            -(f.satisfaction or 0.0),
            f.median_working_hours if f.median_working_hours is not None else float("inf"),
            f.name,
        )
    )
    for rank, item in enumerate(figures, start=1):
        item.rank = rank
    return figures


CSV_COLUMNS = {
    "rank": "Hạng", "slug": "Mã xã", "name": "Tên xã/phường", "cases": "Số hồ sơ", "overdue": "Quá hạn",
    "overdue_share": "Tỷ lệ quá hạn", "resolved": "Đã giải quyết", "median_working_hours": "Trung vị giờ làm việc",
    "ratings": "Lượt đánh giá", "satisfaction": "Mức hài lòng (1-5)", "emergencies": "Khẩn cấp",
}  # fmt: skip


def figures_csv(figures: list[CommuneFigures]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(CSV_COLUMNS))
    out.write(",".join(CSV_COLUMNS.values()) + "\r\n")
    for item in figures:
        writer.writerow({k: ("" if v is None else v) for k, v in asdict(item).items()})
    return "\ufeff" + out.getvalue()


def drill_down(session: Session, *, commune: Commune, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """A commune's cases of the period as a viewer sees them: no consultations (health talk stays with health
    staff), names and free text masked, no phones, no conversation."""
    cases = session.scalars(
        select(Case)
        .where(
            Case.commune_id == commune.id, Case.created_at >= since, Case.created_at < until,
            Case.kind != Kind.consultation.value,
        )
        .order_by(Case.created_at.desc())
        .limit(500)
    ).all()  # fmt: skip
    known = [c.contact_name for c in cases] + [c.contact_phone for c in cases]
    return [
        {
            "code": c.code, "kind": c.kind, "category": c.category, "status": c.status,
            "status_label": status_label(c.status), "priority": c.priority,
            "title": text_for("viewer", c.title, known) or "", "contact": mask_name(c.contact_name),
            "created_at": c.created_at.isoformat(), "due_at": c.due_at.isoformat() if c.due_at else None,
            "resolved_at": c.resolved_at.isoformat() if c.resolved_at else None, "rating": c.rating,
        }
        for c in cases
    ]  # fmt: skip
