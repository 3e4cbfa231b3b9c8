"""Attack 8c: with ``.env`` lacking a key the gateway ran with built-in secrets (``dev-secret-key-change-me``,
``dev-service-token``…) without a word. In production mode (``XASO_ENV=production``, set by docker-compose) it
refuses to start; so does the action server."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.security.conftest import gateway_env, start_gateway
from tests.support.paths import ROOT
from tests.support.processes import free_port

STRONG = {
    "XASO_RASA_TOKEN": "r" * 8 + "-strong-rasa-token-0123456789",
    "XASO_SERVICE_TOKEN": "s" * 8 + "-strong-service-token-0123456789",
    "XASO_SECRET_KEY": "k" * 8 + "-strong-secret-key-0123456789",
    "XASO_SECRETS_KEY": "c" * 8 + "-strong-secrets-key-0123456789",
}


def _run(script: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    return subprocess.run(
        [str(ROOT / "scripts" / script)], cwd=ROOT, env=full, capture_output=True, text=True, timeout=timeout
    )


@pytest.mark.slow
def test_production_gateway_refuses_built_in_secrets(app: FastAPI, database_url: str, tmp_path: Path) -> None:
    env = gateway_env(database_url, tmp_path, XASO_ENV="production", XASO_GATEWAY_PORT=str(free_port()))
    # As if .env lacked them: the built-in defaults apply (named explicitly, since a local .env may exist).
    env |= {
        "XASO_RASA_TOKEN": "dev-rasa-token",
        "XASO_SERVICE_TOKEN": "dev-service-token",
        "XASO_SECRET_KEY": "dev-secret-key-change-me",
    }
    result = _run("start-gateway.sh", env)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "XASO_ENV=production" in output and "XASO_SECRET_KEY" in output and "XASO_SERVICE_TOKEN" in output


@pytest.mark.slow
def test_production_gateway_refuses_the_test_only_fetch_opt_out(
    app: FastAPI, database_url: str, tmp_path: Path
) -> None:
    env = gateway_env(database_url, tmp_path, XASO_ENV="production", XASO_GATEWAY_PORT=str(free_port()), **STRONG)
    result = _run("start-gateway.sh", {**env, "XASO_OUTBOUND_ALLOW_PRIVATE": "true"})
    assert result.returncode != 0 and "XASO_OUTBOUND_ALLOW_PRIVATE" in result.stdout + result.stderr


@pytest.mark.slow
def test_production_gateway_starts_only_with_real_secrets(app: FastAPI, database_url: str, tmp_path: Path) -> None:
    short = {**STRONG, "XASO_SECRET_KEY": "ngan-qua"}
    env = gateway_env(database_url, tmp_path, XASO_ENV="production", XASO_GATEWAY_PORT=str(free_port()), **short)
    refused = _run("start-gateway.sh", env)
    assert refused.returncode != 0 and "quá ngắn" in refused.stdout + refused.stderr
    gateway = start_gateway(database_url, tmp_path, XASO_ENV="production", **STRONG)
    try:
        assert httpx.get(f"{gateway.url}/api/v1/communes/xa-demo").status_code == 200
    finally:
        gateway.stop()


def test_production_action_server_refuses_the_built_in_token(tmp_path: Path) -> None:
    env = {"XASO_ENV": "production", "XASO_ACTIONS_PORT": str(free_port()), "XASO_SERVICE_TOKEN": "dev-service-token"}
    result = _run("start-actions.sh", env, timeout=120)
    assert result.returncode != 0 and "XASO_SERVICE_TOKEN" in result.stdout + result.stderr
