from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.communes.service import get_commune


def test_commune_public_info(client: TestClient) -> None:
    response = client.get("/api/v1/communes/xa-demo")
    assert response.status_code == 200
    assert response.json()["timezone"] == "Asia/Ho_Chi_Minh"
    missing = client.get("/api/v1/communes/khong-ton-tai")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "commune_not_found"


def test_commune_settings_expose_only_procedure_overrides(client: TestClient, db_session: Session) -> None:
    commune = get_commune(db_session, slug="xa-demo")
    commune.settings = {"procedures": {"chung_thuc_ban_sao": {"fee": "2.000 đồng/trang"}}, "internal_note": "x"}
    db_session.commit()
    body = client.get("/api/v1/communes/xa-demo").json()
    assert body["settings"] == {"procedures": {"chung_thuc_ban_sao": {"fee": "2.000 đồng/trang"}}}
