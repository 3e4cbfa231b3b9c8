"""``xaso dossiers``: the seed prints the demo codes; moving one on queues the change notice for a watching citizen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from api.communes.service import get_commune
from api.config import get_settings
from api.conversations import service as conversations
from api.db import make_engine, make_sessionmaker, transaction
from api.dossiers.service import watch
from api.outbox.models import OutboxMessage
from cli.main import app

CODE = "000.00.07.H12-261202-0031"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("XASO_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_seed_prints_demo_codes_and_demo_advance_notifies_the_watcher(database: str) -> None:
    runner = CliRunner()
    seeded = runner.invoke(app, ["db", "seed"], env={"COLUMNS": "200"})
    assert seeded.exit_code == 0 and "MẪU (dữ liệu demo" in seeded.output and CODE in seeded.output
    engine = make_engine(database)
    factory = make_sessionmaker(engine)
    try:
        with transaction(factory) as session:
            commune = get_commune(session, slug="xa-demo")
            # a watch names its conversation (a foreign key): the chat that asked for it registered the row first
            conversations.ensure(session, conversation_id="web:xa-demo:nguoixem0001", commune_id=commune.id)
            watch(
                session, commune_id=commune.id, conversation_id="web:xa-demo:nguoixem0001", code=CODE, status="waiting"
            )
        moved = runner.invoke(app, ["dossiers", "demo-advance", CODE.lower()], env={"COLUMNS": "200"})
        assert moved.exit_code == 0, moved.output
        assert "Đang được giải quyết" in moved.output and "Đã xếp 1 tin" in moved.output
        with factory() as session:
            notice = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "dossier_status")).one()
        assert notice.conversation_id == "web:xa-demo:nguoixem0001" and CODE in notice.text
        unknown = runner.invoke(app, ["dossiers", "demo-advance", "000.00.07.H12-000000-0000"])
        assert unknown.exit_code == 1 and "Không có hồ sơ mẫu" in unknown.output
    finally:
        engine.dispose()
