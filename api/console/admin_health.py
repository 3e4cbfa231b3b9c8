"""Admin screen: system health (issue 26) - Rasa, queues, dead letters, overdue cases, bulletins and the last backup,
the same figures /metrics gives Prometheus (api/health/metrics.py), for an admin without a monitoring stack."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from api.auth.inputs import reject_nul
from api.console.admin import PREFIX, AdminConsole, admin_page
from api.deps import RasaDep, SessionFactoryDep, SettingsDep
from api.health.metrics import Snapshot, take_snapshot
from api.infra.backup import MANIFEST, list_backups

router = APIRouter(prefix=PREFIX, include_in_schema=False, dependencies=[Depends(reject_nul)])
# Past these the row is shown as a problem (the same thresholds as deploy/prometheus/alerts.yml).
OUTBOX_OLDEST_WARN_SECONDS = 600
BACKUP_WARN_HOURS = 26


def last_backup(directory: Path, now: datetime) -> dict[str, Any] | None:
    found = list_backups(directory)
    if not found:
        return None
    manifest = json.loads((found[-1] / MANIFEST).read_text(encoding="utf-8"))
    created = datetime.fromisoformat(manifest["created_at"])
    hours = (now - created).total_seconds() / 3600
    size = manifest["database"]["bytes"] + manifest["file_bytes"]
    return {
        "name": found[-1].name,
        "created": created,
        "hours": hours,
        "bytes": size,
        "stale": hours > BACKUP_WARN_HOURS,
    }


def problems(snap: Snapshot, *, rasa_up: bool, backup: dict[str, Any] | None) -> list[str]:
    found = (
        [] if rasa_up else ["Máy chủ hội thoại (Rasa) không phản hồi: người dân chỉ nhận được câu trả lời khẩn cấp."]
    )
    for channel, age in sorted(snap.outbox_oldest_seconds.items()):
        if age > OUTBOX_OLDEST_WARN_SECONDS:
            found.append(f"Tin gửi đi kênh {channel} bị tồn đọng {int(age // 60)} phút.")
    dead = sum(snap.dead_letters.values())
    if dead:
        found.append(f"{dead} tin nhắn lỗi chưa được xem (trang Tin nhắn lỗi).")
    overdue = sum(snap.cases_overdue.values())
    if overdue:
        found.append(f"{overdue} hồ sơ quá hạn.")
    if backup is None:
        found.append("Chưa có bản sao lưu nào (xaso backup).")
    elif backup["stale"]:
        found.append(f"Bản sao lưu mới nhất đã {int(backup['hours'])} giờ.")
    return found


@router.get("/health")
async def health_page(
    request: Request, console: AdminConsole, settings: SettingsDep, factory: SessionFactoryDep, rasa: RasaDep
) -> Response:
    def read() -> Snapshot:
        with factory() as session:
            return take_snapshot(session)

    snap, rasa_up = await asyncio.gather(asyncio.to_thread(read), rasa.is_up())
    backup = await asyncio.to_thread(last_backup, Path(settings.backup_dir), datetime.now(UTC))
    context = {
        "snap": snap,
        "rasa_up": rasa_up,
        "backup": backup,
        "problems": problems(snap, rasa_up=rasa_up, backup=backup),
    }
    return admin_page(request, console, "admin_health.html", context)
