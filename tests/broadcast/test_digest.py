"""The weekly digest counts the commune's own reports by category, and says nothing about who filed them."""

from __future__ import annotations

import asyncio
import itertools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.bulletins.jobs import run_digest
from api.cases.models import Case
from api.communes.models import Commune
from api.db import transaction
from broadcast.digest import DigestStats, digest_text
from broadcast.normalize import normalize_text
from tests.broadcast.conftest import StaffMember

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
_codes = itertools.count(1)


def last_week_monday() -> datetime:
    now = datetime.now(ZONE)
    monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return monday - timedelta(days=7)


def add_case(
    app: FastAPI,
    *,
    kind: str,
    category: str | None,
    created: datetime,
    status: str = "new",
    resolved: datetime | None = None,
    commune: str = "xa-demo",
) -> None:
    with transaction(app.state.sessionmaker) as session:
        commune_id = session.scalars(select(Commune.id).where(Commune.slug == commune)).one()
        session.add(
            Case(
                commune_id=commune_id,
                code=f"PA-2026-9{next(_codes):05d}",
                kind=kind,
                category=category,
                title="Đèn đường hỏng trước nhà ông Nguyễn Văn Bình",
                description="Liên hệ 0912345678",
                contact_name="Nguyễn Văn Bình",
                contact_phone="0912345678",
                status=status,
                created_at=created,
                resolved_at=resolved,
            )
        )


def test_weekly_digest(
    broadcast_app: FastAPI, client: TestClient, writer: StaffMember, other_commune_member: StaffMember
) -> None:
    monday = last_week_monday()
    add_case(broadcast_app, kind="report", category="giao_thong", created=monday + timedelta(days=1), commune="xa-khac")
    add_case(broadcast_app, kind="report", category="giao_thong", created=monday + timedelta(days=1))
    add_case(
        broadcast_app,
        kind="report",
        category="giao_thong",
        created=monday + timedelta(days=2),
        status="resolved",
        resolved=monday + timedelta(days=4),
    )
    add_case(broadcast_app, kind="report", category="moi_truong", created=monday + timedelta(days=6, hours=23))
    # Resolved last week although received the week before: counted as resolved, not as received.
    add_case(
        broadcast_app,
        kind="report",
        category="chieu_sang",
        created=monday - timedelta(days=3),
        status="closed",
        resolved=monday + timedelta(days=3),
    )
    # Not counted: another kind, a merged duplicate, this week's report, another commune's report.
    add_case(broadcast_app, kind="consultation", category=None, created=monday + timedelta(days=1))
    add_case(
        broadcast_app, kind="report", category="giao_thong", created=monday + timedelta(days=1), status="duplicate"
    )
    add_case(broadcast_app, kind="report", category="giao_thong", created=monday + timedelta(days=7, hours=1))

    response = client.post("/api/v1/bulletins/digest", headers=writer.headers)
    assert response.status_code == 201, response.text
    bulletin = response.json()
    first, last = monday.date(), (monday + timedelta(days=6)).date()
    assert bulletin["title"] == (
        f"Tổng hợp phản ánh, kiến nghị tuần từ ngày {first.day}/{first.month}/{first.year}"
        f" đến ngày {last.day}/{last.month}/{last.year}"
    )
    body = bulletin["body"]
    assert "đã tiếp nhận 3 phản ánh, kiến nghị của người dân, đã giải quyết 2 phản ánh" in body
    assert "giao thông, đường sá: tiếp nhận 2, đã giải quyết 1" in body
    assert "môi trường, rác thải: tiếp nhận 1, đã giải quyết 0" in body
    assert "chiếu sáng công cộng: tiếp nhận 0, đã giải quyết 1" in body
    for personal in ("Nguyễn Văn Bình", "0912345678", "PA-2026"):
        assert personal not in body and personal not in bulletin["title"]
    assert (bulletin["source"], bulletin["status"]) == ("digest", "draft")
    again = client.post("/api/v1/bulletins/digest", headers=writer.headers)
    assert again.status_code == 409


def test_quiet_week_and_spoken_form() -> None:
    stats = DigestStats(date(2026, 11, 16), date(2026, 11, 22), 0, 0, [])
    title, body = digest_text("UBND xã Demo", stats)
    assert "chưa tiếp nhận phản ánh" in body
    spoken = normalize_text(f"{title}.\n\n{body}")
    assert "từ ngày mười sáu tháng mười một năm hai nghìn không trăm hai mươi sáu" in spoken
    assert spoken.startswith("Tổng hợp phản ánh") and "ủy ban nhân dân xã Demo" in spoken


def test_the_job_drafts_on_monday_morning_only(broadcast_app: FastAPI, client: TestClient, writer: StaffMember) -> None:
    sunday_night = datetime(2026, 11, 29, 22, 0, tzinfo=ZONE)
    monday_dawn = datetime(2026, 11, 30, 5, 0, tzinfo=ZONE)
    monday_morning = datetime(2026, 11, 30, 7, 0, tzinfo=ZONE)
    for moment in (sunday_night, monday_dawn):
        asyncio.run(run_digest(broadcast_app, now=moment))
        assert client.get("/api/v1/bulletins", headers=writer.headers).json()["total"] == 0
    asyncio.run(run_digest(broadcast_app, now=monday_morning))
    asyncio.run(run_digest(broadcast_app, now=monday_morning + timedelta(hours=1)))  # still one per week
    items = client.get("/api/v1/bulletins", headers=writer.headers).json()["items"]
    assert [i["title"] for i in items] == ["Tổng hợp phản ánh, kiến nghị tuần từ ngày 23/11/2026 đến ngày 29/11/2026"]
