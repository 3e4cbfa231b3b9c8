"""A province system with its own JSON shape, described in the commune's source settings instead of code.

Config (admin screen / API), every key but ``base_url`` optional::

    {"base_url": "https://dvc.tinh.gov.vn", "lookup_path": "/api/hoso/{code}", "phone_path": "/api/hoso?sdt={phone}",
     "items_path": "data", "fields": {"code": "maHoSo", "status": "trangThai.ma", "received_at": "ngayNhan",
     "due_at": "ngayHenTra", "department": "donVi.ten", "procedure": "tenThuTuc", "missing": "noiDungBoSung"},
     "status_map": {"1": "received", "2": "processing", "3": "missing", "4": "ready", "5": "done"},
     "date_formats": ["%d/%m/%Y", "%Y-%m-%dT%H:%M:%S"], "auth_header": "X-Api-Key"}

Secrets (stored encrypted): ``token`` (sent in ``auth_header``, default ``Authorization: Bearer``).
Field paths are dotted ("trangThai.ma"); a status missing from ``status_map`` reads as being processed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx

from api.dossiers.http import HttpPolicy, get_json
from api.dossiers.source import DossierStatus, LookupNotSupported, SourceUnavailable
from api.dossiers.statuses import STAGE_LABELS, Stage

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DEFAULT_FIELDS = {
    "code": "code", "status": "status", "received_at": "received_at", "due_at": "due_at",
    "department": "department", "procedure": "procedure", "missing": "missing",
}  # fmt: skip
DEFAULT_DATES = ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y")


def pick(data: Any, path: str) -> Any:
    """``pick({"a": {"b": 1}}, "a.b") == 1``; list indexes as numbers ("items.0.id"); None when absent."""
    for part in (path or "").split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


class JsonHttpSource:
    name = "json"

    def __init__(
        self,
        *,
        config: dict[str, Any],
        secrets: dict[str, str] | None = None,
        policy: HttpPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not str(config.get("base_url") or "").startswith(("http://", "https://")):
            raise ValueError("Nguồn JSON cần base_url bắt đầu bằng http:// hoặc https://")
        self._base = str(config["base_url"]).rstrip("/")
        self._config = config
        self._fields = {**DEFAULT_FIELDS, **(config.get("fields") or {})}
        self._status_map = {str(k): Stage(v) for k, v in (config.get("status_map") or {}).items()}
        self._dates = tuple(config.get("date_formats") or DEFAULT_DATES)
        token = (secrets or {}).get("token")
        header = str(config.get("auth_header") or "Authorization")
        self._headers = {"Accept": "application/json"}
        if token:
            self._headers[header] = f"Bearer {token}" if header == "Authorization" else token
        self._policy = policy or HttpPolicy()
        self._transport = transport

    def _date(self, value: Any) -> datetime | None:
        text = str(value or "").strip()
        for pattern in self._dates:
            try:
                moment = datetime.strptime(text, pattern)
            except ValueError:
                continue
            return moment if moment.tzinfo else moment.replace(tzinfo=VN)
        return None

    def _status(self, item: dict[str, Any]) -> DossierStatus:
        raw = str(pick(item, self._fields["status"]) or "")
        stage = self._status_map.get(raw, Stage.processing)
        missing = pick(item, self._fields["missing"]) if stage == Stage.missing else None
        text = lambda key: str(pick(item, self._fields[key]) or "").strip() or None  # noqa: E731
        return DossierStatus(
            code=str(pick(item, self._fields["code"]) or "").strip().upper(),
            stage=stage,
            status_code=raw,
            status_label=STAGE_LABELS[stage],
            procedure=text("procedure"),
            department=text("department"),
            received_at=self._date(pick(item, self._fields["received_at"])),
            due_at=self._date(pick(item, self._fields["due_at"])),
            missing=str(missing).strip()[:500] if missing else None,
            result_ready=stage == Stage.ready,
        )

    def _items(self, body: Any) -> list[dict[str, Any]]:
        items = pick(body, self._config["items_path"]) if self._config.get("items_path") else body
        if isinstance(items, dict):
            items = [items]
        if not isinstance(items, list):
            raise SourceUnavailable("nguồn JSON trả về dữ liệu không đúng cấu hình items_path")
        return [item for item in items if isinstance(item, dict)]

    async def _get(self, path: str) -> Any | None:
        return await get_json(self._base + path, headers=self._headers, policy=self._policy, transport=self._transport)

    async def lookup(self, code: str) -> DossierStatus | None:
        path = str(self._config.get("lookup_path") or "/dossiers/{code}").replace("{code}", quote(code, safe=""))
        body = await self._get(path)
        if body is None:
            return None
        for item in self._items(body):
            status = self._status(item)
            if status.code == code.upper():
                return status
        return None

    async def by_phone(self, phone: str) -> list[DossierStatus]:
        template = self._config.get("phone_path")
        if not template:
            raise LookupNotSupported("nguồn này chưa cấu hình tra cứu theo số điện thoại")
        body = await self._get(str(template).replace("{phone}", quote(phone, safe="")))
        return [] if body is None else [self._status(item) for item in self._items(body)]
