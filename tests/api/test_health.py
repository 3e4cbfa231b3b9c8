from __future__ import annotations

from fastapi.testclient import TestClient


def test_health_names_default_commune_and_reports_down_components(client: TestClient) -> None:
    response = client.get("/health")
    body = response.json()
    # Rasa and the action server are not running in this test: the gateway must say so, not pretend.
    assert response.status_code == 503
    assert body["status"] == "degraded"
    assert body["default_commune"] == "xa-demo"
    assert body["components"] == {"database": "up", "rasa": "down", "actions": "down"}


def test_unknown_route_answers_vietnamese_json_error(client: TestClient) -> None:
    response = client.get("/khong-co")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
