"""Issue 26: every public page carries security headers (not only the console), HSTS only over HTTPS as reported by a
proxy the gateway was told to believe, and the API docs are off in production."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.config import Settings
from api.main import create_app
from tests.security.conftest import start_gateway

PUBLIC_PAGES = [
    "/",  # the widget's demo page
    "/privacy",
    "/static/web/widget.js",
    "/api/v1/communes/xa-demo",
    "/open311/v2/services.json",
    "/health",
    "/khong-co-trang-nay",  # a 404 too
]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_every_public_page_sends_the_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    csp = response.headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "object-src 'none'" in csp, path
    assert response.headers.get("x-content-type-options") == "nosniff"
    assert response.headers.get("referrer-policy") == "same-origin"
    assert "strict-transport-security" not in response.headers  # plain HTTP: never pin a browser to HTTPS


def test_the_console_keeps_its_own_stricter_policy(client: TestClient) -> None:
    csp = client.get("/staff/login").headers["content-security-policy"]
    assert "style-src 'self';" in csp  # the console allows no inline style; the public default would


def test_hsts_only_over_https_as_reported_by_a_believed_proxy(app: FastAPI, database_url: str, tmp_path: Path) -> None:
    claims_https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    untrusted = start_gateway(database_url, tmp_path / "a")  # XASO_FORWARDED_ALLOW_IPS unset
    try:
        forged = httpx.get(f"{untrusted.url}/privacy", headers=claims_https, timeout=10)
        assert "strict-transport-security" not in forged.headers  # anyone can send the header: not believed
    finally:
        untrusted.stop()
    behind_proxy = start_gateway(database_url, tmp_path / "b", XASO_FORWARDED_ALLOW_IPS="127.0.0.1")
    try:
        response = httpx.get(f"{behind_proxy.url}/privacy", headers=claims_https, timeout=10)
        assert response.headers["strict-transport-security"].startswith("max-age=31536000")
    finally:
        behind_proxy.stop()


def test_api_docs_are_off_in_production_unless_asked(settings: Settings) -> None:
    assert not Settings(env="production").api_docs_served()
    assert Settings(env="production", api_docs="public").api_docs_served()
    assert Settings(env="development").api_docs_served()
    with TestClient(create_app(settings.model_copy(update={"api_docs": "off"}))) as off:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert off.get(path).status_code == 404, path
        assert off.get("/health").status_code == 200
