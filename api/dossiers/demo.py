"""The demo source: sample dossiers in the database, so a fresh ``make run`` can be tried on the web widget.

Everything it returns is marked ``demo=True`` and every answer built from it says "dữ liệu mẫu". Staff (or the
``xaso`` CLI) move a demo dossier to its next status to watch a change notice arrive.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.db import utcnow
from api.dossiers.models import DemoDossier
from api.dossiers.source import DossierStatus
from api.dossiers.statuses import Stage, opencps_stage
from api.errors import NotFound, ValidationFailed

# Each sample: code, procedure, department, OpenCPS status, what is missing, days since received, days to the result.
SAMPLES = (
    ("000.00.07.H12-261130-0012", "Đăng ký khai sinh", "Tư pháp – Hộ tịch", "processing", None, 3, 2),
    ("000.00.07.H12-261202-0031", "Chứng thực hợp đồng, giao dịch", "Tư pháp – Hộ tịch", "waiting",
     "Bản sao sổ hộ khẩu hoặc giấy xác nhận thông tin cư trú của bên chuyển nhượng", 5, 3),
    ("000.00.07.H12-261125-0007", "Đăng ký kết hôn", "Tư pháp – Hộ tịch", "releasing", None, 8, 0),
)  # fmt: skip
NEXT = {
    "new": "receiving", "collecting": "receiving", "receiving": "processing", "processing": "releasing",
    "waiting": "processing", "correcting": "processing", "handover": "releasing", "paying": "releasing",
    "releasing": "done", "posting": "done",
}  # fmt: skip


def seed_demo_dossiers(session: Session, *, commune_id: int) -> list[str]:
    """Create the samples once; returns the lines the seed prints (the codes to try)."""
    now = utcnow()
    for code, procedure, department, status, missing, ago, ahead in SAMPLES:
        exists = session.scalar(
            select(DemoDossier.id).where(DemoDossier.commune_id == commune_id, DemoDossier.code == code)
        )
        if exists is None:
            session.add(
                DemoDossier(
                    commune_id=commune_id, code=code, procedure=procedure, department=department, status=status,
                    missing=missing, received_at=now - timedelta(days=ago), due_at=now + timedelta(days=ahead),
                )
            )  # fmt: skip
    session.flush()
    lines = ["Hồ sơ một cửa MẪU (dữ liệu demo, không phải hồ sơ thật) — hỏi bot trên web, ví dụ “mã … đến đâu rồi”:"]
    rows = session.scalars(select(DemoDossier).where(DemoDossier.commune_id == commune_id).order_by(DemoDossier.id))
    lines += [f"  {row.code} — {row.procedure} ({opencps_stage(row.status)[1]})" for row in rows]
    lines.append("  Chuyển một hồ sơ mẫu sang bước tiếp (để thấy tin báo thay đổi): xaso dossiers demo-advance <mã>")
    return lines


def advance_demo(session: Session, *, commune_id: int, code: str) -> DemoDossier:
    """Move a demo dossier to its next status (processing → result ready → done; papers missing → processing)."""
    row = session.scalar(select(DemoDossier).where(DemoDossier.commune_id == commune_id, DemoDossier.code == code))
    if row is None:
        raise NotFound(f"Không có hồ sơ mẫu mã {code}.", code="dossier_not_found")
    following = NEXT.get(row.status)
    if following is None:
        raise ValidationFailed(f"Hồ sơ mẫu {code} đã ở trạng thái cuối.", code="dossier_final", field="code")
    row.status, row.missing = following, None
    session.flush()
    return row


def to_status(row: DemoDossier) -> DossierStatus:
    stage, label = opencps_stage(row.status)
    return DossierStatus(
        code=row.code, stage=stage, status_code=row.status, status_label=label, procedure=row.procedure,
        department=row.department, received_at=row.received_at, due_at=row.due_at,
        missing=row.missing if stage == Stage.missing else None, result_ready=stage == Stage.ready, demo=True,
    )  # fmt: skip


class DemoSource:
    name = "demo"

    def __init__(self, factory: sessionmaker[Session], *, commune_id: int) -> None:
        self._factory = factory
        self._commune_id = commune_id

    async def lookup(self, code: str) -> DossierStatus | None:
        def read() -> DossierStatus | None:
            with self._factory() as session:
                row = session.scalar(
                    select(DemoDossier).where(DemoDossier.commune_id == self._commune_id, DemoDossier.code == code)
                )
                return to_status(row) if row else None

        return await run_in_threadpool(read)

    async def by_phone(self, phone: str) -> list[DossierStatus]:
        def read() -> list[DossierStatus]:
            with self._factory() as session:
                rows = session.scalars(
                    select(DemoDossier).where(DemoDossier.commune_id == self._commune_id, DemoDossier.phone == phone)
                )
                return [to_status(r) for r in rows]

        return await run_in_threadpool(read)
