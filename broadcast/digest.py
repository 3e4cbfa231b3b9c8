"""The weekly digest of the commune's own cases, read on the loudspeakers: counts only, never personal data.

A library: the counts are made by the gateway (``api/bulletins/sources.py``) and handed in as :class:`DigestStats`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


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
