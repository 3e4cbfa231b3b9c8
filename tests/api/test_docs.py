"""The API docs work offline: /docs and /redoc load their scripts from the gateway, never from a CDN."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.support.asgi_thread import serve
from tests.support.browser import launched_chromium


def test_docs_pages_reference_only_local_assets(client: TestClient) -> None:
    for path in ("/docs", "/redoc"):
        page = client.get(path)
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        external = [u for u in re.findall(r'(?:src|href)="([^"]+)"', page.text) if not u.startswith("/")]
        assert external == [], f"{path} loads {external}"
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"):
        response = client.get(f"/static/api-docs/{asset}")
        assert response.status_code == 200 and len(response.content) > 100_000


@pytest.mark.slow
def test_swagger_ui_renders_the_operations_with_the_internet_cut_off(app: FastAPI) -> None:
    with serve(app) as base, launched_chromium() as browser:
        page = browser.new_page()
        outside: list[str] = []

        def only_loopback(route: object) -> None:
            request = route.request  # type: ignore[attr-defined]
            if request.url.startswith(base):
                route.continue_()  # type: ignore[attr-defined]
            else:  # ReDoc's footer logo is an image from its CDN: the page works without it
                if request.resource_type != "image":
                    outside.append(request.url)
                route.abort()  # type: ignore[attr-defined]

        page.route("**/*", only_loopback)
        page.goto(f"{base}/docs")
        page.wait_for_selector(".opblock", timeout=20_000)
        assert page.locator(".opblock").count() > 20
        page.goto(f"{base}/redoc")
        page.wait_for_selector("h1", timeout=20_000)
        assert "Xã Số API" in page.inner_text("body")
        assert outside == []
