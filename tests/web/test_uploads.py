"""The web chat's photo upload refuses what it cannot use with a 4xx naming the problem (never a 5xx)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient


@pytest.mark.parametrize("commune", ["xa:demo", "xa demo", "không-có-xã"])
def test_an_unknown_or_malformed_commune_is_a_404(app: FastAPI, commune: str) -> None:
    with TestClient(app) as client:
        response = client.post(
            "/webhooks/web/uploads",
            data={"sender": "uploader12345678", "commune": commune},
            files={"file": ("a.png", b"\x89PNG")},
        )
    assert response.status_code == 404, response.text
    assert response.json()["error"]["field"] == "commune"


def test_a_nul_in_the_commune_is_a_422_on_every_database(app: FastAPI) -> None:
    with TestClient(app) as client:
        events = client.get("/webhooks/web/events", params={"sender": "uploader12345678", "commune": "xa\x00demo"})
        upload = client.post(
            "/webhooks/web/uploads",
            data={"sender": "uploader12345678", "commune": "xa\x00demo"},
            files={"file": ("a.png", b"\x89PNG")},
        )
    assert events.status_code == upload.status_code == 422, (events.text, upload.text)
