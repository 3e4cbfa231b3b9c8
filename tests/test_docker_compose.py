"""No Docker engine runs here, so the production compose file is checked statically: every service's command,
image recipe and configuration must exist and match what `make run` starts."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from api.config import Settings
from tests.support.paths import ROOT

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES: dict[str, Any] = COMPOSE["services"]
PROCFILE = {
    name.strip(): command.strip()
    for name, _, command in (line.partition(":") for line in (ROOT / "Procfile").read_text().splitlines() if line)
}


def test_production_shape_has_every_service() -> None:
    assert set(SERVICES) == {"postgres", "redis", "rasa", "actions", "gateway"}


@pytest.mark.parametrize("name", ["rasa", "actions", "gateway"])
def test_service_runs_the_same_command_as_make_run(name: str) -> None:
    command = SERVICES[name]["command"]
    assert command == [PROCFILE[name]]
    script = ROOT / command[0]
    assert script.is_file() and os.access(script, os.X_OK)


@pytest.mark.parametrize("name", ["rasa", "actions", "gateway"])
def test_image_recipe_copies_only_existing_paths(name: str) -> None:
    dockerfile = ROOT / SERVICES[name]["build"]["dockerfile"]
    copied = re.findall(r"^COPY\s+(.+?)\s+\S+$", dockerfile.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert copied
    for sources in copied:
        for source in sources.split():
            assert (ROOT / source).exists(), f"{dockerfile.name} copies missing {source}"


def test_gateway_environment_maps_to_settings() -> None:
    env = SERVICES["gateway"]["environment"]
    fields = {f"XASO_{name.upper()}" for name in Settings.model_fields} | {"DATABASE_URL", "REDIS_URL"}
    unknown = set(env) - fields
    assert not unknown, f"compose sets variables the gateway does not read: {unknown}"
    settings = Settings(**{k: v for k, v in env.items() if k in ("DATABASE_URL", "REDIS_URL")})
    assert settings.database_url.startswith("postgresql+psycopg://")


def test_rasa_configuration_files_exist_and_use_the_compose_variables() -> None:
    env = SERVICES["rasa"]["environment"]
    endpoints = (ROOT / env["XASO_RASA_ENDPOINTS"]).read_text(encoding="utf-8")
    for variable in re.findall(r"\$\{(\w+)\}", endpoints):
        assert variable in env or variable.startswith("XASO_REDIS"), f"{variable} not set for rasa"
    assert Path(ROOT / "bot" / "credentials.yml").is_file()
    assert "models" in " ".join(SERVICES["rasa"]["volumes"])
