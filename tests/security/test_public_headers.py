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


def test_every_public_page_sends_the_security_headers(client: TestClient) -> None:
    for path in PUBLIC_PAGES:
        # A client claiming HTTPS itself is not believed (no proxy configured): plain HTTP pins nothing.
        response = client.get(path, headers={"X-Forwarded-Proto": "https"})
        csp = response.headers.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "object-src 'none'" in csp, path
        assert response.headers.get("x-content-type-options") == "nosniff", path
        assert response.headers.get("referrer-policy") == "same-origin", path
        assert "strict-transport-security" not in response.headers, path


def test_the_console_keeps_its_own_stricter_policy(client: TestClient) -> None:
    csp = client.get("/staff/login").headers["content-security-policy"]
    assert "style-src 'self';" in csp  # the console allows no inline style; the public default would


@pytest.mark.slow
def test_hsts_only_over_https_as_reported_by_a_believed_proxy(app: FastAPI, database_url: str, tmp_path: Path) -> None:
    """The gateway as `make run`/compose start it, told to believe the proxy on 127.0.0.1 (the test plays it)."""
    behind_proxy = start_gateway(database_url, tmp_path, XASO_FORWARDED_ALLOW_IPS="127.0.0.1")
    try:
        via_https = httpx.get(f"{behind_proxy.url}/privacy", headers={"X-Forwarded-Proto": "https"}, timeout=10)
        assert via_https.headers["strict-transport-security"].startswith("max-age=31536000")
        via_http = httpx.get(f"{behind_proxy.url}/privacy", headers={"X-Forwarded-Proto": "http"}, timeout=10)
        assert "strict-transport-security" not in via_http.headers
        assert via_http.headers["x-request-id"]  # every response names its request (api/infra/logs.py)
    finally:
        behind_proxy.stop()


def test_api_docs_are_off_in_production_unless_asked(settings: Settings) -> None:
    assert not Settings(env="production").api_docs_served()
    assert Settings(env="production", api_docs="public").api_docs_served()
    assert Settings(env="development").api_docs_served()
    with TestClient(create_app(settings.model_copy(update={"api_docs": "off"}))) as off:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert off.get(path).status_code == 404, path
        assert off.get("/privacy").status_code == 200
