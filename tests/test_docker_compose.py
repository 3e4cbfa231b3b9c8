"""No Docker engine runs here, so the production compose file is checked without one: against the official Compose
Specification schema, and against the repository - every command, script, file and variable it names exists and is
read by something, PostgreSQL's init creates both databases, and the topology is the one `make run-cluster` starts
(two Rasa replicas on Redis's lock store, health checks and restart policies everywhere, production mode)."""

from __future__ import annotations

import configparser
import json
import os
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from sqlalchemy.engine import make_url

from api.config import Settings
from cli.envfile import GENERATED_SECRETS
from tests.support.paths import ROOT

COMPOSE_SPEC = ROOT.parent / "shared" / "compose-spec" / "compose-spec.json"
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES: dict[str, Any] = COMPOSE["services"]
APP_SERVICES = ["rasa-1", "rasa-2", "actions", "gateway"]
RASA = ["rasa-1", "rasa-2"]


def procfile(name: str) -> dict[str, str]:
    lines = (ROOT / name).read_text(encoding="utf-8").splitlines()
    return {key.strip(): command.strip() for key, _, command in (line.partition(":") for line in lines if line)}


def supervised_programs() -> dict[str, str]:
    """What `make run-cluster` runs (deploy/supervisord.conf): program name → command."""
    config = configparser.ConfigParser(interpolation=None)
    config.read(ROOT / "deploy" / "supervisord.conf", encoding="utf-8")
    return {s.removeprefix("program:"): config[s]["command"] for s in config.sections() if s.startswith("program:")}


def read_text(*patterns: str) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for pattern in patterns for p in sorted(ROOT.glob(pattern)))


@pytest.mark.skipif(not COMPOSE_SPEC.is_file(), reason="the Compose Specification schema is not next to the repository")
def test_file_follows_the_compose_specification() -> None:
    schema = json.loads(COMPOSE_SPEC.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)  # the specification says draft-07
    jsonschema.Draft7Validator(schema).validate(COMPOSE)


@pytest.mark.slow
def test_production_shape_is_the_cluster() -> None:
    assert set(SERVICES) == {"postgres", "redis", "caddy", *APP_SERVICES}
    cluster = supervised_programs()
    for name in APP_SERVICES:
        command = SERVICES[name]["command"]
        assert cluster[name].endswith("/../" + command[0]), f"{name} runs something else than `make run-cluster`"
        assert command[0] in procfile("Procfile").values(), f"{name} runs something else than `make run`"
        script = ROOT / command[0]
        assert script.is_file() and os.access(script, os.X_OK)


@pytest.mark.parametrize("name", APP_SERVICES)
def test_image_recipe_copies_only_existing_paths(name: str) -> None:
    dockerfile = ROOT / SERVICES[name]["build"]["dockerfile"]
    copied = re.findall(r"^COPY\s+(.+?)\s+\S+$", dockerfile.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert copied
    for sources in copied:
        for source in sources.split():
            assert (ROOT / source).exists(), f"{dockerfile.name} copies missing {source}"


@pytest.mark.parametrize("name", list(SERVICES))
def test_every_service_has_a_health_check_and_a_restart_policy(name: str) -> None:
    service = SERVICES[name]
    assert service.get("restart") in ("always", "unless-stopped", "on-failure")
    assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_application_services_run_in_production_mode_with_generated_secrets(name: str) -> None:
    if name not in RASA:  # Rasa has no development mode: it always requires its token
        assert SERVICES[name]["environment"]["XASO_ENV"] == "production"
    assert SERVICES[name]["env_file"] == ".env"
    assert "ensure_env_file" in read_text("cli/run.py")  # `xaso run` writes .env with GENERATED_SECRETS


@pytest.mark.rasa  # ./models exists once the model is trained (make test trains it first)
def test_files_it_mounts_exist() -> None:
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source in COMPOSE["volumes"], f"{name} uses undeclared volume {source}"


def test_every_variable_it_sets_is_read() -> None:
    settings = {f"XASO_{field.upper()}" for field in Settings.model_fields} | {"DATABASE_URL", "REDIS_URL"}
    readers = {
        "gateway": read_text("scripts/start-gateway.sh"),
        "actions": read_text("scripts/start-actions.sh", "actions/*.py"),
        "rasa": read_text("scripts/start-rasa.sh", "bot/*.py", "bot/endpoints*.yml"),
    }
    # Rasa itself reads TICKET_LOCK_LIFETIME (its lock store); checked in its source when .venv-rasa is installed.
    lock_store = ROOT / ".venv-rasa/lib/python3.10/site-packages/rasa/core/lock_store.py"
    if lock_store.exists():
        assert "TICKET_LOCK_LIFETIME" in lock_store.read_text(encoding="utf-8")
    rasa_reads = {"TICKET_LOCK_LIFETIME"}
    for name in APP_SERVICES:
        kind = "rasa" if name in RASA else name
        for variable in SERVICES[name]["environment"]:
            known = variable in readers[kind] or (kind == "gateway" and variable in settings)
            assert known or (kind == "rasa" and variable in rasa_reads), f"{name} sets {variable}, read by nothing"


def test_rasa_replicas_share_postgresql_and_redis_lock_store() -> None:
    first, second = (SERVICES[name] for name in RASA)
    assert first["environment"] == second["environment"]
    env = first["environment"]
    endpoints = yaml.safe_load((ROOT / env["XASO_RASA_ENDPOINTS"]).read_text(encoding="utf-8"))
    assert endpoints["lock_store"]["type"] == "redis"
    assert endpoints["tracker_store"]["type"] == "SQL" and endpoints["tracker_store"]["dialect"] == "postgresql"
    start = read_text("scripts/start-rasa.sh")
    for variable in re.findall(r"\$\{(\w+)\}", (ROOT / env["XASO_RASA_ENDPOINTS"]).read_text(encoding="utf-8")):
        provided = variable in env or variable in GENERATED_SECRETS or f'{variable}="${{{variable}:-' in start
        assert provided, f"{variable} is not set for rasa"
    assert env["XASO_TRACKER_HOST"].split(":")[0] == "postgres" and env["XASO_REDIS_HOST"] == "redis"
    assert "models" in " ".join(first["volumes"]) and (ROOT / "bot" / "credentials.yml").is_file()
    gateway_rasa = SERVICES["gateway"]["environment"]["XASO_RASA_URL"].split(",")
    assert gateway_rasa == [f"http://{name}:5005" for name in RASA]
    assert "XASO_RASA_HOST=0.0.0.0" in read_text("docker/rasa.Dockerfile")  # reachable on the compose network


def test_postgresql_init_creates_both_databases() -> None:
    postgres = SERVICES["postgres"]["environment"]
    gateway = make_url(SERVICES["gateway"]["environment"]["DATABASE_URL"])
    assert (gateway.database, gateway.username, gateway.host) == (
        postgres["POSTGRES_DB"],
        postgres["POSTGRES_USER"],
        "postgres",
    )
    init = [v.split(":")[0] for v in SERVICES["postgres"]["volumes"] if "docker-entrypoint-initdb.d" in v]
    assert len(init) == 1
    sql = (ROOT / init[0]).read_text(encoding="utf-8")
    for name in RASA:
        tracker_db = SERVICES[name]["environment"]["XASO_TRACKER_DB"]
        assert re.search(rf"CREATE DATABASE {tracker_db}\b", sql), f"nothing creates {tracker_db}"
    assert Settings(database_url=str(SERVICES["gateway"]["environment"]["DATABASE_URL"])).database_url.startswith(
        "postgresql+psycopg://"
    )


def test_gateway_runs_two_workers_on_redis() -> None:
    env = SERVICES["gateway"]["environment"]
    assert int(env["XASO_GATEWAY_WORKERS"]) == 2
    assert Settings(redis_url=env["REDIS_URL"]).redis_url == "redis://redis:6379/0"
    assert Path(ROOT / "scripts" / "start-gateway.sh").read_text(encoding="utf-8").count("XASO_GATEWAY_WORKERS") >= 1


def test_caddy_terminates_tls_in_front_and_is_the_only_proxy_the_gateway_believes() -> None:
    caddy, gateway = SERVICES["caddy"], SERVICES["gateway"]
    assert caddy["image"].startswith("caddy:") and {"80:80", "443:443"} <= set(caddy["ports"])
    # Only Caddy is public; the gateway's own port is bound to the host's loopback.
    published = [p for name, s in SERVICES.items() if name != "caddy" for p in s.get("ports", [])]
    assert all(p.startswith("127.0.0.1:") for p in published), published
    mounted = {v.split(":")[1]: v.split(":")[0] for v in caddy["volumes"] if v.startswith(".")}
    caddyfile = (ROOT / mounted["/etc/caddy/Caddyfile"]).read_text(encoding="utf-8")
    assert "reverse_proxy gateway:8000" in caddyfile and "{$XASO_DOMAIN}" in caddyfile
    assert re.search(r"@internal path /api/v1/internal/\* /metrics", caddyfile)  # internal routes stay internal
    assert "XASO_DOMAIN" in caddy["environment"] and "Strict-Transport-Security" in caddyfile
    address = caddy["networks"]["default"]["ipv4_address"]
    assert gateway["environment"]["XASO_FORWARDED_ALLOW_IPS"] == address
    subnet = COMPOSE["networks"]["default"]["ipam"]["config"][0]["subnet"]
    import ipaddress

    assert ipaddress.ip_address(address) in ipaddress.ip_network(subnet)
    assert gateway["environment"]["XASO_PUBLIC_BASE_URL"].startswith("https://${XASO_DOMAIN")
