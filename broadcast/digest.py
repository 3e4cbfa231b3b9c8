"""The weekly digest of the commune's own cases, read on the loudspeakers: counts only, never personal data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.cases.catalog import CATEGORIES, Kind, Status
from api.cases.models import Case

_RESOLVED = (Status.resolved.value, Status.closed.value)
_NOT_COUNTED = (Status.duplicate.value,)


@dataclass(frozen=True)
class CategoryCount:
    label: str
    received: int
    resolved: int


@dataclass(frozen=True)
class DigestStats:
    first_day: date
    last_day: date
    received: int
    resolved: int
    categories: list[CategoryCount]


def weekly_stats(
    session: Session, *, commune_id: int, start: datetime, end: datetime, first_day: date, last_day: date
) -> DigestStats:
    """Reports received in [start, end) and reports resolved in that window, by category."""
    base = (Case.commune_id == commune_id, Case.kind == Kind.report.value)
    received_rows = session.execute(
        select(Case.category, func.count())
        .where(*base, Case.created_at >= start, Case.created_at < end, Case.status.not_in(_NOT_COUNTED))
        .group_by(Case.category)
    ).all()
    resolved_rows = session.execute(
        select(Case.category, func.count())
        .where(*base, Case.status.in_(_RESOLVED), Case.resolved_at >= start, Case.resolved_at < end)
        .group_by(Case.category)
    ).all()
    received = {category or "khac": count for category, count in received_rows}
    resolved = {category or "khac": count for category, count in resolved_rows}
    categories = [
        CategoryCount(CATEGORIES.get(code, code), received.get(code, 0), resolved.get(code, 0))
        for code in sorted(set(received) | set(resolved), key=lambda c: (-received.get(c, 0), c))
    ]
    return DigestStats(first_day, last_day, sum(received.values()), sum(resolved.values()), categories)


def _day(d: date) -> str:
    return f"{d.day}/{d.month}/{d.year}"


def digest_text(commune_name: str, stats: DigestStats) -> tuple[str, str]:
    """Title and body, written as staff would write them (the normaliser reads the numbers and dates)."""
    period = f"từ ngày {_day(stats.first_day)} đến ngày {_day(stats.last_day)}"
    title = f"Tổng hợp phản ánh, kiến nghị tuần {period}"
    if stats.received == 0 and stats.resolved == 0:
        body = f"Tuần qua, {period}, {commune_name} chưa tiếp nhận phản ánh, kiến nghị nào của người dân."
    else:
        body = (
            f"Tuần qua, {period}, {commune_name} đã tiếp nhận {stats.received} phản ánh, kiến nghị của người dân, "
            f"đã giải quyết {stats.resolved} phản ánh."
        )
        details = [f"{c.label.lower()}: tiếp nhận {c.received}, đã giải quyết {c.resolved}" for c in stats.categories]
        body += " Cụ thể theo lĩnh vực: " + "; ".join(details) + "."
    body += (
        "\n\nBà con có thể tiếp tục gửi phản ánh qua Zalo, Telegram hoặc trang web của xã. "
        "Xin cảm ơn bà con đã cùng chung tay xây dựng quê hương."
    )
    return title, body
