"""A strict fake of OpenCPS v2's dossier search (modules/backend-api-rest: DossierManagement.getDossiers), served by a
real uvicorn on 127.0.0.1: the ``groupId`` header and Basic credentials are required, ``dossierNo`` is a keyword
search (a prefix matches too, as Lucene does), and the answer is ``{"total", "data": [DossierDataModel]}`` with the
personal fields a real portal returns to an authorised caller."""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

GROUP_ID = "35417"
USER, PASSWORD = "xaso-hoabinh", "mat-khau-opencps"


def dossier(no: str, status: str, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "dossierId": 90210, "groupId": int(GROUP_ID), "referenceUid": "7f1c0d7e-1b2c-4a55-9f0e-0a1b2c3d4e5f",
        "serviceCode": "1.001193", "serviceName": "Đăng ký khai sinh", "govAgencyCode": "H12.22.07",
        "govAgencyName": "UBND xã Hòa Bình", "applicantName": "Nguyễn Thị Lan", "applicantIdType": "citizen",
        "applicantIdNo": "082190001234", "address": "ấp 3, xã Hòa Bình", "contactTelNo": "0909123456",
        "contactEmail": "lan@example.vn", "dossierNo": no, "submitDate": "30/11/2026 08:12:40",
        "receiveDate": "30/11/2026 09:01:05", "dueDate": "04/12/2026 17:00:00", "releaseDate": "", "finishDate": "",
        "dossierStatus": status, "dossierStatusText": status, "dossierSubStatus": "", "stepCode": "200",
        "stepName": "Thẩm định", "stepInstruction": "", "lastActionNote": "", "online": "true",
    }  # fmt: skip
    data.update(extra)
    return data


@dataclass
class FakeOpenCps:
    dossiers: dict[str, dict[str, Any]] = field(default_factory=dict)
    fail_next: int = 0  # answer 503 to this many requests first
    delay: float = 0.0  # seconds before answering (a slow portal)
    requests: list[dict[str, Any]] = field(default_factory=list)

    async def search(self, request: Request) -> JSONResponse:
        auth = request.headers.get("authorization", "")
        self.requests.append({"params": dict(request.query_params), "groupId": request.headers.get("groupId")})
        expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        if auth != expected:
            return JSONResponse({"code": 401, "message": "Unauthorized"}, status_code=401)
        if request.headers.get("groupId") != GROUP_ID:
            return JSONResponse({"code": 403, "message": "Access denied"}, status_code=403)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail_next > 0:
            self.fail_next -= 1
            return JSONResponse({"code": 500, "message": "Internal error"}, status_code=503)
        wanted = request.query_params.get("dossierNo", "")
        data = [d for no, d in self.dossiers.items() if wanted and no.startswith(wanted)]
        return JSONResponse({"total": len(data), "data": data})

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/o/rest/v2/dossiers", self.search)])
