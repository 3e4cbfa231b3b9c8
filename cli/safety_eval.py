"""``python -m cli.safety_eval [--states] [--families]``: the emergency triage's figures (api/safety/evaluation.py,
also ``python -m api.safety.evaluation``) and, with ``--states``, the frozen evaluation set through the real gateway,
in each conversation state it can reach without Rasa: a fresh SQLite database, the demo commune, Rasa pointed at a
closed port (Rasa down), the web channel's webhook. It builds and seeds the whole app, so it lives above ``api/``; it
is not an ``xaso`` command, which would make every command import the whole app.

States: ``bot (Rasa down)``; ``awaiting rating`` (a handoff case resolved, the bot waits for stars); ``handoff, in
hours`` and ``handoff, after hours`` (a case owns the conversation). The form states need a running Rasa and are
covered by tests/channels/test_emergency.py.
"""

from __future__ import annotations

import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import typer
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.cases.catalog import Kind, Status
from api.cases.commands import change_status
from api.cases.creation import NewCase, create_case, find_commune_ref
from api.cases.models import Case
from api.communes.service import get_commune
from api.config import Settings
from api.db import transaction, utcnow
from api.main import create_app
from api.migrate import upgrade_database
from api.safety.evaluation import Item, Reply, Tally, numbers_in, p95, report
from api.safety.guidance import check_message
from api.seed import seed_all
from api.staff.models import Role, Staff
from api.staff.service import create_staff

STATES = ("bot (Rasa down)", "awaiting rating", "handoff, in hours", "handoff, after hours")
_WEEKDAYS = ("t2", "t3", "t4", "t5", "t6", "t7", "cn")


def _office(app: FastAPI, *, open_now: bool) -> None:
    today = (utcnow() + timedelta(hours=7)).date()
    with transaction(app.state.sessionmaker) as session:
        commune = get_commune(session, slug="xa-demo")
        if open_now:
            hours: dict[str, Any] = {day: ["00:00-23:59"] for day in _WEEKDAYS}
            commune.settings = {**(commune.settings or {}), "office_hours": hours, "holidays": {"work": [str(today)]}}
        else:
            later = _WEEKDAYS[(today.weekday() + 3) % 7]
            hours = {later: ["08:00-09:00"]}
            commune.settings = {**(commune.settings or {}), "office_hours": hours, "holidays": {"off": [str(today)]}}


def _own(app: FastAPI, conversation_id: str, *, resolved: bool, staff_id: int) -> None:
    with transaction(app.state.sessionmaker) as session:
        created = create_case(
            session,
            commune=find_commune_ref(session, slug="xa-demo"),
            citizen_id=None,
            new=NewCase(
                kind=Kind.handoff,
                title="Người dân muốn gặp cán bộ",
                description="Hỏi về ranh giới đất.",
                source="bot",
                channel="web",
                conversation_id=conversation_id,
            ),
        )
        if resolved:
            staff = session.get(Staff, staff_id)
            assert staff is not None
            case = session.scalar(select(Case).where(Case.code == created.code))
            assert case is not None
            change_status(session, staff=staff, case=case, status=Status.resolved, note="Xong.")


def by_state(items: list[Item]) -> dict[str, tuple[Tally, float]]:
    results: dict[str, tuple[Tally, float]] = {}
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'eval.db'}"
        upgrade_database(url)
        settings = Settings(
            database_url=url, data_dir=Path(directory) / "data", rasa_url="http://127.0.0.1:9",
            actions_url="http://127.0.0.1:9", default_commune="xa-demo", run_background_jobs=False,
        )  # fmt: skip
        app = create_app(settings)
        with transaction(app.state.sessionmaker) as session:
            seed_all(session, slug="xa-demo")
            commune = get_commune(session, slug="xa-demo")
            staff = create_staff(
                session, commune_id=commune.id, login="danh.gia", full_name="Cán bộ", password="mat-khau-danh-gia-1",
                role=Role.admin,
            )  # fmt: skip
            session.flush()
            staff_id = staff.id
        with TestClient(app) as client:
            for state in STATES:
                if state.startswith("handoff"):
                    _office(app, open_now=state.endswith("in hours"))
                tally, latencies = Tally(), []
                for item in items:
                    sender = uuid.uuid4().hex
                    if state != STATES[0]:
                        _own(app, f"web:xa-demo:{sender}", resolved=state == "awaiting rating", staff_id=staff_id)
                    body = {"sender": sender, "message": item.text, "metadata": {"message_id": uuid.uuid4().hex}}
                    started = time.perf_counter()
                    response = client.post("/webhooks/web", json=body)
                    latencies.append(time.perf_counter() - started)
                    replies = response.json() if response.status_code == 200 else []
                    first = (replies[0].get("text") or "") if replies else ""
                    alarm = first.startswith("🚨") and bool(numbers_in(first))
                    action = "alarm" if alarm else "check" if first == check_message() else "other"
                    tally.add(item, Reply(action, first))
                results[state] = (tally, p95(latencies))
    return results


def evaluate(
    states: bool = typer.Option(
        False, "--states", help="Cả bộ đánh giá qua cổng thật, trong từng trạng thái hội thoại."
    ),
    families: bool = typer.Option(False, "--families", help="Bộ đọc học máy, huấn luyện bỏ từng nhóm tình huống."),
) -> None:
    """Bảng kết quả nhận biết tình huống khẩn cấp trên bộ đánh giá cố định (docs/safety.md)."""
    typer.echo(report(by_state=by_state if states else None, families=families))


if __name__ == "__main__":
    typer.run(evaluate)
