"""Case statistics (counts, time to resolve, share within SLA, satisfaction) and the CSV export."""

from __future__ import annotations

import csv
import io
import math
import statistics
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.cases.catalog import CATEGORIES, OPEN_STATUSES, STATUS_LABELS, Status, category_label, kind_label, status_label
from api.cases.models import Case
from api.cases.schemas import CaseStats, CountItem
from api.cases.service import CaseFilters, dialect_of, filter_query
from api.citizens.masking import text_for
from api.communes.models import Commune
from api.communes.worktime import WorkCalendar
from api.db import utcnow
from api.staff.models import Department, Staff

CHANNEL_LABELS = {"zalo": "Zalo", "telegram": "Telegram", "web": "Trang web", "": "Cán bộ nhập / Open311"}


def _nearest_rank(ordered: list[float], share: float) -> float:
    return ordered[max(0, math.ceil(len(ordered) * share) - 1)]


def _counts(rows: Sequence[Any], missing: str) -> list[CountItem]:
    return [
        CountItem(key=name or "", label=name or missing, count=n) for name, n in sorted(rows, key=lambda kv: -kv[1])
    ]


def case_stats(session: Session, *, staff: Staff, filters: CaseFilters) -> CaseStats:
    scoped = filter_query(staff, filters, dialect=dialect_of(session)).subquery()
    by_status: dict[str, int] = dict(
        session.execute(select(scoped.c.status, func.count()).group_by(scoped.c.status)).all()
    )
    by_category: dict[str | None, int] = dict(
        session.execute(select(scoped.c.category, func.count()).group_by(scoped.c.category)).all()
    )
    open_values = [s.value for s in OPEN_STATUSES]
    overdue = session.scalar(
        select(func.count()).select_from(scoped).where(scoped.c.status.in_(open_values), scoped.c.due_at < utcnow())
    )
    done = session.execute(
        select(scoped.c.created_at, scoped.c.resolved_at, scoped.c.due_at).where(scoped.c.resolved_at.is_not(None))
    ).all()
    hours = [(r.resolved_at - r.created_at).total_seconds() / 3600 for r in done]
    calendar = WorkCalendar.for_commune(session.get(Commune, staff.commune_id))
    working = sorted(calendar.working_seconds_between(r.created_at, r.resolved_at) / 3600 for r in done)
    by_department = session.execute(
        select(Department.name, func.count())
        .select_from(scoped.outerjoin(Department, Department.id == scoped.c.department_id))
        .group_by(Department.name)
    ).all()
    by_channel = session.execute(select(scoped.c.channel, func.count()).group_by(scoped.c.channel)).all()
    within = [r for r in done if r.due_at is None or r.resolved_at <= r.due_at]
    ratings: dict[int, int] = dict(
        session.execute(
            select(scoped.c.rating, func.count()).where(scoped.c.rating.is_not(None)).group_by(scoped.c.rating)
        ).all()
    )
    rating_count = sum(ratings.values())
    return CaseStats(
        total=sum(by_status.values()),
        open=sum(by_status.get(s, 0) for s in open_values),
        overdue=overdue or 0,
        by_status=[CountItem(key=s.value, label=STATUS_LABELS[s], count=by_status.get(s.value, 0)) for s in Status],
        by_category=[
            CountItem(key=key or "", label=category_label(key) or "Chưa phân loại", count=count)
            for key, count in sorted(by_category.items(), key=lambda kv: (-kv[1], kv[0] or ""))
        ],
        resolved=len(done),
        median_hours_to_resolve=round(statistics.median(hours), 1) if hours else None,
        median_working_hours_to_resolve=round(statistics.median(working), 2) if working else None,
        p90_working_hours_to_resolve=round(_nearest_rank(working, 0.9), 2) if working else None,
        by_department=_counts(by_department, "Chờ phân loại"),
        by_channel=[
            CountItem(key=key or "", label=CHANNEL_LABELS.get(key or "", key or "Khác"), count=n)
            for key, n in sorted(by_channel, key=lambda kv: -kv[1])
        ],
        resolved_within_sla_share=round(len(within) / len(done), 3) if done else None,
        resolved_within_sla=len(within),
        rating_count=rating_count,
        rating_average=round(sum(k * v for k, v in ratings.items()) / rating_count, 2) if rating_count else None,
        rating_distribution={str(k): ratings.get(k, 0) for k in range(1, 6)},
    )


CSV_COLUMNS = [
    "Mã hồ sơ",
    "Loại",
    "Lĩnh vực",
    "Tiêu đề",
    "Nội dung",
    "Địa điểm",
    "Trạng thái",
    "Mức ưu tiên",
    "Bộ phận",
    "Cán bộ",
    "Kênh",
    "Tiếp nhận lúc",
    "Hạn xử lý",
    "Giải quyết lúc",
    "Quá hạn",
    "Đánh giá",
]


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # Spreadsheet formula injection: a cell starting with = + - @ would run as a formula in Excel/LibreOffice.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def known(case: Case) -> tuple[str | None, str | None]:
    return case.contact_name, case.contact_phone


def export_rows(session: Session, *, staff: Staff, filters: CaseFilters) -> Iterator[str]:
    """CSV lines (UTF-8 with BOM so Excel shows Vietnamese), streamed in batches."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    yield "\ufeff" + buffer.getvalue()
    now = utcnow()
    query = filter_query(staff, filters, dialect=dialect_of(session)).order_by(Case.created_at.desc(), Case.id.desc())
    for case in session.scalars(query.execution_options(yield_per=500)):
        buffer.seek(0)
        buffer.truncate()
        overdue = case.status in {s.value for s in OPEN_STATUSES} and case.due_at is not None and case.due_at < now
        writer.writerow(
            [
                _cell(v)
                for v in (
                    case.code,
                    kind_label(case.kind),
                    CATEGORIES.get(case.category or "", case.category or ""),
                    text_for(staff.role, case.title, known(case)),
                    text_for(staff.role, case.description, known(case)),
                    text_for(staff.role, case.location_text, known(case)),
                    status_label(case.status),
                    case.priority,
                    case.department.name if case.department else "",
                    case.assignee.full_name if case.assignee else "",
                    case.channel or case.source,
                    case.created_at.isoformat(),
                    case.due_at.isoformat() if case.due_at else "",
                    case.resolved_at.isoformat() if case.resolved_at else "",
                    "có" if overdue else "",
                    case.rating,
                )
            ]
        )
        yield buffer.getvalue()
