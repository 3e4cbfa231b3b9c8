"""Open311 GeoReport v2, validated against the official JSON schemas (shared/open311-georeport-v2)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft7Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from tests.api.cases import conftest as case_fixtures
from tests.api.cases.conftest import Member

# The case-management fixtures (staff with tokens, a second commune, filing cases like the bot).
file_case, make_staff, officer, other_commune = (
    case_fixtures.file_case,
    case_fixtures.make_staff,
    case_fixtures.officer,
    case_fixtures.other_commune,
)

SCHEMAS = Path("/work/shared/open311-georeport-v2")
if not SCHEMAS.is_dir():  # a checkout elsewhere: the copy next to the repository
    SCHEMAS = Path(__file__).resolve().parents[3] / "shared" / "open311-georeport-v2"


def _validator(name: str) -> Draft7Validator:
    registry: Registry = Registry()
    for path in SCHEMAS.glob("*.json"):
        registry = registry.with_resource(path.name, Resource.from_contents(json.loads(path.read_text()), DRAFT7))
    return Draft7Validator(json.loads((SCHEMAS / name).read_text()), registry=registry, format_checker=FormatChecker())


def _valid(name: str, data: Any) -> None:
    errors = sorted(_validator(name).iter_errors(data), key=str)
    assert not errors, [e.message for e in errors]


@pytest.fixture
def api_key(officer: Member) -> str:
    return officer.token


def test_services_match_the_schema(client: TestClient) -> None:
    response = client.get("/open311/v2/services.json", params={"jurisdiction_id": "xa-demo"})
    assert response.status_code == 200
    _valid("services.json", response.json())
    assert {s["service_code"] for s in response.json()} >= {"giao_thong", "chieu_sang", "khac"}


def test_unknown_jurisdiction_is_404_in_open311_shape(client: TestClient) -> None:
    response = client.get("/open311/v2/services.json", params={"jurisdiction_id": "khong-co"})
    assert response.status_code == 404
    body = response.json()
    assert isinstance(body, list) and body[0]["code"] == 404 and "khong-co" in body[0]["description"]


def test_post_then_read_back(client: TestClient, api_key: str, officer: Member) -> None:
    form = {
        "api_key": api_key,
        "jurisdiction_id": "xa-demo",
        "service_code": "chieu_sang",
        "lat": "10.0452",
        "long": "105.7469",
        "address_string": "Cột đèn số 14, ấp 2",
        "description": "Đèn đường tắt ba đêm nay, gọi chị Hoa 0912345678.\nRất tối.",
        "media_url": "https://example.org/den.jpg",
        "first_name": "An",
        "last_name": "Nguyễn Văn",
        "phone": "0909000111",
        "public": "true",  # the submitter makes it public on purpose
    }
    created = client.post("/open311/v2/requests.json", data=form)
    assert created.status_code == 201, created.text
    code = created.json()[0]["service_request_id"]
    assert created.json()[0]["service_notice"].startswith("Thời hạn xử lý dự kiến")

    one = client.get(f"/open311/v2/requests/{code}.json", params={"jurisdiction_id": "xa-demo"})
    assert one.status_code == 200
    _valid("requests.json", one.json())
    item = one.json()[0]
    assert item["status"] == "open" and item["service_code"] == "chieu_sang"
    assert item["agency_responsible"].startswith("Địa chính")
    assert item["lat"] == pytest.approx(10.05) and item["long"] == pytest.approx(105.75)  # hamlet level
    assert item["description"].startswith("Đèn đường tắt ba đêm nay") and "0912345678" not in one.text
    assert "0909000111" not in one.text and "Nguyễn" not in one.text and "Hoa" not in one.text
    assert item["media_url"] is None and item["address"] is None  # the place is written by staff, per hamlet
    assert item["requested_datetime"].endswith("+07:00")

    detail = client.get(f"/api/v1/cases/{code}", headers=officer.headers).json()
    assert detail["source"] == "open311" and detail["contact_name"] == "Nguyễn Văn An" and detail["public"] is True

    client.post(
        f"/api/v1/cases/{code}/status", json={"status": "resolved", "note": "Đã thay bóng"}, headers=officer.headers
    )
    closed = client.get("/open311/v2/requests.json", params={"status": "closed"})
    _valid("requests.json", closed.json())
    assert [r["service_request_id"] for r in closed.json()] == [code]
    assert closed.json()[0]["status_notes"] is None  # staff replies to the citizen stay private
    assert client.get("/open311/v2/requests.json", params={"status": "open"}).json() == []


def test_private_by_default_until_staff_publish(
    client: TestClient, api_key: str, officer: Member, file_case: Callable[..., dict[str, Any]]
) -> None:
    form = {"api_key": api_key, "service_code": "giao_thong", "address_string": "ấp 1", "description": "Ổ gà"}
    posted = client.post("/open311/v2/requests.json", data=form).json()[0]["service_request_id"]
    report = file_case()["code"]
    for code in (posted, report):
        assert client.get(f"/open311/v2/requests/{code}.json").status_code == 404
    assert client.get("/open311/v2/requests.json").json() == []
    no_summary = client.post(f"/api/v1/cases/{report}/publication", json={"public": True}, headers=officer.headers)
    assert no_summary.status_code == 422 and no_summary.json()["error"]["field"] == "public_summary"
    body = {"public": True, "public_summary": "Ổ gà lớn, ông Tư báo", "public_location": "Ấp 2"}
    published = client.post(f"/api/v1/cases/{report}/publication", json=body, headers=officer.headers)
    assert published.status_code == 200 and published.json()["public"] is True
    item = client.get(f"/open311/v2/requests/{report}.json").json()[0]
    assert item["description"] == "Ổ gà lớn, ông [đã ẩn] báo" and item["address"] == "Ấp 2"
    withdrawn = client.post(f"/api/v1/cases/{report}/publication", json={"public": False}, headers=officer.headers)
    assert withdrawn.status_code == 200
    assert client.get(f"/open311/v2/requests/{report}.json").status_code == 404


def test_only_reports_are_public(
    client: TestClient,
    officer: Member,
    file_case: Callable[..., dict[str, Any]],
    make_staff: Callable[..., Member],
) -> None:
    report = file_case()["code"]
    consult = file_case(kind="consultation", category=None, conversation_id="web:xa-demo:b", channel="web")["code"]
    body = {"public": True, "public_summary": "Tóm tắt công khai"}
    client.post(f"/api/v1/cases/{report}/publication", json=body, headers=officer.headers)
    listing = client.get("/open311/v2/requests.json")
    _valid("requests.json", listing.json())
    codes = [r["service_request_id"] for r in listing.json()]
    assert report in codes and consult not in codes
    assert client.get(f"/open311/v2/requests/{consult}.json").status_code == 404


def test_post_errors_name_the_problem(
    client: TestClient, api_key: str, other_commune: str, make_staff: Callable[..., Member]
) -> None:
    base = {"api_key": api_key, "service_code": "giao_thong", "address_string": "ấp 1"}
    cases = [
        ({**base, "api_key": "sai"}, 403),
        ({k: v for k, v in base.items() if k != "service_code"}, 400),
        ({**base, "service_code": "khong_co"}, 404),
        ({k: v for k, v in base.items() if k != "address_string"}, 422),
        ({**base, "lat": "abc", "long": "1"}, 400),
        ({**base, "description": "x" * 4001}, 400),
        ({**base, "media_url": "javascript:alert(1)"}, 422),
        ({**base, "jurisdiction_id": other_commune}, 403),  # a key from another commune
    ]
    for form, status in cases:
        response = client.post("/open311/v2/requests.json", data=form)
        assert response.status_code == status, (form, response.text)
        assert response.json()[0]["code"] == status and response.json()[0]["description"]
    viewer = make_staff("viewer")
    assert client.post("/open311/v2/requests.json", data={**base, "api_key": viewer.token}).status_code == 403


def test_date_filters(client: TestClient, file_case: Callable[..., dict[str, Any]]) -> None:
    file_case()
    future = client.get("/open311/v2/requests.json", params={"start_date": "2999-01-01T00:00:00+07:00"})
    assert future.status_code == 200 and future.json() == []
    bad = client.get("/open311/v2/requests.json", params={"start_date": "hôm qua"})
    assert bad.status_code == 422 and bad.json()[0]["code"] == 422
