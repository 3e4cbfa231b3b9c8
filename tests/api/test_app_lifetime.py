"""An app that nobody holds any more is freed. FastAPI caches endpoint functions process-wide and SQLAlchemy keeps
session listeners in a process-wide registry: a page function or a commit listener that closed over its app kept
every app alive (a test worker builds one per test and grew to more than a gigabyte; api/docs.py and
api/infra/signals.py now hold strings and a weak reference)."""

from __future__ import annotations

import gc
import weakref

from fastapi.testclient import TestClient

from api.config import Settings
from api.main import create_app


def test_an_app_built_served_and_dropped_is_freed(settings: Settings) -> None:
    app = create_app(settings)
    with TestClient(app) as client:  # its lifespan and a page of the docs
        assert client.get("/docs").status_code == 200
    gone = weakref.ref(app)
    del app, client
    gc.collect()
    assert gone() is None
