"""Image uploads (type by content, size limit), stats and CSV export, routing rules managed by admins,
and the conversation hooks the channels use."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.cases.models import Case
from api.cases.service import find_conversation_case, record_citizen_message
from api.cases.uploads import MAX_UPLOAD_BYTES
from tests.api.cases.conftest import Member

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 100


def test_upload_images_only_within_the_size_limit(
    client: TestClient, file_case: Callable[..., dict[str, Any]], officer: Member, make_staff: Callable[..., Member]
) -> None:
    code = file_case()["code"]
    url = f"/api/v1/cases/{code}/attachments"
    ok = client.post(url, files={"file": ("o-ga.jpg", JPEG, "image/jpeg")}, headers=officer.headers)
    assert ok.status_code == 201, ok.text
    stored = ok.json()["attachments"][-1]
    assert stored.startswith("/staff/media/") and stored.endswith(".jpg")
    disguised = client.post(url, files={"file": ("anh.png", b"<html><script>", "image/png")}, headers=officer.headers)
    assert disguised.status_code == 422 and disguised.json()["error"]["code"] == "upload_type_not_allowed"
    assert disguised.json()["error"]["field"] == "file"
    huge = client.post(
        url, files={"file": ("lon.png", PNG + b"\x00" * MAX_UPLOAD_BYTES, "image/png")}, headers=officer.headers
    )
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "upload_too_large"
    # The stored image is served to the commune's staff only, with its real type.
    page = client.get("/staff/login")
    assert page.status_code == 200
    media = client.get(stored, follow_redirects=False)
    assert media.status_code == 303  # no console session: login first


def test_stats_and_csv(client: TestClient, file_case: Callable[..., dict[str, Any]], officer: Member) -> None:
    first = file_case(category="giao_thong")["code"]
    file_case(category="moi_truong", title='=HYPERLINK("http://evil")')
    client.post(f"/api/v1/cases/{first}/status", json={"status": "resolved", "note": "Xong"}, headers=officer.headers)
    stats = client.get("/api/v1/cases/stats", headers=officer.headers).json()
    assert stats["total"] == 2 and stats["resolved"] == 1 and stats["open"] == 1
    assert stats["resolved_within_sla_share"] == 1.0 and stats["median_hours_to_resolve"] is not None
    assert {c["key"]: c["count"] for c in stats["by_category"]} == {"giao_thong": 1, "moi_truong": 1}
    response = client.get("/api/v1/cases/export.csv", headers=officer.headers)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0][0] == "Mã hồ sơ" and len(rows) == 3
    titles = [r[3] for r in rows[1:]]
    assert '\'=HYPERLINK("http://evil")' in titles  # formula injection neutralised
    filtered = client.get("/api/v1/cases/export.csv", params={"status": "resolved"}, headers=officer.headers)
    assert len(list(csv.reader(io.StringIO(filtered.text)))) == 2


def test_list_filters_and_pagination(
    client: TestClient, file_case: Callable[..., dict[str, Any]], officer: Member
) -> None:
    codes = [file_case(category="chieu_sang", title=f"Đèn hỏng số {i}")["code"] for i in range(3)]
    file_case(category="an_ninh_trat_tu", title="Tụ tập gây ồn")
    page = client.get("/api/v1/cases", params={"per_page": 2, "page": 1}, headers=officer.headers).json()
    assert page["total"] == 4 and len(page["items"]) == 2
    second = client.get("/api/v1/cases", params={"per_page": 2, "page": 2}, headers=officer.headers).json()
    seen = [i["code"] for i in page["items"] + second["items"]]
    assert len(set(seen)) == 4 and set(codes) <= set(seen)
    assert seen == sorted(seen, reverse=True)  # newest first
    lights = client.get("/api/v1/cases", params={"category": "chieu_sang"}, headers=officer.headers).json()
    assert sorted(i["code"] for i in lights["items"]) == sorted(codes)
    for query in ("ồn", "GÂY ỒN", "gay on", "tu tap"):  # any case, with or without diacritics
        search = client.get("/api/v1/cases", params={"q": query}, headers=officer.headers).json()
        assert [i["title"] for i in search["items"]] == ["Tụ tập gây ồn"], query
    by_code = client.get("/api/v1/cases", params={"q": codes[0].lower()}, headers=officer.headers).json()
    assert [i["code"] for i in by_code["items"]] == [codes[0]]
    wildcard = client.get("/api/v1/cases", params={"q": "%"}, headers=officer.headers).json()
    assert wildcard["total"] == 0  # typed wildcards are literal
    bad = client.get("/api/v1/cases", params={"category": "xyz"}, headers=officer.headers)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "category"
    mine = client.get("/api/v1/cases", params={"assignee_id": officer.id}, headers=officer.headers).json()
    assert mine["total"] == 0
    overdue = client.get("/api/v1/cases", params={"overdue": True}, headers=officer.headers).json()
    assert overdue["total"] == 0


def test_admin_changes_routing(
    client: TestClient, file_case: Callable[..., dict[str, Any]], admin: Member, officer: Member
) -> None:
    rules = client.get("/api/v1/routing-rules", headers=admin.headers).json()
    assert {r["category"] for r in rules if r["category"]} == {
        "giao_thong",
        "chieu_sang",
        "moi_truong",
        "thoat_nuoc",
        "an_ninh_trat_tu",
        "xay_dung_dat_dai",
        "dien_nuoc",
        "lao_dong_bhxh",  # complaints about another agency or an employer, filed from the directory (issue 22)
        "khac",
    }
    lights = next(r for r in rules if r["category"] == "chieu_sang")
    body = {
        "category": "chieu_sang",
        "department_id": lights["department"]["id"],
        "assignee_id": officer.id,
        "sla_hours": 6,
    }
    changed = client.put(f"/api/v1/routing-rules/{lights['id']}", json=body, headers=admin.headers)
    assert changed.status_code == 200 and changed.json()["assignee"]["id"] == officer.id
    case = file_case(category="chieu_sang")
    assert case["status"] == "assigned"
    duplicate = client.post("/api/v1/routing-rules", json={"category": "chieu_sang"}, headers=admin.headers)
    assert duplicate.status_code == 409 and duplicate.json()["error"]["field"] == "category"
    assert client.delete(f"/api/v1/routing-rules/{lights['id']}", headers=admin.headers).status_code == 204
    triage = file_case(category="chieu_sang")
    assert triage["department"] is None and triage["status"] == "new"  # no rule: the triage queue


def test_handoff_owns_the_conversation_until_resolved(
    app: FastAPI, client: TestClient, file_case: Callable[..., dict[str, Any]], officer: Member
) -> None:
    conversation = "tg:xa-demo:5551"
    report = file_case(conversation_id=conversation, channel="telegram")["code"]
    with app.state.sessionmaker() as session:
        assert find_conversation_case(session, conversation_id=conversation) is None  # a report does not chat
    client.post(f"/api/v1/cases/{report}/chat", json={"enabled": True}, headers=officer.headers)
    handoff = file_case(
        kind="handoff",
        category=None,
        conversation_id=conversation,
        channel="telegram",
        title="Người dân muốn gặp cán bộ",
    )["code"]
    with app.state.sessionmaker.begin() as session:
        owner = find_conversation_case(session, conversation_id=conversation)
        assert owner is not None and owner.code == handoff
        record_citizen_message(session, case=owner, text="Cho tôi hỏi về hồ sơ đất", attachments=["https://x/y.jpg"])
        long = record_citizen_message(session, case=owner, text="a" * 5000)
        assert long.data["truncated"] is True and len(long.body) == 4000
    detail = client.get(f"/api/v1/cases/{handoff}", headers=officer.headers).json()
    assert next(e["body"] for e in detail["timeline"] if e["kind"] == "citizen_message") == "Cho tôi hỏi về hồ sơ đất"
    client.post(
        f"/api/v1/cases/{handoff}/status", json={"status": "resolved", "note": "Đã giải đáp"}, headers=officer.headers
    )
    with app.state.sessionmaker() as session:
        owner = find_conversation_case(session, conversation_id=conversation)
        assert owner is not None and owner.code == report  # the chat-enabled report still owns it
        assert session.scalar(select(Case.chat_enabled).where(Case.code == report)) is True
