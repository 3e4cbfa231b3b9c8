"""`xaso run --cluster`: what it tells the start scripts, and the databases it creates when missing."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from api.config import Settings
from cli.cluster import DEFAULT_DATABASE_URL, ensure_databases, plan_from
from tests.support.paths import ROOT


def test_the_embedded_default_becomes_the_local_postgresql() -> None:
    plan = plan_from("sqlite:///var/xaso.db", None)
    assert plan.database_url == DEFAULT_DATABASE_URL and plan.tracker_database == "xaso_rasa"
    env = plan.environment()
    assert env["XASO_RASA_URL"] == "http://127.0.0.1:5005,http://127.0.0.1:5006"
    assert env["XASO_GATEWAY_WORKERS"] == "2" and env["XASO_RASA_ENDPOINTS"] == "bot/endpoints.redis.yml"
    assert (env["XASO_REDIS_LOCK_DB"], env["XASO_TRACKER_CACHE_REDIS"]) == ("1", "redis://127.0.0.1:6379/1")


def test_environment_is_what_the_gateway_and_the_scripts_read() -> None:
    plan = plan_from("postgresql+psycopg://app:s3cret@db.example:6543/tinh", "redis://:pw@cache:6380/4")
    env = plan.environment()
    settings = Settings(database_url=env["DATABASE_URL"], redis_url=env["REDIS_URL"])
    assert settings.database_url.endswith("@db.example:6543/tinh") and settings.redis_url == "redis://:pw@cache:6380/4"
    assert (env["XASO_TRACKER_HOST"], env["XASO_TRACKER_DB"]) == ("db.example:6543", "tinh_rasa")
    assert (env["XASO_TRACKER_USER"], env["XASO_TRACKER_PASSWORD"]) == ("app", "s3cret")
    assert (env["XASO_REDIS_HOST"], env["XASO_REDIS_PORT"], env["XASO_REDIS_LOCK_DB"]) == ("cache", "6380", "5")
    assert env["XASO_TRACKER_CACHE_REDIS"] == "redis://:pw@cache:6380/5"
    procfile = (ROOT / "Procfile.cluster").read_text(encoding="utf-8")
    for name in ("XASO_RASA_PORT_1", "XASO_RASA_PORT_2"):
        assert name in env and name in procfile


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs TEST_DATABASE_URL")
def test_databases_are_created_once() -> None:
    name = f"xaso_plan_{uuid.uuid4().hex[:8]}"
    plan = plan_from(make_url(os.environ["TEST_DATABASE_URL"]).set(database=name).render_as_string(False), None)
    try:
        assert ensure_databases(plan) == [name, f"{name}_rasa"]
        assert ensure_databases(plan) == []
    finally:
        engine = create_engine(make_url(os.environ["TEST_DATABASE_URL"]), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            for database in (name, f"{name}_rasa"):
                connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        engine.dispose()
