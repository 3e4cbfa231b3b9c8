"""One access rule for every view of a conversation (issue 25, findings 1 and 2).

A consultation's conversation is health talk: its transcript, review-inbox rows, photos and exports are read by
health workers and admins only, and a health worker reads no other conversation. Staff never see a web sender id.
The walk below visits every staff route that can show a citizen's words, once per role.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.cases.access import public_ref
from api.cases.uploads import store_image
from api.communes.models import Commune
from api.db import transaction
from api.inbox_events.models import InboxEvent
from api.nlu import review
from api.nlu.models import NluReview, Reason
from tests.api.cases.conftest import Member
from tests.console.test_console_http import login
from tests.support.fake_telegram import FakeTelegram

HEALTH_SENDER = "benhnhanbimat0001"  # the widget's secret session id
OTHER_SENDER = "nguoidanbimat0002"
HEALTH_TEXT = "tôi bị trầm cảm mất ngủ cả tháng nay"
OTHER_TEXT = "hàng xóm đổ rác ra kênh ấp hai"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
TG_PHOTO = "AgACAgUAAxkBAAIBhealth-1"  # a photo of the consultation, held by Telegram


@dataclass
class Seeded:
    health_code: str
    other_code: str
    health_event: int
    other_event: int
    health_review: int
    other_review: int
    photo: str


def _said(app: FastAPI, *, sender: str, text: str, photo: str | None = None) -> tuple[int, int]:
    """A web message as stored by the webhook, answered by the bot, kept for review: (event id, review id)."""
    conversation = f"web:xa-demo:{sender}"
    with transaction(app.state.sessionmaker) as session:
        commune_id = session.scalar(select(Commune.id).where(Commune.slug == "xa-demo"))
        assert commune_id is not None
        raw: dict[str, Any] = {
            "sender": sender,
            "message": text,
            "metadata": {"commune": "xa-demo", "message_id": "m1"},
        }
        if photo:
            raw["metadata"]["attachments"] = [photo, f"tg-file:{TG_PHOTO}"]
        event = InboxEvent(
            commune_id=commune_id, channel="web", event_id=f"{sender}:m1", conversation_id=conversation,
            raw=json.dumps(raw), status="processed", route="rasa", response=[{"text": "Dạ, em ghi nhận."}],
        )  # fmt: skip
        session.add(event)
        dead = InboxEvent(
            commune_id=commune_id, channel="web", event_id=f"{sender}:m2", conversation_id=conversation,
            raw=json.dumps({**raw, "message": f"{text} (lần 2)"}), status="failed", route=None,
        )  # fmt: skip
        session.add(dead)  # a dead letter: shown to staff on /staff/dead-letters and in the API
        session.flush()
        row = review.record(
            session, commune_id=commune_id, inbox_event_id=event.id, conversation_id=conversation, text=text,
            parse={"text": text, "intent": {"name": "greet", "confidence": 0.3}}, reason=Reason.low_confidence,
        )  # fmt: skip
        return event.id, row.id


def seed(app: FastAPI, file_case: Callable[..., dict[str, Any]]) -> Seeded:
    photo = store_image(app.state.settings.data_dir, commune_id=1, data=PNG)
    health = file_case(
        kind="consultation", category=None, channel="web", conversation_id=f"web:xa-demo:{HEALTH_SENDER}",
        title="Tư vấn sức khỏe tinh thần", description=HEALTH_TEXT, attachments=[],
    )  # fmt: skip
    other = file_case(channel="web", conversation_id=f"web:xa-demo:{OTHER_SENDER}", description=OTHER_TEXT)
    health_event, health_review = _said(app, sender=HEALTH_SENDER, text=HEALTH_TEXT, photo=photo)
    other_event, other_review = _said(app, sender=OTHER_SENDER, text=OTHER_TEXT)
    return Seeded(health["code"], other["code"], health_event, other_event, health_review, other_review, photo)


# Who reads which conversation: health talk for admins and health workers; the rest for everyone but health workers.
READS = {
    "admin": {"health": True, "other": True},
    "officer": {"health": False, "other": True},
    "health_worker": {"health": True, "other": False},
    "viewer": {"health": False, "other": True},  # masked, and never on the review pages
}


def test_every_view_of_a_conversation_follows_one_rule(
    app: FastAPI, client: TestClient, file_case: Callable[..., dict[str, Any]], make_staff: Callable[..., Member],
    telegram_account: FakeTelegram,
) -> None:  # fmt: skip
    data = seed(app, file_case)
    telegram_account.files[TG_PHOTO] = PNG
    refs = {"health": public_ref(f"web:xa-demo:{HEALTH_SENDER}"), "other": public_ref(f"web:xa-demo:{OTHER_SENDER}")}
    texts = {"health": HEALTH_TEXT, "other": OTHER_TEXT}
    codes = {"health": data.health_code, "other": data.other_code}
    events = {"health": data.health_event, "other": data.other_event}
    reviews = {"health": data.health_review, "other": data.other_review}
    for role, reads in READS.items():
        member = make_staff(role)
        client.cookies.clear()
        csrf = login(client, member)
        bodies: list[str] = []

        def get(
            path: str, *, api: bool = False, member: Member = member, bodies: list[str] = bodies
        ) -> tuple[int, str]:
            response = client.get(path, headers=member.headers if api else None)
            bodies.append(response.text)
            return response.status_code, response.text

        inbox_status, inbox = get("/staff/nlu")
        for kind, allowed in reads.items():
            where = f"{role} / {kind}"
            case_status, _ = get(f"/api/v1/cases/{codes[kind]}", api=True)
            assert case_status == (200 if allowed else 404), where
            page_status, _ = get(f"/staff/cases/{codes[kind]}")
            assert page_status == (200 if allowed else 404), where
            for csv_path in ("/api/v1/cases/export.csv", "/staff/export.csv"):
                status, csv = get(csv_path, api=csv_path.startswith("/api"))
                assert status == 200 and (codes[kind] in csv) == allowed, f"{where} {csv_path}"
            for letters_path in ("/staff/dead-letters", "/api/v1/dead-letters"):
                status, letters = get(letters_path, api=letters_path.startswith("/api"))
                if role == "viewer":
                    assert status == 403, f"{where} {letters_path}"
                else:
                    assert status == 200 and (f"{texts[kind]} (lần 2)" in letters) == allowed, f"{where} {letters_path}"
            transcript_status, transcript = get(f"/staff/nlu/conversations/{refs[kind]}")
            if role == "viewer":  # viewers never open the review pages
                assert inbox_status == 403 and transcript_status == 403, where
                continue
            assert (texts[kind] in inbox) == allowed, f"{where}: review inbox"
            assert transcript_status == (200 if allowed else 404), f"{where}: transcript"
            assert (texts[kind] in transcript) == allowed, f"{where}: transcript"
            links = set(re.findall(r"/staff/nlu/conversations/([^\"?]+)", inbox))
            assert (refs[kind] in links) == allowed, f"{where}: link in the inbox"
            if not allowed:  # acting on a hidden row is as if it did not exist, and changes nothing
                flagged = client.post("/staff/nlu/flag", data={"csrf_token": csrf, "inbox_event_id": events[kind]})
                assert flagged.status_code == 404, where
                decided = client.post(f"/staff/nlu/{reviews[kind]}", data={"csrf_token": csrf, "action": "dismiss"})
                assert decided.status_code == 404 or "Không tìm thấy" in decided.text, where
        name = data.photo.rsplit("/", 1)[1]
        photo_status, _ = get(f"/staff/media/1/{name}")
        assert photo_status == (200 if reads["health"] else 404), f"{role}: the consultation's photo"
        fetched = len(telegram_account.calls)
        tg_status, _ = get(f"/staff/attachments/telegram/{TG_PHOTO}")
        expected = 403 if role == "viewer" else 200 if reads["health"] else 404
        assert tg_status == expected, f"{role}: the consultation's Telegram photo"
        if expected != 200:
            assert len(telegram_account.calls) == fetched  # refused before asking Telegram
        # Finding 2: the widget's sender id (its only secret) is on no staff surface, for any role.
        for body in bodies:
            assert HEALTH_SENDER not in body and OTHER_SENDER not in body, role
    with transaction(app.state.sessionmaker) as session:  # the refused dismissals changed nothing
        statuses = {row.status for row in session.scalars(select(NluReview))}
        assert statuses == {"pending"}


def test_a_raw_or_forged_reference_opens_nothing(
    app: FastAPI, client: TestClient, file_case: Callable[..., dict[str, Any]], admin: Member
) -> None:
    seed(app, file_case)
    login(client, admin)
    ref = public_ref(f"web:xa-demo:{OTHER_SENDER}")
    assert ref is not None and client.get(f"/staff/nlu/conversations/{ref}").status_code == 200
    assert client.get(f"/staff/nlu/conversations/web:xa-demo:{OTHER_SENDER}").status_code == 404
    forged = ref[:-2] + ("AA" if not ref.endswith("AA") else "BB")
    assert client.get(f"/staff/nlu/conversations/{forged}").status_code == 404
