"""Bad input to the parse endpoint gets a clear 4xx naming the problem, never a 500 (no Rasa needed)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.support.gateway_fixtures import TEST_SERVICE_TOKEN

SERVICE = {"Authorization": f"Bearer {TEST_SERVICE_TOKEN}"}  # the parse endpoint is not public (issue 26)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "a" * 2001}, "text"),
        ({}, "text"),
        ({"text": 5}, "text"),
    ],
)
def test_invalid_text_is_rejected_with_field(client: TestClient, payload: dict[str, object], field: str) -> None:
    response = client.post("/api/v1/nlu/parse", json=payload, headers=SERVICE)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["field"] == field
    assert error["message"]


def test_invalid_json_is_rejected(client: TestClient) -> None:
    response = client.post(
        "/api/v1/nlu/parse", content=b'{"text": "chao', headers={"content-type": "application/json", **SERVICE}
    )
    assert response.status_code == 422
    assert "JSON" in response.json()["error"]["message"]


def test_rasa_down_is_a_503_with_a_clear_message(client: TestClient) -> None:
    response = client.post("/api/v1/nlu/parse", json={"text": "xin chào"}, headers=SERVICE)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "rasa_unavailable"
