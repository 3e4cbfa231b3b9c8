"""``xaso nlu export``: reviewed messages become training examples — personal data replaced, entities annotated,
duplicates and held-out messages skipped, contradictions held back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from fastapi import FastAPI
from sqlalchemy import select

from api.citizens.models import Citizen
from api.conversations import service as conversations
from api.db import transaction, utcnow
from api.nlu import review
from api.nlu.export import annotate, examples_in, export_reviewed, fold
from api.nlu.models import NluReview, Reason, ReviewStatus
from api.nlu.scrub import scrub


def _data_dir(tmp_path: Path) -> Path:
    (tmp_path / "nlu").mkdir()
    (tmp_path / "test" / "nlu").mkdir(parents=True)
    (tmp_path / "nlu" / "base.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - xin chào\n    - [khai sinh](procedure) ạ\n',
        encoding="utf-8",
    )
    (tmp_path / "test" / "nlu" / "held.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: thank\n  examples: |\n    - cảm ơn xã nhiều\n', encoding="utf-8"
    )
    return tmp_path


def _reviewed(app: FastAPI, text: str, intent: str, entities: list[dict[str, Any]] | None = None,
              conversation: str = "web:xa-demo:s1") -> int:  # fmt: skip
    with transaction(app.state.sessionmaker) as session:
        parse = {"intent": {"name": "greet", "confidence": 0.3}}
        row = review.record(
            session, commune_id=1, conversation_id=conversation, text=text, parse=parse, reason=Reason.low_confidence
        )
        row.status, row.reviewed_intent, row.reviewed_entities = ReviewStatus.corrected.value, intent, entities or []
        return row.id


def test_scrub_replaces_phones_ids_emails_and_names() -> None:
    text = "Em tên là Nguyễn Văn An, sđt 0912 345 678, CCCD 001203004567, mail an.nv@gmail.com, nhờ chị Lan gọi lại"
    cleaned = scrub(text)
    assert cleaned.text == "Em tên là <TÊN>, sđt <SĐT>, CCCD <CCCD>, mail <EMAIL>, nhờ chị <TÊN> gọi lại"
    assert scrub("Khu phố 2 mất nước 3 ngày nay, UBND xã Hòa Bình biết chưa").replaced == 0
    # the citizen's own profile name is found even without a cue, and entity offsets follow the new text
    text = "Minh ở ấp 3 báo đèn đường hỏng"
    cleaned = scrub(text, [{"entity": "hamlet", "value": "ấp 3", "start": 7, "end": 11}], ["Trần Minh"])
    assert cleaned.text == "<TÊN> ở ấp 3 báo đèn đường hỏng"
    assert cleaned.text[cleaned.entities[0]["start"] : cleaned.entities[0]["end"]] == "ấp 3"
    dropped = scrub("gọi 0912345678 nhé", [{"entity": "phone", "value": "0912345678", "start": 4, "end": 14}])
    assert dropped.entities == [] and dropped.dropped == 1


def test_annotation_round_trips_through_rasa_syntax() -> None:
    text = "làm giấy khai sinh ở ấp 3"
    entities = [{"entity": "procedure", "value": "khai_sinh", "start": 4, "end": 18},
                {"entity": "hamlet", "value": "ấp 3", "start": 21, "end": 25}]  # fmt: skip
    assert (
        annotate(text, entities) == 'làm [giấy khai sinh]{"entity": "procedure", "value": "khai_sinh"} ở [ấp 3](hamlet)'
    )


def test_export_writes_reviewed_examples_once(app: FastAPI, tmp_path: Path) -> None:
    data = _data_dir(tmp_path)
    with transaction(app.state.sessionmaker) as session:  # the citizen's profile name, from their channel
        citizen = Citizen(commune_id=1, display_name="Lê Thị Hoa")
        session.add(citizen)
        session.flush()
        conversations.ensure(session, conversation_id="web:xa-demo:hoa", commune_id=1)
        conversations.update_row(session, conversation_id="web:xa-demo:hoa", citizen_id=citizen.id)
    new = _reviewed(app, "Hoa ở khu phố 2 mất nước 3 ngày, gọi 0987654321", "report_issue",
                    [{"entity": "hamlet", "value": "khu phố 2", "start": 6, "end": 15}], "web:xa-demo:hoa")  # fmt: skip
    duplicate = _reviewed(app, "Xin chao", "greet")
    conflict = _reviewed(app, "xin chào!", "thank")
    held_out = _reviewed(app, "Cảm ơn xã nhiều", "thank")
    with transaction(app.state.sessionmaker) as session:
        result = export_reviewed(session, data_dir=data, now=utcnow())
    assert result.written == [("report_issue", "<TÊN> ở [khu phố 2](hamlet) mất nước 3 ngày, gọi <SĐT>")]
    assert (result.duplicates, result.held_out, result.replaced) == (1, 1, 2)
    assert result.conflicts == [("xin chào!", "thank", "greet")]
    assert examples_in(data / "nlu" / "reviewed.yml") == result.written
    assert yaml.safe_load((data / "nlu" / "reviewed.yml").read_text(encoding="utf-8"))["version"] == "3.1"
    with transaction(app.state.sessionmaker) as session:
        exported = {r.id: r.exported_at is not None for r in session.scalars(select(NluReview))}
    assert exported == {new: True, duplicate: True, conflict: False, held_out: True}
    # a second run writes nothing new and keeps what is there
    with transaction(app.state.sessionmaker) as session:
        again = export_reviewed(session, data_dir=data, now=utcnow())
    assert again.written == [] and examples_in(data / "nlu" / "reviewed.yml") == result.written
    assert fold("Xin CHÀO  đấy") == "xin chao day"
