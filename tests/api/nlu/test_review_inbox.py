"""The review inbox over HTTP: what is kept, one-click confirm / correct / dismiss, flags from a transcript, who may
see citizens' words, and the facts due for review."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.cases.access import public_ref
from api.communes.models import Commune
from api.db import transaction
from api.inbox_events.models import InboxEvent
from api.nlu import review
from api.nlu.catalogue import load_catalogue
from api.nlu.models import NluReview, Reason
from tests.api.cases.conftest import Member
from tests.console.test_console_http import login

TEXT = "cho em hỏi làm giấy khai sinh ở đâu"
PARSE: dict[str, Any] = {
    "text": TEXT,
    "intent": {"name": "office_info", "confidence": 0.41},
    "entities": [{"entity": "procedure", "value": "khai_sinh", "start": 15, "end": 29}],
    "intent_ranking": [{"name": "office_info", "confidence": 0.41}, {"name": "ask_procedure", "confidence": 0.38}],
}


def _event(app: FastAPI, text: str, *, commune: str = "xa-demo", sender: str = "s1", n: int = 1) -> int:
    with transaction(app.state.sessionmaker) as session:
        commune_id = session.scalar(select(Commune.id).where(Commune.slug == commune))
        raw = {"sender": sender, "message": text, "metadata": {"commune": commune, "message_id": f"m{n}"}}
        event = InboxEvent(
            commune_id=commune_id, channel="web", event_id=f"{sender}:m{n}", conversation_id=f"web:{commune}:{sender}",
            raw=json.dumps(raw), status="processed", route="rasa", response=[{"text": "Dạ, UBND xã ở số 1."}],
        )  # fmt: skip
        session.add(event)
        session.flush()
        return event.id


def _kept(app: FastAPI, text: str = TEXT, **kwargs: Any) -> int:
    event_id = _event(app, text, **kwargs)
    commune = kwargs.get("commune", "xa-demo")
    with transaction(app.state.sessionmaker) as session:
        commune_id = session.scalar(select(Commune.id).where(Commune.slug == commune))
        assert commune_id is not None
        row = review.record(
            session, commune_id=commune_id, inbox_event_id=event_id, conversation_id=f"web:{commune}:s1",
            text=text, parse={**PARSE, "text": text}, reason=Reason.low_confidence,
        )  # fmt: skip
        return row.id


def _row(app: FastAPI, review_id: int) -> NluReview:
    with transaction(app.state.sessionmaker) as session:
        row = session.get(NluReview, review_id)
        assert row is not None
        session.expunge(row)
        return row


def test_reason_for_keeps_fallbacks_and_low_confidence_only() -> None:
    assert review.reason_for({"intent": {"name": "nlu_fallback", "confidence": 0.3}}, threshold=0.6) == Reason.fallback
    assert review.reason_for({"intent": {"name": "greet", "confidence": 0.59}}, threshold=0.6) == Reason.low_confidence
    assert review.reason_for({"intent": {"name": "greet", "confidence": 0.95}}, threshold=0.6) is None


def test_a_fallback_keeps_the_models_best_real_guess(app: FastAPI) -> None:
    parse = {**PARSE, "intent": {"name": "nlu_fallback", "confidence": 0.4}}
    parse["intent_ranking"] = [{"name": "nlu_fallback", "confidence": 0.4}, *PARSE["intent_ranking"]]
    with transaction(app.state.sessionmaker) as session:
        row = review.record(session, commune_id=1, conversation_id="web:xa-demo:x", text="a", parse=parse,
                            reason=Reason.fallback)  # fmt: skip
        assert (row.intent, row.confidence) == ("office_info", 0.41)


def test_officer_corrects_intent_and_entities_in_one_submit(client: TestClient, app: FastAPI, officer: Member) -> None:
    review_id = _kept(app)
    csrf = login(client, officer)
    page = client.get("/staff/nlu")
    assert page.status_code == 200 and PARSE["text"] in page.text and "office_info (41%)" in page.text
    assert "procedure: giấy khai sinh = khai_sinh" in page.text  # the entities as an editable line
    response = client.post(
        f"/staff/nlu/{review_id}",
        data={"csrf_token": csrf, "action": "correct", "intent": "ask_procedure",
              "entities": "procedure: giấy khai sinh = khai_sinh; aspect: ở đâu = where"},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303 and response.headers["location"] == "/staff/nlu?done=correct"
    row = _row(app, review_id)
    assert (row.status, row.reviewed_intent) == ("corrected", "ask_procedure")
    assert row.reviewed_entities == [
        {"entity": "procedure", "value": "khai_sinh", "start": 15, "end": 29},
        {"entity": "aspect", "value": "where", "start": 30, "end": 35},
    ]
    assert row.reviewed_by_id == officer.id and row.reviewed_at is not None
    assert "Đã lưu ý định" in client.get("/staff/nlu?done=correct").text


def test_confirm_and_dismiss(client: TestClient, app: FastAPI, officer: Member) -> None:
    first, second = _kept(app), _kept(app, "alo alo", n=2)
    csrf = login(client, officer)
    client.post(f"/staff/nlu/{first}", data={"csrf_token": csrf, "action": "confirm"})
    client.post(f"/staff/nlu/{second}", data={"csrf_token": csrf, "action": "dismiss"})
    assert (_row(app, first).status, _row(app, first).reviewed_intent) == ("confirmed", "office_info")
    assert _row(app, first).reviewed_entities == PARSE["entities"]
    assert _row(app, second).status == "dismissed"
    assert "alo alo" in client.get("/staff/nlu?status=dismissed").text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "correct", "intent": "khong_co"}, "Hãy chọn một ý định"),
        ({"action": "correct", "intent": "ask_procedure", "entities": "procedure: giấy kết hôn"}, "không có trong câu"),
        ({"action": "correct", "intent": "ask_procedure", "entities": "tinh: khai sinh"}, "không có trong mô hình"),
        ({"action": "correct", "intent": "ask_procedure", "entities": "khai sinh"}, "Không đọc được thực thể"),
        ({"action": "xoa"}, "Thao tác không hợp lệ"),
    ],
)
def test_bad_corrections_are_refused_and_named(
    client: TestClient, app: FastAPI, officer: Member, data: dict[str, str], message: str
) -> None:
    review_id = _kept(app)
    csrf = login(client, officer)
    response = client.post(f"/staff/nlu/{review_id}", data={"csrf_token": csrf, **data})
    assert response.status_code == 422 and message in response.text
    assert _row(app, review_id).status == "pending"


def test_csrf_roles_and_communes_are_enforced(
    client: TestClient, app: FastAPI, make_staff: Callable[..., Member], other_commune: str
) -> None:
    review_id = _kept(app)
    viewer = make_staff("viewer")
    login(client, viewer)
    assert client.get("/staff/nlu").status_code == 403  # viewers never see citizens' words
    client.cookies.clear()
    stranger = make_staff("officer", commune=other_commune)
    csrf = login(client, stranger)
    assert PARSE["text"] not in client.get("/staff/nlu").text
    assert client.post(f"/staff/nlu/{review_id}", data={"csrf_token": csrf, "action": "confirm"}).status_code == 404
    assert client.post(f"/staff/nlu/{review_id}", data={"csrf_token": "x", "action": "confirm"}).status_code == 403
    assert _row(app, review_id).status == "pending"


def test_flag_from_a_transcript_even_when_rasa_is_down(client: TestClient, app: FastAPI, officer: Member) -> None:
    event_id = _event(app, "nhà bên cạnh xây lấn sang đất nhà tôi", sender="s9")
    csrf = login(client, officer)
    page = client.get(f"/staff/nlu/conversations/{public_ref('web:xa-demo:s9')}")
    assert page.status_code == 200 and "xây lấn sang đất" in page.text and "Dạ, UBND xã ở số 1." in page.text
    assert re.search(rf'name="inbox_event_id" value="{event_id}"', page.text)
    response = client.post("/staff/nlu/flag", data={"csrf_token": csrf, "inbox_event_id": str(event_id)},
                           follow_redirects=False)  # fmt: skip
    assert response.status_code == 303
    with transaction(app.state.sessionmaker) as session:
        row = session.scalar(select(NluReview).where(NluReview.inbox_event_id == event_id))
        assert row is not None and row.reason == "flagged" and row.intent is None  # Rasa is down in this test
    listed = client.get("/staff/nlu").text
    assert "Cán bộ gắn cờ" in listed and "xây lấn sang đất" in listed
    assert client.get(f"/staff/nlu/conversations/{public_ref('web:xa-demo:khong-co')}").status_code == 404
    assert client.get("/staff/nlu/conversations/web:xa-demo:s9").status_code == 404  # raw ids are not accepted


def test_parse_entities_spans_and_overlaps() -> None:
    catalogue = load_catalogue()
    text = "Khu phố 2 mất nước sinh hoạt 3 ngày nay"
    assert review.parse_entities(text, "hamlet: khu phố 2", catalogue) == [
        {"entity": "hamlet", "value": "Khu phố 2", "start": 0, "end": 9}
    ]
    with pytest.raises(Exception, match="chồng lên nhau"):
        review.parse_entities(text, "hamlet: khu phố 2; category: phố 2 mất = cap_nuoc", catalogue)
    assert review.entity_spec(text, [{"entity": "hamlet", "value": "kp2", "start": 0, "end": 9}]) == (
        "hamlet: Khu phố 2 = kp2"
    )


def test_facts_due_for_review_are_listed(client: TestClient, officer: Member) -> None:
    login(client, officer)
    page = client.get("/staff/facts")
    assert page.status_code == 200
    assert 'data-fact="xac_nhan_hon_nhan.where"' in page.text and "Nghị định 120/2025/NĐ-CP" in page.text
    assert "Sắp hết hiệu lực" in page.text and "01/03/2027" in page.text  # the reported new civil-status law


def test_facts_past_their_review_date_are_listed_on_the_day_in_vietnam(
    client: TestClient, officer: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(client, officer)
    monkeypatch.setenv("XASO_TODAY", "2027-02-16")  # the day after the fee waiver's review_by
    page = client.get("/staff/facts")
    assert page.status_code == 200 and "16/02/2027" in page.text
    assert 'data-kind="overdue" data-fact="trich_luc_ho_tich.fee"' in page.text
    assert 'data-kind="overdue" data-fact="cu_tru.fee"' in page.text
    monkeypatch.setenv("XASO_TODAY", "2026-12-06")
    page = client.get("/staff/facts")
    assert 'data-kind="overdue"' not in page.text  # the review of 06/12/2026 holds today
