"""Gateway → real Rasa (trained model): parse shape, canonical entity values, text without diacritics."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.config import Settings
from tests.support.gateway_fixtures import TEST_SERVICE_TOKEN
from tests.support.processes import ServerProcess

pytestmark = [pytest.mark.rasa, pytest.mark.slow]
SERVICE = {"Authorization": f"Bearer {TEST_SERVICE_TOKEN}"}  # the parse endpoint is not public (issue 26)


@pytest.fixture
def settings(settings: Settings, rasa_server: ServerProcess) -> Settings:
    return settings.model_copy(update={"rasa_url": rasa_server.url})


def parse(client: TestClient, text: str) -> dict[str, Any]:
    response = client.post("/api/v1/nlu/parse", json={"text": text}, headers=SERVICE)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def entity_values(body: dict[str, Any]) -> set[tuple[str, str]]:
    return {(e["entity"], e["value"]) for e in body["entities"]}


def test_parse_returns_rasa_shape(client: TestClient) -> None:
    text = "bé nhà em mới đẻ, làm giấy khai sinh thì đem giấy tờ gì theo ạ"
    body = parse(client, text)
    assert body["text"] == text
    assert body["intent"]["name"] == "ask_procedure"
    assert 0 < body["intent"]["confidence"] <= 1
    ranking = body["intent_ranking"]
    assert ranking and ranking[0]["name"] == "ask_procedure"
    assert all(set(item) >= {"name", "confidence"} for item in ranking)
    for entity in body["entities"]:
        assert set(entity) >= {"entity", "value", "start", "end"}
        assert isinstance(entity["start"], int) and entity["start"] < entity["end"]


@pytest.mark.parametrize(
    "text",
    ["con em mới sinh, đi làm giấy khai sinh phải mang theo những gì ạ",
     "con em moi sinh, di lam giay khai sinh phai mang theo nhung gi a", "LAM GKS CHO BE PHAI MANG THEO J VAY AD"],
)  # fmt: skip
def test_procedure_is_canonical_with_or_without_diacritics(client: TestClient, text: str) -> None:
    body = parse(client, text)
    assert body["intent"]["name"] == "ask_procedure"
    assert ("procedure", "khai_sinh") in entity_values(body)


@pytest.mark.parametrize(
    ("text", "intent", "expected"),
    [
        ("đèn đường ấp Bình Hòa bị hư", "report_issue", {("category", "chieu_sang"), ("hamlet", "ấp Bình Hòa")}),
        ("den duong o thon 3 bi hu may hom nay", "report_issue", {("category", "chieu_sang"), ("hamlet", "thon 3")}),
        ("phản ánh PA-2026-000123 em gửi tuần trước xong chưa", "check_status", {("case_code", "PA-2026-000123")}),
        ("phan anh pa 2026 000123 em gui tuan truoc xong chua", "check_status", {("case_code", "PA-2026-000123")}),
        ("mat dien ca xom, sdt em 0912.345.678", "report_issue", {("category", "dien_nuoc"), ("phone", "0912345678")}),
    ],
)  # fmt: skip
def test_entities_are_canonical(client: TestClient, text: str, intent: str, expected: set[tuple[str, str]]) -> None:
    body = parse(client, text)
    assert body["intent"]["name"] == intent
    assert expected <= entity_values(body)


@pytest.mark.parametrize(
    ("text", "intent"),
    [("chao buoi toi ca nha", "greet"), ("cam on em da chi giup", "thank"), ("uy ban lam viec may gio", "office_info"),
     ("cap cuu co nguoi bat tinh", "health_emergency"), ("minh muon noi chuyen truc tiep voi can bo", "request_human"),
     ("ko phai y em", "deny")],
)  # fmt: skip
def test_accent_free_input_is_understood(client: TestClient, text: str, intent: str) -> None:
    assert parse(client, text)["intent"]["name"] == intent


def test_decomposed_input_gets_offsets_into_the_returned_text(client: TestClient) -> None:
    typed = unicodedata.normalize("NFD", "đèn đường ở ấp 3 bị hư rồi")
    body = parse(client, typed)
    assert body["text"] == unicodedata.normalize("NFC", typed)
    for entity in body["entities"]:
        if entity["start"] is not None:
            assert body["text"][entity["start"] : entity["end"]].strip()
    hamlets = [e for e in body["entities"] if e["entity"] == "hamlet"]
    assert hamlets and body["text"][hamlets[0]["start"] : hamlets[0]["end"]] == "ấp 3"
