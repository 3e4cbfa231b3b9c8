"""Dossier lookups through the gateway's HTTP API: the demo source, a watch, the change notice, a source that is down,
the source's credentials at rest, and the record staff see."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from api.console.transcript import transcript
from api.db import transaction
from api.dossiers.demo import SAMPLES
from api.dossiers.models import DossierLookup
from api.outbox.models import OutboxMessage
from tests.api.cases.conftest import SERVICE, Member
from tests.support.processes import free_port

WEB = "web:xa-demo:khachthu0001"
PROCESSING, MISSING, READY = (sample[0] for sample in SAMPLES)


def ask(client: TestClient, code: str, conversation: str = WEB) -> dict:
    response = client.get(
        f"/api/v1/internal/dossiers/{code}", params={"conversation_id": conversation}, headers=SERVICE
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_the_demo_source_answers_by_code_labelled_as_demo(client: TestClient) -> None:
    body = ask(client, PROCESSING)
    assert body["found"] and body["demo"] and body["watchable"]
    assert body["text"].startswith("[DỮ LIỆU MẪU] Dạ, hồ sơ 000.00.07.H12-261130-0012 (Đăng ký khai sinh)")
    assert "Đang được giải quyết" in body["text"] and "Ngày hẹn trả kết quả" in body["text"]
    missing = ask(client, MISSING)
    assert "Cần bổ sung: Bản sao sổ hộ khẩu" in missing["text"]
    ready = ask(client, READY)
    assert "mang theo giấy biên nhận" in ready["text"] and "CCCD" in ready["text"]
    unknown = ask(client, "000.00.07.H12-261130-9999")
    assert not unknown["found"] and "không tìm thấy" in unknown["text"]


def test_the_service_token_is_required(client: TestClient) -> None:
    response = client.get(f"/api/v1/internal/dossiers/{PROCESSING}", params={"conversation_id": WEB})
    assert response.status_code == 401


def test_a_watch_pushes_the_change_through_the_outbox_when_the_dossier_moves_on(
    client: TestClient, app: FastAPI, admin: Member
) -> None:
    watched = client.post(
        f"/api/v1/internal/dossiers/{PROCESSING}/watch", json={"conversation_id": WEB}, headers=SERVICE
    )
    assert watched.status_code == 200 and "em sẽ nhắn anh/chị" in watched.json()["text"]
    moved = client.post(f"/api/v1/dossiers/demo/{PROCESSING}/advance", headers=admin.headers)
    assert moved.status_code == 200, moved.text
    assert moved.json() == {"code": PROCESSING, "status": "releasing", "notices_queued": 1}
    with transaction(app.state.sessionmaker) as session:
        notices = list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "dossier_status")))
        assert [n.conversation_id for n in notices] == [WEB]
        assert "Đã có kết quả" in notices[0].text and "giấy biên nhận" in notices[0].text
        assert notices[0].context["case_code"] == PROCESSING  # what a Zalo ZNS template may show
        trail = [(r.by, r.outcome) for r in session.scalars(select(DossierLookup).order_by(DossierLookup.id))]
    assert trail == [("subscribe", "processing"), ("watch", "ready")]
    with transaction(app.state.sessionmaker) as session:
        seen = [t.text for t in transcript(session, conversation_id=WEB, commune_slug="xa-demo") if t.who == "system"]
    assert (
        f"Tra cứu hồ sơ một cửa {PROCESSING} khi đăng ký báo thay đổi (dữ liệu mẫu): Đang được giải quyết" in seen
    )  # staff see it
    assert any(t.startswith("Hồ sơ của anh/chị vừa có cập nhật.") for t in seen)
    again = client.post(f"/api/v1/dossiers/demo/{PROCESSING}/advance", headers=admin.headers)
    assert again.json()["notices_queued"] == 1  # done: told once more, and the watch ends
    final = client.post(f"/api/v1/dossiers/demo/{PROCESSING}/advance", headers=admin.headers)
    assert final.status_code == 422


def test_a_source_that_is_down_gets_an_honest_answer_and_credentials_are_stored_encrypted(
    client: TestClient, app: FastAPI, admin: Member
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    config = {"kind": "opencps", "config": {"base_url": dead, "group_id": "35417"}, "secrets": {"password": "bi-mat-1"}}
    saved = client.put("/api/v1/dossiers/source", json=config, headers=admin.headers)
    assert saved.status_code == 200, saved.text
    assert saved.json()["secret_keys"] == ["password"] and "bi-mat-1" not in saved.text
    with transaction(app.state.sessionmaker) as session:
        raw = session.execute(text("select secrets from dossier_sources")).scalar_one()
    assert "bi-mat-1" not in str(raw) and "fernet" in str(raw)
    body = ask(client, PROCESSING)
    assert not body["available"] and "hiện không trả lời" in body["text"] and "0270 3 123 456" in body["text"]
    bad = client.put("/api/v1/dossiers/source", json={"kind": "opencps", "config": {}}, headers=admin.headers)
    assert bad.status_code == 422


def test_by_phone_on_the_web_widget_asks_for_the_code(client: TestClient) -> None:
    response = client.get("/api/v1/internal/dossiers", params={"conversation_id": WEB}, headers=SERVICE)
    assert response.status_code == 200 and not response.json()["found"]
    assert "mã hồ sơ in trên giấy biên nhận" in response.json()["text"]
