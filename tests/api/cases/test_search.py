"""Word search over cases (FTS5 on SQLite, tsvector on PostgreSQL): words in any order, with or without diacritics,
prefixes while typing, numbers whole, the contact phone and the citizen's later messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.cases.models import Case
from api.cases.service import record_citizen_message
from api.db import transaction
from tests.api.cases.conftest import Member

FileCase = Callable[..., dict[str, Any]]


def _titles(client: TestClient, officer: Member, query: str) -> list[str]:
    response = client.get("/api/v1/cases", params={"q": query}, headers=officer.headers)
    assert response.status_code == 200, response.text
    return sorted(item["title"] for item in response.json()["items"])


def test_words_match_in_any_order_with_or_without_diacritics(
    client: TestClient, file_case: FileCase, officer: Member
) -> None:
    file_case(category="chieu_sang", title="Đèn đường ở ấp 3 bị tắt", location_text="đầu cầu")
    file_case(category="chieu_sang", title="Đèn đường hỏng", location_text="ấp 30, gần chợ")
    file_case(category="thoat_nuoc", title="Cống nghẹt", location_text="ấp 3", contact_phone="0912345678")
    assert _titles(client, officer, "đèn đường ấp 3") == ["Đèn đường ở ấp 3 bị tắt"]
    assert _titles(client, officer, "ap 3 den duong") == ["Đèn đường ở ấp 3 bị tắt"]
    assert _titles(client, officer, "ĐÈN ĐƯ") == ["Đèn đường hỏng", "Đèn đường ở ấp 3 bị tắt"]  # typing
    assert _titles(client, officer, "ấp 30") == ["Đèn đường hỏng"]  # a number is a whole word
    assert _titles(client, officer, "0912345678") == ["Cống nghẹt"]
    assert _titles(client, officer, "đèn cống") == []  # every word must be there
    assert _titles(client, officer, '%_*"') == []  # no words: nothing, not everything


def test_the_citizen_s_later_messages_are_searchable(
    app: FastAPI, client: TestClient, file_case: FileCase, officer: Member
) -> None:
    filed = file_case(
        kind="handoff", category=None, title="Cần gặp cán bộ", conversation_id="web:xa-demo:s1", channel="web"
    )
    assert _titles(client, officer, "giấy phép xây dựng") == []
    with transaction(app.state.sessionmaker) as session:
        case = session.scalar(select(Case).where(Case.code == filed["code"]))
        assert case is not None
        record_citizen_message(session, case=case, text="Tôi hỏi về giấy phép xây dựng nhà ở")
    assert _titles(client, officer, "giay phep xay dung") == ["Cần gặp cán bộ"]


def test_a_report_with_an_old_commune_name_is_stored_with_the_new_unit(
    client: TestClient, file_case: FileCase, officer: Member
) -> None:
    """Issue 22: the citizen's words are kept, the unit since 01/07/2025 is added and searchable."""
    file_case(category="chieu_sang", title="Đèn đường tắt", location_text="ấp 2 xã Hòa Lợi cũ")
    assert _titles(client, officer, "xã Hòa Bình") == ["Đèn đường tắt"]
    response = client.get("/api/v1/cases", params={"q": "Hòa Lợi"}, headers=officer.headers)
    (item,) = response.json()["items"]
    detail = client.get(f"/api/v1/cases/{item['code']}", headers=officer.headers).json()
    assert detail["location_text"] == "ấp 2 xã Hòa Lợi cũ (nay thuộc xã Hòa Bình, tỉnh Demo)"


def test_a_search_pages_its_matches_newest_first_with_the_exact_count_on_every_page(
    client: TestClient, file_case: FileCase, officer: Member
) -> None:
    """The matches are sorted and counted in one pass (issue 28); the count stays exact past the last page."""
    for n in range(5):
        file_case(category="chieu_sang", title=f"Đèn đường số {n} tắt", location_text="ấp 3")
    file_case(category="thoat_nuoc", title="Cống nghẹt", location_text="ấp 3")
    pages = []
    for page in (1, 2, 3, 4):
        response = client.get(
            "/api/v1/cases", params={"q": "den duong", "per_page": 2, "page": page}, headers=officer.headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["total"] == 5, page
        pages.append([item["title"] for item in body["items"]])
    assert pages == [
        ["Đèn đường số 4 tắt", "Đèn đường số 3 tắt"],
        ["Đèn đường số 2 tắt", "Đèn đường số 1 tắt"],
        ["Đèn đường số 0 tắt"],
        [],
    ]
