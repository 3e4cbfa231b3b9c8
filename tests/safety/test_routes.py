"""The action server's question to the gateway (``POST /api/v1/internal/safety/classify``) is answered by the same
triage as the gateway's own hook: one decision for the whole system."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.support.gateway_fixtures import TEST_SERVICE_TOKEN

SERVICE = {"Authorization": f"Bearer {TEST_SERVICE_TOKEN}"}


def ask(client: TestClient, text: str) -> dict[str, object]:
    response = client.post("/api/v1/internal/safety/classify", json={"text": text}, headers=SERVICE)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_the_route_answers_with_the_triage(client: TestClient) -> None:
    assert ask(client, "chồng em đang cầm dao dí em đòi giết") == {
        "emergency": True, "situation": "bao_luc", "reason": "emergency", "suspect": False,
    }  # fmt: skip
    question = ask(client, "sơ cứu rắn cắn thế nào?")
    assert question["emergency"] is False and question["situation"] is None and question["reason"] == "guidance"
    assert ask(client, "năm ngoái nhà em bị cháy, giờ xin hỗ trợ làm lại nhà")["reason"] == "past"
    assert client.post("/api/v1/internal/safety/classify", json={"text": "x"}).status_code == 401
