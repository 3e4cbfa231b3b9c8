"""``xaso staff``: the seed's first admin, password reset (old sessions revoked), listing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.config import get_settings
from cli.main import app


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("XASO_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_seed_prints_the_admin_then_reset_and_list(database: str) -> None:
    runner = CliRunner()
    seeded = runner.invoke(app, ["db", "seed"], env={"COLUMNS": "200"})
    assert seeded.exit_code == 0, seeded.output
    match = re.search(r"admin / (\S+)", seeded.output)
    assert match, seeded.output
    again = runner.invoke(app, ["db", "seed"], env={"COLUMNS": "200"})
    assert "admin / " not in again.output and "xaso staff reset-password admin" in again.output

    reset = runner.invoke(app, ["staff", "reset-password", "admin", "--password", "mat-khau-moi-123"])
    assert reset.exit_code == 0 and "mat-khau-moi-123" in reset.output
    short = runner.invoke(app, ["staff", "reset-password", "admin", "--password", "ngan"])
    assert short.exit_code == 1
    listing = runner.invoke(app, ["staff", "list"], env={"COLUMNS": "200"})
    assert listing.exit_code == 0 and "canbo.diachinh" in listing.output

    from api.auth.ratelimit import LoginThrottle
    from api.auth.service import authenticate
    from api.db import make_engine, make_sessionmaker, transaction

    engine = make_engine(database)
    with transaction(make_sessionmaker(engine)) as session:
        staff = authenticate(session, login="admin", password="mat-khau-moi-123", client="t", limiter=LoginThrottle())
        assert staff.role == "admin"
    engine.dispose()
