"""`xaso run --cluster`: what it tells the start scripts and the supervisor, and the databases it creates."""

from __future__ import annotations

import configparser
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
    supervised = (ROOT / "deploy" / "supervisord.conf").read_text(encoding="utf-8")
    for name in ("XASO_RASA_PORT_1", "XASO_RASA_PORT_2"):
        assert name in env and f"%(ENV_{name})s" in supervised


def test_ports_come_from_the_environment() -> None:
    ports = {"XASO_RASA_PORT_1": "7005", "XASO_RASA_PORT_2": "7006", "XASO_ACTIONS_PORT": "7055"}
    env = plan_from(None, None, {**ports, "XASO_GATEWAY_PORT": "7000"}).environment()
    assert env["XASO_RASA_URL"] == "http://127.0.0.1:7005,http://127.0.0.1:7006"
    assert (env["XASO_ACTIONS_URL"], env["XASO_GATEWAY_URL"]) == ("http://127.0.0.1:7055", "http://127.0.0.1:7000")
    assert {name: env[name] for name in ports} == ports


def test_the_supervisor_restarts_every_program_and_stops_each_as_a_group() -> None:
    config = configparser.ConfigParser(interpolation=None)
    config.read(ROOT / "deploy" / "supervisord.conf", encoding="utf-8")
    programs = {s.removeprefix("program:"): config[s] for s in config.sections() if s.startswith("program:")}
    assert set(programs) == {"rasa-1", "rasa-2", "actions", "gateway"}
    for name, program in programs.items():
        script = program["command"].rsplit("/", 1)[1]
        assert (ROOT / "scripts" / script).is_file(), name
        assert program.getboolean("autorestart") and program.getboolean("stopasgroup"), name
        assert program.getboolean("killasgroup") and program.getint("startretries") >= 10, name
    assert config["supervisord"].getboolean("nodaemon")  # `xaso run --cluster` stays in the foreground (Ctrl-C)


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


def test_make_run_cluster_is_the_command_the_kill_test_runs() -> None:
    """tests/cli/test_cluster.py runs `xaso run --cluster` (tests/support/cluster.py supervised_cluster): the same."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8").splitlines()
    recipe = makefile[next(i for i, line in enumerate(makefile) if line.startswith("run-cluster:")) + 1]
    assert recipe.split() == ["$(XASO)", "run", "--cluster"]
    harness = (ROOT / "tests" / "support" / "cluster.py").read_text(encoding="utf-8")
    assert '/ "xaso"), "run", "--cluster"]' in harness
