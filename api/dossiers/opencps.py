"""OpenCPS v2 (VietOpenCPS/opencps-v2, modules/backend-api-rest), spoken on its own wire format.

``GET {base}/o/rest/v2/dossiers?dossierNo=<code>&start=0&end=2`` with the site's ``groupId`` header and Basic auth
answers ``{"total": n, "data": [DossierDataModel…]}``; fields used: dossierNo, dossierStatus, dossierStatusText,
dossierSubStatus, serviceName, govAgencyName, receiveDate, dueDate, releaseDate, finishDate, stepInstruction,
lastActionNote. Dates are ``dd/MM/yyyy HH:mm:ss`` in Asia/Ho_Chi_Minh (APIDateTimeUtils._NORMAL_PARTTERN).
Personal fields (applicantName, applicantIdNo, contactTelNo, address…) are read by nobody here.
OpenCPS has no filter by telephone number, so ``by_phone`` is not supported.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from api.dossiers.http import HttpPolicy, get_json
from api.dossiers.source import DossierStatus, LookupNotSupported, SourceUnavailable
from api.dossiers.statuses import Stage, opencps_stage

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PATH = "/o/rest/v2/dossiers"


def parse_date(value: Any) -> datetime | None:
    text = str(value or "").strip()
    for pattern in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=VN)
        except ValueError:
            continue
    return None


def to_status(item: dict[str, Any]) -> DossierStatus:
    stage, label = opencps_stage(str(item.get("dossierStatus") or ""))
    missing = None
    if stage == Stage.missing:
        missing = str(item.get("stepInstruction") or item.get("lastActionNote") or "").strip() or None
    return DossierStatus(
        code=str(item.get("dossierNo") or ""),
        stage=stage,
        status_code=str(item.get("dossierStatus") or ""),
        status_label=label,
        procedure=(str(item.get("serviceName") or "").strip() or None),
        department=(str(item.get("govAgencyName") or "").strip() or None),
        received_at=parse_date(item.get("receiveDate")),
        due_at=parse_date(item.get("dueDate")),
        missing=missing[:500] if missing else None,
        result_ready=stage == Stage.ready,
    )


class OpenCpsSource:
    name = "opencps"

    def __init__(
        self,
        *,
        base_url: str,
        group_id: str,
        username: str = "",
        password: str = "",
        policy: HttpPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._url = base_url.rstrip("/") + PATH
        self._headers = {"groupId": group_id, "Accept": "application/json"}
        self._auth = (username, password) if username else None
        self._policy = policy or HttpPolicy()
        self._transport = transport

    async def lookup(self, code: str) -> DossierStatus | None:
        body = await get_json(
            self._url,
            params={"dossierNo": code, "start": "0", "end": "2"},
            headers=self._headers,
            auth=self._auth,
            policy=self._policy,
            transport=self._transport,
        )
        if body is None:
            return None
        if not isinstance(body, dict) or not isinstance(body.get("data", []), list):
            raise SourceUnavailable("OpenCPS trả về dữ liệu không đúng dạng {total, data}")
        for item in body.get("data") or []:
            if isinstance(item, dict) and str(item.get("dossierNo") or "").strip().upper() == code.upper():
                return to_status(item)  # dossierNo is a keyword search: only an exact match counts
        return None

    async def by_phone(self, phone: str) -> list[DossierStatus]:
        raise LookupNotSupported("OpenCPS không cho tra cứu theo số điện thoại")
