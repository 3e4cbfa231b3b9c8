"""The configurable JSON adapter against a province system with another shape, over real HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.dossiers.http import HttpPolicy
from api.dossiers.jsonhttp import VN, JsonHttpSource
from api.dossiers.statuses import Stage
from tests.support.asgi_thread import serve

TOKEN = "khoa-api-tinh"
RECORD = {
    "maHoSo": "HS-2026-0012", "tenThuTuc": "Cấp bản sao trích lục hộ tịch", "donVi": {"ten": "UBND xã Hòa Bình"},
    "trangThai": {"ma": "3", "ten": "Chờ bổ sung"}, "ngayNhan": "01/12/2026", "ngayHenTra": "05/12/2026",
    "noiDungBoSung": "Tờ khai có chữ ký của người yêu cầu", "chuHoSo": {"hoTen": "Trần Văn Bình", "sdt": "0912000111"},
}  # fmt: skip
CONFIG = {
    "lookup_path": "/api/hoso/{code}", "phone_path": "/api/hoso?sdt={phone}", "items_path": "data",
    "fields": {"code": "maHoSo", "status": "trangThai.ma", "received_at": "ngayNhan", "due_at": "ngayHenTra",
               "department": "donVi.ten", "procedure": "tenThuTuc", "missing": "noiDungBoSung"},
    "status_map": {"1": "received", "2": "processing", "3": "missing", "4": "ready", "5": "done"},
    "date_formats": ["%d/%m/%Y"], "auth_header": "X-Api-Key",
}  # fmt: skip


async def one(request: Request) -> JSONResponse:
    if request.headers.get("X-Api-Key") != TOKEN:
        return JSONResponse({"loi": "sai khoa"}, status_code=401)
    if request.path_params["code"] != RECORD["maHoSo"]:
        return JSONResponse({"loi": "khong co"}, status_code=404)
    return JSONResponse({"data": RECORD})


async def by_phone(request: Request) -> JSONResponse:
    found = [RECORD] if request.query_params.get("sdt") == "0912000111" else []
    return JSONResponse({"data": found})


@pytest.fixture(scope="module")
def province() -> Iterator[str]:
    app = Starlette(routes=[Route("/api/hoso/{code}", one), Route("/api/hoso", by_phone)])
    with serve(app) as url:
        yield url


def make(url: str) -> JsonHttpSource:
    return JsonHttpSource(config={**CONFIG, "base_url": url}, secrets={"token": TOKEN}, policy=HttpPolicy(timeout=2))


def test_field_paths_and_the_status_map_read_another_shape(province: str) -> None:
    status = asyncio.run(make(province).lookup("HS-2026-0012"))
    assert status is not None
    assert (status.stage, status.status_label) == (Stage.missing, "Cần bổ sung giấy tờ")
    assert status.missing == "Tờ khai có chữ ký của người yêu cầu"
    assert (status.department, status.procedure) == ("UBND xã Hòa Bình", "Cấp bản sao trích lục hộ tịch")
    assert status.due_at == datetime(2026, 12, 5, tzinfo=VN)
    assert "Trần Văn Bình" not in repr(status.as_dict()) and "0912000111" not in repr(status.as_dict())
    assert asyncio.run(make(province).lookup("HS-2026-9999")) is None


def test_lookup_by_phone_when_the_system_offers_it(province: str) -> None:
    assert [s.code for s in asyncio.run(make(province).by_phone("0912000111"))] == ["HS-2026-0012"]
    assert asyncio.run(make(province).by_phone("0900000000")) == []


def test_a_malformed_configuration_is_refused() -> None:
    with pytest.raises(ValueError):
        JsonHttpSource(config={"base_url": "ftp://x"})
    with pytest.raises(ValueError):
        JsonHttpSource(config={"base_url": "http://x", "status_map": {"1": "khong-co"}})
